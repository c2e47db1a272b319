/// One named stream of a service: its monitor, the index of the next row it expects, and the
/// numbered log of the events it raised. The unit a service persists and serves (issue: `ggmwatch
/// serve`), usable without one.
///
/// - **Batches are atomic.** ``apply(_:labels:first:)`` checks every row before any is applied
///   and applies them to a copy, so a bad row (wrong length, non-finite value) or a monitor error
///   leaves the stream exactly as it was.
/// - **Batches are idempotent.** `first` is the 0-based index of the batch's first row in the
///   stream. A batch that was already applied (`first + count <= next`) is acknowledged without
///   being applied again; one that overlaps the end applies only its new rows; one that starts
///   after `next` is a gap (``BatchError/gap(expected:first:)``).
/// - **Calibration runs where the caller decides.** Rows are applied with
///   ``SequentialMonitor/update(_:label:)``, never calibrating: when thresholds are needed the
///   monitor holds the rows, ``calibrationRequest`` says what to simulate (off the request path),
///   and ``install(_:)`` scores the held rows and returns their events, in order.
/// - The whole state is `Codable`: restored, it continues exactly where it stopped.
public struct MonitoredStream<Score: WindowScore>: Codable, Sendable {
    public private(set) var monitor: SequentialMonitor<Score>
    /// Group of each node, for the events' group attribution.
    public var groups: [String?]?
    /// The events raised so far, oldest first; `sequence` counts from 1.
    public private(set) var events: [SequencedEvent] = []

    public init(monitor: SequentialMonitor<Score>, groups: [String?]? = nil) {
        self.monitor = monitor
        self.groups = groups
    }

    /// The 0-based index of the next row the stream expects (the rows applied so far).
    public var next: Int { monitor.observationCount }

    /// The sequence number of the last event (0 before any).
    public var lastSequence: Int { events.last?.sequence ?? 0 }

    /// The events after sequence number `sequence`, oldest first.
    public func events(after sequence: Int) -> ArraySlice<SequencedEvent> {
        let start = events.firstIndex { $0.sequence > sequence } ?? events.endIndex
        return events[start...]
    }

    /// What the monitor needs simulated before it can score the rows it holds (nil: nothing).
    public var calibrationRequest: CalibrationRequest<Score>? { monitor.calibrationRequest }

    /// Whether rows are held until thresholds are installed (their alarms are pending calibration).
    public var awaitingCalibration: Bool { monitor.phase == .awaitingThresholds }

    /// What a batch did.
    public struct BatchOutcome: Sendable, Equatable {
        /// Rows applied by this call (0 for a batch that was already applied).
        public var accepted: Int
        /// The index of the next row the stream expects.
        public var next: Int
        /// The events the batch raised, numbered.
        public var events: [SequencedEvent]
        /// Whether the batch had been applied before (an idempotent resend).
        public var duplicate: Bool
        /// Whether rows are held until a calibration is installed.
        public var awaitingCalibration: Bool
        /// The monitor's steps for the applied rows (statistics and thresholds of each scored window).
        public var steps: [MonitorStep] = []
    }

    /// Why a batch was not applied. Nothing of it was.
    public enum BatchError: Error, Equatable, CustomStringConvertible, Sendable {
        /// The batch starts after the next expected row.
        case gap(expected: Int, first: Int)
        /// Labels were given but not one per row.
        case labelCount(rows: Int, labels: Int)
        /// Row `row` of the batch (0-based; stream row `first + row`) has the wrong number of values.
        case rowLength(row: Int, streamRow: Int, expected: Int, found: Int)
        /// Row `row` of the batch has a non-finite value in `column` (0-based).
        case nonFinite(row: Int, streamRow: Int, column: Int, value: Double)
        /// The monitor failed on a row (a reference that cannot be estimated, a statistic that is not finite).
        case monitor(MonitorError)

