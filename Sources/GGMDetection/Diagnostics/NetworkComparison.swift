import GGMCore

/// How one edge differs between two networks, in partial correlations `r_uv = -Omega_uv / sqrt(Omega_uu Omega_vv)`.
public struct EdgeDifference: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case appeared, disappeared, signChanged, changed
    }
    public let u: Int
    public let v: Int
    public let names: [String]
    public let before: Double
    public let after: Double
    public let kind: Kind

    public var change: Double { after - before }
}

/// The difference between the network before a change and the one estimated after it
/// (ALGORITHMS.md section 7, "What"): edges that appeared, disappeared or changed sign, and the
/// largest changes in partial correlation.
///
/// An edge is present when `|r_uv| >= edgeThreshold` (default 0.05: smaller partial correlations
/// come and go between lasso fits on different samples, and would bury the real changes; on the
/// S&P 500 with a 0.01 cut-off about 1,800 edges "appeared" and 1,900 "disappeared" at every alarm).
public struct NetworkComparison: Codable, Sendable, Equatable {
    public let edgesBefore: Int
    public let edgesAfter: Int
    public let appeared: [EdgeDifference]
    public let disappeared: [EdgeDifference]
    public let signChanged: [EdgeDifference]
    /// The largest `|after - before|`, strongest first (any kind).
    public let largestChanges: [EdgeDifference]
    /// Nodes ranked by the summed `|after - before|` of their edges, strongest first.
    public let mostChangedNodes: [NodeContribution]

    public init(before: Matrix, after: Matrix, names: [String], edgeThreshold: Double = 0.05, count: Int = 10) {
        let p = before.rows
        precondition(after.rows == p && names.count == p)
        var appeared: [EdgeDifference] = []
        var disappeared: [EdgeDifference] = []
        var signChanged: [EdgeDifference] = []
        var all: [EdgeDifference] = []
        var nodeChange = [Double](repeating: 0, count: p)
        var nBefore = 0
        var nAfter = 0
        for u in 0..<p {
            for v in (u + 1)..<p {
                let b = before.partialCorrelation(u, v)
                let a = after.partialCorrelation(u, v)
                let inBefore = abs(b) >= edgeThreshold
                let inAfter = abs(a) >= edgeThreshold
                if inBefore { nBefore += 1 }
                if inAfter { nAfter += 1 }
                guard inBefore || inAfter else { continue }
                let kind: EdgeDifference.Kind
                if inBefore && !inAfter { kind = .disappeared }
                else if !inBefore && inAfter { kind = .appeared }
                else if (a > 0) != (b > 0) { kind = .signChanged }
                else { kind = .changed }
                let d = EdgeDifference(u: u, v: v, names: [names[u], names[v]], before: b, after: a, kind: kind)
                switch kind {
                case .appeared: appeared.append(d)
                case .disappeared: disappeared.append(d)
                case .signChanged: signChanged.append(d)
                case .changed: break
                }
                all.append(d)
                nodeChange[u] += abs(a - b)
                nodeChange[v] += abs(a - b)
            }
        }
        let byMagnitude: (EdgeDifference, EdgeDifference) -> Bool = { abs($0.change) > abs($1.change) }
        self.edgesBefore = nBefore
        self.edgesAfter = nAfter
        self.appeared = appeared.sorted(by: byMagnitude)
        self.disappeared = disappeared.sorted(by: byMagnitude)
        self.signChanged = signChanged.sorted(by: byMagnitude)
        self.largestChanges = Array(all.sorted(by: byMagnitude).prefix(count))
        self.mostChangedNodes = nodeChange.indices.sorted { nodeChange[$0] > nodeChange[$1] }.prefix(count)
            .map { NodeContribution(node: $0, name: names[$0], contribution: nodeChange[$0]) }
    }
}

/// An edge of a network as a partial correlation.
public struct WeightedEdge: Codable, Sendable, Equatable {
    public let u: Int
    public let v: Int
    public let partialCorrelation: Double
}

