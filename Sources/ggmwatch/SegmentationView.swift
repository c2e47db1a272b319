import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMReport
import GGMSegmentation

/// A segmentation as people and programs read it: the table, the JSON object and the HTML report,
/// with row labels and node names.
struct SegmentationView {
    let result: Segmentation
    let dataset: Dataset
    let groups: [String?]?
    let seconds: Double

    var names: [String] { dataset.names }
    func label(_ row: Int) -> String { dataset.label(ofRow: row) ?? "#\(row)" }
    func group(_ node: Int) -> String? { groups?[node] ?? nil }
    func named(_ node: Int) -> String { group(node).map { "\(names[node]) (\($0))" } ?? names[node] }

    func groupShares(_ c: NetworkComparison) -> [GroupAttribution.Share]? {
        groups.map { Array(GroupAttribution.shares(nodes: c.mostChangedNodes.map { ($0.node, $0.contribution) }, groups: $0).prefix(5)) }
    }

    // MARK: - JSON

    struct EdgeJSON: Encodable { let nodes: [String]; let partialCorrelation: Double }
    struct DifferenceJSON: Encodable { let nodes: [String]; let before: Double; let after: Double; let kind: String }
    struct NodeJSON: Encodable { let name: String; let contribution: Double }
    struct GroupJSON: Encodable { let group: String; let share: Double }
    struct ComparisonJSON: Encodable {
        let edgesBefore: Int, edgesAfter: Int
        let appeared: [DifferenceJSON], disappeared: [DifferenceJSON], signChanged: [DifferenceJSON]
        let largestChanges: [DifferenceJSON]
        let mostChangedNodes: [NodeJSON]
        let groups: [GroupJSON]?
    }
    struct SegmentJSON: Encodable {
        let start: Int, end: Int, rows: Int
        let startLabel: String?, lastLabel: String?
        let edgeCount: Int, selectedEdgeCount: Int
        let edges: [EdgeJSON]
        let changes: ComparisonJSON?
    }
    struct ChangeJSON: Encodable {
        let index: Int, label: String?
        let interval: [Int]?, intervalLabels: [String]?
        let stability: Double?
        let gain: Double
        let gainCurve: [[Double]]
    }
    struct DocumentJSON: Encodable {
        let changePoints: [Int]
        let segments: [SegmentJSON]
        let changes: [ChangeJSON]
        let rows: Int, columns: Int, minSegment: Int
        let search: String, method: String, selection: String
        let confidence: Double, bootstrapReplicates: Int, folds: Int
        let crossValidatedLossByChanges: [Double]?
        let fits: Int, seconds: Double
    }

    func json() -> DocumentJSON {
        func difference(_ d: EdgeDifference) -> DifferenceJSON {
            DifferenceJSON(nodes: d.names, before: d.before, after: d.after, kind: d.kind.rawValue)
        }
        let hasLabels = dataset.rowLabels != nil
        let segments = result.segments.map { s in
            SegmentJSON(start: s.start, end: s.end, rows: s.length,
                        startLabel: hasLabels ? label(s.start) : nil, lastLabel: hasLabels ? label(s.end - 1) : nil,
                        edgeCount: s.edges.count, selectedEdgeCount: s.selectedEdgeCount,
                        edges: s.edges.map { EdgeJSON(nodes: [names[$0.u], names[$0.v]], partialCorrelation: $0.partialCorrelation) },
                        changes: s.comparison.map { c in
                            ComparisonJSON(edgesBefore: c.edgesBefore, edgesAfter: c.edgesAfter,
                                           appeared: c.appeared.map(difference), disappeared: c.disappeared.map(difference),
                                           signChanged: c.signChanged.map(difference), largestChanges: c.largestChanges.map(difference),
                                           mostChangedNodes: c.mostChangedNodes.map { NodeJSON(name: $0.name, contribution: $0.contribution) },
                                           groups: groupShares(c)?.map { GroupJSON(group: $0.group, share: $0.share) })
                        })
        }
        let changes = result.changes.map { c in
            ChangeJSON(index: c.index, label: hasLabels ? label(c.index) : nil,
                       interval: c.interval.map { [$0.lowerBound, $0.upperBound] },
                       intervalLabels: hasLabels ? c.interval.map { [label($0.lowerBound), label($0.upperBound)] } : nil,
                       stability: c.stability, gain: c.gain,
                       gainCurve: c.gainCurve.map { [Double($0.row), $0.gain] })
        }
        let s = result.settings
        return DocumentJSON(changePoints: result.changePoints, segments: segments, changes: changes,
                            rows: dataset.rowCount, columns: dataset.columnCount, minSegment: result.minSegment,
                            search: s.search.rawValue, method: s.method.rawValue, selection: result.selection,
                            confidence: s.confidence, bootstrapReplicates: s.bootstrapReplicates, folds: s.folds,
                            crossValidatedLossByChanges: result.crossValidatedLossByChanges,
                            fits: result.fits, seconds: seconds)
    }

