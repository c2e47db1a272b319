import GGMCore
import GGMDetection
import GGMEstimation

/// The local statistic's update as ggmwatch 0.8 ran it, kept as the benchmark's same-run baseline
/// (issue "Scale"): raw cross sums `sum z_u z_v` with a centre `w Omega_uv` and a scale
/// `1 / (sqrt(w) V_uv)` per entry, three packed arrays read (and one written) at every step, the
/// maximum tracked four entries at a time. ``WindowStatistics`` now keeps the standardized entries
/// in one array (ALGORITHMS.md section 22).
struct LocalUpdate08 {
    let p: Int
    let window: Int
    private var reference: ReferenceModel
    private var zRing: [Double]
    private var head = 0
    private var count = 0
    private var crossSums: [Double]
    private var offset: [Double]
    private var scale: [Double]
    private var oldZ: [Double]
    private(set) var maximum = 0.0

    init(reference: ReferenceModel, window: Int) {
        p = reference.dimension
        self.window = window
        self.reference = reference
        zRing = [Double](repeating: 0, count: window * p)
        crossSums = [Double](repeating: 0, count: p * (p + 1) / 2)
        offset = crossSums
        scale = crossSums
        oldZ = [Double](repeating: 0, count: p)
        let w = Double(window), omega = reference.precision
        var k = 0
        for u in 0..<p {
            for v in u..<p {
                offset[k] = w * omega[u, v]
                scale[k] = 1 / (w.squareRoot() * (omega[u, u] * omega[v, v] + omega[u, v] * omega[u, v]).squareRoot())
                k += 1
            }
        }
    }

    mutating func push(_ x: [Double]) {
        let z = reference.whiten(x)
        let base = head * p
        let hasOld = count == window
        for j in 0..<p { oldZ[j] = zRing[base + j]; zRing[base + j] = z[j] }
        head = (head + 1) % window
        if !hasOld { count += 1 }
        let full = count == window
        var best = -1.0
        crossSums.withUnsafeMutableBufferPointer { cb in
            offset.withUnsafeBufferPointer { offb in
                scale.withUnsafeBufferPointer { scb in
                    z.withUnsafeBufferPointer { znb in
                        oldZ.withUnsafeBufferPointer { zob in
                            let c = cb.baseAddress!, off = offb.baseAddress!, sc = scb.baseAddress!
                            let zn = znb.baseAddress!, zo = zob.baseAddress!
                            let signMask = SIMD4<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
                            var bestV = SIMD4<Double>(repeating: -1)
                            var k = 0
                            for u in 0..<p {
                                let a = zn[u], b = hasOld ? zo[u] : 0
                                let av = SIMD4<Double>(repeating: a), bv = SIMD4<Double>(repeating: b)
                                let n = p - u
                                let cRow = c + k, offRow = off + k, scRow = sc + k, znRow = zn + u, zoRow = zo + u
                                var i = 0
                                while i + 4 <= n {
                                    let updated = SIMD4<Double>.load(cRow + i) + (av * SIMD4<Double>.load(znRow + i) - bv * SIMD4<Double>.load(zoRow + i))
                                    UnsafeMutableRawPointer(cRow + i).storeBytes(of: updated, as: SIMD4<Double>.self)
                                    let d = updated - SIMD4<Double>.load(offRow + i)
                                    let magnitude = unsafeBitCast(unsafeBitCast(d, to: SIMD4<UInt64>.self) & signMask, to: SIMD4<Double>.self)
                                    let e = magnitude * SIMD4<Double>.load(scRow + i)
                                    bestV.replace(with: e, where: e .> bestV)
                                    i += 4
                                }
                                while i < n {
                                    let updated = cRow[i] + (a * znRow[i] - b * zoRow[i])
                                    cRow[i] = updated
                                    let e = Swift.abs(updated - offRow[i]) * scRow[i]
                                    if e > best { best = e }
                                    i += 1
                                }
                                k += n
                            }
                            for lane in 0..<4 where bestV[lane] > best { best = bestV[lane] }
                        }
                    }
                }
            }
        }
        if full { maximum = best }
    }
}