        public var description: String {
            switch self {
            case let .gap(expected, first):
                return "the batch starts at row \(first) but the stream expects row \(expected) next"
            case let .labelCount(rows, labels):
                return "\(labels) labels for \(rows) rows"
            case let .rowLength(row, streamRow, expected, found):
                return "batch row \(row + 1) (stream row \(streamRow)) has \(found) values, expected \(expected)"
            case let .nonFinite(row, streamRow, column, value):
                return "batch row \(row + 1) (stream row \(streamRow)), column \(column + 1): \(value) is not a finite number"
            case let .monitor(error):
                return error.description
            }
        }
    }

    /// Applies a batch of rows whose first is stream row `first` (see the type's documentation).
    public mutating func apply(_ rows: [[Double]], labels: [String]? = nil, first: Int) throws(BatchError) -> BatchOutcome {
        if let labels, labels.count != rows.count { throw .labelCount(rows: rows.count, labels: labels.count) }
        guard first <= next else { throw .gap(expected: next, first: first) }
        let p = monitor.dimension
        for (i, row) in rows.enumerated() {
            guard row.count == p else { throw .rowLength(row: i, streamRow: first + i, expected: p, found: row.count) }
            if let j = row.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(row: i, streamRow: first + i, column: j, value: row[j])
            }
        }
        let skip = next - first
        guard skip < rows.count else {
            return BatchOutcome(accepted: 0, next: next, events: [], duplicate: true, awaitingCalibration: awaitingCalibration)
        }
        var copy = self
        var steps: [MonitorStep] = []
        do {
            // Rows in blocks where the monitor takes them at once (large p), the same steps as one by one.
            var i = skip
            while i < rows.count {
                let room = copy.monitor.quietBlockRoom(limit: Swift.min(WindowStatistics.blockCapacity, rows.count - i))
                if room >= 2, let block = copy.monitor.updateQuietBlock(Array(rows[i..<(i + room)]),
                                                                         labels: labels.map { $0[i..<(i + room)].map(Optional.some) }) {
                    steps += block
                    i += room
                    continue
                }
                // One row, or the rows of a block that fires, one by one.
                for k in i..<(i + Swift.max(room, 1)) { steps.append(try copy.monitor.update(rows[k], label: labels?[k])) }
                i += Swift.max(room, 1)
            }
        } catch {
            throw .monitor(error)
        }
        let raised = copy.record(MonitorDriver<Score>.events(of: steps, groups: groups))
        self = copy
        return BatchOutcome(accepted: rows.count - skip, next: next, events: raised, duplicate: false,
                            awaitingCalibration: awaitingCalibration, steps: steps)
    }

    /// Installs a finished calibration: the held rows are scored and their events returned.
    public mutating func install(_ result: CalibrationResult) throws(MonitorError) -> [SequencedEvent] {
        try installScoring(result).events
    }

    /// ``install(_:)``, with the monitor's steps for the held rows.
    public mutating func installScoring(_ result: CalibrationResult) throws(MonitorError) -> (events: [SequencedEvent], steps: [MonitorStep]) {
        var copy = self
        let steps = try copy.monitor.install(result)
        let raised = copy.record(MonitorDriver<Score>.events(of: steps, groups: groups))
        self = copy
        return (raised, steps)
    }

    private mutating func record(_ new: [MonitorEvent]) -> [SequencedEvent] {
        var raised: [SequencedEvent] = []
        for event in new {
            let numbered = SequencedEvent(sequence: lastSequence + 1, event: event)
            events.append(numbered)
            raised.append(numbered)
        }
        return raised
    }
}

/// An event of a ``MonitoredStream`` with its sequence number (1, 2, ... per stream).
public struct SequencedEvent: Codable, Sendable, Equatable {
    public var sequence: Int
    public var event: MonitorEvent

    public init(sequence: Int, event: MonitorEvent) {
        self.sequence = sequence
        self.event = event
    }
}
