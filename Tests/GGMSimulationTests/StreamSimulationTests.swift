import Foundation
import GGMCore
import Testing
@testable import GGMSimulation

@Suite struct StreamSimulationTests {
    /// Change points are the cumulative segment lengths; segments tile the stream.
    @Test(arguments: ChangeKind.allCases)
    func truthChangePointsAreCumulativeLengths(change: ChangeKind) throws {
        let lengths = [400, 300, 500, 250]
        let simulation = try StreamSimulation(p: 20, segmentLengths: lengths, graph: .hub, change: change, seed: 3)
        let truth = try simulation.truth()
        #expect(truth.changePoints == [400, 700, 1200])
        #expect(truth.observationCount == 1450)
        #expect(truth.segments.map(\.start) == [0, 400, 700, 1200])
        #expect(truth.segments.map(\.length) == lengths)
        #expect(truth.changes.map(\.changePoint) == truth.changePoints)
        #expect(truth.changes.allSatisfy { $0.kind == change })
        for (k, c) in truth.changes.enumerated() {
            // The recorded differences are exactly those between consecutive segments.
            let recomputed = PrecisionChange(kind: change, before: truth.segments[k].precisionMatrix,
                                             after: truth.segments[k + 1].precisionMatrix)
            #expect(recomputed.changedEdges == c.changedEdges && recomputed.changedNodes == c.changedNodes)
            #expect(!c.changedNodes.isEmpty)
            _ = try truth.segments[k + 1].precisionMatrix.cholesky()
        }
        #expect(truth.segmentIndex(containing: 0) == 0)
        #expect(truth.segmentIndex(containing: 399) == 0)
        #expect(truth.segmentIndex(containing: 400) == 1)
        #expect(truth.segmentIndex(containing: 1449) == 3)
        #expect(truth.precision(at: 700) == truth.segments[2].precisionMatrix)
    }

    @Test func flipStreamFlipsTheSameTwoEdgesBackAndForth() throws {
        let truth = try StreamSimulation(p: 30, segmentLengths: [100, 100, 100], graph: .random, change: .flipEdges, seed: 5).truth()
        let first = truth.changes[0].changedEdges
        #expect(first.count == 2)
        #expect(first.map(\.edge) == truth.changes[1].changedEdges.map(\.edge))
        #expect(truth.segments[0].precision == truth.segments[2].precision)
        for e in first {
            #expect(e.after == -e.before)
            #expect(abs(PositiveDefiniteness.partialCorrelation(truth.segments[0].precisionMatrix, e.edge.i, e.edge.j) - 0.4) < 1e-12)
        }
    }

