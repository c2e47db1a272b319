import Dispatch
import Foundation
import GGMCore
import GGMData
import GGMEstimation

/// Estimating a network from a data set for `ggmwatch fit`: the ML covariance of the centered
/// data (denominator n), one ``NetworkEstimator`` call (timed alone), the result as a ``NetworkFile``.
enum NetworkFitting {
    struct Outcome {
        var file: NetworkFile
        /// Wall time of the estimator call alone, in seconds.
        var seconds: Double
    }

    /// The data are first brought to a safe range by an exact power-of-two change of units
    /// (``UnitScale``), so the network does not depend on the unit of measurement; the file is
    /// written in the data's units, and a network that cannot be represented in them (data
    /// around 1e-155, whose precision would be about 1e310) is an error, not an infinity.
    static func fit(_ dataset: Dataset, estimator: NetworkEstimator) throws -> Outcome {
        let p = dataset.values.columns
        let scale = UnitScale(rows: dataset.values.elements, dimension: p)
        var values = dataset.values
        if !scale.isIdentity {
            for t in 0..<values.rows {
                let row = scale.apply(Array(values.elements[(t * p)..<((t + 1) * p)]))
                values.elements.replaceSubrange((t * p)..<((t + 1) * p), with: row)
            }
        }
        let moments = RunningMoments(rows: values)
        let covariance = moments.covariance()
        let n = dataset.rowCount
        let start = DispatchTime.now().uptimeNanoseconds
        let fit = try estimator.fit(covariance: covariance, sampleSize: n)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        var file = NetworkFile(fit: fit, names: dataset.names, mean: moments.mean, sampleSize: n, lambdaRule: estimator.lambda)
        if !scale.isIdentity {
            file.rescale(from: scale)
            if let bad = file.firstUnrepresentable {
                throw RunError("the fitted network cannot be written in the data's units: \(bad) (the data's magnitudes, "
                               + "down to 2^\(scale.exponents.min() ?? 0) and up to 2^\(scale.exponents.max() ?? 0), put the "
                               + "precision outside the range of Double); rescale the data, for example to unit variance")
            }
        }
        return Outcome(file: file, seconds: seconds)
    }
}

/// The human summary of a fitted network: size, penalty, time, densest nodes, strongest edges
/// and, when the nodes' groups are known, how many of the strongest edges stay within a group.
struct NetworkSummary {
    var file: NetworkFile
    var seconds: Double
    var groups: GroupMap?
    /// How many nodes and edges to list.
    var top: Int = 10

    /// Degree of every node (number of edges).
    var degrees: [Int] {
        var d = [Int](repeating: 0, count: file.dimension)
        for e in file.edges ?? [] { d[e.i] += 1; d[e.j] += 1 }
        return d
    }

    /// Among the `count` strongest edges, how many join two nodes of the same (known) group, and
    /// how many of them have both groups known.
    func withinGroup(strongest count: Int) -> (within: Int, known: Int) {
        guard let groups else { return (0, 0) }
        var within = 0, known = 0
        for e in (file.edges ?? []).prefix(count) {
            guard let a = groups.group(of: e.nodes[0]), let b = groups.group(of: e.nodes[1]) else { continue }
            known += 1
            if a == b { within += 1 }
        }
        return (within, known)
    }

    /// Share of all node pairs (with known groups) that are within a group: the rate expected by chance.
    var withinGroupPairShare: Double? {
        guard let groups else { return nil }
        var sizes: [String: Int] = [:]
        for name in file.names { if let g = groups.group(of: name) { sizes[g, default: 0] += 1 } }
        let known = sizes.values.reduce(0, +)
        guard known >= 2 else { return nil }
        let within = sizes.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        return Double(within) / Double(known * (known - 1) / 2)
    }

    var text: String {
        let p = file.dimension
        let names = file.names
        let edges = file.edges ?? []
        func group(_ k: Int) -> String { groups?.group(of: names[k]).map { " (\($0))" } ?? "" }
        func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        var out: [String] = []
        let pairs = p * (p - 1) / 2
        out.append("n = \(file.sampleSize ?? 0) observations, p = \(p) nodes")
        let lambda = file.lambda.map { String(format: "%.4g", $0) } ?? "?"
        let scale = file.standardized == true ? "correlation scale" : "covariance scale"
        out.append("\(file.method?.rawValue ?? "?"), lambda = \(lambda) (\(file.lambdaRule ?? "?"), \(scale)): "
                   + "\(edges.count) edges (\(percent(Double(edges.count) / Double(Swift.max(pairs, 1)))) of \(pairs) pairs), "
                   + "\(file.iterations ?? 0) sweeps, \(file.converged == true ? "converged" : "NOT converged")")
        if let path = file.path, !path.isEmpty {
            out.append("BIC path: " + path.map { String(format: "%.3g:%d", $0.lambda, $0.edges) }.joined(separator: " ")
                       + " (lambda:edges)")
        }
        out.append(String(format: "estimation time: %.3f s", seconds))
        let d = degrees
        let densest = d.indices.sorted { d[$0] != d[$1] ? d[$0] > d[$1] : $0 < $1 }.prefix(top).filter { d[$0] > 0 }
        if !densest.isEmpty {
            out.append("densest nodes (degree): " + densest.map { "\(names[$0])\(group($0)) \(d[$0])" }.joined(separator: ", "))
        }
        if !edges.isEmpty {
            out.append("strongest edges (partial correlation):")
            let shown = edges.prefix(top)
            let labels = shown.map { "\(names[$0.i])\(group($0.i)) - \(names[$0.j])\(group($0.j))" }
            let width = labels.map(\.count).max() ?? 0
            for (label, e) in zip(labels, shown) {
                out.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0)
                           + String(format: "  %+.3f", e.partialCorrelation))
            }
            if groups != nil {
                let (w, known) = withinGroup(strongest: top)
                let (wAll, knownAll) = withinGroup(strongest: edges.count)
                var line = "within-group: \(w) of the \(known) strongest edges"
                if known > 0 { line += " (\(percent(Double(w) / Double(known))))" }
                if knownAll > 0 { line += "; \(percent(Double(wAll) / Double(knownAll))) of all \(knownAll) edges" }
                if let chance = withinGroupPairShare { line += "; \(percent(chance)) of all node pairs" }
                out.append(line)
                let unlisted = groups!.unlisted(names)
                if !unlisted.isEmpty {
                    out.append("no group for \(unlisted.count) node\(unlisted.count == 1 ? "" : "s"): "
                               + unlisted.prefix(10).joined(separator: ", ") + (unlisted.count > 10 ? ", ..." : ""))
                }
            }
        }
        return out.joined(separator: "\n")
    }
}
