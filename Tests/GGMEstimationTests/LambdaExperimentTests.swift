import Foundation
import GGMCore
import Testing
import GGMEstimation

/// Scores of one fit against the true network: edge-recovery F1, precision, recall and, for a
/// positive definite estimate, the Kullback-Leibler loss per node
/// `(tr(Sigma Omega-hat) - log det(Sigma Omega-hat) - p) / p` (NaN otherwise).
struct LambdaScore {
    var f1: Double
    var precision: Double
    var recall: Double
    var klPerNode: Double
}

/// Fits every theory constant in `cs` (`c < 0`: the BIC rule) to one simulated sample of the
/// docs/LAMBDA.md design (random sparse precision, mean degree 3, entries +-U(low, high), seed
/// `1000 p + 10 n + replicate`), warm-started from the largest c down, and scores each fit.
func lambdaScores(p: Int, n: Int, replicate: Int, low: Double, high: Double, method: EstimationMethod,
                  cs: [Double]) throws -> [LambdaScore] {
    let (truth, s, _) = simulatedCovariance(p: p, n: n, density: 3 / Double(p - 1),
                                            seed: UInt64(1000 * p + 10 * n + replicate), low: low, high: high)
    let sigma = try truth.inverseSPD()
    let sigmaLogDet = try sigma.cholesky().logDeterminant
    var scores = [LambdaScore?](repeating: nil, count: cs.count)
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
        let precision = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
        let recall = Double(tp) / Double(tp + fn)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        var kl = Double.nan
        if let chol = try? fit.precision.cholesky() {
            let m = sigma * fit.precision
            kl = (m.diagonal.reduce(0, +) - chol.logDeterminant - sigmaLogDet - Double(p)) / Double(p)
        }
        scores[ci] = LambdaScore(f1: f1, precision: precision, recall: recall, klPerNode: kl)
    }
    return scores.map { $0! }
}

/// Mean and standard error of `values`.
private func meanAndStandardError(_ values: [Double]) -> (mean: Double, se: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
}

/// The conclusion of docs/LAMBDA.md on one small cell, fast enough for every `swift test`.
///
/// The document's reason for `c = 1.1`: the two criteria pull in opposite directions around it.
/// The KL loss of the estimated precision is smallest at c = 0.7-1.0 and grows past it; edge
/// recovery F1 peaks above it (c = 1.2-1.3 in the pooled grid); c = 1.1 gives up a little of each.
/// Checked on p = 50, n = 250, design 1 (entries +-U(0.3, 0.6)), 6 replicates, both methods
/// (42 fits per method, about 0.1 s with optimization).
///
/// Measured on this cell (means over the 6 replicates):
///
/// | | c = 0.5 | 0.7 | 0.9 | 1.1 | 1.3 | 1.5 | 2.0 |
/// |---|---|---|---|---|---|---|---|
/// | glasso F1 | 0.32 | 0.45 | 0.60 | 0.72 | 0.78 | 0.80 | 0.64 |
/// | glasso KL / p | 0.030 | 0.029 | 0.033 | 0.040 | 0.049 | 0.059 | 0.081 |
/// | nodewise F1 | 0.30 | 0.46 | 0.62 | 0.75 | 0.81 | 0.80 | 0.63 |
/// | nodewise KL / p | 0.038 | 0.035 | 0.039 | 0.046 | 0.055 | 0.063 | 0.083 |
///
/// Tolerances come from the standard error (over replicates) of the *paired* difference between
/// two constants on the same samples, which removes the sample-to-sample spread shared by all c.
/// Each ordering must hold by more than 3 standard errors; measured: KL(1.1) - min KL = 0.011
/// +- 0.0006 (about 20 SE), best F1 - F1(1.1) = 0.078 +- 0.012 (glasso) and 0.052 +- 0.013
/// (node-wise; about 4-6 SE), F1(1.1) - F1(0.5) = 0.40-0.45 +- 0.02. (The other end, c = 2.0, is
/// below the default's F1 by only about 3-4 SE on 6 replicates, so it is not asserted.)
///
/// The regret bounds for c = 1.1 are wider than the document's pooled 7% (F1) and 17% (KL): on
/// this single p = 50 cell the measured regrets are 10% / 6.5% in F1 and 40% / 31% in KL (glasso /
/// node-wise; the p = 50 cells are the worst of the grid, and pooling with p = 100 and 200 gives the
/// document's figures). The bounds, 15% and 45%, are the larger measured regret plus 3 standard
/// errors of its paired difference (3 x 0.012 / 0.80 = 4.7% of F1, 3 x 0.0005 / 0.029 = 5.2% of KL).
@Suite struct LambdaRuleTests {
    static let cs = [0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 2.0]
    static let defaultIndex = 3
    static let replicates = 6

