import Foundation
import GGMCore
import GGMDetection
import GGMReport

/// The report of a monitor run, drawn from its record.
extension MonitorRecord {
    func label(_ index: Int) -> String {
        if let labels, index >= 0, index < labels.count { return labels[index] }
        return "#\(index)"
    }

    func group(_ node: Int) -> String? { groups?[node] ?? nil }

    /// A one-line description of an alarm's evidence: strongest edges or nodes by name.
    func evidence(_ alarm: Alarm, count: Int = 3) -> String {
        var parts: [String] = []
        if alarm.firedBy.contains(.local) || alarm.topNodes.isEmpty {
            parts += alarm.topEdges.prefix(count).map { "\($0.names[0])–\($0.names[1]) (\(String(format: "%+.1f", $0.value)))" }
        }
        if alarm.firedBy.contains(.global) || parts.isEmpty {
            parts += alarm.topNodes.prefix(count).map(\.name)
        }
        return parts.joined(separator: ", ")
    }

    func groupsText(_ shares: [GroupAttribution.Share]?, count: Int = 3) -> String {
        guard let shares, !shares.isEmpty else { return "—" }
        return shares.prefix(count).map { "\($0.group) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
    }

    /// Rows of the summary table (header first), as printed by `demo` and shown in the report.
    func summaryRows() -> [[String]] {
        var rows = [["Alarm", "Estimated change", "Detector", "Statistic / threshold", "Groups most involved", "Strongest evidence"]]
        for (k, alarm) in alarms.enumerated() {
            var stat: [String] = []
            if let g = alarm.globalStatistic, let h = alarm.globalThreshold { stat.append(String(format: "T %.1f / %.1f", g, h)) }
            if let l = alarm.localStatistic, let h = alarm.localThreshold { stat.append(String(format: "M %.1f / %.1f", l, h)) }
            // A statistic of a shorter window that fired: its own value and threshold (T@5, M@5).
            for id in alarm.firedBy where id.windowLength != nil {
                guard let v = alarm.statistics[id], let h = alarm.thresholds[id] else { continue }
                let symbol = id.baseName == StatisticID.global.rawValue ? "T" : "M"
                stat.append("\(symbol)@\(id.windowLength!) " + String(format: "%.1f / %.1f", v, h))
            }
            rows.append([
                label(alarm.index),
                alarm.estimatedChange.map(label) ?? "—",
                alarm.firedBy.map(\.rawValue).joined(separator: "+"),
                stat.joined(separator: ", "),
                groupsText(k < alarmGroups.count ? alarmGroups[k] : nil),
                evidence(alarm),
            ])
        }
        return rows
    }

    func document() -> ReportDocument {
        var statistics: [StatisticSeries] = []
        if trace.contains(where: { $0.global != nil }) {
            statistics.append(StatisticSeries(
                name: "Global statistic T (KMA)",
                points: withGaps(trace.compactMap { r in r.global.map { SeriesPoint(index: r.index, value: $0) } }),
                threshold: thresholdSteps(trace.map { ($0.index, $0.globalThreshold) }), role: .global))
        }
        if trace.contains(where: { $0.local != nil }) {
            statistics.append(StatisticSeries(
                name: "Local statistic M (max-norm)",
                points: withGaps(trace.compactMap { r in r.local.map { SeriesPoint(index: r.index, value: $0) } }),
                threshold: thresholdSteps(trace.map { ($0.index, $0.localThreshold) }), role: .local))
        }
        let reportAlarms = alarms.map { a in
            ReportAlarm(index: a.index, label: label(a.index), detector: a.firedBy.map(\.rawValue).joined(separator: "+"),
                        estimatedChange: a.estimatedChange, estimatedChangeLabel: a.estimatedChange.map(label),
                        headline: evidence(a, count: 2))
        }
        return ReportDocument(
            title: title, subtitle: subtitle, generatedBy: command, summaryRows: summaryRows(),
            timeLabels: labels, statistics: statistics, alarms: reportAlarms,
            dataPanels: dataPanels(), changes: changeSections(), notes: notes)
    }

    /// Breaks the line where windows were not evaluated (burn-ins after alarms): a non-finite
    /// point, which the chart draws as a gap.
    private func withGaps(_ points: [SeriesPoint]) -> [SeriesPoint] {
        var out: [SeriesPoint] = []
        out.reserveCapacity(points.count)
        for point in points {
            if let last = out.last, point.index > last.index + 1 {
                out.append(SeriesPoint(index: last.index + 1, value: .nan))
            }
            out.append(point)
        }
        return out
    }

    /// Threshold values as steps: a point wherever the threshold changes.
    private func thresholdSteps(_ values: [(Int, Double?)]) -> [SeriesPoint] {
        var out: [SeriesPoint] = []
        var last: Double?
        for (index, value) in values {
            guard let value, value.isFinite else { continue }
            if value != last { out.append(SeriesPoint(index: index, value: value)); last = value }
        }
        return out
    }

    private func dataPanels() -> [DataPanel] {
        guard let data = panelData else { return [] }
        return ReportPanels.data(data, window: panelWindow, valueName: panelValueName)
    }

    private func changeSections() -> [ReportChange] {
        var sections: [ReportChange] = []
        // One section per alarm: after the new burn-in the network change, otherwise a pending panel.
        for (k, alarm) in alarms.enumerated() {
            guard let change = changes.first(where: { $0.alarmIndex == alarm.index }) else { continue }
            let c = change.comparison
            let (highlighted, nodes, rows, shares) = ReportPanels.changeDetails(c, groups: groups, group: group)
            let when = change.provisional
                ? "provisional: estimated from the \(change.afterSampleSize ?? 0) observations up to \(label(change.index)), before the new reference was complete"
                : "new reference complete on \(label(change.index))"
            sections.append(ReportChange(
                title: "Alarm \(k + 1) on \(label(alarm.index)) (estimated change \(alarm.estimatedChange.map(label) ?? "—")): network before and after (\(when); \(c.edgesBefore) → \(c.edgesAfter) edges with |partial correlation| ≥ 0.05, \(c.appeared.count) appeared, \(c.disappeared.count) disappeared, \(c.signChanged.count) changed sign)",
                alarmIndex: k,
                before: ReportPanels.networkView(change.before, names: names, group: group, highlighted: highlighted, nodes: nodes),
                after: ReportPanels.networkView(change.after, names: names, group: group, highlighted: highlighted, nodes: nodes),
                edgeTable: rows, topGroups: shares))
        }
        return sections
    }
}

/// Report parts shared by the monitor's report and the segmentation's.
enum ReportPanels {
    /// The data panels: the cross-sectional average and its rolling volatility with the dispersion.
    static func data(_ data: Matrix, window panelWindow: Int, valueName panelValueName: String) -> [DataPanel] {
        guard data.rows > 1 else { return [] }
        let n = data.rows
        let p = data.columns
        var average = [Double](repeating: 0, count: n)
        for t in 0..<n {
            var s = 0.0
            for j in 0..<p { s += data[t, j] }
            average[t] = s / Double(p)
        }
        var volatility: [SeriesPoint] = []
        var dispersion: [SeriesPoint] = []
        let k = max(2, panelWindow)
        if n >= k {
            for t in (k - 1)..<n {
                let slice = average[(t - k + 1)...t]
                let mean = slice.reduce(0, +) / Double(k)
                let sd = (slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)).squareRoot()
                volatility.append(SeriesPoint(index: t, value: sd))
                var cross = 0.0
                for j in 0..<p { cross += (data[t, j] - average[t]) * (data[t, j] - average[t]) }
                dispersion.append(SeriesPoint(index: t, value: (cross / Double(p)).squareRoot()))
            }
        }
        return [
            DataPanel(title: "Cross-sectional average \(panelValueName)", yAxisTitle: panelValueName,
                      series: [DataSeries(name: "average over \(p) series", points: average.enumerated().map { SeriesPoint(index: $0, value: $1) })]),
            DataPanel(title: "Volatility: rolling SD of the average (\(k) rows), dispersion", yAxisTitle: "standard deviation",
                      series: [DataSeries(name: "rolling volatility of the average", points: volatility),
                               DataSeries(name: "cross-sectional dispersion", points: dispersion)]),
        ]
    }