    /// Same seed, same networks and observations; another seed, other ones.
    @Test(arguments: GraphKind.allCases)
    func determinism(graph: GraphKind) throws {
        let a = try StreamSimulation(p: 12, segmentLengths: [50, 60], graph: graph, change: .local, seed: 99).generate()
        let b = try StreamSimulation(p: 12, segmentLengths: [50, 60], graph: graph, change: .local, seed: 99).generate()
        let c = try StreamSimulation(p: 12, segmentLengths: [50, 60], graph: graph, change: .local, seed: 100).generate()
        #expect(a == b)
        #expect(a.observations != c.observations)
        if graph != .banded { #expect(a.truth.segments[0].precision != c.truth.segments[0].precision) }
    }

    /// Lengthening the last segment keeps the networks and the earlier observations (independent streams per segment).
    @Test func segmentsDrawFromTheirOwnStreams() throws {
        let short = try StreamSimulation(p: 8, segmentLengths: [40, 30], change: .global, seed: 1).generate()
        let long = try StreamSimulation(p: 8, segmentLengths: [40, 90], change: .global, seed: 1).generate()
        #expect(short.truth.segments.map(\.precision) == long.truth.segments.map(\.precision))
        #expect(short.observations == long.observations.rows(0..<70))
    }

    /// The lazy rows are exactly the rows of the in-memory stream.
    @Test func lazyRowsEqualGeneratedRows() throws {
        let simulation = try StreamSimulation(p: 7, segmentLengths: [30, 1, 45], graph: .block, change: .rewireKeepingVariances,
                                              seed: 12, mean: [1, 2, 3, 4, 5, 6, 7])
        let stream = try simulation.generate()
        var rows = try simulation.rows()
        var t = 0
        while let x = rows.next() {
            #expect(x == stream.observations.row(t))
            t += 1
        }
        #expect(t == 76 && rows.position == 76)
        #expect(rows.truth == stream.truth)
    }

    /// 20,000 draws at p = 10: each sample covariance entry S_ij (known zero mean) has standard error
    /// sqrt((Sigma_ij^2 + Sigma_ii Sigma_jj) / n) (sqrt(2/n) Sigma_ii on the diagonal, 1% here).
    /// All 55 standardized errors must be below 4.5 (chance of any exceeding under the model ~ 4e-4),
    /// and their mean square near 1 (55 roughly independent chi^2_1 terms: 1 +- 0.6 covers 3 sd).
    @Test(arguments: [GraphKind.random, .banded, .hub])
    func sampleCovarianceMatchesTheInversePrecision(graph: GraphKind) throws {
        let n = 20_000
        let p = 10
        let stream = try StreamSimulation(p: p, segmentLengths: [n], graph: graph, seed: 2024, nodeScales: 0.5...2).generate()
        let sigma = try stream.truth.segments[0].precisionMatrix.inverseSPD()
        var s = Matrix(rows: p, columns: p)
        for t in 0..<n {
            let x = stream.observations.row(t)
            for i in 0..<p { for j in i..<p { s[i, j] += x[i] * x[j] } }
        }
        var sumSquares = 0.0
        var worst = 0.0
        for i in 0..<p {
            for j in i..<p {
                let se = ((sigma[i, j] * sigma[i, j] + sigma[i, i] * sigma[j, j]) / Double(n)).squareRoot()
                let z = (s[i, j] / Double(n) - sigma[i, j]) / se
                sumSquares += z * z
                worst = max(worst, abs(z))
            }
        }
        #expect(worst < 4.5)
        #expect(abs(sumSquares / 55 - 1) < 0.6, "mean squared z \(sumSquares / 55)")
    }

    @Test func meanIsAddedToEveryObservation() throws {
        let mean = [10.0, -5, 0, 3]
        let stream = try StreamSimulation(p: 4, segmentLengths: [20_000], graph: .banded, seed: 8, mean: mean).generate()
        let sigma = try stream.truth.segments[0].precisionMatrix.inverseSPD()
        for j in 0..<4 {
            let average = stream.observations.column(j).reduce(0, +) / 20_000
            // Standard error sqrt(Sigma_jj / n) (< 0.012 here); 5 standard errors.
            #expect(abs(average - mean[j]) < 5 * (sigma[j, j] / 20_000).squareRoot())
        }
        #expect(stream.truth.mean == mean)
    }

    @Test func invalidSettingsAreTypedErrors() {
        #expect(throws: SimulationError.tooFewNodes(p: 1, minimum: 2, reason: "a network")) {
            try StreamSimulation(p: 1, segmentLengths: [10], seed: 1)
        }
        #expect(throws: SimulationError.tooFewNodes(p: 3, minimum: 4, reason: "flipping two disjoint edges")) {
            try StreamSimulation(p: 3, segmentLengths: [10, 10], change: .flipEdges, seed: 1)
        }
        #expect(throws: SimulationError.invalidSegmentLength(index: nil, length: nil)) {
            try StreamSimulation(p: 5, segmentLengths: [], seed: 1)
        }
        #expect(throws: SimulationError.invalidSegmentLength(index: 1, length: 0)) {
            try StreamSimulation(p: 5, segmentLengths: [10, 0], seed: 1)
        }
        #expect(throws: SimulationError.meanDimension(expected: 5, actual: 2)) {
            try StreamSimulation(p: 5, segmentLengths: [10], seed: 1, mean: [0, 0])
        }
        #expect(throws: SimulationError.nonFiniteMean(index: 1)) {
            try StreamSimulation(p: 2, segmentLengths: [10], seed: 1, mean: [0, .nan])
        }
        #expect(SimulationError.invalidSegmentLength(index: 1, length: 0).description
            == "segment 2 has length 0; every segment needs at least one observation")
    }
}

