import GGMCore
import Testing
@testable import GGMEvaluation

/// Hand-computed matchings. Unless stated, n = 300 observations and d_max = 50.
@Suite struct AlarmMatchingTests {
    func match(_ changes: [Int], _ alarms: [Int], n: Int = 300, dMax: Int = 50, start: Int = 0) throws -> StreamEvaluation {
        try AlarmMatching.evaluate(changePoints: changes, alarmIndices: alarms, streamLength: n,
                                   maxDelay: dMax, monitoringStart: start)
    }

    @Test func alarmExactlyAtTheChangeHasDelayZero() throws {
        let e = try match([100], [100])
        #expect(e.changes == [.init(changePoint: 100, alarmIndex: 100, delay: 0, localizationError: nil)])
        #expect(e.falseAlarms.isEmpty && e.redundantAlarms.isEmpty)
        #expect(e.exposure == 250)  // 300 minus [100, 150)
        #expect(e.detectedCount == 1 && e.alarmCount == 1 && !e.isNoChangeStream)
    }

    @Test func alarmAtTauPlusDMaxIsFalseAndOneBeforeDetects() throws {
        let late = try match([100], [150])
        #expect(!late.changes[0].isDetected && late.changes[0].delay == nil)
        #expect(late.falseAlarms == [150])
        let justInTime = try match([100], [149])
        #expect(justInTime.changes[0].delay == 49)
        #expect(justInTime.falseAlarms.isEmpty)
    }

    /// Decision: a second alarm within d_max of an already detected change is *redundant*: not a
    /// false alarm (section 8: a false alarm has no change in the previous d_max observations),
    /// and not a second detection. A second alarm beyond d_max is false.
    @Test func secondAlarmAfterOneChange() throws {
        let within = try match([100], [110, 130])
        #expect(within.changes[0].delay == 10)
        #expect(within.redundantAlarms == [130])
        #expect(within.falseAlarms.isEmpty)
        let beyond = try match([100], [110, 170])
        #expect(beyond.changes[0].delay == 10)
        #expect(beyond.redundantAlarms.isEmpty)
        #expect(beyond.falseAlarms == [170])
    }

    @Test func alarmBeforeAnyChangeIsFalse() throws {
        let e = try match([100], [40, 99])
        #expect(e.falseAlarms == [40, 99])
        #expect(!e.changes[0].isDetected)
    }

    /// Changes at 100 and 120 with d_max = 50: the first change's window stops at 120.
    @Test func changesCloserThanDMax() throws {
        let missedFirst = try match([100, 120], [125])
        #expect(missedFirst.changes.map(\.alarmIndex) == [nil, 125])
        #expect(missedFirst.changes[1].delay == 5)
        #expect(missedFirst.falseAlarms.isEmpty && missedFirst.redundantAlarms.isEmpty)

        let both = try match([100, 120], [105, 125, 140, 169, 170])
        #expect(both.changes.map(\.delay) == [5, 5])
        #expect(both.redundantAlarms == [140, 169])  // within 50 of 120, which is already detected
        #expect(both.falseAlarms == [170])           // 170 - 120 = 50: no change in the previous 50
        #expect(both.exposure == 230)                // 300 minus the union [100, 170)
    }

    @Test func exposureRespectsMonitoringStartAndStreamEnd() throws {
        // Monitored 110..<300 (190); windows [100,150) and [200,250) cover 40 + 50 of it.
        #expect(try match([100, 200], [], start: 110).exposure == 100)
        // The window [280, 330) is clipped at the end of the stream.
        #expect(try match([280], []).exposure == 280)
        // A huge d_max does not overflow.
        #expect(try match([280], [299], dMax: Int.max).exposure == 280)
        #expect(try match([280], [299], dMax: Int.max).changes[0].delay == 19)
        #expect(try match([], [], start: 60).exposure == 240)
        #expect(try match([], [], start: 60).monitoredLength == 240)
    }

    @Test func localizationErrorComesFromTheDetectingAlarm() throws {
        let e = try AlarmMatching.evaluate(
            changePoints: [100, 200],
            alarms: [AlarmRecord(index: 112, estimatedChange: 97), AlarmRecord(index: 120, estimatedChange: 100), AlarmRecord(index: 230)],
            streamLength: 300, maxDelay: 50)
        #expect(e.changes[0] == .init(changePoint: 100, alarmIndex: 112, delay: 12, localizationError: 3))
        #expect(e.redundantAlarms == [120])  // its exact estimate does not count
        #expect(e.changes[1] == .init(changePoint: 200, alarmIndex: 230, delay: 30, localizationError: nil))
    }