    @Test(arguments: EstimationMethod.allCases)
    func theoryConstantIsACompromiseBetweenEdgeRecoveryAndLikelihood(method: EstimationMethod) throws {
        #expect(Self.cs[Self.defaultIndex] == NetworkEstimator.defaultTheoryConstant)
        let runs = try (0..<Self.replicates).map {
            try lambdaScores(p: 50, n: 250, replicate: $0, low: 0.3, high: 0.6, method: method, cs: Self.cs)
        }
        // Every fit of this cell is positive definite (the KL loss is defined for all of them).
        #expect(runs.allSatisfy { $0.allSatisfy { $0.klPerNode.isFinite } })
        let f1 = Self.cs.indices.map { ci in meanAndStandardError(runs.map { $0[ci].f1 }).mean }
        let kl = Self.cs.indices.map { ci in meanAndStandardError(runs.map { $0[ci].klPerNode }).mean }
        /// Paired difference `a - b` over replicates, with its standard error.
        func paired(_ a: Int, _ b: Int, _ key: KeyPath<LambdaScore, Double>) -> (mean: Double, se: Double) {
            meanAndStandardError(runs.map { $0[a][keyPath: key] - $0[b][keyPath: key] })
        }
        let d = Self.defaultIndex
        let bestF1 = try #require(f1.indices.max { f1[$0] < f1[$1] })
        let bestKL = try #require(kl.indices.min { kl[$0] < kl[$1] })
        let summary = "\(method): F1 \(f1.map { String(format: "%.3f", $0) }), KL/p \(kl.map { String(format: "%.4f", $0) })"

        // KL is smallest at c in 0.7-1.0 and grows past it to the default; F1 peaks above the default.
        #expect((0.7...1.0).contains(Self.cs[bestKL]), "\(summary)")
        #expect(Self.cs[bestF1] > NetworkEstimator.defaultTheoryConstant, "\(summary)")
        let klRise = paired(d, bestKL, \.klPerNode)
        #expect(klRise.mean > 3 * klRise.se, "KL(1.1) - min KL = \(klRise.mean) +- \(klRise.se); \(summary)")
        let f1Gap = paired(bestF1, d, \.f1)
        #expect(f1Gap.mean > 3 * f1Gap.se, "max F1 - F1(1.1) = \(f1Gap.mean) +- \(f1Gap.se); \(summary)")
        // The literature's usual c = 0.5 admits so many false edges that its F1 is far below the default's.
        let lowEnd = paired(d, 0, \.f1)
        #expect(lowEnd.mean > 3 * lowEnd.se, "F1(1.1) - F1(0.5) = \(lowEnd.mean) +- \(lowEnd.se); \(summary)")
        // The default's regret against the best constant of the grid, per criterion.
        #expect(f1[d] >= (1 - 0.15) * f1[bestF1], "\(summary)")
        #expect(kl[d] <= (1 + 0.45) * kl[bestKL], "\(summary)")
    }
}

