import Foundation
import Testing
import GGMCore
@testable import GGMDetection

@Suite struct StatisticsFixtureTests {
    /// Streams every fixture case through the incremental engine and compares T and M on every
    /// window with the independent NumPy values (1e-9 absolute).
    @Test func incrementalStatisticsMatchFixture() throws {
        let fixture = try loadFixture("window-statistics", as: WindowStatisticsFixture.self)
        for c in fixture.cases {
            let reference = try ReferenceModel(precision: Matrix(c.precision))
            #expect(abs(reference.rNorm4Squared - c.rNorm4Squared) < 1e-12)
            var engine = WindowStatistics(reference: reference, window: c.w, detector: .combined)
            var evicted: [Double] = []
            var k = 0
            for (t, x) in c.observations.enumerated() {
                engine.push(x, evicted: &evicted)
                guard engine.isFull else { continue }
                #expect(c.windowEnds[k] == t)
                #expect(abs(engine.globalStatistic() - c.kma[k]) < 1e-9, "T at t = \(t), p = \(c.p)")
                #expect(abs(engine.localStatistic() - c.km[k]) < 1e-9, "M at t = \(t), p = \(c.p)")
                k += 1
            }
            #expect(k == c.windowEnds.count)
        }
    }

    /// The from-scratch reference formulas agree with the fixture too (they check the engine in other tests).
    @Test func referenceFormulasMatchFixture() throws {
        let fixture = try loadFixture("window-statistics", as: WindowStatisticsFixture.self)
        for c in fixture.cases {
            let reference = try ReferenceModel(precision: Matrix(c.precision))
            let x = Matrix(c.observations)
            for (k, t) in c.windowEnds.enumerated() {
                let window = x.rows((t - c.w + 1)..<(t + 1))
                #expect(abs(GlobalStatistic.evaluate(window: window, reference: reference) - c.kma[k]) < 1e-9)
                #expect(abs(LocalStatistic.evaluate(window: window, reference: reference) - c.km[k]) < 1e-9)
            }
        }
    }

    @Test func centeringScalingAndGumbelMatchFixture() throws {
        let f = try loadFixture("special-functions", as: SpecialFunctionsFixture.self)
        for pair in f.g1 {
            let v = GlobalStatistic.centering(window: Int(pair[0]))
            #expect(abs(v - pair[1]) / pair[1] < 1e-10, "g1(\(pair[0]))")
        }
        for pair in f.g2 {
            let v = GlobalStatistic.scaling(window: Int(pair[0]))
            #expect(abs(v - pair[1]) / pair[1] < 1e-10, "g2(\(pair[0]))")
        }
        for row in f.kmThreshold {
            let v = LocalStatistic.gumbelThreshold(dimension: Int(row[0]), alpha: row[1])
            #expect(abs(v - row[2]) / row[2] < 1e-10, "tau(\(row[0]), \(row[1]))")
        }
    }
}

@Suite struct WindowStatisticsCodingTests {
    /// The saved state no longer carries `lastLocalArgmax` (the argmax is found on demand), and
    /// a state saved by an older version with that key still decodes to the same engine.
    @Test func argmaxIsNotWrittenButOldStatesDecode() throws {
        var precision = Matrix.identity(4)
        precision[0, 1] = 0.3
        precision[1, 0] = 0.3
        let reference = try ReferenceModel(precision: precision)
        var engine = WindowStatistics(reference: reference, window: 5, detector: .combined)
        var rng = SeededGenerator(seed: 3)
        var evicted: [Double] = []
        for _ in 0..<8 { engine.push((0..<4).map { _ in rng.nextStandardNormal() }, evicted: &evicted) }

        let saved = try JSONEncoder().encode(engine)
        let text = String(decoding: saved, as: UTF8.self)
        #expect(!text.contains("lastLocalArgmax"))
        // An older file: the same state with the key (textually inserted, so every double stays exact).
        #expect(text.hasPrefix("{"))
        let old = Data(("{\"lastLocalArgmax\":3," + text.dropFirst()).utf8)
        for data in [saved, old] {
            var resumed = try JSONDecoder().decode(WindowStatistics.self, from: data)
            var copy = engine
            #expect(resumed.localArgmax() == copy.localArgmax())
            let x = (0..<4).map { _ in rng.nextStandardNormal() }
            var e1: [Double] = [], e2: [Double] = []
            resumed.push(x, evicted: &e1)
            copy.push(x, evicted: &e2)
            #expect(resumed.globalStatistic() == copy.globalStatistic())
            #expect(resumed.localStatistic() == copy.localStatistic())
            #expect(resumed.localArgmax() == copy.localArgmax())
        }
    }
}

/// The reference's checks, read tile by tile (issue "Scale"): every asymmetric pair is found,
/// wherever it lies relative to the 64 x 64 tiles, and a symmetric precision passes.
@Suite struct ReferenceValidationTests {
    @Test("An asymmetric pair anywhere is rejected; symmetric precisions pass", arguments: [3, 64, 65, 150])
    func asymmetryAnywhere(p: Int) throws {
        var omega = Matrix.identity(p)
        for i in 0..<(p - 1) { omega[i, i + 1] = 0.2; omega[i + 1, i] = 0.2 }
        _ = try ReferenceModel(precision: omega)
        let pairs = [(0, 1), (0, p - 1), (p / 2, p - 1), (p - 2, p - 1), (63 % p, 64 % p), (1, 127 % p)]
        for (i, j) in pairs where i < j {
            var broken = omega
            broken[j, i] += 1e-3
            #expect(throws: ReferenceModel.InvalidReference.notSymmetric) { try ReferenceModel(precision: broken) }
        }
        var infinite = omega
        infinite[p - 1, 0] = .infinity
        #expect(throws: ReferenceModel.InvalidReference.nonFinite(row: p - 1, column: 0)) { try ReferenceModel(precision: infinite) }
    }
}