    static func networkView(_ edges: [WeightedEdge], names: [String], group: (Int) -> String?, highlighted: [NodePair], nodes: [Int]) -> NetworkView {
        NetworkView(nodes: names.indices.map { NetworkNode(name: names[$0], group: group($0)) },
                    edges: edges.map { NetworkEdge(u: $0.u, v: $0.v, weight: $0.partialCorrelation) },
                    highlightedEdges: highlighted, highlightedNodes: nodes)
    }

    /// What a network comparison shows: the edges and nodes to highlight, the edge table and the groups' shares.
    static func changeDetails(_ c: NetworkComparison, groups: [String?]?, group: (Int) -> String?)
        -> (highlighted: [NodePair], nodes: [Int], rows: [EdgeRow], shares: [GroupShare]) {
        let changed = c.largestChanges + c.signChanged.prefix(10)
        let highlighted = Array(Set(changed.map { NodePair($0.u, $0.v) })).sorted()
        let nodes = c.mostChangedNodes.prefix(5).map(\.node)
        let rows = c.largestChanges.map { d in
            EdgeRow(a: d.names[0], b: d.names[1], groupA: group(d.u), groupB: group(d.v), before: d.before, after: d.after,
                    kind: { switch d.kind {
                    case .appeared: return .appeared
                    case .disappeared: return .disappeared
                    case .signChanged: return .signChange
                    case .changed: return .changed
                    } }())
        }
        let shares: [GroupShare] = groups.map { g in
            GroupAttribution.shares(nodes: c.mostChangedNodes.map { ($0.node, $0.contribution) }, groups: g)
                .prefix(5).map { GroupShare(group: $0.group, share: $0.share) }
        } ?? []
        return (highlighted, nodes, rows, shares)
    }
}
