import Foundation
import GGMCore
import Testing
import GGMEstimation

/// The experiment behind the default theory constant (docs/LAMBDA.md). Run with
/// `GGM_LAMBDA_EXPERIMENT=1 swift test -c release -Xswiftc -enable-testing --filter LambdaExperiment`.
///
/// Random sparse precision matrices (mean degree 3, entries +-U(low, high) before the diagonal shift
/// and unit-diagonal rescaling), p in {50, 100, 200}, n in {100, 250, 500}, 3 replicates each; edge
/// recovery F1, precision and recall of the estimated graph, and (glasso) the Kullback-Leibler loss
/// `tr(Sigma Omega-hat) - log det(Sigma Omega-hat) - p`, for a grid of c.
@Suite("LambdaExperiment", .enabled(if: ProcessInfo.processInfo.environment["GGM_LAMBDA_EXPERIMENT"] != nil))
struct LambdaExperimentTests {
    struct Score { var f1 = 0.0, precision = 0.0, recall = 0.0, kl = 0.0, count = 0 }

    @Test(arguments: [(0.3, 0.6), (0.15, 0.35)])
    func theoryConstant(low: Double, high: Double) throws {
        let cs = [0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, -1]  // -1: the BIC rule
        let replicates = 3
        var log = "design: entries +-U(\(low), \(high))\n"
        for method in EstimationMethod.allCases {
            var total = [Score](repeating: Score(), count: cs.count)
            log += "method \(method.rawValue)\n"
            for p in [50, 100, 200] {
                for n in [100, 250, 500] {
                    var row = [Score](repeating: Score(), count: cs.count)
                    for rep in 0..<replicates {
                        let (truth, s, _) = simulatedCovariance(p: p, n: n, density: 3 / Double(p - 1),
                                                                seed: UInt64(1000 * p + 10 * n + rep), low: low, high: high)
                        let sigma = try truth.inverseSPD()
                        var warm: NetworkFit?
                        for (ci, c) in cs.enumerated().reversed() {
                            let fit = try NetworkEstimator(method: method, lambda: c < 0 ? .bic : .theory(c: c))
                                .fit(covariance: s, sampleSize: n, warmStart: warm)
                            if c > 0 { warm = fit }
                            var tp = 0, fp = 0, fn = 0
                            for i in 0..<p { for j in (i + 1)..<p {
                                let t = truth[i, j] != 0, e = fit.precision[i, j] != 0
                                if t && e { tp += 1 } else if e { fp += 1 } else if t { fn += 1 }
                            } }
                            let prec = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
                            let rec = Double(tp) / Double(tp + fn)
                            let f1 = prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec)
                            var kl = Double.nan
                            if let chol = try? fit.precision.cholesky() {
                                let m = sigma * fit.precision
                                kl = m.diagonal.reduce(0, +) - chol.logDeterminant - (try sigma.cholesky()).logDeterminant - Double(p)
                            }
                            for k in [0, 1] {
                                func add(_ sc: inout Score) { sc.f1 += f1; sc.precision += prec; sc.recall += rec; sc.kl += kl / Double(p); sc.count += 1 }
                                if k == 0 { add(&row[ci]) } else { add(&total[ci]) }
                            }
                        }
                    }
                    log += "p=\(p) n=\(n) F1: " + row.map { String(format: "%.2f", $0.f1 / Double($0.count)) }.joined(separator: " ") + "\n"
                }
            }
            func line(_ name: String, _ f: (Score) -> Double) -> String {
                name + total.map { String(format: "%.3f", f($0) / Double($0.count)) }.joined(separator: " ") + "\n"
            }
            log += "c:            " + cs.map { $0 < 0 ? "  BIC" : String(format: "%.3f", $0) }.joined(separator: " ") + "\n"
            log += line("mean F1:      ", \.f1) + line("mean prec:    ", \.precision) + line("mean recall:  ", \.recall)
            log += line("mean KL / p:  ", \.kl)
        }
        print(log)
    }
}
