import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// The service's unit of state: atomic, idempotent batches, calibration off the request path,
/// events numbered, the whole state restorable.
@Suite struct MonitoredStreamTests {
    static func state(_ s: MonitoredStream<NetworkScore>) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(s)
    }

    static func stream() throws -> MonitoredStream<NetworkScore> {
        MonitoredStream(monitor: try OnlineMonitor(dimension: 8, configuration: LifecycleTests.configuration()))
    }

    /// The alarms of one uninterrupted blocking run (`MonitorDriver`, as `ggmwatch monitor`).
    static func blockingEvents(_ rows: [[Double]]) throws -> [MonitorEvent] {
        var driver = MonitorDriver(monitor: try OnlineMonitor(dimension: 8, configuration: LifecycleTests.configuration()))
        var events: [MonitorEvent] = []
        for x in rows { events += try driver.feed(x).events }
        return events
    }

    /// Feeds `rows` in batches of `size`, running each calibration when it is asked for (as a
    /// background worker would, after the batch that needed it).
    static func feed(_ stream: inout MonitoredStream<NetworkScore>, _ rows: [[Double]], from start: Int = 0, size: Int) throws -> [SequencedEvent] {
        var raised: [SequencedEvent] = []
        var first = start
        while first < rows.count {
            let batch = Array(rows[first..<min(rows.count, first + size)])
            let outcome = try stream.apply(batch, first: first)
            raised += outcome.events
            #expect(outcome.next == first + batch.count && outcome.accepted == batch.count)
            if let request = stream.calibrationRequest { raised += try stream.install(try request.run()) }
            first += batch.count
        }
        return raised
    }

    @Test("batched with calibration between batches: the events of one blocking run, numbered 1, 2, ...", arguments: [1, 7, 64])
    func sameEventsAsBlocking(size: Int) throws {
        let rows = try LifecycleTests.rows()
        var stream = try Self.stream()
        let events = try Self.feed(&stream, rows, size: size)
        #expect(events.map(\.event) == (try Self.blockingEvents(rows)))
        #expect(events.map(\.sequence) == Array(1...max(1, events.count)).prefix(events.count).map { $0 })
        #expect(!events.isEmpty)
        #expect(stream.events(after: 1).map(\.sequence) == Array(events.dropFirst().map(\.sequence)))
    }

    @Test("a resent batch is acknowledged without being applied; an overlap applies only its new rows; a gap is an error")
    func idempotence() throws {
        let rows = try LifecycleTests.rows()
        var stream = try Self.stream()
        _ = try stream.apply(Array(rows[0..<100]), first: 0)
        let before = try Self.state(stream)
        let resent = try stream.apply(Array(rows[50..<100]), first: 50)
        #expect(resent.duplicate && resent.accepted == 0 && resent.next == 100)
        #expect(try Self.state(stream) == before)
        let overlap = try stream.apply(Array(rows[90..<120]), first: 90)
        #expect(!overlap.duplicate && overlap.accepted == 20 && overlap.next == 120)
        #expect(throws: MonitoredStream<NetworkScore>.BatchError.gap(expected: 120, first: 130)) {
            try stream.apply(Array(rows[130..<140]), first: 130)
        }
    }

    @Test("a bad row rejects the whole batch and names it; nothing is applied")
    func atomic() throws {
        let rows = try LifecycleTests.rows()
        var stream = try Self.stream()
        _ = try stream.apply(Array(rows[0..<40]), first: 0)
        let before = try Self.state(stream)
        var batch = Array(rows[40..<60])
        batch[13][5] = .infinity
        #expect { try stream.apply(batch, first: 40) } throws: { error in
            guard case .nonFinite(13, 53, 5, let v)? = error as? MonitoredStream<NetworkScore>.BatchError else { return false }
            return v == .infinity
        }
        batch[13] = [1, 2, 3]
        #expect(throws: MonitoredStream<NetworkScore>.BatchError.rowLength(row: 13, streamRow: 53, expected: 8, found: 3)) {
            try stream.apply(batch, first: 40)
        }
        #expect(throws: MonitoredStream<NetworkScore>.BatchError.labelCount(rows: 20, labels: 2)) {
            try stream.apply(Array(rows[40..<60]), labels: ["a", "b"], first: 40)
        }
        #expect(try Self.state(stream) == before)
        #expect(stream.next == 40)
        #expect(MonitoredStream<NetworkScore>.BatchError.nonFinite(row: 13, streamRow: 53, column: 5, value: .infinity).description
            == "batch row 14 (stream row 53), column 6: inf is not a finite number")
    }

    @Test("rows arriving while a calibration is pending are held; their alarms come with the installed calibration")
    func pendingCalibration() throws {
        let rows = try LifecycleTests.rows()
        var stream = try Self.stream()
        let first = try stream.apply(Array(rows[0..<150]), first: 0)
        #expect(first.awaitingCalibration && stream.calibrationRequest != nil)
        // The change at row 300 arrives before the calibration is installed.
        let held = try stream.apply(Array(rows[150..<400]), first: 150)
        #expect(held.events.isEmpty && held.awaitingCalibration && held.next == 400)
        let request = try #require(stream.calibrationRequest)
        let delivered = try stream.install(try request.run())
        #expect(delivered.contains { if case .alarm = $0.event { return true } else { return false } })
        var rest = try Self.feed(&stream, rows, from: 400, size: 50)
        rest = delivered + rest
        #expect(rest.map(\.event) == (try Self.blockingEvents(rows)))
    }

    @Test("saved and restored at any batch boundary, the stream continues exactly", arguments: [40, 150, 310])
    func restore(cut: Int) throws {
        let rows = try LifecycleTests.rows()
        var whole = try Self.stream()
        let all = try Self.feed(&whole, rows, size: 10)
        var stream = try Self.stream()
        var events = try Self.feed(&stream, Array(rows[0..<cut]), size: 10)
        var restored = try JSONDecoder().decode(MonitoredStream<NetworkScore>.self, from: try JSONEncoder().encode(stream))
        events += try Self.feed(&restored, rows, from: cut, size: 10)
        #expect(events == all)
        #expect(restored.events == whole.events)
    }
}
