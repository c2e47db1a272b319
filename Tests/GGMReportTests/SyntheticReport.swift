import Foundation
@testable import GGMReport

/// A small deterministic generator (SplitMix64), so test documents never use the system RNG.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal by Box-Muller.
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        let v = uniform()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}

/// Synthetic report documents for tests and for the sample screenshot.
enum SyntheticReport {
    /// Weekdays from `start` (year, month, day), formatted `YYYY-MM-DD`.
    static func businessDays(from start: (Int, Int, Int), count: Int) -> [String] {
        var (y, m, d) = start
        // Day of week by Zeller-like Sakamoto method: 0 = Sunday.
        func weekday(_ y: Int, _ m: Int, _ d: Int) -> Int {
            let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
            let yy = m < 3 ? y - 1 : y
            return (yy + yy / 4 - yy / 100 + yy / 400 + t[m - 1] + d) % 7
        }
        func daysIn(_ y: Int, _ m: Int) -> Int {
            switch m {
            case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
        var labels: [String] = []
        while labels.count < count {
            let wd = weekday(y, m, d)
            if wd != 0 && wd != 6 { labels.append(String(format: "%04d-%02d-%02d", y, m, d)) }
            d += 1
            if d > daysIn(y, m) {
                d = 1
                m += 1
                if m > 12 { m = 1; y += 1 }
            }
        }
        return labels
    }

    static let groupNames = ["Financials", "Information Technology", "Energy", "Health Care & <Pharma>", "Industrials", "Utilities",
                             "Materials", "Consumer Staples", "Consumer Discretionary", "Real Estate", "Communication Services"]

    /// Nodes in `groups` groups; one node is called "AT&T <T>" to exercise escaping.
    static func nodes(count: Int, groups: Int) -> [NetworkNode] {
        (0..<count).map { i in
            let name = i == 3 ? "AT&T <T>" : String(format: "S%03d", i)
            return NetworkNode(name: name, group: groupNames[(i * groups / count) % groupNames.count])
        }
    }

    /// A sparse network: dense within groups, sparse across, signed weights.
    static func network(nodes: [NetworkNode], density: Double, rng: inout SplitMix64) -> [NetworkEdge] {
        var edges: [NetworkEdge] = []
        for u in 0..<nodes.count {
            for v in (u + 1)..<max(u + 1, nodes.count) {
                let same = nodes[u].group == nodes[v].group
                if rng.uniform() < (same ? density * 4 : density) {
                    let magnitude = 0.05 + 0.35 * rng.uniform()
                    edges.append(NetworkEdge(u: u, v: v, weight: rng.uniform() < 0.8 ? magnitude : -magnitude))
                }
            }
        }
        return edges
    }

    /// A change: the network after differs in the edges touching `hubs`.
    static func change(title: String, alarmIndex: Int, nodes: [NetworkNode], hubs: [Int], density: Double, completed: Bool, rng: inout SplitMix64) -> ReportChange {
        let before = network(nodes: nodes, density: density, rng: &rng)
        var after: [NetworkEdge] = []
        var rows: [EdgeRow] = []
        var changedPairs: [NodePair] = []
        let hubSet = Set(hubs)
        var weightBefore: [NodePair: Double] = [:]
        for e in before { weightBefore[NodePair(e.u, e.v)] = e.weight }
        for e in before {
            let pair = NodePair(e.u, e.v)
            if hubSet.contains(e.u) || hubSet.contains(e.v) {
                let r = rng.uniform()
                if r < 0.4 {
                    changedPairs.append(pair)
                    rows.append(EdgeRow(a: nodes[pair.a].name, b: nodes[pair.b].name, groupA: nodes[pair.a].group, groupB: nodes[pair.b].group, before: e.weight, after: 0, kind: .disappeared))
                    continue
                } else if r < 0.6 {
                    changedPairs.append(pair)
                    after.append(NetworkEdge(u: e.u, v: e.v, weight: -e.weight))
                    rows.append(EdgeRow(a: nodes[pair.a].name, b: nodes[pair.b].name, groupA: nodes[pair.a].group, groupB: nodes[pair.b].group, before: e.weight, after: -e.weight, kind: .signChange))
                    continue
                }
            }
            after.append(e)
        }
        for h in hubs {
            for _ in 0..<4 {
                let v = Int(rng.next() % UInt64(nodes.count))
                let pair = NodePair(h, v)
                guard v != h, weightBefore[pair] == nil, !changedPairs.contains(pair) else { continue }
                let w = 0.25 + 0.3 * rng.uniform()
                after.append(NetworkEdge(u: h, v: v, weight: w))
                changedPairs.append(pair)
                rows.append(EdgeRow(a: nodes[pair.a].name, b: nodes[pair.b].name, groupA: nodes[pair.a].group, groupB: nodes[pair.b].group, before: 0, after: w, kind: .appeared))
            }
        }
        rows.sort { abs($0.after - $0.before) > abs($1.after - $1.before) }
        var shares: [String: Double] = [:]
        for h in hubs { shares[nodes[h].group ?? "", default: 0] += 1 / Double(hubs.count) }
        let topGroups = shares.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { GroupShare(group: $0.key, share: $0.value) }
        let beforeView = NetworkView(nodes: nodes, edges: before, highlightedEdges: changedPairs, highlightedNodes: hubs)
        let afterView = NetworkView(nodes: nodes, edges: after, highlightedEdges: changedPairs, highlightedNodes: hubs)
        return ReportChange(title: title, alarmIndex: alarmIndex, before: beforeView, after: completed ? afterView : nil,
                            edgeTable: Array(rows.prefix(12)), topGroups: topGroups)
    }

    /// Alarms at these rows, with estimated changes a little earlier.
    static let alarmRows = [(index: 262, change: 240, detector: "global"), (index: 468, change: 455, detector: "local"), (index: 640, change: 611, detector: "global+local")]

    /// The test document: about three years of business days, two statistics with piecewise
    /// thresholds, three alarms, two data panels, two changes on `nodeCount` nodes in `groups` groups.
    static func document(dated: Bool = true, nodeCount: Int = 30, groups: Int = 4, density: Double = 0.06, secondAfterCompleted: Bool = true, seed: UInt64 = 7) -> ReportDocument {
        var rng = SplitMix64(seed: seed)
        let n = 780
        let labels = businessDays(from: (2004, 1, 2), count: n)
        let burnIn = 120

        var regime = 0
        var returns: [SeriesPoint] = []
        var global: [SeriesPoint] = []
        var local: [SeriesPoint] = []
        var gThreshold: [SeriesPoint] = [SeriesPoint(index: burnIn, value: 14.2)]
        var lThreshold: [SeriesPoint] = [SeriesPoint(index: burnIn, value: 9.1)]
        for t in 0..<n {
            if regime < alarmRows.count && t >= alarmRows[regime].change { regime += 1 }
            let vol = [0.8, 1.6, 1.1, 2.0][regime]
            returns.append(SeriesPoint(index: t, value: vol * rng.normal() * 0.6))
            guard t >= burnIn else { continue }
            if let a = alarmRows.first(where: { $0.index + 60 == t }) {
                gThreshold.append(SeriesPoint(index: t, value: 13.5 + Double(a.index % 7) * 0.3))
                lThreshold.append(SeriesPoint(index: t, value: 8.7 + Double(a.index % 5) * 0.2))
            }
            if alarmRows.contains(where: { t > $0.index && t < $0.index + 60 }) {
                global.append(SeriesPoint(index: t, value: .nan))
                local.append(SeriesPoint(index: t, value: .nan))
                continue
            }
            var g = 5 + 2.2 * rng.normal()
            var l = 4 + 1.4 * abs(rng.normal())
            for a in alarmRows where t >= a.change && t <= a.index {
                let progress = Double(t - a.change) / Double(a.index - a.change)
                if a.detector.contains("global") { g += 16 * progress }
                if a.detector.contains("local") { l += 9 * progress }
            }
            global.append(SeriesPoint(index: t, value: max(0.1, g)))
            local.append(SeriesPoint(index: t, value: max(0.1, l)))
        }
        var volatility: [SeriesPoint] = []
        for t in 21..<n {
            let window = returns[(t - 21)...t].map(\.value)
            let mean = window.reduce(0, +) / 22
            let v = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 21
            volatility.append(SeriesPoint(index: t, value: v.squareRoot() * 252.0.squareRoot()))
        }

        let alarms = alarmRows.enumerated().map { k, a in
            ReportAlarm(index: a.index, label: "A\(k + 1)", detector: a.detector, estimatedChange: a.change,
                        headline: "Partial correlations around \(groupNames[k % groups]) changed.")
        }
        let nodes = nodes(count: nodeCount, groups: groups)
        let changes = [
            change(title: "Change 1 \u{2013} " + (dated ? labels[alarmRows[0].change] : "row \(alarmRows[0].change)"), alarmIndex: 0, nodes: nodes,
                   hubs: [1, 3, nodeCount / 2], density: density, completed: true, rng: &rng),
            change(title: "Change 2 \u{2013} " + (dated ? labels[alarmRows[2].change] : "row \(alarmRows[2].change)"), alarmIndex: 2, nodes: nodes,
                   hubs: [nodeCount - 2, nodeCount / 3], density: density, completed: secondAfterCompleted, rng: &rng),
        ]
        var summary: [[String]] = [["Alarm", "Date", "Estimated change", "Detector", "Top groups", "Top edges"]]
        for (k, a) in alarms.enumerated() {
            let change = changes.first { $0.alarmIndex == k }
            summary.append([
                a.label, dated ? labels[a.index] : String(a.index), dated ? labels[a.estimatedChange!] : String(a.estimatedChange!), a.detector,
                change?.topGroups.prefix(2).map(\.group).joined(separator: ", ") ?? "\u{2013}",
                change?.edgeTable.prefix(2).map { "\($0.a)\u{2013}\($0.b)" }.joined(separator: ", ") ?? "\u{2013}",
            ])
        }
        return ReportDocument(
            title: "Network change monitor \u{2013} synthetic sector returns",
            subtitle: "\(nodeCount) series in \(groups) groups \u{00B7} node-wise lasso reference, burn-in \(burnIn) days, window 30",
            generatedBy: "ggmwatch monitor --input returns.csv --report out.html --seed 7",
            summaryRows: summary,
            timeLabels: dated ? labels : nil,
            statistics: [
                StatisticSeries(name: "Global T", points: global, threshold: gThreshold, role: .global),
                StatisticSeries(name: "Local max statistic", points: local, threshold: lThreshold, role: .local),
            ],
            alarms: alarms,
            dataPanels: [
                DataPanel(title: "Cross-sectional average return", yAxisTitle: "Return (%)", series: [DataSeries(name: "Average return", points: returns)]),
                DataPanel(title: "Rolling volatility (22 days)", yAxisTitle: "Annualized vol. (%)", series: [DataSeries(name: "Volatility of the average", points: volatility)]),
            ],
            changes: changes,
            notes: [
                "Returns are daily log returns, winsorized at 5 standard deviations and standardized with the burn-in mean and standard deviation.",
                "Thresholds are recalibrated by Monte Carlo after every refit; the statistic is not computed during the post-alarm burn-in (gaps).",
            ])
    }
}