@Suite struct OutputTests {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ggmsim-\(UUID().uuidString)-\(name)").path
    }

    /// CSV numbers round-trip exactly; same settings give the same bytes.
    @Test func csvRoundTripsExactlyAndIsDeterministic() throws {
        let simulation = try StreamSimulation(p: 6, segmentLengths: [25, 35], graph: .random, change: .perturbHub, seed: 77,
                                              nodeScales: 0.5...2)
        let first = temporaryPath("a.csv")
        let second = temporaryPath("b.csv")
        defer { try? FileManager.default.removeItem(atPath: first); try? FileManager.default.removeItem(atPath: second) }
        let truth = try simulation.writeCSV(toPath: first)
        try simulation.writeCSV(toPath: second)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: first))
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: second))))
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 61)
        #expect(lines[0] == "x1,x2,x3,x4,x5,x6")
        let expected = try simulation.generate()
        #expect(truth == expected.truth)
        for t in 0..<60 {
            let values = lines[t + 1].split(separator: ",").map { Double(String($0))! }
            #expect(values == expected.observations.row(t))
        }
    }

    @Test func csvHeaderNamesAreQuotedWhenNeeded() throws {
        let path = temporaryPath("names.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ObservationCSVWriter(path: path, columnCount: 3, names: ["a", "b,c", "say \"hi\""])
        try writer.write([1, -0.1, 1e-300])
        try writer.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "a,\"b,c\",\"say \"\"hi\"\"\"\n1.0,-0.1,1e-300\n")
        #expect(throws: SimulationError.columnNames(expected: 2, actual: 3)) {
            try ObservationCSVWriter(path: path, columnCount: 2, names: ["a", "b", "c"])
        }
    }

    @Test func unwritablePathIsATypedError() {
        #expect(throws: SimulationError.self) {
            try ObservationCSVWriter(path: "/nonexistent-directory-ggm/stream.csv", columnCount: 2)
        }
    }

    /// The truth JSON: sorted keys, pretty printed, decodes back to the same truth.
    @Test func truthJSONFormat() throws {
        let truth = try StreamSimulation(p: 4, segmentLengths: [3, 2], graph: .banded, change: .flipEdges, seed: 1).truth()
        let data = try truth.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        #expect(try JSONDecoder().decode(SimulationTruth.self, from: data) == truth)
        let keys = ["\"change\" : \"flip-edges\"", "\"changePoints\" : [\n    3\n  ]", "\"graph\" : \"banded\"", "\"observationCount\" : 5"]
        for key in keys { #expect(text.contains(key), "missing \(key)") }
        // Top-level keys in sorted order.
        let order = ["\"change\"", "\"changePoints\"", "\"changes\"", "\"graph\"", "\"mean\"", "\"observationCount\"", "\"p\"", "\"seed\"", "\"segments\""]
        let positions = order.map { text.range(of: "\n  \($0)")!.lowerBound }
        #expect(positions == positions.sorted())
        let path = temporaryPath("truth.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try truth.writeJSON(toPath: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == data)
    }

    /// A drifting segment moves from the previous network to its own: the covariance of its first
    /// and last stretches matches the average of the interpolated networks' inverses (within 4.5
    /// standard errors per entry), and the other segments' rows are those of the abrupt stream.
    @Test func aDriftingSegmentInterpolatesTheNetworks() throws {
        let p = 4, n = 40_000
        let lengths = [300, n, 300]
        let drifting = try StreamSimulation(p: p, segmentLengths: lengths, graph: .random, change: .global, seed: 5,
                                            rampSegments: [1])
        let abrupt = try StreamSimulation(p: p, segmentLengths: lengths, graph: .random, change: .global, seed: 5)
        let a = try drifting.generate(), b = try abrupt.generate()
        #expect(a.truth.segments == b.truth.segments)
        #expect(a.truth.driftingSegments == [1] && b.truth.driftingSegments == nil)
        for t in Array(0..<300) + Array((300 + n)..<(600 + n)) { #expect(a.observations.row(t) == b.observations.row(t)) }
        let before = a.truth.segments[0].precisionMatrix, after = a.truth.segments[1].precisionMatrix
        for stretch in [0..<(n / 10), (n - n / 10)..<n] {
            var expected = Matrix(rows: p, columns: p), sample = Matrix(rows: p, columns: p)
            for i in stretch {
                let s = Double(i + 1) / Double(n)
                var omega = before
                for k in omega.elements.indices { omega.elements[k] = (1 - s) * before.elements[k] + s * after.elements[k] }
                let sigma = try omega.inverseSPD()
                let x = a.observations.row(300 + i)
                for j in 0..<p { for k in 0..<p {
                    expected[j, k] += sigma[j, k] / Double(stretch.count)
                    sample[j, k] += x[j] * x[k] / Double(stretch.count)
                } }
            }
            for j in 0..<p { for k in 0..<p {
                let se = ((expected[j, j] * expected[k, k] + expected[j, k] * expected[j, k]) / Double(stretch.count)).squareRoot()
                #expect(abs(sample[j, k] - expected[j, k]) < 4.5 * se, "entry (\(j), \(k)) of stretch \(stretch)")
            } }
        }
        #expect(throws: SimulationError.invalidRamp(segment: 0, segments: 3)) {
            try StreamSimulation(p: p, segmentLengths: lengths, seed: 1, rampSegments: [0])
        }
    }
}
