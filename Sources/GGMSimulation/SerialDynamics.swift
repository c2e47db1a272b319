import Foundation
import GGMCore

/// Serial dependence of a simulated stream: `x_t - mu = A (x_{t-1} - mu) + e_t`, a VAR(1) with a
/// sparse transition matrix `A` of a chosen spectral radius, whose innovations `e_t` follow the
/// segment's sparse Gaussian graphical model (or a Student t with the same covariance).
public struct SerialDynamics: Codable, Sendable, Equatable {
    /// Spectral radius of `A` (in [0, 1)).
    public let spectralRadius: Double
    /// Degrees of freedom of multivariate Student t innovations (nil: Gaussian).
    public let innovationDegreesOfFreedom: Double?
    /// What else changes at each change point (nil: the transition and the mean stay).
    public let change: DynamicsChange?

    /// A change of the dynamics at every change point, beside (or, with `keepNetwork`, instead of)
    /// the innovations' network.
    public enum DynamicsChange: Codable, Sendable, Equatable {
        /// Segment k has its own transition matrix (same spectral radius, drawn from seed + k).
        case transition
        /// Segment k's mean is the stream's plus `k * shift` innovation standard deviations
        /// (`1 / sqrt(Omega_jj)`) on the first `ceil(p / 5)` nodes.
        case mean(shift: Double)

        /// `transition` or `mean:SHIFT` (e.g. `mean:0.5`).
        public init?(parsing text: String) {
            if text == "transition" { self = .transition; return }
            if text.hasPrefix("mean:"), let shift = Double(text.dropFirst(5)), shift.isFinite { self = .mean(shift: shift); return }
            return nil
        }
    }

    public init(spectralRadius: Double, innovationDegreesOfFreedom: Double? = nil,
                change: DynamicsChange? = nil) throws(SimulationError) {
        self.change = change
        guard spectralRadius >= 0, spectralRadius < 1 else { throw .invalidDynamics("the spectral radius must be in [0, 1) (got \(spectralRadius))") }
        if let nu = innovationDegreesOfFreedom, !(nu > 2 && nu.isFinite) {
            throw .invalidDynamics("Student t innovations need more than 2 degrees of freedom (got \(nu))")
        }
        self.spectralRadius = spectralRadius
        self.innovationDegreesOfFreedom = innovationDegreesOfFreedom
    }

    /// Steps simulated and discarded before the first row (the start is forgotten).
    public static let warmUp = 200

    /// The transition matrix: a diagonal with entries `U(0.5, 1)` and one off-diagonal entry
    /// `+-U(0.2, 0.5)` per row at a random column, scaled so that its spectral radius is
    /// ``spectralRadius`` (estimated by `||A^k v||^{1/k}`, k = 400). Drawn from its own generator.
    public func transition(p: Int, seed: UInt64) -> SparseMatrix {
        transition(p: p, seed: seed, segment: 0)
    }

    /// The transition matrix of segment `segment` (the first's unless the transition changes).
    public func transition(p: Int, seed: UInt64, segment: Int) -> SparseMatrix {
        let seed = change == .transition ? seed &+ UInt64(segment) : seed
        var rng = SeededGenerator.stream(seed: seed, index: 1_000_003)
        var a = Matrix(rows: p, columns: p)
        for i in 0..<p {
            a[i, i] = rng.simulationUniform(0.5...1)
            if p > 1 {
                var j = Int(rng.next() % UInt64(p - 1))
                if j >= i { j += 1 }
                a[i, j] = rng.simulationSign() * rng.simulationUniform(0.2...0.5)
            }
        }
        let radius = Self.spectralRadius(SparseMatrix(a))
        let factor = radius > 0 ? spectralRadius / radius : 0
        for k in a.elements.indices { a.elements[k] *= factor }
        return SparseMatrix(a)
    }

    /// `||A^k v||^{1/k}` for k = 400 from a fixed start: the spectral radius to a few digits.
    public static func spectralRadius(_ a: SparseMatrix) -> Double {
        let p = a.dimension
        var v = (0..<p).map { 1 + 0.1 * Double($0 % 7) }
        var logNorm = 0.0
        let steps = 400
        for _ in 0..<steps {
            v = a.multiply(v)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else { return norm > 0 ? .infinity : 0 }
            logNorm += log(norm)
            for j in v.indices { v[j] /= norm }
        }
        return exp(logNorm / Double(steps))
    }

    /// The factor that turns a Gaussian draw into a Student t draw with the same covariance:
    /// `sqrt((nu - 2) / chi2_nu)`.
    public func tFactor(using rng: inout SeededGenerator) -> Double {
        guard let nu = innovationDegreesOfFreedom else { return 1 }
        // chi2 with nu degrees of freedom as a sum of squares (nu rounded; 5 in the scenarios).
        let k = max(3, Int(nu.rounded()))
        var chi = 0.0
        for _ in 0..<k { let z = rng.nextStandardNormal(); chi += z * z }
        return (Double(k - 2) / chi).squareRoot()
    }
}