    // MARK: - Table

    var headline: String {
        let k = result.changePoints.count
        let how = result.selection == "given" ? "as asked" : "chosen by cross-validation"
        return "\(result.segments.count) segment\(result.segments.count == 1 ? "" : "s"), \(k) change point\(k == 1 ? "" : "s") (\(how); \(result.settings.search.rawValue) search, \(result.settings.method.rawValue) likelihood, segments of at least \(result.minSegment) rows)"
    }

    func table(top: Int) -> String {
        var out = "ggmwatch segment: \(headline)\n"
        out += String(format: "%d rows x %d nodes, %d network fits, %.1f s\n\n", dataset.rowCount, dataset.columnCount, result.fits, seconds)
        out += "Segments (edges: |partial correlation| >= 0.05)\n"
        out += "   #  first row             last row               rows   edges\n"
        for (i, s) in result.segments.enumerated() {
            out += String(format: "%4d  %@  %@  %5d  %6d\n", i + 1,
                          label(s.start).padding(toLength: 20, withPad: " ", startingAt: 0) as NSString,
                          label(s.end - 1).padding(toLength: 20, withPad: " ", startingAt: 0) as NSString, s.length, s.edges.count)
        }
        guard !result.changes.isEmpty else {
            out += "\nNo change point: one network fits the whole stream better (cross-validated) than any split.\n"
            return out
        }
        let coverage = Int((result.settings.confidence * 100).rounded())
        out += "\nChange points (first row of the new segment; \(coverage)% bootstrap interval; stability = share of bootstrap replicates within 5 rows)\n"
        for (i, c) in result.changes.enumerated() {
            let interval = c.interval.map { "\(label($0.lowerBound)) .. \(label($0.upperBound))" } ?? "—"
            let stability = c.stability.map { String(format: "%.2f", $0) } ?? "—"
            out += "\n  \(i + 1). row \(c.index), \(label(c.index)): interval \(interval), stability \(stability), "
            out += String(format: "cross-validated gain %.1f\n", c.gain)
            guard let comparison = result.segments[i + 1].comparison else { continue }
            out += "     edges \(comparison.edgesBefore) -> \(comparison.edgesAfter): \(comparison.appeared.count) appeared, \(comparison.disappeared.count) disappeared, \(comparison.signChanged.count) changed sign\n"
            if top > 0 {
                let edges = comparison.largestChanges.prefix(top).map {
                    "\(named($0.u)) – \(named($0.v)) " + String(format: "%+.2f -> %+.2f", $0.before, $0.after)
                }
                if !edges.isEmpty { out += "     most changed edges: " + edges.joined(separator: "; ") + "\n" }
                let nodes = comparison.mostChangedNodes.prefix(top).map { named($0.node) }
                if !nodes.isEmpty { out += "     most changed nodes: " + nodes.joined(separator: ", ") + "\n" }
                if let shares = groupShares(comparison), !shares.isEmpty {
                    out += "     groups: " + shares.prefix(3).map { "\($0.group) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ") + "\n"
                }
            }
        }
        return out
    }

