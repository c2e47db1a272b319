import GGMCore

/// The network families of the simulation literature (ALGORITHMS.md section 10), with default parameters.
///
/// For other parameters use the generator types directly: ``RandomGraph``, ``BandedGraph``,
/// ``HubGraph``, ``BlockGraph``, ``ScaleFreeGraph``.
public enum GraphKind: String, CaseIterable, Codable, Sendable, PrecisionGenerator {
    case random
    case banded
    case hub
    case block
    case scaleFree = "scale-free"

    /// The generator with this family's default parameters.
    public var generator: any PrecisionGenerator {
        switch self {
        case .random: RandomGraph()
        case .banded: BandedGraph()
        case .hub: HubGraph()
        case .block: BlockGraph()
        case .scaleFree: ScaleFreeGraph()
        }
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        generator.precision(p: p, using: &rng)
    }
}

/// Any generator followed by a random rescaling of the nodes, `D^{1/2} Omega D^{1/2}` with `D_ii ~ U(scales)`.
///
/// The graph and all partial correlations are those of `base`; only the nodes' scales
/// (variances) differ, as in real data measured in different units.
public struct NodeRescaledGraph<Base: PrecisionGenerator>: PrecisionGenerator {
    public var base: Base
    public var scales: ClosedRange<Double>

    public init(_ base: Base, scales: ClosedRange<Double> = 0.5...2) {
        precondition(scales.lowerBound > 0)
        self.base = base
        self.scales = scales
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        let omega = base.precision(p: p, using: &rng)
        let d = (0..<p).map { _ in rng.simulationUniform(scales) }
        return verified(PositiveDefiniteness.rescaled(omega, by: d))
    }
}
