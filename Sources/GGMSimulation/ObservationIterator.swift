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
    /// Index of the next row (0-based).
    public private(set) var position = 0

    init(simulation: StreamSimulation, truth: SimulationTruth) throws(SimulationError) {
        self.truth = truth
        seed = simulation.seed
        mean = simulation.mean ?? [Double](repeating: 0, count: simulation.p)
        rng = SeededGenerator.stream(seed: seed, index: 1)
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
            do {
                sampler = try GaussianSampler(precision: truth.segments[segment].precisionMatrix, mean: mean)
            } catch {
                preconditionFailure("segment \(segment) precision is not positive definite: \(error)")
            }
        }
        rowInSegment += 1
        position += 1
        return sampler!.sample(using: &rng)
    }
}
