import GGMCore

/// The lasso kernel shared by ``NodewiseLasso`` and ``GraphicalLasso``: coordinate descent on
///
///     minimize over b (b_excluded = 0):   (1/2) b^T V b - u^T b + lambda ||b||_1
///
/// where `V` is a symmetric `n x n` Gram-type matrix given in full (row-major), and coordinate
/// `excluded` is left out (it is the response node). The caller keeps the *partial residual*
/// `r = u - V b` (entries `k != excluded` are meaningful) and passes it in; the kernel keeps it
/// up to date, so checking one coordinate costs O(1) and moving one costs O(n) (one contiguous
/// row of `V`).
///
/// Coordinate step (Friedman, Hastie & Tibshirani 2007, 2010):
/// `b_k <- S(r_k + V_kk b_k, lambda) / V_kk` with `S(z, t) = sign(z) max(|z| - t, 0)`.
///
/// Active sets (glmnet's strategy): one full sweep over all coordinates, then sweeps over the
/// nonzero coordinates only until they settle, then another full sweep, which doubles as the
/// KKT check: the problem is solved when a full sweep moves no coordinate by more than the
/// threshold. A coordinate's move is measured as `sqrt(V_kk) |delta b_k|` (the change of the
/// fitted values' scale, in the response's units).
///
/// Covariance updates on the active set (glmnet's "covariance updating"): during the sweeps over
/// the active set only the residuals of active coordinates are read, so a move updates those
/// (O(|A|) per move, not O(n)); the other residuals are brought up to date once, when the phase
/// ends, by the net change of each active coefficient (O(|A| n) per phase instead of per sweep).
/// The iterates are the plain algorithm's up to rounding: the residuals of inactive coordinates
/// are summed in another order.
///
/// `covarianceUpdates: false` runs the active phases as the plain algorithm (every move updates
/// the whole residual), the same-run baseline of `ggmwatch bench`.
///
/// - Returns: the number of sweeps (full or active) and whether the threshold was met.
@inline(__always)
func gramLassoSolve(
    gram v: UnsafePointer<Double>, dimension n: Int, excluded: Int,
    coefficients b: UnsafeMutablePointer<Double>, residual r: UnsafeMutablePointer<Double>,
    lambda: Double, threshold: Double, maxSweeps: Int,
    active: UnsafeMutablePointer<Int>, diagonal: UnsafePointer<Double>? = nil,
    covarianceUpdates: Bool = true
) -> (sweeps: Int, converged: Bool) {
    // The diagonal of V, contiguous (read once per coordinate per sweep: a strided read of V would
    // touch a new cache line each time). Callers solving many problems on one V pass it in.
    let ownDiagonal: UnsafeMutablePointer<Double>?
    if diagonal == nil {
        ownDiagonal = .allocate(capacity: Swift.max(n, 1))
        for k in 0..<n { ownDiagonal![k] = v[k * n + k] }
    } else {
        ownDiagonal = nil
    }
    defer { ownDiagonal?.deallocate() }
    let diag = diagonal ?? UnsafePointer(ownDiagonal!)
    /// The coordinate step on `b_k`; returns its move `d` (0 when it stays), the residuals untouched.
    @inline(__always)
    func step(_ k: Int) -> Double { step(k, residual: r[k]) }
    @inline(__always)
    func step(_ k: Int, residual rk: Double) -> Double {
        let old = b[k]
        let new = coordinateStep(residual: rk, coefficient: old, diagonal: diag[k], lambda: lambda)
        if new == old { return 0 }
        b[k] = new
        return new - old
    }
    /// A step with every residual updated; returns the move's size `sqrt(V_kk) |d|`.
    @inline(__always)
    func update(_ k: Int) -> Double {
        let d = step(k)
        if d == 0 { return 0 }
        let row = v + k * n
        for l in 0..<n { r[l] -= d * row[l] }
        return Swift.abs(d) * diag[k].squareRoot()
    }

    // Scratch for an active phase: each active coefficient at its start, then the active residuals.
    let start = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
    let kept = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
    defer { start.deallocate(); kept.deallocate() }

    // Moves not yet applied to the whole residual, oldest first (at most `batch` of them): they
    // are applied together, each entry getting them in order (`ResidualRows`), and a residual
    // read before that is formed from its stored value by the same subtractions, so every value
    // read is the one applying each move at once would give. `covarianceUpdates: false` (the
    // benchmark's baseline) applies each move at once.
    let batch = covarianceUpdates ? ResidualRows.width : 1
    var pending = ResidualRows()
    @inline(__always)
    func current(_ k: Int) -> Double { pending.count == 0 ? r[k] : pending.value(r[k], at: k) }
    @inline(__always)
    func postpone(_ d: Double, row: UnsafePointer<Double>) {
        pending.append(d, row)
        if pending.count == batch { pending.apply(to: r, count: n) }
    }

    var sweeps = 0
    /// The active phase's sweeps on a compact copy: the active block of `V` (row `a` holds
    /// `V[active[a], active[c]]` for every `c`), the active coefficients, residuals and diagonal,
    /// all contiguous, so that a move's update of the active residuals is one vectorizable loop
    /// instead of a gather and a scatter through `active`. Each value gets the same operations in
    /// the same order as in the indexed sweeps, and the coefficients and active residuals are
    /// written back at the end: the same iterates bit for bit. Up to `compactLimit` active
    /// coordinates (a block of 2 MB at most).
    let compactLimit = 512
    func compactSweeps(_ count: Int) {
        guard count > 0 else { return }
        let block = UnsafeMutablePointer<Double>.allocate(capacity: count * count)
        let rA = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let bA = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let dA = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { block.deallocate(); rA.deallocate(); bA.deallocate(); dA.deallocate() }
        for a in 0..<count {
            let k = active[a], row = v + k * n, out = block + a * count
            for c in 0..<count { out[c] = row[active[c]] }
            rA[a] = r[k]
            bA[a] = b[k]
            dA[a] = diag[k]
        }
        while sweeps < maxSweeps {
            var m = 0.0
            for a in 0..<count {
                // The coordinate step of `step(_:)`, on the compact copy.
                let vkk = dA[a], old = bA[a]
                let new = coordinateStep(residual: rA[a], coefficient: old, diagonal: vkk, lambda: lambda)
                if new == old { continue }
                bA[a] = new
                let d = new - old
                if d == 0 { continue }
                let row = block + a * count
                for c in 0..<count { rA[c] -= d * row[c] }
                m = Swift.max(m, Swift.abs(d) * vkk.squareRoot())
            }
            sweeps += 1
            if m < threshold { break }
        }
        for a in 0..<count {
            b[active[a]] = bA[a]
            r[active[a]] = rA[a]
        }
    }

    /// Sweeps over `active[0..<count]` until they settle, residuals kept on the active set only,
    /// then the other residuals by each active coefficient's net change over the phase.
    func activePhase(_ count: Int) {
        guard covarianceUpdates else {
            // The plain algorithm (ggmwatch 0.9, kept as the benchmark's baseline): every move
            // updates the whole residual.
            while sweeps < maxSweeps {
                var m = 0.0
                for a in 0..<count { m = Swift.max(m, update(active[a])) }
                sweeps += 1
                if m < threshold { return }
            }
            return
        }
        for a in 0..<count { start[a] = b[active[a]] }
        if count <= compactLimit {
            compactSweeps(count)
        } else {
            while sweeps < maxSweeps {
                var m = 0.0
                for a in 0..<count {
                    let k = active[a]
                    let d = step(k)
                    if d == 0 { continue }
                    let row = v + k * n
                    for c in 0..<count {
                        let l = active[c]
                        r[l] -= d * row[l]
                    }
                    m = Swift.max(m, Swift.abs(d) * diag[k].squareRoot())
                }
                sweeps += 1
                if m < threshold { break }
            }
        }
        for a in 0..<count { kept[a] = r[active[a]] }
        for a in 0..<count {
            let k = active[a]
            let d = b[k] - start[a]
            if d == 0 { continue }
            pending.append(d, v + k * n)
            if pending.count == ResidualRows.width { pending.apply(to: r, count: n) }
        }
        pending.apply(to: r, count: n)
        for a in 0..<count { r[active[a]] = kept[a] }
    }

    while sweeps < maxSweeps {
        // Full sweep (KKT check).
        // A coordinate at zero with |r_k| <= lambda stays at zero and is not active: the sweep
        // skips such runs four at a time and updates the others in order, as one by one would.
        var maxChange = 0.0
        var activeCount = 0
        var k = 0
        while k < n {
            if k + 4 <= n {
                // Four coefficients at zero (either sign; the shift drops the sign bit) whose
                // residuals are within lambda (false for NaN): scalar tests, which compile to
                // fewer instructions than a four-lane vector mask on the baseline target.
                let zeros = (b[k].bitPattern | b[k + 1].bitPattern | b[k + 2].bitPattern | b[k + 3].bitPattern) << 1 == 0
                if zeros && Swift.abs(current(k)) <= lambda && Swift.abs(current(k + 1)) <= lambda
                    && Swift.abs(current(k + 2)) <= lambda && Swift.abs(current(k + 3)) <= lambda {
                    k += 4
                    continue
                }
            }
            let rk = current(k)
            if k != excluded, b[k] != 0 || !(Swift.abs(rk) <= lambda) {
                let d = step(k, residual: rk)
                if d != 0 {
                    postpone(d, row: v + k * n)
                    let c = Swift.abs(d) * diag[k].squareRoot()
                    if c > maxChange { maxChange = c }
                }
                if b[k] != 0 { active[activeCount] = k; activeCount += 1 }
            }
            k += 1
        }
        pending.apply(to: r, count: n)
        sweeps += 1
        if maxChange < threshold { return (sweeps, true) }
        activePhase(activeCount)
    }
    return (sweeps, false)
}

