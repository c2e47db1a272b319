/// The plain input of a report: everything `HTMLReport.render(_:)` draws, and nothing else.
///
/// The report module never depends on the detection modules. The caller (the command-line
/// tool) maps monitor output into these value types; tests build them by hand.
///
/// Time is measured in *data row indices* (0-based rows of the observation stream).
/// `timeLabels[i]`, when present, names row `i` (usually a date `YYYY-MM-DD`), and every
/// chart in the report shares one time axis so that panels line up vertically.
public struct ReportDocument: Codable, Sendable, Hashable {
    /// The headline of the report.
    public var title: String
    /// A line under the title (data set, period, settings), or `nil`.
    public var subtitle: String?
    /// The command line that produced the report, shown in the footer.
    public var generatedBy: String
    /// The summary table: the first row is the header, the rest are body rows
    /// (e.g. alarm date, estimated change date, detector, top groups, top edges).
    /// Rows may be ragged; short rows are padded with empty cells.
    public var summaryRows: [[String]]
    /// One label per data row (e.g. dates `YYYY-MM-DD`), or `nil` for an integer index axis.
    public var timeLabels: [String]?
    /// Title of the shared time axis; `nil` gives "Date" for dated labels, otherwise "Observation".
    public var timeAxisTitle: String?
    /// The monitoring statistics, one chart each.
    public var statistics: [StatisticSeries]
    /// The alarms, in time order; drawn on every statistics chart and every data panel.
    public var alarms: [ReportAlarm]
    /// Panels of the data itself (e.g. cross-sectional average return, rolling volatility).
    public var dataPanels: [DataPanel]
    /// One entry per diagnosed change: networks before and after, most changed edges.
    public var changes: [ReportChange]
    /// Free paragraphs at the end (preprocessing, caveats).
    public var notes: [String]

    public init(
        title: String,
        subtitle: String? = nil,
        generatedBy: String,
        summaryRows: [[String]] = [],
        timeLabels: [String]? = nil,
        timeAxisTitle: String? = nil,
        statistics: [StatisticSeries] = [],
        alarms: [ReportAlarm] = [],
        dataPanels: [DataPanel] = [],
        changes: [ReportChange] = [],
        notes: [String] = []
    ) {
        self.title = title
        self.subtitle = subtitle
        self.generatedBy = generatedBy
        self.summaryRows = summaryRows
        self.timeLabels = timeLabels
        self.timeAxisTitle = timeAxisTitle
        self.statistics = statistics
        self.alarms = alarms
        self.dataPanels = dataPanels
        self.changes = changes
        self.notes = notes
    }
}

/// One observation of a series at a data row index. Non-finite values are drawn as gaps.
public struct SeriesPoint: Codable, Sendable, Hashable {
    public var index: Int
    public var value: Double

    public init(index: Int, value: Double) {
        self.index = index
        self.value = value
    }
}

/// What a statistic measures; chooses its line colour.
public enum StatisticRole: String, Codable, Sendable, Hashable, CaseIterable {
    case global
    case local
    case auxiliary
}

/// Vertical scale of a chart.
public enum AxisScale: String, Codable, Sendable, Hashable, CaseIterable {
    case linear
    /// Base-10 logarithmic; non-positive values are drawn as gaps.
    case log
}

/// A monitoring statistic over time with its (piecewise constant) alarm threshold.
public struct StatisticSeries: Codable, Sendable, Hashable {
    /// Legend and y-axis name, e.g. "Global T".
    public var name: String
    /// The statistic at each monitored row.
    public var points: [SeriesPoint]
    /// Threshold steps: `threshold[k].value` holds from `threshold[k].index` until the next
    /// step (the last step holds to the end of the axis). May change at refits or recalibrations.
    public var threshold: [SeriesPoint]
    public var role: StatisticRole
    public var scale: AxisScale

    public init(name: String, points: [SeriesPoint], threshold: [SeriesPoint] = [], role: StatisticRole = .global, scale: AxisScale = .linear) {
        self.name = name
        self.points = points
        self.threshold = threshold
        self.role = role
        self.scale = scale
    }
}

/// An alarm raised by the monitor.
public struct ReportAlarm: Codable, Sendable, Hashable {
    /// Data row at which the alarm was raised.
    public var index: Int
    /// Short marker label, e.g. "A1" (drawn above the charts).
    public var label: String
    /// Which detector fired: "global", "local" or "global+local" (free text, shown as is).
    public var detector: String
    /// Estimated change row, or `nil` if not estimated.
    public var estimatedChange: Int?
    /// Display form of the estimated change (e.g. its date); `nil` derives it from `timeLabels`.
    public var estimatedChangeLabel: String?
    /// One sentence on what happened (shown as the marker's tooltip and in the change section).
    public var headline: String

    public init(index: Int, label: String, detector: String, estimatedChange: Int? = nil, estimatedChangeLabel: String? = nil, headline: String = "") {
        self.index = index
        self.label = label
        self.detector = detector
        self.estimatedChange = estimatedChange
        self.estimatedChangeLabel = estimatedChangeLabel
        self.headline = headline
    }
}