/// The experiment behind the default theory constant (docs/LAMBDA.md), too slow for every test
/// run (about 15 s with optimization). Run with
/// `GGM_LAMBDA_EXPERIMENT=1 swift test -c release -Xswiftc -enable-testing --filter LambdaExperiment`.
///
/// Random sparse precision matrices (mean degree 3, entries +-U(low, high) before the diagonal shift
/// and unit-diagonal rescaling), p in {50, 100, 200}, n in {100, 250, 500}, 3 replicates each; edge
/// recovery F1, precision and recall of the estimated graph, and the Kullback-Leibler loss
/// `tr(Sigma Omega-hat) - log det(Sigma Omega-hat) - p` (positive definite fits only), for a grid of c.
///
/// Prints the document's tables and checks them against it. The experiment is deterministic, but
/// the document was measured on an earlier build: a documented number counts as reproduced within
/// one unit of its last printed digit (0.01 for F1, precision and recall; 0.001 for KL / p), i.e.
/// the rounding of the document plus small changes of the solvers since. What is checked:
/// * the graphical lasso rows of both tables (F1, edge precision, recall, KL / p): reproduced
///   (largest difference measured: 0.0054, in F1);
/// * the node-wise rows: a known issue. They predate the averaged symmetrization of the node-wise
///   estimate (README, "Defaults, and why"), which keeps more edges at small c: measured F1 at
///   c = 0.5-1.1 is 0.21 0.33 0.51 0.60 0.67 (design 1) against the document's 0.30 0.46 0.62 0.68 0.72;
/// * the document's reading: for every method and design the KL loss is smallest at c = 0.7-1.0
///   and F1 is largest above c = 1.1 (measured: at c = 1.3 in all four);
/// * its quantitative claim "c = 1.1 is within 2-7% of the best F1 and 2-17% of the best KL loss
///   in every method/design": a known issue for design 1, where the document's own table gives
///   glasso F1 0.64 at c = 1.1 against 0.71 at 1.3 (10%; measured 0.635 / 0.714, 11%), the
///   measured glasso KL regret is 19% (0.0482 / 0.0406) and the node-wise F1 regret 8%; it holds
///   for design 2 (F1 regrets 5-6%, KL 11%).
@Suite("LambdaExperiment", .enabled(if: ProcessInfo.processInfo.environment["GGM_LAMBDA_EXPERIMENT"] != nil))
struct LambdaExperimentTests {
    struct Score { var f1 = 0.0, precision = 0.0, recall = 0.0, kl = 0.0, count = 0, klCount = 0 }

    static let cs = [0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, -1]  // -1: the BIC rule

    /// The rows of docs/LAMBDA.md, by design (entry range) and row name, one value per entry of `cs`.
    static let document: [Double: [String: [Double]]] = [
        0.3: [
            "glasso F1": [0.21, 0.32, 0.48, 0.57, 0.64, 0.69, 0.71, 0.70, 0.59, 0.51, 0.60],
            "glasso edge precision": [0.12, 0.20, 0.34, 0.43, 0.53, 0.64, 0.74, 0.89, 0.98, 1.00, 0.75],
            "glasso recall": [0.95, 0.92, 0.87, 0.83, 0.80, 0.76, 0.72, 0.62, 0.49, 0.40, 0.65],
            "glasso KL / p": [0.053, 0.041, 0.041, 0.044, 0.048, 0.053, 0.057, 0.066, 0.078, 0.085, 0.059],
            "nodewise F1": [0.30, 0.46, 0.62, 0.68, 0.72, 0.73, 0.73, 0.69, 0.57, 0.48, 0.65],
            "nodewise edge precision": [0.18, 0.31, 0.51, 0.60, 0.71, 0.79, 0.86, 0.94, 0.99, 1.00, 0.82],
            "nodewise recall": [0.91, 0.87, 0.81, 0.78, 0.75, 0.70, 0.66, 0.58, 0.45, 0.37, 0.65],
        ],
        0.15: [
            "glasso F1": [0.19, 0.29, 0.44, 0.51, 0.56, 0.59, 0.60, 0.56, 0.43, 0.33, 0.48],
            "glasso edge precision": [0.11, 0.18, 0.31, 0.40, 0.50, 0.60, 0.68, 0.86, 0.98, 1.00, 0.86],
            "glasso KL / p": [0.052, 0.038, 0.036, 0.037, 0.040, 0.043, 0.045, 0.051, 0.057, 0.061, 0.049],
            "nodewise F1": [0.25, 0.38, 0.52, 0.57, 0.60, 0.61, 0.60, 0.54, 0.41, 0.32, 0.49],
            "nodewise edge precision": [0.15, 0.25, 0.41, 0.50, 0.60, 0.68, 0.75, 0.89, 0.99, 1.00, 0.89],
        ],
    ]

