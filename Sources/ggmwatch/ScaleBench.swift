import Foundation
import GGMCore
import GGMData
import GGMDetection
@_spi(Benchmark) import GGMEstimation

/// The scale suite (issue "Scale"): the parts of a refit and of the network file that were
/// rewritten, each against the implementation it replaced, in the same run.
enum ScaleBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        var results: [BenchResult] = []
        results += try nodewiseLasso(settings: settings, log: log)
        results.append(try gramUpdate(p: 452, settings: settings, log: log))
        results.append(try gaussianDraws(settings: settings, log: log))
        for p in settings.quick ? [452] : [452, 5_000] {
            results.append(try packedGram(p: p, settings: settings, log: log))
            results.append(try drawPasses(p: p, settings: settings, log: log))
            results.append(try localBlocks(p: p, settings: settings, log: log))
        }
        for p in settings.quick ? [452] : [452, 3_000, 4_000, 5_000] { results.append(try quietBlocks(p: p, settings: settings, log: log)) }
        results.append(try recentredSearch(p: 452, settings: settings, log: log))
        for p in settings.quick ? [452] : [452, 5_000] { results.append(try networkAssembly(p: p, settings: settings, log: log)) }
        results += try ParseBench.run(settings, log: log)
        for p in settings.quick ? [452] : [452, 2_000] {
            results += try networkFile(p: p, dense: true, settings: settings, log: log)
        }
        if !settings.quick { results += try networkFile(p: 5_000, dense: false, settings: settings, log: log) }
        return results
    }

    /// The search for re-centred entries after a refit (node-wise fit of 500 simulated rows):
    /// `Omega S Omega` row by row on both cores with a division-free pre-test, against the search as
    /// first written (the dense `Omega S`, a square root per entry). Both return the same entries.
    static func recentredSearch(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let data = try BenchData.sample(precision: omega, n: 500, seed: settings.seed &+ 3)
        let moments = RunningMoments(rows: data)
        let s = moments.covariance()
        let fit = try MonitorConfiguration.defaultEstimator.fit(covariance: s, sampleSize: 500)
        let reference = try ReferenceModel(precision: fit.precision, mean: moments.mean, sampleSize: 500)
        let fast = RecentredEntry.find(reference: reference, covariance: s, window: 50)
        let straightforward = RecentredEntry.findStraightforward(reference: reference, covariance: s, window: 50)
        guard fast == straightforward else { throw ValidationErrorText("the re-centred searches disagree") }
        let (fastTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            _ = RecentredEntry.find(reference: reference, covariance: s, window: 50)
        }
        let (oldTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            _ = RecentredEntry.findStraightforward(reference: reference, covariance: s, window: 50)
        }
        log("re-centred search p=\(p): \(format(fastTime)) s, as first written \(format(oldTime)) s (\(fast.count) entries)")
        return .speedUp(name: "re-centred entries after a refit", p: p,
                        setting: String(format: "node-wise fit of 500 rows, %.1f nonzeros per row, w = 50",
                                           Double(reference.sparsePrecision.nonzeroCount) / Double(p)),
                        time: fastTime, replaced: oldTime, replacedBy: "the search as first written (dense Omega S, a square root per entry)",
                        notes: "the same \(fast.count) entries")
    }

    /// A node-wise fit's network on the data's scale (every refit forms it): the precision from
    /// each row's support in one pass and the coefficients rescaled in place, against 0.10's dense
    /// symmetrization and rescaled copies. A sparse fit, about 4 coefficients per row. Both sides
    /// copy the coefficients once here (the benchmark keeps its fit); a refit gives them up, so
    /// the new side copies nothing there.
    static func networkAssembly(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        var rng = SeededGenerator(seed: settings.seed &+ UInt64(p) &+ 17)
        var b = Matrix(rows: p, columns: p)
        for j in 0..<p {
            for _ in 0..<4 {
                let k = Int.random(in: 0..<p, using: &rng)
                if k != j { b[j, k] = Double.random(in: -0.5...0.5, using: &rng) }
            }
        }
        let rv = (0..<p).map { _ in Double.random(in: 0.5...2, using: &rng) }
        let scale = (0..<p).map { _ in Double.random(in: 0.5...2, using: &rng) }
        let fit = NodewiseLassoFit(coefficients: b, residualVariance: rv, lambda: 0.1, iterations: 0, converged: true)
        let estimator = NetworkEstimator(method: .nodewise)
        let fast = estimator.networkFit(nodewise: fit, scale: scale)
        let old = NodewiseNetwork010.make(fit, scale: scale)
        guard fast.precision.elements.map(\.bitPattern) == old.precision.elements.map(\.bitPattern),
              fast.coefficients?.elements.map(\.bitPattern) == old.coefficients.elements.map(\.bitPattern) else {
            throw ValidationErrorText("the network assemblies disagree")
        }
        let repetitions = p > 2_000 ? Swift.max(1, settings.repetitions / 2) : settings.repetitions
        let (fastTime, _) = BenchClock.time(repetitions: repetitions) { _ = estimator.networkFit(nodewise: fit, scale: scale) }
        let (oldTime, _) = BenchClock.time(repetitions: repetitions) { _ = NodewiseNetwork010.make(fit, scale: scale) }
        log("network assembly p=\(p): \(format(fastTime)) s, 0.10's dense assembly \(format(oldTime)) s")
        return .speedUp(name: "node-wise network on the data's scale", p: p,
                        setting: "about 4 coefficients per row (precision and coefficients, as each refit forms them)",
                        time: fastTime, replaced: oldTime, replacedBy: "0.10's dense symmetrization (columns read with stride p) and rescaled copies",
                        notes: "the same matrices bit for bit")
    }

    /// The node-wise lasso on the S&P 500 (p = 452, correlation of the first 250 returns, the
    /// theory lambda), cold and warm-started from the fit without the last 10 returns: covariance
    /// updates on the active set against the plain active phases (every move updating all p
    /// residuals, as 0.9 did). The coefficients agree to rounding.
    static func nodewiseLasso(settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        let (returns, _) = try SP500.returns()
        let p = returns.values.columns
        let r1 = BenchData.correlation(RunningMoments(rows: returns.values.rows(0..<240)).covariance())
        let r2 = BenchData.correlation(RunningMoments(rows: returns.values.rows(0..<250)).covariance())
        let lambda = LambdaSelection.theoryLambda(c: NetworkEstimator.defaultTheoryConstant, dimension: p, sampleSize: 250)
        let lasso = NodewiseLasso(lambda: lambda)
        let previous = try lasso.fit(covariance: r1)
        var results: [BenchResult] = []
        for warm in [false, true] {
            let start = warm ? previous : nil
            var fast: NodewiseLassoFit?, plain: NodewiseLassoFit?
            let (fastTime, _) = try BenchClock.time(repetitions: settings.repetitions) {
                fast = try lasso.fit(covariance: r2, warmStart: start)
            }
            let (plainTime, _) = try BenchClock.time(repetitions: settings.repetitions) {
                plain = try lasso.fitPlain(covariance: r2, warmStart: start)
            }
            let difference = zip(fast!.coefficients.elements, plain!.coefficients.elements)
                .reduce(0.0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
            guard difference < 1e-9 else { throw ValidationErrorText("the node-wise fits disagree by \(difference)") }
            let mode = warm ? "warm-started refit" : "cold fit"
            log("node-wise lasso p=\(p) \(mode): \(format(fastTime)) s, plain active phases \(format(plainTime)) s")
            results.append(BenchResult(
                suite: "scale", name: "node-wise lasso, \(mode)", p: p,
                setting: String(format: "S&P 500, correlation of 250 returns, theory lambda %.3f", lambda)
                    + (warm ? ", warm start from 240 returns" : ""),
                value: fastTime, unit: "s", baseline: plainTime,
                baselineName: "the plain active phases (every move updates all p residuals, 0.9)",
                ratio: plainTime / fastTime, ratioMeaning: "speed-up",
                notes: "\(fast!.iterations) sweeps; coefficients within \(String(format: "%.1e", difference))"))
        }
        return results
    }

    /// The running moments' Gram update by a batch of 256 rows (p = 452), the upper triangle: the
    /// register-blocked kernel on packed panels (what `RunningMoments` runs) against the row-tiled
    /// loop of 0.9 (``GramUpdate09``). The same sums bit for bit.
    static func gramUpdate(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let k = 256
        var rng = SeededGenerator(seed: settings.seed &+ 11)
        let y = rng.standardNormals(k * p)
        var fast = [Double](repeating: 0, count: p * p), old = fast
        let (fastTime, _) = BenchClock.time(repetitions: settings.repetitions) { packedUpdate(y, rows: k, into: &fast, p: p) }
        let (oldTime, _) = BenchClock.time(repetitions: settings.repetitions) { GramUpdate09.add(y, rows: k, into: &old, p: p) }
        var check = [Double](repeating: 0, count: p * p), checkOld = check
        packedUpdate(y, rows: k, into: &check, p: p)
        GramUpdate09.add(y, rows: k, into: &checkOld, p: p)
        for i in 0..<(p - p % 4) {
            for j in i..<(p - p % 4) where check[i * p + j] != checkOld[i * p + j] {
                throw ValidationErrorText("the Gram updates disagree at (\(i), \(j))")
            }
        }
        log("Gram update p=\(p), \(k) rows: \(format(fastTime)) s, 0.9's loop \(format(oldTime)) s")
        return .speedUp(name: "Gram update by a batch of rows", p: p,
                        setting: "\(k) rows, upper triangle (the running moments' rank-k update, packed panels)",
                        time: fastTime, replaced: oldTime, replacedBy: "0.9's loop (a 4 x 512 tile of M per observation)",
                        notes: "the same sums bit for bit")
    }

    /// `M += Y^T Y` over the whole groups of four rows and columns, upper triangle, from packed
    /// panels (``RankUpdate/fourRowsPacked(_:_:_:_:rowGroup:groups:panels:count:groupCount:sign:)``).
    static func packedUpdate(_ y: [Double], rows k: Int, into m: inout [Double], p: Int) {
        let groups = p / 4
        y.withUnsafeBufferPointer { yb in
            let panels = RankUpdate.Panels(yb.baseAddress!, count: k, stride: p)
            panels.storage.withUnsafeBufferPointer { pb in
                m.withUnsafeMutableBufferPointer { mb in
                    let base = mb.baseAddress!
                    for g in 0..<groups {
                        let m0 = base + 4 * g * p
                        RankUpdate.fourRowsPacked(m0, m0 + p, m0 + 2 * p, m0 + 3 * p, rowGroup: g, groups: g..<groups,
                                                  panels: pb.baseAddress!, count: k, groupCount: groups)
                    }
                }
            }
        }
    }

    /// The same update by 0.13's kernel, reading the rows in place.
    static func inPlaceUpdate(_ y: [Double], rows k: Int, into m: inout [Double], p: Int) {
        let groups = p / 4
        y.withUnsafeBufferPointer { yb in
            m.withUnsafeMutableBufferPointer { mb in
                let base = mb.baseAddress!
                for g in 0..<groups {
                    let m0 = base + 4 * g * p
                    RankUpdate.fourRows(m0, m0 + p, m0 + 2 * p, m0 + 3 * p, rowIndex: 4 * g, columns: (4 * g)..<(4 * groups),
                                        y: yb.baseAddress!, stride: p, observations: 0..<k)
                }
            }
        }
    }

    /// The S&P 500's node-wise fit on its first 500 returns, as `calibrate` simulates it.
    static func sp500Null() throws -> GaussianSampler {
        let (returns, _) = try SP500.returns()
        let moments = RunningMoments(rows: returns.values.rows(0..<500))
        let fit = try MonitorConfiguration.defaultEstimator.fit(covariance: moments.covariance(), sampleSize: 500)
        return try Calibrator.simulationNull(fit.precision)
    }

    /// Gaussian draws for the calibration's null at p = 452 (the S&P 500's fit): a pass over the
    /// factor for many draws against one draw at a time. The same numbers bit for bit.
    static func gaussianDraws(settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        try compareDraws(try sp500Null(), count: 200, network: "S&P 500 node-wise fit on 500 returns",
                         name: "Gaussian draws of the calibration's null", settings: settings, log: log,
                         baselineName: "one draw at a time (a back substitution each)") { sampler, n, rng in
            (0..<n).map { _ in sampler.sample(using: &rng) }
        }
    }

    /// The Gram update on packed panels (0.14) against the same kernel reading the rows in place
    /// (0.13): 64 rows, upper triangle. The same sums bit for bit.
    static func packedGram(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let k = 64
        var rng = SeededGenerator(seed: settings.seed &+ 13)
        let y = rng.standardNormals(k * p)
        var fast = [Double](repeating: 0, count: p * p), old = fast
        let repetitions = p > 1_000 ? Swift.min(settings.repetitions, 3) : settings.repetitions
        let (fastTime, _) = BenchClock.time(repetitions: repetitions) { packedUpdate(y, rows: k, into: &fast, p: p) }
        let (oldTime, _) = BenchClock.time(repetitions: repetitions) { inPlaceUpdate(y, rows: k, into: &old, p: p) }
        var check = [Double](repeating: 0, count: p * p), checkOld = check
        packedUpdate(y, rows: k, into: &check, p: p)
        inPlaceUpdate(y, rows: k, into: &checkOld, p: p)
        guard check == checkOld else { throw ValidationErrorText("the packed and in-place Gram updates disagree") }
        log("packed Gram update p=\(p), \(k) rows: \(format(fastTime)) s, in place \(format(oldTime)) s")
        return .speedUp(name: "Gram update on packed panels", p: p,
                        setting: "\(k) rows, upper triangle (the running moments' rank-k update)",
                        time: fastTime, replaced: oldTime, replacedBy: "0.13's kernel reading the rows in place",
                        notes: "the same sums bit for bit")
    }

    /// Gaussian draws for the calibration's null, 64 of them: sixteen per pass over the factor,
    /// zero blocks skipped (0.14), against 0.13's four per pass over every entry
    /// (``GaussianDraws013``). At p = 452 the S&P 500's node-wise fit on 500 returns, at p = 5,000 a
    /// random network with about 4 neighbours per node. The same draws bit for bit.
    static func drawPasses(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let sampler: GaussianSampler, network: String
        if p == 452 {
            (sampler, network) = (try sp500Null(), "S&P 500 node-wise fit on 500 returns")
        } else {
            sampler = try Calibrator.simulationNull(BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ 23))
            network = "random network, about 4 neighbours per node"
        }
        return try compareDraws(sampler, count: 64, network: network, name: "Gaussian draws, passes over the factor",
                                settings: settings, log: log,
                                baselineName: "0.13's passes (four draws per pass, every entry)") { sampler, n, rng in
            GaussianDraws013.sample(sampler, count: n, using: &rng)
        }
    }

    /// The local statistic's update for 64 rows pushed in blocks of eight
    /// (``WindowStatistics/push(block:whitened:evicted:)``, as a calibration replicate feeds its
    /// monitor) against one push at a time (0.14), from the same full window (w = 50, combined
    /// detector, a random network with about 4 neighbours per node, independent standard normal
    /// rows: the cost does not depend on the values). One thread, as a calibration's replicates
    /// run. The same statistics bit for bit.
    static func localBlocks(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let w = 50, n = 64, block = WindowStatistics.blockCapacity
        let helpers = HelperThreads.count
        HelperThreads.enable(0)
        defer { HelperThreads.enable(helpers) }
        let reference = try ReferenceModel(precision: BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ 31))
        var rng = SeededGenerator(seed: settings.seed &+ 37)
        let rows = (0..<(w + 2 * n)).map { _ in (0..<p).map { _ in rng.nextStandardNormal() } }
        var start = WindowStatistics(reference: reference, window: w, detector: .combined)
        var evicted: [Double] = []
        for x in rows.prefix(w) { start.push(x, evicted: &evicted) }
        let repetitions = p > 1_000 ? Swift.min(settings.repetitions, 3) : settings.repetitions
        /// The statistics of rows `w ..< w + n` (global then local), one push at a time or in blocks.
        func run(blocks: Bool) -> [Double] {
            var engine = start
            var global: [Double] = [], local: [Double] = []
            if blocks {
                var leaving: [[Double]] = []
                for b in stride(from: w, to: w + n, by: block) {
                    let statistics = engine.push(block: Array(rows[b..<(b + block)]), evicted: &leaving)
                    global += statistics.global
                    local += statistics.local
                }
            } else {
                var leaving: [Double] = []
                for x in rows[w..<(w + n)] {
                    engine.push(x, evicted: &leaving)
                    global.append(engine.globalStatistic())
                    local.append(engine.localStatistic())
                }
            }
            return global + local
        }
        return try sameResults(name: "local statistic, rows in blocks", p: p,
                               setting: "\(n) rows in blocks of \(block), w = \(w), combined, one thread (as a calibration replicate)",
                               repetitions: repetitions, replacedBy: "one push at a time (0.14)",
                               notes: "the same statistics bit for bit", log: log,
                               fast: { run(blocks: true) }, replaced: { run(blocks: false) })
    }

    /// Times `fast` and `replaced` (`repetitions` runs each), checks that they return the same
    /// values, logs both times and reports the speed-up.
    static func sameResults<T: Equatable>(name: String, p: Int, setting: String, repetitions: Int, replacedBy: String,
                                          notes: String, log: (String) -> Void,
                                          fast: () throws -> T, replaced: () throws -> T) throws -> BenchResult {
        let (fastTime, _) = try BenchClock.time(repetitions: repetitions) { _ = try fast() }
        let (oldTime, _) = try BenchClock.time(repetitions: repetitions) { _ = try replaced() }
        guard try fast() == replaced() else {
            throw ValidationErrorText("\(name), p = \(p): the results differ from \(replacedBy)")
        }
        log("\(name) p=\(p): \(format(fastTime)) s, \(replacedBy) \(format(oldTime)) s")
        return .speedUp(name: name, p: p, setting: setting, time: fastTime, replaced: oldTime, replacedBy: replacedBy, notes: notes)
    }

    /// A running monitor (fixed reference, combined detector, w = 50, thresholds that never fire,
    /// the local update split across the cores as `ggmwatch monitor` runs it) taking 64 rows in
    /// blocks of eight (``SequentialMonitor/updateQuietBlock(_:labels:)``, which copies the score
    /// before each block so that one that fires can be undone) against one at a time, from the
    /// same full window. Where blocks stop paying is ``NetworkScore/liveBlockDimension``.
    static func quietBlocks(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let w = 50, n = 64, block = WindowStatistics.blockCapacity
        let reference = try ReferenceModel(precision: BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ 41))
        var rng = SeededGenerator(seed: settings.seed &+ 43)
        let rows = (0..<(w + n)).map { _ in (0..<p).map { _ in rng.nextStandardNormal() } }
        let configuration = MonitorConfiguration(window: w, detector: .combined, thresholds: .fixed(Thresholds(global: 1e300, local: 1e300)))
        var start = try OnlineMonitor(reference: reference, configuration: configuration)
        start.forcesBlocks = true
        for x in rows.prefix(w) { _ = try start.update(x) }
        let repetitions = p > 1_000 ? Swift.min(settings.repetitions, 3) : settings.repetitions
        /// The steps of rows `w ..< w + n`, one at a time or in blocks.
        func run(blocks: Bool) throws -> [MonitorStep] {
            var monitor = start
            var steps: [MonitorStep] = []
            var t = w
            while t < w + n {
                if blocks, monitor.quietBlockRoom(limit: block) == block,
                   let taken = monitor.updateQuietBlock(Array(rows[t..<(t + block)])) {
                    steps += taken
                    t += block
                } else {
                    steps.append(try monitor.update(rows[t]))
                    t += 1
                }
            }
            return steps
        }
        return try sameResults(name: "monitor, rows in blocks", p: p,
                               setting: "\(n) rows in blocks of \(block), fixed reference, w = \(w), combined, \(HelperThreads.count + 1) thread(s)",
                               repetitions: repetitions, replacedBy: "one row at a time",
                               notes: "the same steps bit for bit; blocks are used from p = \(NetworkScore.liveBlockDimension)",
                               log: log, fast: { try run(blocks: true) }, replaced: { try run(blocks: false) })
    }

    /// `sampler.sample(count:)` against `baseline` drawing the same `count` rows; both must give
    /// the same numbers.
    static func compareDraws(_ sampler: GaussianSampler, count n: Int, network: String, name: String,
                             settings: BenchSettings, log: (String) -> Void, baselineName: String,
                             baseline: (GaussianSampler, Int, inout SeededGenerator) -> [[Double]]) throws -> BenchResult {
        let p = sampler.dimension
        let repetitions = p > 1_000 ? Swift.min(settings.repetitions, 3) : settings.repetitions
        let (fastTime, _) = BenchClock.time(repetitions: repetitions) {
            var rng = SeededGenerator(seed: settings.seed)
            _ = sampler.sample(count: n, using: &rng)
        }
        let (oldTime, _) = BenchClock.time(repetitions: repetitions) {
            var rng = SeededGenerator(seed: settings.seed)
            _ = baseline(sampler, n, &rng)
        }
        var a = SeededGenerator(seed: settings.seed), b = a
        guard sampler.sample(count: n, using: &a) == baseline(sampler, n, &b) else {
            throw ValidationErrorText("the Gaussian draws differ from \(baselineName)")
        }
        let nonzero = sampler.factor.lower.elements.filter { $0 != 0 }.count
        log("\(name) p=\(p), \(n) draws: \(format(fastTime)) s, \(baselineName) \(format(oldTime)) s")
        return .speedUp(name: name, p: p,
                        setting: "\(n) draws; \(network); Cholesky factor "
                               + String(format: "%.0f%% nonzero", 100 * Double(nonzero) / Double(p * (p + 1) / 2)),
                        time: fastTime, replaced: oldTime, replacedBy: baselineName, notes: "the same draws bit for bit")
    }

    /// Writing and reading a network file of a sparse precision (about 5 nonzeros per row): the
    /// sparse form (the default) against the dense rows (`fit --dense`), when `dense`.
    static func networkFile(p: Int, dense: Bool, settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let names = (1...p).map { "x\($0)" }
        let fit = NetworkFit(method: .glasso, lambda: 0.1, precision: omega, iterations: 1, converged: true, standardized: true,
                             scale: [Double](repeating: 1, count: p))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ggmwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func measure(_ denseForm: Bool) throws -> (write: Double, read: Double, bytes: Int) {
            var file = NetworkFile(fit: fit, names: names, mean: [Double](repeating: 0, count: p), sampleSize: 500,
                                   lambdaRule: .fixed(0.1))
            file.dense = denseForm
            let path = directory.appendingPathComponent(denseForm ? "dense.json" : "sparse.json").path
            let (write, _) = try BenchClock.time(repetitions: settings.repetitions) { try file.write(toPath: path) }
            var loaded: NetworkFile?
            let (read, _) = try BenchClock.time(repetitions: settings.repetitions) { loaded = try NetworkFile.load(path: path) }
            guard let loaded, Matrix(loaded.precision) == omega else { throw ValidationErrorText("the network file did not read back") }
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return (write, read, bytes)
        }
        let sparse = try measure(false)
        let nnz = String(format: "%.1f nonzeros per row", Double(SparseMatrix(omega).nonzeroCount) / Double(p))
        guard dense else {
            log("network file p=\(p): sparse write \(format(sparse.write)) s, read \(format(sparse.read)) s, \(sparse.bytes) bytes")
            return [BenchResult(suite: "scale", name: "network file write + read (sparse)", p: p, setting: nnz,
                                value: sparse.write + sparse.read, unit: "s",
                                notes: "\(sparse.bytes / 1024) KiB; the dense form (p^2 numbers) is not measured at this size")]
        }
        let full = try measure(true)
        log("network file p=\(p): sparse write \(format(sparse.write)) s, read \(format(sparse.read)) s, \(sparse.bytes) bytes; dense write \(format(full.write)) s, read \(format(full.read)) s, \(full.bytes) bytes")
        return [BenchResult(suite: "scale", name: "network file write + read", p: p, setting: nnz,
                            value: sparse.write + sparse.read, unit: "s", baseline: full.write + full.read,
                            baselineName: "the dense rows (fit --dense, the format before 0.9)",
                            ratio: (full.write + full.read) / (sparse.write + sparse.read), ratioMeaning: "speed-up",
                            notes: "\(sparse.bytes / 1024) KiB against \(full.bytes / 1024) KiB")]
    }
}

extension BenchResult {
    /// A time in the scale suite against the implementation it replaced, measured in the same run
    /// (ratio = speed-up).
    static func speedUp(name: String, p: Int, setting: String, time: Double, replaced: Double, replacedBy baselineName: String,
                        notes: String) -> BenchResult {
        BenchResult(suite: "scale", name: name, p: p, setting: setting, value: time, unit: "s", baseline: replaced,
                    baselineName: baselineName, ratio: replaced / time, ratioMeaning: "speed-up", notes: notes)
    }
}
