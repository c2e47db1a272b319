import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// Saved monitor states are untrusted input: a seeded generator of edited state files (numbers
/// replaced by absurd values, arrays shortened or lengthened, fields deleted or nulled, types
/// changed) must give a decoding error or a monitor that goes on without crashing, and whose
/// statistics are finite or whose errors are reported as errors.
@Suite struct StateFuzzTests {
    nonisolated(unsafe) static let replacements: [Any] = [-1, 0, 1, 2, 3, 1e308, -1e308, 4611686018427387904, -4611686018427387904, 0.5,
                                      "x", NSNull(), [Any](), [String: Any](), true]

    /// One random edit of a JSON tree.
    static func mutate(_ value: Any, using rng: inout SeededGenerator, depth: Int = 0) -> Any {
        let stop = depth > 0 && rng.next() % 4 == 0
        if var object = value as? [String: Any], !object.isEmpty, !stop {
            let keys = object.keys.sorted()
            let key = keys[Int(rng.next() % UInt64(keys.count))]
            if rng.next() % 8 == 0 { object.removeValue(forKey: key); return object }
            object[key] = mutate(object[key]!, using: &rng, depth: depth + 1)
            return object
        }
        if var array = value as? [Any], !array.isEmpty, !stop {
            switch rng.next() % 6 {
            case 0: array.removeLast(1 + Int(rng.next() % UInt64(array.count)))
            case 1: array.append(array[0])
            default:
                let i = Int(rng.next() % UInt64(array.count))
                array[i] = mutate(array[i], using: &rng, depth: depth + 1)
            }
            return array
        }
        return replacements[Int(rng.next() % UInt64(replacements.count))]
    }

    @Test func editedStatesAreRejectedOrResumeSafely() throws {
        let p = 4
        let simulation = try StreamSimulation(p: p, segmentLengths: [120, 80], graph: .random, change: .global, seed: 3)
        let rows = try simulation.generate().observations.rowArrays
        let configuration = MonitorConfiguration(burnIn: 40, window: 12, refitEvery: 10, detector: .combined,
                                                 thresholds: .fixed(global: 3, local: 4))
        // States at several points: in the burn-in, filling, monitoring, after an alarm.
        var states: [Any] = []
        var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
        for (t, row) in rows.prefix(150).enumerated() {
            _ = try monitor.update(row)
            if [20, 45, 70, 149].contains(t) {
                states.append(try JSONSerialization.jsonObject(with: JSONEncoder().encode(monitor)))
            }
        }
        var rng = SeededGenerator(seed: 77)
        var rejected = 0, resumed = 0
        for case_ in 0..<2000 {
            var tree = states[case_ % states.count]
            for _ in 0..<(1 + Int(rng.next() % 3)) { tree = Self.mutate(tree, using: &rng) }
            guard let data = try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed]) else { continue }
            guard var decoded = try? JSONDecoder().decode(OnlineMonitor.self, from: data) else { rejected += 1; continue }
            resumed += 1
            for row in rows.suffix(60) {
                do {
                    let step = try decoded.update(row)
                    for (_, value) in step.statistics.values { #expect(value.isFinite, "case \(case_)") }
                } catch {
                    #expect(!error.description.isEmpty)
                    break
                }
            }
        }
        #expect(rejected > 100, "most edits are caught at decoding (\(rejected) rejected, \(resumed) resumed)")
    }
}
