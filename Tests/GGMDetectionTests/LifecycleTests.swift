import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// Calibration off the hot path, the library defaults, and the event schema.
@Suite struct LifecycleTests {
    static func configuration() -> MonitorConfiguration {
        MonitorConfiguration(burnIn: 150, window: 20, refitEvery: 20, detector: .combined,
                             thresholds: .calibrated(CalibrationSettings(target: .averageRunLength(500), replicates: 30, seed: 5)))
    }

    static func rows() throws -> [[Double]] {
        try StreamSimulation(p: 8, segmentLengths: [300, 300], graph: .random, change: .global, seed: 4).generate()
            .observations.rowArrays
    }

    @Test func libraryDefaultsAreTheCommandLineDefaults() {
        let c = MonitorConfiguration()
        #expect(c.detector == .combined)
        #expect(c.thresholds == .calibrated(CalibrationSettings()))
        #expect(CalibrationSettings().target == .averageRunLength(5000))
        #expect(c.burnIn == 500 && c.window == 50 && c.refitEvery == 50)
    }

    /// `update` never calibrates: it says so and holds the rows; installing a calibration run
    /// elsewhere scores them, and the result equals the blocking `process` driver's bit for bit.
    @Test func updateAsksForThresholdsAndHoldsRowsUntilInstalled() throws {
        let rows = try Self.rows()
        var blocking = try OnlineMonitor(dimension: 8, configuration: Self.configuration())
        var blockingSteps: [MonitorStep] = []
        for x in rows { blockingSteps += try blocking.process(x) }

        var monitor = try OnlineMonitor(dimension: 8, configuration: Self.configuration())
        var steps: [MonitorStep] = []
        var request: CalibrationRequest<NetworkScore>?
        for (t, x) in rows.enumerated() {
            let step = try monitor.update(x)
            if t < 149 { #expect(step.phase == .burnIn && !step.needsThresholds) }
            if t == 149 {
                #expect(step.needsThresholds && step.refitted)
                #expect(monitor.phase == .awaitingThresholds)
                request = monitor.calibrationRequest
            }
            if (150..<190).contains(t) {
                #expect(step.phase == .awaitingThresholds && !step.evaluated)
                continue   // held: their steps come from install
            }
            if t == 190 {
                // The calibration finished "in the background" meanwhile: 41 held rows are scored now.
                #expect(monitor.heldCount == 41)
                let installed = try monitor.install(try #require(request).run())
                #expect(installed.count == 41)
                #expect(installed.map(\.index) == Array(150...190))
                steps += installed
                continue
            }
            steps.append(step)
            // Later restarts ask again: calibrate at once, as `process` does.
            if t > 190, step.needsThresholds { steps += try monitor.install(try #require(monitor.calibrationRequest).run()) }
        }
        #expect(monitor.alarms == blocking.alarms)
        #expect(monitor.calibration == blocking.calibration)
        let scored = steps.filter(\.evaluated).map(\.statistics)
        #expect(scored == blockingSteps.filter(\.evaluated).map(\.statistics))
        #expect(!monitor.alarms.isEmpty)
    }

    @Test func aMonitorAwaitingThresholdsSavesAndResumes() throws {
        let rows = try Self.rows()
        var monitor = try OnlineMonitor(dimension: 8, configuration: Self.configuration())
        for x in rows.prefix(160) { _ = try monitor.update(x) }
        #expect(monitor.phase == .awaitingThresholds && monitor.heldCount == 10)
        var resumed = try JSONDecoder().decode(OnlineMonitor.self, from: JSONEncoder().encode(monitor))
        let a = try monitor.install(try #require(monitor.calibrationRequest).run())
        let b = try resumed.install(try #require(resumed.calibrationRequest).run())
        #expect(a == b)
    }

    @Test func aCancelledCalibrationThrowsAndLeavesTheMonitorWaiting() throws {
        var monitor = try OnlineMonitor(dimension: 8, configuration: Self.configuration())
        let rows = try Self.rows()
        for x in rows.prefix(150) { _ = try monitor.update(x) }
        let request = try #require(monitor.calibrationRequest)
        #expect(throws: MonitorError.cancelled) { try request.run(isCancelled: { true }) }
        #expect(monitor.phase == .awaitingThresholds)
        #expect(throws: MonitorError.noCalibrationPending) {
            var quiet = try OnlineMonitor(dimension: 8, configuration: MonitorConfiguration(thresholds: .fixed(global: 3, local: 5)))
            _ = try quiet.install(try request.run())
        }
    }

    @Test func thresholdsMustBeFinite() {
        for bad in [Double.infinity, -.infinity, .nan] {
            #expect(throws: MonitorError.self) {
                _ = try OnlineMonitor(dimension: 4, configuration: MonitorConfiguration(thresholds: .fixed(global: bad, local: 5)))
            }
        }
    }

    @Test func aNominalThresholdThatOverflowsIsAnError() {
        #expect {
            var monitor = try OnlineMonitor(dimension: 4, configuration: MonitorConfiguration(burnIn: 20, window: 5, thresholds: .nominal(alpha: 1e-300)))
            var rng = SeededGenerator(seed: 1)
            for _ in 0..<30 { _ = try monitor.update(rng.standardNormals(4)) }
        } throws: { error in
            String(describing: error).contains("choose a larger alpha")
        }
    }

    @Test func stateFilesOfAnotherFormatAreRejectedWithAMessage() throws {
        let monitor = try OnlineMonitor(dimension: 4, configuration: MonitorConfiguration(thresholds: .fixed(global: 3, local: 5)))
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(monitor)) as? [String: Any])
        object["format"] = 1
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect {
            try JSONDecoder().decode(OnlineMonitor.self, from: data)
        } throws: { error in
            String(describing: error).contains("format 1 is not supported")
        }
    }

    /// Events round-trip through their JSON Lines form, carry the schema version, and the alarm
    /// keeps the flat global/local fields beside the keyed statistics.
    @Test func eventsRoundTripWithTheirSchemaVersion() throws {
        var monitor = try OnlineMonitor(dimension: 8, configuration: Self.configuration())
        var driver = MonitorDriver(monitor: monitor, groups: (0..<8).map { $0 < 4 ? "a" : "b" })
        var events: [MonitorEvent] = []
        for x in try Self.rows() { events += try driver.feed(x).events }
        events += driver.finish()
        monitor = driver.monitor
        #expect(events.contains { if case .alarm = $0 { true } else { false } })
        #expect(events.last?.name == "summary")
        for event in events {
            let line = try event.jsonLine()
            #expect(line.contains("\"schema\":\(MonitorEvent.schemaVersion)"))
            #expect(try JSONDecoder().decode(MonitorEvent.self, from: Data(line.utf8)) == event)
            if case let .alarm(alarm, groups) = event {
                #expect(groups?.isEmpty == false)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                // (JSONSerialization may round the last digit; the Codable round trip above is exact.)
                let flat = try #require(object["globalStatistic"] as? Double)
                let keyed = try #require((object["statistics"] as? [String: Double])?["local"])
                #expect(abs(flat - alarm.statistics.global!) <= 1e-12 * abs(flat))
                #expect(abs(keyed - alarm.statistics.local!) <= 1e-12 * abs(keyed))
            }
        }
        var record = MonitorRecord(title: "t", command: "c", names: [], labels: nil, groups: nil)
        try record.add(eventLines: events.map { try $0.jsonLine() }.joined(separator: "\n"))
        #expect(record.alarms == monitor.alarms)
        #expect(record.summary?.alarms == monitor.alarms.count)
    }
}