    @Test func everyAlarmOfANoChangeStreamIsFalse() throws {
        let e = try match([], [0, 17, 299], start: 0)
        #expect(e.isNoChangeStream)
        #expect(e.falseAlarms == [0, 17, 299])
        #expect(e.exposure == 300)
    }

    @Test func validationErrors() throws {
        let cases: [(EvaluationError, () throws -> StreamEvaluation)] = [
            (.invalidStreamLength(0), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 0, maxDelay: 5) }),
            (.invalidMaxDelay(0), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 10, maxDelay: 0) }),
            (.invalidMonitoringStart(start: 10, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 10, maxDelay: 5, monitoringStart: 10) }),
            (.invalidMonitoringStart(start: -1, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 10, maxDelay: 5, monitoringStart: -1) }),
            (.changePointOutOfRange(position: 0, changePoint: 0, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [0], alarmIndices: [], streamLength: 10, maxDelay: 5) }),
            (.changePointOutOfRange(position: 1, changePoint: 10, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [3, 10], alarmIndices: [], streamLength: 10, maxDelay: 5) }),
            (.changePointsNotIncreasing(position: 1, previous: 5, changePoint: 5), { try AlarmMatching.evaluate(changePoints: [5, 5], alarmIndices: [], streamLength: 10, maxDelay: 5) }),
            (.alarmOutOfRange(position: 0, index: -1, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [-1], streamLength: 10, maxDelay: 5) }),
            (.alarmOutOfRange(position: 1, index: 10, streamLength: 10), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [2, 10], streamLength: 10, maxDelay: 5) }),
            (.alarmsNotIncreasing(position: 2, previous: 7, index: 4), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [2, 7, 4], streamLength: 10, maxDelay: 5) }),
            (.alarmsNotIncreasing(position: 1, previous: 7, index: 7), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [7, 7], streamLength: 10, maxDelay: 5) }),
            (.alarmBeforeMonitoring(position: 0, index: 2, monitoringStart: 3), { try AlarmMatching.evaluate(changePoints: [], alarmIndices: [2], streamLength: 10, maxDelay: 5, monitoringStart: 3) }),
            (.estimatedChangeOutOfRange(position: 0, estimatedChange: 6, alarmIndex: 5), { try AlarmMatching.evaluate(changePoints: [], alarms: [AlarmRecord(index: 5, estimatedChange: 6)], streamLength: 10, maxDelay: 5) }),
            (.estimatedChangeOutOfRange(position: 0, estimatedChange: -2, alarmIndex: 5), { try AlarmMatching.evaluate(changePoints: [], alarms: [AlarmRecord(index: 5, estimatedChange: -2)], streamLength: 10, maxDelay: 5) }),
        ]
        for (expected, call) in cases {
            #expect(throws: expected) { try call() }
            #expect(!expected.description.isEmpty)
        }
        #expect(EvaluationError.alarmOutOfRange(position: 0, index: -1, streamLength: 10).description.contains("negative"))
        #expect(EvaluationError.alarmOutOfRange(position: 3, index: 12, streamLength: 10).description
            == "alarm 4 is at index 12, beyond the stream of length 10")
    }

    /// Seeded sweep against a direct, quadratic transcription of the definitions.
    @Test func agreesWithTheDefinitionsOnRandomStreams() throws {
        var rng = SeededGenerator(seed: 2024)
        for _ in 0..<500 {
            let n = Int.random(in: 1...120, using: &rng)
            let dMax = Int.random(in: 1...30, using: &rng)
            let start = Int.random(in: 0..<n, using: &rng)
            let changes = (1..<n).filter { _ in Double.random(in: 0..<1, using: &rng) < 0.04 }
            let alarms = (start..<n).filter { _ in Double.random(in: 0..<1, using: &rng) < 0.1 }
            let e = try match(changes, alarms, n: n, dMax: dMax, start: start)

            func nearChange(_ t: Int) -> Bool { changes.contains { $0 <= t && t < $0 + dMax } }
            #expect(e.exposure == (start..<n).count { !nearChange($0) })
            #expect(e.falseAlarms == alarms.filter { !nearChange($0) })
            var used: Set<Int> = []
            for (k, tau) in changes.enumerated() {
                let end = min(tau + dMax, k + 1 < changes.count ? changes[k + 1] : Int.max)
                let first = alarms.first { $0 >= tau && $0 < end }
                #expect(e.changes[k].alarmIndex == first)
                if let first { used.insert(first) }
            }
            #expect(Set(e.redundantAlarms) == Set(alarms.filter { nearChange($0) && !used.contains($0) }))
            #expect(e.alarmCount == alarms.count)
        }
    }
}
