import GGMCore

/// Banded (Cai-type) precision matrices: `Omega_ii = 1`, `Omega_{i,i+-1} = 0.6`, `Omega_{i,i+-2} = 0.3`.
///
/// Node `i` is joined to `i +- 1` and `i +- 2` (bandwidth 2). The matrix is positive definite
/// for every p without normalization: it is a section of the Toeplitz operator with symbol
/// `f(theta) = 1 + 1.2 cos(theta) + 0.6 cos(2 theta)`, whose minimum is 0.1 (at
/// `cos(theta) = -1/2`) and maximum 2.8, so all eigenvalues lie in `(0.1, 2.8)` and the
/// condition number is below 28 (Cai, Liu & Luo, JASA 2011, model 1 uses this band).
/// The family is deterministic; the generator draws nothing.
public struct BandedGraph: PrecisionGenerator, Codable, Equatable {
    /// Entries on the diagonal, first and second off-diagonals.
    public var band: [Double]

    public init(band: [Double] = [1, 0.6, 0.3]) {
        precondition(!band.isEmpty && band[0] > 0)
        self.band = band
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        precondition(p >= 1, "a network needs at least one node")
        var omega = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for (k, v) in band.enumerated() where i + k < p {
                omega[i, i + k] = v
                omega[i + k, i] = v
            }
        }
        return verified(omega)
    }
}
