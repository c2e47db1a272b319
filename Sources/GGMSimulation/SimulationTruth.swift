import Foundation
import GGMCore

/// What really happened in a simulated stream: change points, each segment's network and each change.
///
/// Indices are 0-based: `changePoints[k]` is the index of the first observation of segment
/// `k + 1` (the cumulative length of segments `0...k`); nodes are numbered `0..<p`
/// (column `x(i+1)` of the CSV). JSON (``jsonData()``) has sorted keys and is pretty printed.
public struct SimulationTruth: Codable, Sendable, Equatable {
    public struct Segment: Codable, Sendable, Equatable {
        /// Index of the segment's first observation.
        public let start: Int
        public let length: Int
        /// The precision matrix `Omega` (rows).
        public let precision: [[Double]]

        public var precisionMatrix: Matrix { Matrix(precision) }
        public var range: Range<Int> { start..<(start + length) }
    }

    public struct Change: Codable, Sendable, Equatable {
        /// Index of the first observation after the change.
        public let changePoint: Int
        public let kind: ChangeKind
        /// Nodes whose precision row changed.
        public let changedNodes: [Int]
        /// Precision entries (i < j) that changed, with old and new values.
        public let changedEdges: [EdgeChange]
    }

    public let p: Int
    public let seed: UInt64
    public let graph: GraphKind
    public let change: ChangeKind
    public let observationCount: Int
    public let mean: [Double]
    public let changePoints: [Int]
    public let segments: [Segment]
    public let changes: [Change]

    /// The serial dynamics and what of them changes (nil: independent rows).
    public let dynamics: SerialDynamics?
    /// Drifting segments (0-based): the change into such a segment is spread over its rows, which
    /// move linearly from the previous segment's network to its own (nil: every change abrupt).
    public let driftingSegments: [Int]?

    init(simulation s: StreamSimulation, precisions: [Matrix], changes: [PrecisionChange]) {
        dynamics = s.dynamics
        driftingSegments = s.rampSegments
        p = s.p
        seed = s.seed
        graph = s.graph
        change = s.change
        observationCount = s.observationCount
        mean = s.mean ?? [Double](repeating: 0, count: s.p)
        var starts: [Int] = []
        var t = 0
        for length in s.segmentLengths {
            starts.append(t)
            t += length
        }
        changePoints = Array(starts.dropFirst())
        segments = zip(starts, zip(s.segmentLengths, precisions)).map {
            Segment(start: $0.0, length: $0.1.0, precision: $0.1.1.rowArrays)
        }
        self.changes = zip(changePoints, changes).map {
            Change(changePoint: $0.0, kind: $0.1.kind, changedNodes: $0.1.changedNodes, changedEdges: $0.1.changedEdges)
        }
    }

    /// The segment containing observation `t` (`0 <= t < observationCount`).
    public func segmentIndex(containing t: Int) -> Int {
        precondition(t >= 0 && t < observationCount, "observation \(t) is outside the stream")
        var lo = 0
        var hi = changePoints.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if changePoints[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The precision matrix in force at observation `t`.
    public func precision(at t: Int) -> Matrix {
        segments[segmentIndex(containing: t)].precisionMatrix
    }

    /// The truth as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        try PrettyJSON.data(self)
    }

    /// Writes ``jsonData()`` to `path`, or to standard output when `path` is `nil` or `"-"`.
    public func writeJSON(toPath path: String?) throws(SimulationError) {
        let data: Data
        do { data = try jsonData() } catch { throw .cannotWrite(path: path ?? "-", reason: "\(error)") }
        let writer = try OutputSink(path: path)
        try writer.write(data)
        try writer.close()
    }
}
