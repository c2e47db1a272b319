import GGMCore

/// The reference network the detectors score new data against: a mean and a sparse precision.
///
/// Precomputes everything the per-observation updates need: the CSR precision for
/// `z = Omega (x - mu)` in O(nnz + p), its diagonal, and `||R||_4^2`.
public struct ReferenceModel: Codable, Sendable, Equatable {
    /// Reference mean `mu`.
    public let mean: [Double]
    /// Reference precision `Omega` (dense, symmetric).
    public let precision: Matrix
    /// `Omega` in CSR form (exact zeros dropped).
    public let sparsePrecision: SparseMatrix
    /// `Omega_ss`.
    public let precisionDiagonal: [Double]
    /// `||R||_4^2 = sqrt(sum_ij r_ij^4)`, partial correlations including the diagonal.
    public let rNorm4Squared: Double
    /// Number of observations the reference was estimated from (0 when given by the user).
    public let sampleSize: Int
    /// Local entries centred and scaled on the reference segment's own moments (nearly collinear
    /// nodes; see ``RecentredEntry``); nil or empty: every entry follows the paper's formula.
    public internal(set) var recentred: [RecentredEntry]?

    public enum InvalidReference: Error, CustomStringConvertible, Equatable {
        case notSymmetric
        case dimensionMismatch(mean: Int, precision: Int)
        case nonPositiveDiagonal(node: Int, value: Double)
        case nonFinite(row: Int, column: Int)

        public var description: String {
            switch self {
            case .notSymmetric: return "reference precision is not symmetric"
            case let .dimensionMismatch(m, p): return "reference mean has \(m) entries but the precision is \(p)x\(p)"
            case let .nonPositiveDiagonal(node, value): return "reference precision has diagonal entry \(value) at node \(node + 1); it must be positive"
            case let .nonFinite(r, c): return "reference precision entry (\(r + 1), \(c + 1)) is not finite"
            }
        }
    }

    /// A reference from a precision matrix and mean (zero mean if omitted).
    public init(precision: Matrix, mean: [Double]? = nil, sampleSize: Int = 0) throws(InvalidReference) {
        let p = precision.rows
        guard precision.isSquare else { throw .dimensionMismatch(mean: mean?.count ?? p, precision: p) }
        let mu = mean ?? [Double](repeating: 0, count: p)
        guard mu.count == p else { throw .dimensionMismatch(mean: mu.count, precision: p) }
        // One pass for the first non-finite entry (row-major) and the largest magnitude, then the
        // symmetry check over the upper triangle (unchecked reads: this runs at every refit).
        var firstNonFinite: Int?
        var symmetric = true
        precision.elements.withUnsafeBufferPointer { e in
            guard let largest = DenseScan.largestMagnitude(e) else { firstNonFinite = DenseScan.firstNonFinite(e); return }
            let tolerance = 1e-10 * Swift.max(1, largest)
            // Tile by tile: row by row, the transposed reads are a stride of p doubles.
            TriangleTiles.forEachUpperPair(p) { i, j in
                symmetric = Swift.abs(e[i * p + j] - e[j * p + i]) <= tolerance
                return symmetric
            }
        }
        if let k = firstNonFinite { throw .nonFinite(row: k / p, column: k % p) }
        guard symmetric else { throw .notSymmetric }
        for i in 0..<p where !(precision[i, i] > 0) { throw .nonPositiveDiagonal(node: i, value: precision[i, i]) }
        self.mean = mu
        self.precision = precision
        self.sparsePrecision = SparseMatrix(precision)
        self.precisionDiagonal = precision.diagonal
        self.rNorm4Squared = GlobalStatistic.rNorm4Squared(sparsePrecision)
        self.sampleSize = sampleSize
    }

    public var dimension: Int { mean.count }

    /// `z = Omega (x - mu)`.
    public func whiten(_ x: [Double]) -> [Double] {
        var centered = x
        for i in 0..<centered.count { centered[i] -= mean[i] }
        return sparsePrecision.multiply(centered)
    }

    /// Partial correlation `r_uv = -Omega_uv / sqrt(Omega_uu Omega_vv)` (the usual sign convention):
    /// ``Matrix/partialCorrelation(_:_:)`` of the reference precision.
    public func partialCorrelation(_ u: Int, _ v: Int) -> Double {
        precision.partialCorrelation(u, v)
    }
}

extension ReferenceModel {
    private enum CodingKeys: String, CodingKey {
        case mean, precision, sparsePrecision, precisionDiagonal, rNorm4Squared, sampleSize, recentred
    }

    /// Writes every field (the derived ones too, for readers of the file).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(precision, forKey: .precision)
        try c.encode(sparsePrecision, forKey: .sparsePrecision)
        try c.encode(precisionDiagonal, forKey: .precisionDiagonal)
        try c.encode(rNorm4Squared, forKey: .rNorm4Squared)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encodeIfPresent(recentred, forKey: .recentred)
    }

    /// Decoding rebuilds the derived fields from the precision and mean through the validating
    /// initializer (untrusted files: a saved state), so edited derived fields cannot disagree.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let precision = try c.decode(Matrix.self, forKey: .precision)
        let mean = try c.decode([Double].self, forKey: .mean)
        let sampleSize = try c.decode(Int.self, forKey: .sampleSize)
        do {
            try self.init(precision: precision, mean: mean, sampleSize: max(0, sampleSize))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
        let recentred = try c.decodeIfPresent([RecentredEntry].self, forKey: .recentred)
        let p = precision.rows
        guard (recentred ?? []).allSatisfy({ $0.u >= 0 && $0.u <= $0.v && $0.v < p && $0.standardDeviation > 0
                                             && $0.standardDeviation.isFinite && $0.centre.isFinite }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "re-centred entries out of range"))
        }
        self.recentred = recentred
    }
}