/// The running moments' Gram update as ggmwatch 0.9 ran it, kept as the benchmark's same-run
/// baseline (issue "Scale"): the upper triangle of `M += Y^T Y` by blocks of four rows of `M` and
/// 512 columns, each observation updating the whole tile (four loads and four stores of `M` per
/// column and observation). The register-blocked ``RankUpdate`` replaced it.
enum GramUpdate09 {
    static func add(_ y: [Double], rows k: Int, into m: inout [Double], p: Int) {
        let tile = 512
        y.withUnsafeBufferPointer { yb in
            m.withUnsafeMutableBufferPointer { mb in
                let y = yb.baseAddress!, m = mb.baseAddress!
                for i0 in stride(from: 0, to: p - p % 4, by: 4) {
                    let m0 = m + i0 * p, m1 = m0 + p, m2 = m1 + p, m3 = m2 + p
                    for j0 in stride(from: i0, to: p, by: tile) {
                        let j1 = Swift.min(j0 + tile, p)
                        for t in 0..<k {
                            let yt = y + t * p
                            let a0 = yt[i0], a1 = yt[i0 + 1], a2 = yt[i0 + 2], a3 = yt[i0 + 3]
                            for j in j0..<j1 {
                                let v = yt[j]
                                m0[j] += a0 * v
                                m1[j] += a1 * v
                                m2[j] += a2 * v
                                m3[j] += a3 * v
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A node-wise fit's network on the data's scale as ggmwatch 0.10 formed it, kept as the
/// benchmark's same-run baseline (issue "Scale"): the dense symmetrization over every pair
/// `j < k` (reading the coefficient matrix's columns with stride p), then copies of the precision
/// and of the coefficients rescaled at their nonzero entries.
enum NodewiseNetwork010 {
    static func make(_ fit: NodewiseLassoFit, scale: [Double]) -> (precision: Matrix, coefficients: Matrix) {
        let p = scale.count
        let b = fit.coefficients.elements, rv = fit.residualVariance
        var omega = Matrix(rows: p, columns: p, repeating: -0.0)
        omega.elements.withUnsafeMutableBufferPointer { ob in
            for j in 0..<p {
                ob[j * p + j] = 1 / rv[j]
                for k in (j + 1)..<p where b[j * p + k] != 0 || b[k * p + j] != 0 {
                    let v = 0.5 * (-b[j * p + k] / rv[j] + -b[k * p + j] / rv[k])
                    ob[j * p + k] = v
                    ob[k * p + j] = v
                }
            }
        }
        var precision = omega
        precision.elements.withUnsafeMutableBufferPointer { ob in
            for i in 0..<p { for j in 0..<p where ob[i * p + j] != 0 { ob[i * p + j] = ob[i * p + j] / (scale[i] * scale[j]) } }
        }
        var coefficients = fit.coefficients
        coefficients.elements.withUnsafeMutableBufferPointer { bb in
            for j in 0..<p { for k in 0..<p where bb[j * p + k] != 0 { bb[j * p + k] = bb[j * p + k] * scale[j] / scale[k] } }
        }
        return (precision, coefficients)
    }
}

/// The Gaussian draws' back substitution as ggmwatch 0.13 ran it, kept as the benchmark's same-run
/// baseline (issue "Scale"): four draws side by side, every entry of each row of `L^T` (zeros
/// included), the factor read from memory once per four draws. The same numbers as
/// ``GaussianSampler/sample(count:using:)``.
enum GaussianDraws013 {
    static func sample(_ sampler: GaussianSampler, count: Int, using rng: inout SeededGenerator) -> [[Double]] {
        let n = sampler.dimension
        let upper = sampler.factor.lower.transposed.elements
        var out: [[Double]] = []
        var block = [SIMD4<Double>](repeating: .zero, count: n)
        var start = 0
        while start < count {
            let lanes = Swift.min(4, count - start)
            for r in 0..<lanes {
                let z = rng.standardNormals(n)
                for k in 0..<n { block[k][r] = z[k] }
            }
            upper.withUnsafeBufferPointer { u in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let row = i * n
                    var s0 = SIMD4<Double>.zero, s1 = s0, s2 = s0, s3 = s0
                    var k = i + 1
                    while k + 4 <= n {
                        s0 += u[row + k] * block[k]
                        s1 += u[row + k + 1] * block[k + 1]
                        s2 += u[row + k + 2] * block[k + 2]
                        s3 += u[row + k + 3] * block[k + 3]
                        k += 4
                    }
                    while k < n { s0 += u[row + k] * block[k]; k += 1 }
                    block[i] = (block[i] - ((s0 + s1) + (s2 + s3))) / u[row + i]
                }
            }
            for r in 0..<lanes { out.append((0..<n).map { block[$0][r] + sampler.mean[$0] }) }
            start += lanes
        }
        return out
    }
}
