import GGMCore

/// The observations of a ``StreamSimulation``, drawn lazily one row at a time.
///
/// Memory is O(p^2) (the current segment's Cholesky factor), whatever the stream length, so
/// a million rows at p = 50 can be written straight to a file. Each segment's sampler is
/// factored when its first row is requested, with the generator
/// `SeededGenerator.stream(seed: seed, index: segment + 1)`.
public struct ObservationIterator: IteratorProtocol, Sequence, Sendable {
    public let truth: SimulationTruth
    private let seed: UInt64
    private let mean: [Double]
    private var segment = 0
    private var rowInSegment = 0
    private var sampler: GaussianSampler?
    private var rng: SeededGenerator
    /// Serial dependence: the transition matrix, the previous deviation from the mean, and the
    /// generator of the innovations' t factors.
    private let dynamics: SerialDynamics?
    private var transition: SparseMatrix?
    /// The current segment's mean.
    private var segmentMean: [Double]
    private var previous: [Double]?
    private var tRNG: SeededGenerator
    /// Drifting segments (``StreamSimulation/rampSegments``).
    private let ramps: Set<Int>
    /// Index of the next row (0-based).
    public private(set) var position = 0

    init(simulation: StreamSimulation, truth: SimulationTruth) throws(SimulationError) {
        self.truth = truth
        seed = simulation.seed
        mean = simulation.mean ?? [Double](repeating: 0, count: simulation.p)
        rng = SeededGenerator.stream(seed: seed, index: 1)
        dynamics = simulation.dynamics
        transition = simulation.dynamics?.transition(p: simulation.p, seed: seed, segment: 0)
        segmentMean = mean
        tRNG = SeededGenerator.stream(seed: seed, index: 1_000_004)
        ramps = Set(simulation.rampSegments ?? [])
    }

    public mutating func next() -> [Double]? {
        while segment < truth.segments.count && rowInSegment == truth.segments[segment].length {
            segment += 1
            rowInSegment = 0
            sampler = nil
        }
        guard segment < truth.segments.count else { return nil }
        if sampler == nil {
            rng = SeededGenerator.stream(seed: seed, index: segment + 1)
            if let dynamics {
                transition = dynamics.transition(p: mean.count, seed: seed, segment: segment)
                segmentMean = mean
                if case let .mean(shift) = dynamics.change {
                    let omega = truth.segments[segment].precision
                    for j in 0..<((mean.count + 4) / 5) { segmentMean[j] += Double(segment) * shift / omega[j][j].squareRoot() }
                }
            }
            do {
                sampler = try GaussianSampler(precision: truth.segments[segment].precisionMatrix, mean: mean)
            } catch {
                preconditionFailure("segment \(segment) precision is not positive definite: \(error)")
            }
        }
        rowInSegment += 1
        position += 1
        if ramps.contains(segment) {
            // A drifting segment: this row's network is the convex combination at i / n.
            let s = Double(rowInSegment) / Double(truth.segments[segment].length)
            let a = truth.segments[segment - 1].precisionMatrix, b = truth.segments[segment].precisionMatrix
            var omega = a
            for k in omega.elements.indices { omega.elements[k] = (1 - s) * a.elements[k] + s * b.elements[k] }
            do {
                sampler = try GaussianSampler(precision: omega, mean: mean)
            } catch {
                preconditionFailure("a convex combination of positive definite networks is positive definite: \(error)")
            }
        }
        guard let dynamics, let transition else { return sampler!.sample(using: &rng) }
        if previous == nil {
            // Start in the stationary regime: the first segment's innovations run for a while first.
            var warm = SeededGenerator.stream(seed: seed, index: 1_000_005)
            var d = [Double](repeating: 0, count: mean.count)
            for _ in 0..<SerialDynamics.warmUp {
                d = Self.step(d, sampler: sampler!, mean: mean, dynamics: dynamics, transition: transition, using: &warm, t: &tRNG)
            }
            previous = d
        }
        let d = Self.step(previous!, sampler: sampler!, mean: mean, dynamics: dynamics, transition: transition, using: &rng, t: &tRNG)
        previous = d
        return (0..<d.count).map { segmentMean[$0] + d[$0] }
    }

    /// `A d + e` with e drawn from the current segment's network (Student t when asked).
    private static func step(_ d: [Double], sampler: GaussianSampler, mean: [Double], dynamics: SerialDynamics,
                             transition: SparseMatrix, using generator: inout SeededGenerator,
                             t tRNG: inout SeededGenerator) -> [Double] {
        var e = sampler.sample(using: &generator)
        let factor = dynamics.tFactor(using: &tRNG)
        let ad = transition.multiply(d)
        for j in e.indices { e[j] = (e[j] - mean[j]) * factor + ad[j] }
        return e
    }
}