/// The coordinate step `S(r_k + V_kk b_k, lambda) / V_kk`: the new value of `b_k`.
@inline(__always)
func coordinateStep(residual rk: Double, coefficient old: Double, diagonal vkk: Double, lambda: Double) -> Double {
    let z = rk + vkk * old
    if z > lambda { return (z - lambda) / vkk }
    if z < -lambda { return (z + lambda) / vkk }
    return 0
}

/// Up to four moves `r -= d_m V_m` (a coefficient's change times its row of the Gram matrix)
/// applied to the residual in one pass: each entry gets the subtractions in the order of the
/// moves, `r_l = ((r_l - d_1 V_1l) - d_2 V_2l) - ...`, exactly as one pass per move would, while
/// the residual is read and written once instead of once per move.
struct ResidualRows {
    static let width = 4
    private(set) var count = 0
    private var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0
    private var rows: (UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafePointer<Double>?) = (nil, nil, nil, nil)

    @inline(__always)
    mutating func append(_ d: Double, _ row: UnsafePointer<Double>) {
        switch count {
        case 0: d0 = d; rows.0 = row
        case 1: d1 = d; rows.1 = row
        case 2: d2 = d; rows.2 = row
        default: d3 = d; rows.3 = row
        }
        count += 1
    }

    /// Entry `l` of the residual with the pending moves applied (`stored` is its stored value).
    @inline(__always)
    func value(_ stored: Double, at l: Int) -> Double {
        var x = stored
        if count > 0 { x -= d0 * rows.0![l] }
        if count > 1 { x -= d1 * rows.1![l] }
        if count > 2 { x -= d2 * rows.2![l] }
        if count > 3 { x -= d3 * rows.3![l] }
        return x
    }

    /// Applies the pending moves to `r[0 ..< n]` and empties the list.
    @inline(__always)
    mutating func apply(to r: UnsafeMutablePointer<Double>, count n: Int) {
        switch count {
        case 0: return
        case 1:
            let a = rows.0!
            for l in 0..<n { r[l] -= d0 * a[l] }
        case 2:
            let a = rows.0!, b = rows.1!
            for l in 0..<n { var x = r[l]; x -= d0 * a[l]; x -= d1 * b[l]; r[l] = x }
        case 3:
            let a = rows.0!, b = rows.1!, c = rows.2!
            for l in 0..<n { var x = r[l]; x -= d0 * a[l]; x -= d1 * b[l]; x -= d2 * c[l]; r[l] = x }
        default:
            let a = rows.0!, b = rows.1!, c = rows.2!, e = rows.3!
            for l in 0..<n { var x = r[l]; x -= d0 * a[l]; x -= d1 * b[l]; x -= d2 * c[l]; x -= d3 * e[l]; r[l] = x }
        }
        count = 0
    }
}
