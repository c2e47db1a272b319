import Foundation
import GGMDetection

/// An event as the API sends it: the monitor's JSON Lines object (the fields `ggmwatch monitor`
/// prints, indices from the stream's first row) with the stream's `sequence` number beside them.
struct WireEvent: Encodable, Sendable {
    let sequenced: SequencedEvent

    private enum Keys: String, CodingKey { case sequence }

    func encode(to encoder: any Encoder) throws {
        try sequenced.event.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(sequenced.sequence, forKey: .sequence)
    }
}

/// A stream's status (`GET /v1/streams/{name}` and each entry of `GET /v1/streams`).
struct StreamStatus: Encodable, Sendable {
    struct LastStatistics: Encodable, Sendable {
        let index: Int
        let statistics: StatisticMap
        let thresholds: Thresholds?
    }

    let name: String
    let columns: [String]
    let settings: [String: JSONValue]
    let created: Date
    let phase: MonitorPhase
    let observations: Int
    let next: Int
    let alarms: Int
    let alarmIndices: [Int]
    let thresholds: Thresholds?
    let lastStatistics: LastStatistics?
    let pendingCalibration: Bool
    let calibrating: Bool
    let calibrationError: String?
    let calibrations: Int
    let calibrationSeconds: Double
    let fits: Int
    let lastSequence: Int
    let owner: String?
    let heldSince: Date

    init(definition: StreamDefinition, served: ServedStream, calibrating: Bool, owner: String?, heldSince: Date) {
        let monitor = served.stream.monitor
        name = definition.name
        columns = definition.columns
        settings = definition.settings
        created = definition.created
        phase = monitor.phase
        observations = monitor.observationCount
        next = served.stream.next
        alarms = monitor.alarms.count
        alarmIndices = monitor.alarms.map(\.index)
        thresholds = monitor.thresholds
        lastStatistics = served.trace.last.map { LastStatistics(index: $0.index, statistics: $0.statistics, thresholds: $0.thresholds) }
        pendingCalibration = served.stream.awaitingCalibration
        self.calibrating = calibrating
        calibrationError = served.calibrationError
        calibrations = monitor.calibrationCount
        calibrationSeconds = served.calibrationSeconds
        fits = monitor.fitCount
        lastSequence = served.stream.lastSequence
        self.owner = owner
        self.heldSince = heldSince
    }
}

/// The reply to a batch.
struct BatchReplyBody: Encodable, Sendable {
    let accepted: Int
    let next: Int
    let duplicate: Bool
    let pendingCalibration: Bool
    let events: [WireEvent]
}

/// An error reply: `{"error": message}` and, where they apply, the batch row, column and text,
/// the setting, or the row the stream expects.
struct ErrorBody: Encodable, Sendable, Error {
    let error: String
    var setting: String? = nil
    var row: Int? = nil
    var column: String? = nil
    var text: String? = nil
    var expected: Int? = nil
}

/// The JSON body of a batch: `{"rows": [[...], ...], "labels": [...]}`.
struct JSONBatch: Decodable {
    let rows: [[JSONValue]]
    let labels: [String]?
}

/// The body of `POST /v1/streams`.
struct CreateBody: Decodable {
    let name: String
    let columns: [String]
    let settings: [String: JSONValue]?
}

enum WireJSON {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// What a decoding error says, with the path to the bad value.
    static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?: return "missing field \"\(key.stringValue)\"\(path(context))"
        case let .typeMismatch(type, context)?: return "expected \(type)\(path(context))"
        case let .valueNotFound(type, context)?: return "expected \(type)\(path(context)), found null"
        case let .dataCorrupted(context)?: return "the body is not valid JSON\(path(context)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