extension WeightedEdge {
    /// The edges `|r_uv| >= threshold` of a precision matrix, strongest first.
    public static func edges(of precision: Matrix, threshold: Double = 0.05) -> [WeightedEdge] {
        var out: [WeightedEdge] = []
        for u in 0..<precision.rows {
            for v in (u + 1)..<precision.rows {
                let r = precision.partialCorrelation(u, v)
                if abs(r) >= threshold { out.append(WeightedEdge(u: u, v: v, partialCorrelation: r)) }
            }
        }
        return out.sorted { abs($0.partialCorrelation) > abs($1.partialCorrelation) }
    }
}

/// The network change reported once the burn-in after an alarm completes.
public struct NetworkChange: Codable, Sendable, Equatable {
    /// Index of the alarm this change follows.
    public let alarmIndex: Int
    /// Index of the observation that completed the new burn-in.
    public let index: Int
    public let label: String?
    /// The networks before the alarm and after it, as edge lists (partial correlations).
    public let before: [WeightedEdge]
    public let after: [WeightedEdge]
    public let comparison: NetworkComparison
    /// Whether `after` was estimated from a burn-in that had not completed (at the end of the
    /// input), from `afterSampleSize` observations.
    public var provisional: Bool = false
    public var afterSampleSize: Int? = nil

    public init(alarmIndex: Int, index: Int, label: String?, before: [WeightedEdge], after: [WeightedEdge],
                comparison: NetworkComparison, provisional: Bool = false, afterSampleSize: Int? = nil) {
        self.alarmIndex = alarmIndex
        self.index = index
        self.label = label
        self.before = before
        self.after = after
        self.comparison = comparison
        self.provisional = provisional
        self.afterSampleSize = afterSampleSize
    }
}

/// Ranks groups (sectors, brain systems) by their share of an alarm's evidence.
public enum GroupAttribution {
    public struct Share: Codable, Sendable, Equatable {
        public let group: String
        public let share: Double
        public init(group: String, share: Double) {
            self.group = group
            self.share = share
        }
    }

    /// Groups most involved in an alarm (at most five): node contributions and edge evidence
    /// `|E_uv|` (half to each endpoint), each normalized to sum to one, then averaged.
    public static func shares(of alarm: Alarm, groups: [String?]) -> [Share] {
        let nodeTotal = alarm.topNodes.reduce(0) { $0 + max($1.contribution, 0) }
        let edgeTotal = alarm.topEdges.reduce(0) { $0 + abs($1.value) }
        var weights: [(node: Int, weight: Double)] = []
        for n in alarm.topNodes where nodeTotal > 0 { weights.append((n.node, max(n.contribution, 0) / nodeTotal)) }
        for e in alarm.topEdges where edgeTotal > 0 {
            weights.append((e.u, 0.5 * abs(e.value) / edgeTotal))
            weights.append((e.v, 0.5 * abs(e.value) / edgeTotal))
        }
        return Array(shares(nodes: weights, groups: groups).prefix(5))
    }

    /// Groups most involved in a network change (at most five): summed |change in partial
    /// correlation| per node.
    public static func shares(of change: NetworkChange, groups: [String?]) -> [Share] {
        Array(shares(nodes: change.comparison.mostChangedNodes.map { ($0.node, $0.contribution) }, groups: groups).prefix(5))
    }

    /// Shares of the total weight of `items` (node indices with non-negative weights) per group;
    /// edge evidence is split half to each endpoint's group. Nodes without a group are "(none)".
    public static func shares(nodes: [(node: Int, weight: Double)], groups: [String?]) -> [Share] {
        var totals: [String: Double] = [:]
        var sum = 0.0
        for (node, weight) in nodes where weight > 0 {
            let g = groups[node] ?? "(none)"
            totals[g, default: 0] += weight
            sum += weight
        }
        guard sum > 0 else { return [] }
        return totals.map { Share(group: $0.key, share: $0.value / sum) }
            .sorted { $0.share != $1.share ? $0.share > $1.share : $0.group < $1.group }
    }
}