/// A named line in a data panel.
public struct DataSeries: Codable, Sendable, Hashable {
    public var name: String
    public var points: [SeriesPoint]

    public init(name: String, points: [SeriesPoint]) {
        self.name = name
        self.points = points
    }
}

/// A chart of the data itself, sharing the time axis with the statistics.
public struct DataPanel: Codable, Sendable, Hashable {
    /// Chart title, e.g. "Cross-sectional average return".
    public var title: String
    /// Y-axis title (units), e.g. "Return (%)"; `nil` uses the title.
    public var yAxisTitle: String?
    public var series: [DataSeries]

    public init(title: String, yAxisTitle: String? = nil, series: [DataSeries]) {
        self.title = title
        self.yAxisTitle = yAxisTitle
        self.series = series
    }
}

/// A node of a drawn network.
public struct NetworkNode: Codable, Sendable, Hashable {
    public var name: String
    /// Group (e.g. GICS sector); nodes of a group are drawn contiguously in the group's colour.
    public var group: String?

    public init(name: String, group: String? = nil) {
        self.name = name
        self.group = group
    }
}

/// An undirected edge between `nodes[u]` and `nodes[v]` with a signed partial correlation.
public struct NetworkEdge: Codable, Sendable, Hashable {
    public var u: Int
    public var v: Int
    public var weight: Double

    public init(u: Int, v: Int, weight: Double) {
        self.u = u
        self.v = v
        self.weight = weight
    }
}

/// An unordered pair of node indices.
public struct NodePair: Codable, Sendable, Hashable, Comparable {
    /// The smaller index.
    public let a: Int
    /// The larger index.
    public let b: Int

    public init(_ u: Int, _ v: Int) {
        a = min(u, v)
        b = max(u, v)
    }

    public static func < (lhs: NodePair, rhs: NodePair) -> Bool {
        (lhs.a, lhs.b) < (rhs.a, rhs.b)
    }
}

/// A network (graph of partial correlations) to draw, with the parts that changed.
public struct NetworkView: Codable, Sendable, Hashable {
    public var nodes: [NetworkNode]
    public var edges: [NetworkEdge]
    /// Edges that changed (drawn on top, thicker). Pairs absent from `edges` are drawn
    /// as faint dashed lines (an edge that is gone in this view).
    public var highlightedEdges: [NodePair]
    /// Nodes that changed (drawn larger, outlined and labelled).
    public var highlightedNodes: [Int]

    public init(nodes: [NetworkNode], edges: [NetworkEdge], highlightedEdges: [NodePair] = [], highlightedNodes: [Int] = []) {
        self.nodes = nodes
        self.edges = edges
        self.highlightedEdges = highlightedEdges
        self.highlightedNodes = highlightedNodes
    }
}

/// How an edge changed between the networks before and after.
public enum EdgeChangeKind: String, Codable, Sendable, Hashable, CaseIterable {
    case appeared
    case disappeared
    case signChange = "sign change"
    case changed
}

/// A row of the most-changed-edges table.
public struct EdgeRow: Codable, Sendable, Hashable {
    public var a: String
    public var b: String
    public var groupA: String?
    public var groupB: String?
    /// Partial correlation before the change.
    public var before: Double
    /// Partial correlation after the change (or `nan` if not yet estimated).
    public var after: Double
    public var kind: EdgeChangeKind

    public init(a: String, b: String, groupA: String? = nil, groupB: String? = nil, before: Double, after: Double, kind: EdgeChangeKind) {
        self.a = a
        self.b = b
        self.groupA = groupA
        self.groupB = groupB
        self.before = before
        self.after = after
        self.kind = kind
    }
}

/// A group's share of the change (e.g. of the local statistic's excess).
public struct GroupShare: Codable, Sendable, Hashable {
    public var group: String
    /// Share in [0, 1].
    public var share: Double

    public init(group: String, share: Double) {
        self.group = group
        self.share = share
    }
}

/// A diagnosed change: what the network looked like before and after.
public struct ReportChange: Codable, Sendable, Hashable {
    /// Section heading, e.g. "Change 1: 2008-09-15".
    public var title: String
    /// Position in `ReportDocument.alarms` of the alarm this change belongs to, or `nil`.
    public var alarmIndex: Int?
    public var before: NetworkView
    /// `nil` while the post-change burn-in has not completed.
    public var after: NetworkView?
    /// Most changed edges, in the order to show them.
    public var edgeTable: [EdgeRow]
    /// Groups ranked by their share of the change.
    public var topGroups: [GroupShare]

    public init(title: String, alarmIndex: Int? = nil, before: NetworkView, after: NetworkView?, edgeTable: [EdgeRow] = [], topGroups: [GroupShare] = []) {
        self.title = title
        self.alarmIndex = alarmIndex
        self.before = before
        self.after = after
        self.edgeTable = edgeTable
        self.topGroups = topGroups
    }
}