    @Test(arguments: [(0.3, 0.6), (0.15, 0.35)])
    func theoryConstant(low: Double, high: Double) throws {
        let cs = Self.cs
        let replicates = 3
        let table = try #require(Self.document[low])
        var log = "design: entries +-U(\(low), \(high))\n"
        for method in EstimationMethod.allCases {
            var total = [Score](repeating: Score(), count: cs.count)
            log += "method \(method.rawValue)\n"
            for p in [50, 100, 200] {
                for n in [100, 250, 500] {
                    var row = [Score](repeating: Score(), count: cs.count)
                    for rep in 0..<replicates {
                        let scores = try lambdaScores(p: p, n: n, replicate: rep, low: low, high: high, method: method, cs: cs)
                        for (ci, s) in scores.enumerated() {
                            func add(_ sc: inout Score) {
                                sc.f1 += s.f1; sc.precision += s.precision; sc.recall += s.recall; sc.count += 1
                                if s.klPerNode.isFinite { sc.kl += s.klPerNode; sc.klCount += 1 }
                            }
                            add(&row[ci])
                            add(&total[ci])
                        }
                    }
                    log += "p=\(p) n=\(n) F1: " + row.map { String(format: "%.2f", $0.f1 / Double($0.count)) }.joined(separator: " ") + "\n"
                }
            }
            let f1 = total.map { $0.f1 / Double($0.count) }
            let precision = total.map { $0.precision / Double($0.count) }
            let recall = total.map { $0.recall / Double($0.count) }
            let kl = total.map { $0.klCount == 0 ? Double.infinity : $0.kl / Double($0.klCount) }
            func line(_ name: String, _ values: [Double]) -> String {
                name + values.map { String(format: "%.3f", $0) }.joined(separator: " ") + "\n"
            }
            log += "c:            " + cs.map { $0 < 0 ? "  BIC" : String(format: "%.3f", $0) }.joined(separator: " ") + "\n"
            log += line("mean F1:      ", f1) + line("mean prec:    ", precision) + line("mean recall:  ", recall)
            log += line("mean KL / p:  ", kl)

            // The document's rows, reproduced to their printed rounding.
            let measured: [String: [Double]] = ["F1": f1, "edge precision": precision, "recall": recall, "KL / p": kl]
            for (name, values) in measured {
                guard let documented = table["\(method.rawValue) \(name)"] else { continue }
                let unit = name == "KL / p" ? 0.001 : 0.01
                let check = {
                    for (ci, v) in documented.enumerated() {
                        #expect(abs(values[ci] - v) <= unit,
                                "docs/LAMBDA.md \(method.rawValue) \(name) at c = \(cs[ci]): documented \(v), measured \(values[ci])")
                    }
                }
                if method == .nodewise {
                    withKnownIssue("docs/LAMBDA.md's node-wise rows predate the averaged symmetrization", check)
                } else {
                    check()
                }
            }

            // The reading: KL smallest at c = 0.7-1.0, F1 largest above the default (theory constants only).
            let theory = cs.indices.filter { cs[$0] > 0 }
            let d = try #require(cs.firstIndex(of: NetworkEstimator.defaultTheoryConstant))
            let bestF1 = try #require(theory.max { f1[$0] < f1[$1] })
            let bestKL = try #require(theory.min { kl[$0] < kl[$1] })
            #expect((0.7...1.0).contains(cs[bestKL]), "\(method) +-U(\(low), \(high)): KL / p smallest at c = \(cs[bestKL])")
            #expect(cs[bestF1] > cs[d], "\(method) +-U(\(low), \(high)): F1 largest at c = \(cs[bestF1])")
            // The quantitative claim (7% and 17%, loosened by half a percentage point of rounding).
            withKnownIssue("docs/LAMBDA.md: c = 1.1 is 8-11% below the best F1 (and 19% above the best glasso KL) in design 1",
                           { #expect(f1[d] >= (1 - 0.075) * f1[bestF1], "\(method) +-U(\(low), \(high)): F1(1.1) = \(f1[d]), best \(f1[bestF1])")
                             if method == .glasso {  // the document reports the KL loss of the (always positive definite) glasso fits
                                 #expect(kl[d] <= (1 + 0.175) * kl[bestKL], "\(method) +-U(\(low), \(high)): KL(1.1) = \(kl[d]), best \(kl[bestKL])")
                             } },
                           when: { low == 0.3 })
        }
        print(log)
    }
}