    // MARK: - Report

    func document(source: String, command: String) -> ReportDocument {
        var statistics: [StatisticSeries] = []
        for (i, c) in result.changes.enumerated() {
            let peak = c.profile.max() ?? 0
            statistics.append(StatisticSeries(
                name: "Change \(i + 1) (\(label(c.index))): log-likelihood profile",
                points: c.profile.enumerated().map { SeriesPoint(index: c.profileStart + $0.offset, value: $0.element - peak) },
                role: .global))
            if c.gainCurve.count > 1 {
                statistics.append(StatisticSeries(
                    name: "Change \(i + 1): cross-validated gain of a split",
                    points: c.gainCurve.map { SeriesPoint(index: $0.row, value: $0.gain) }, role: .local))
            }
        }
        let alarms = result.changes.enumerated().map { i, c in
            ReportAlarm(index: c.index, label: label(c.index), detector: "change \(i + 1)",
                        headline: c.interval.map { "interval \(label($0.lowerBound)) .. \(label($0.upperBound))" } ?? "")
        }
        var summary = [["Change", "First row of the new segment", "Bootstrap interval", "Stability", "Cross-validated gain", "Edges before → after", "Most changed edges"]]
        for (i, c) in result.changes.enumerated() {
            let comparison = result.segments[i + 1].comparison
            summary.append([
                "\(i + 1)", "\(label(c.index)) (row \(c.index))",
                c.interval.map { "\(label($0.lowerBound)) .. \(label($0.upperBound))" } ?? "—",
                c.stability.map { String(format: "%.2f", $0) } ?? "—",
                String(format: "%.1f", c.gain),
                comparison.map { "\($0.edgesBefore) → \($0.edgesAfter)" } ?? "—",
                comparison.map { $0.largestChanges.prefix(2).map { "\($0.names[0])–\($0.names[1])" }.joined(separator: ", ") } ?? "—",
            ])
        }
        var sections: [ReportChange] = []
        for (i, s) in result.segments.enumerated() where i > 0 {
            guard let c = s.comparison else { continue }
            let previous = result.segments[i - 1]
            let (highlighted, nodes, rows, shares) = ReportPanels.changeDetails(c, groups: groups, group: group)
            sections.append(ReportChange(
                title: "Segment \(i) (\(label(previous.start)) – \(label(previous.end - 1)), \(previous.length) rows) and segment \(i + 1) (\(label(s.start)) – \(label(s.end - 1)), \(s.length) rows): \(c.edgesBefore) → \(c.edgesAfter) edges with |partial correlation| ≥ 0.05, \(c.appeared.count) appeared, \(c.disappeared.count) disappeared, \(c.signChanged.count) changed sign",
                alarmIndex: nil,
                before: ReportPanels.networkView(previous.edges, names: names, group: group, highlighted: highlighted, nodes: nodes),
                after: ReportPanels.networkView(s.edges, names: names, group: group, highlighted: highlighted, nodes: nodes),
                edgeTable: rows, topGroups: shares))
        }
        let notes = [
            "Segments: " + result.segments.enumerated().map { "\($0.offset + 1): \(label($0.element.start)) – \(label($0.element.end - 1)) (\($0.element.length) rows, \($0.element.edges.count) edges)" }.joined(separator: "; "),
            "Evidence charts: the profile of a change is the cross-fitted log-likelihood advantage of a change at each row between its neighbours, under the two neighbouring segments' networks, relative to its peak (the bootstrap interval resamples it); the gain is the cross-validated likelihood gain of a split at each row the search evaluated (docs/ALGORITHMS.md section 20).",
            String(format: "%d network fits in %.1f s.", result.fits, seconds),
        ]
        return ReportDocument(
            title: "ggmwatch segment: \(source)", subtitle: headline, generatedBy: command, summaryRows: summary,
            timeLabels: dataset.rowLabels, statistics: statistics, alarms: alarms,
            dataPanels: ReportPanels.data(dataset.values, window: 22, valueName: "value"), changes: sections, notes: notes)
    }
}
