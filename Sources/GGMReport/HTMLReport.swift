/// Renders a `ReportDocument` as one self-contained HTML page with inline SVG.
///
/// The page needs no network access and no scripts: CSS is inline, fonts are the system
/// sans-serif. It is also well-formed XML (XHTML-compatible): text is escaped, void elements
/// are self-closed, only numeric character references are used. The output is a pure
/// function of the input (no clock, no randomness, no hash-order iteration), so the same
/// document always gives the same string.
///
/// ## Markup contract (stable; CI parses the page as XML and asserts on these)
///
/// Page:
/// - `h1#report-title`, `p.subtitle`, `p.report-meta`
/// - `section#summary` with `table.summary-table` (header row in `thead`)
/// - `section#statistics`: one `svg.chart.statistics` per `StatisticSeries` (id `chart-statistic-K`, K from 1)
/// - `section#data`: one `svg.chart.data` per `DataPanel` (id `chart-data-K`)
/// - `section#changes`: one `section.network-panel` per `ReportChange` (id `change-K`)
/// - `section#notes` with `p.note`; `footer.report-footer` with `code.command-line`
///
/// In every chart (`svg.chart`):
/// - `line.alarm-marker` – exactly one per alarm, attribute `data-detector`; so the page holds
///   `alarms.count * (statistics.count + dataPanels.count)` of them
/// - `line.change-marker` (dashed) and `rect.change-band` (estimated change to alarm) – one per
///   alarm with an `estimatedChange`
/// - `text.alarm-label`, `text.chart-title`, `g.legend-entry`
/// - `text.tick-label` with `tick-x` (time axis, left to right) or `tick-y`
/// - `text.axis-title` with `axis-x` or `axis-y`
/// - `path.series-line` (one per drawn line), `path.threshold-line`
///
/// In every `section.network-panel`:
/// - `svg.network.network-before`, and `svg.network.network-after` when the after network exists
///   (otherwise `div.network-pending`)
/// - `figcaption.network-caption` (says how many of the edges are drawn)
/// - `span.group-legend-entry` (one per group in the panel), `span.edge-legend-entry`
/// - `table.group-shares` (when `topGroups` is not empty), `table.edge-table` with one body row
///   (`tr.edge-row`) per `EdgeRow`
/// - inside each `svg.network`: `circle.node` (`node-changed`), `path.edge` (`edge-positive`/
///   `edge-negative`, `edge-changed`, `edge-gone`), `text.group-label`, `text.node-label`
public enum HTMLReport {
    /// The system sans-serif stack used by the page and the SVGs.
    public static let fontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"

    /// Rendering settings.
    public struct Options: Sendable, Hashable {
        /// Strongest edges drawn per network (changed edges are always drawn in addition).
        public var maxEdges: Int
        /// Width of the time-series charts in CSS pixels (also the downsampling resolution).
        public var chartWidth: Double

        /// The words for the report's events: alarms of a monitor, or change points of a segmentation.
        public var terms: Terms

        public init(maxEdges: Int = 300, chartWidth: Double = 1100, terms: Terms = .monitoring) {
            self.maxEdges = maxEdges
            self.chartWidth = chartWidth
            self.terms = terms
        }
    }

    /// What the report calls its events and its statistics section.
    public struct Terms: Sendable, Hashable {
        /// One event, capitalized ("Alarm").
        public var event: String
        /// Several events, lower case ("alarms").
        public var events: String
        public var statisticsHeading: String

        public init(event: String, events: String, statisticsHeading: String) {
            self.event = event
            self.events = events
            self.statisticsHeading = statisticsHeading
        }

        public static let monitoring = Terms(event: "Alarm", events: "alarms", statisticsHeading: "Monitoring statistics")
        public static let segmentation = Terms(event: "Change point", events: "change points", statisticsHeading: "Evidence for each change point")
    }

    /// The page for `doc`.
    public static func render(_ doc: ReportDocument, options: Options = Options()) -> String {
        var w = SVGWriter()
        w.raw("<!DOCTYPE html>\n")
        w.open("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", "en")])
        w.newline()
        w.open("head")
        w.element("meta", [("charset", "utf-8")])
        w.element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
        w.element("meta", [("name", "generator"), ("content", "ggmwatch")])
        w.element("title", text: doc.title)
        w.open("style")
        w.raw(stylesheet)
        w.close("style")
        w.close("head")
        w.newline()
        w.open("body")
        w.open("main", [("class", "report")])
        w.newline()

        renderHeader(doc, terms: options.terms, into: &w)
        renderSummary(doc, terms: options.terms, into: &w)

        let domain = timeDomain(doc)
        let xTitle = doc.timeAxisTitle ?? ((doc.timeLabels.map(AxisTicks.areDates) ?? false) ? "Date" : "Observation")
        if !doc.statistics.isEmpty {
            w.open("section", [("id", "statistics")])
            w.element("h2", text: options.terms.statisticsHeading)
            for (k, s) in doc.statistics.enumerated() {
                var chart = TimeSeriesChart(
                    id: "chart-statistic-\(k + 1)", kind: "statistics", title: s.name, yAxisTitle: s.name, xAxisTitle: xTitle,
                    lines: [.init(name: s.name, points: s.points, color: Palette.statistic(s.role))],
                    threshold: s.threshold, alarms: doc.alarms, xDomain: domain, timeLabels: doc.timeLabels, scale: s.scale)
                chart.width = options.chartWidth
                chart.eventName = options.terms.event
                w.newline()
                w.raw(chart.render())
            }
            w.close("section")
            w.newline()
        }
        if !doc.dataPanels.isEmpty {
            w.open("section", [("id", "data")])
            w.element("h2", text: "Data")
            for (k, panel) in doc.dataPanels.enumerated() {
                let lines = panel.series.enumerated().map { j, s in
                    TimeSeriesChart.Line(name: s.name, points: s.points, color: Palette.series[j % Palette.series.count], width: 1)
                }
                var chart = TimeSeriesChart(
                    id: "chart-data-\(k + 1)", kind: "data", title: panel.title, yAxisTitle: panel.yAxisTitle ?? panel.title,
                    xAxisTitle: xTitle, lines: lines, alarms: doc.alarms, xDomain: domain, timeLabels: doc.timeLabels)
                chart.width = options.chartWidth
                chart.eventName = options.terms.event
                chart.height = 200
                w.newline()
                w.raw(chart.render())
            }
            w.close("section")
            w.newline()
        }
        if !doc.changes.isEmpty {
            let colors = groupColors(doc)
            w.open("section", [("id", "changes")])
            w.element("h2", text: "What changed")
            for (k, change) in doc.changes.enumerated() {
                w.newline()
                renderChange(change, number: k + 1, doc: doc, colors: colors, options: options, into: &w)
            }
            w.close("section")
            w.newline()
        }
        if !doc.notes.isEmpty {
            w.open("section", [("id", "notes")])
            w.element("h2", text: "Notes")
            for note in doc.notes { w.element("p", [("class", "note")], text: note) }
            w.close("section")
            w.newline()
        }
        w.open("footer", [("class", "report-footer")])
        w.open("p")
        w.text("Generated by ")
        w.element("code", [("class", "command-line")], text: doc.generatedBy)
        w.close("p")
        w.close("footer")
        w.newline()
        w.close("main")
        w.close("body")
        w.close("html")
        w.newline()
        return w.output
    }

    /// The row range shown on every time axis: all labelled rows, widened to every index used.
    static func timeDomain(_ doc: ReportDocument) -> ClosedRange<Int> {
        var lo = Int.max
        var hi = Int.min
        func include(_ i: Int) {
            lo = min(lo, i)
            hi = max(hi, i)
        }
        /// A series' first and last index, or every index when it is not sorted.
        func includeSeries(_ points: [SeriesPoint]) {
            guard let first = points.first, let last = points.last else { return }
            include(first.index)
            include(last.index)
            if !Downsampling.isSorted(points) { points.forEach { include($0.index) } }
        }
        if let labels = doc.timeLabels, !labels.isEmpty {
            include(0)
            include(labels.count - 1)
        }
        for s in doc.statistics { includeSeries(s.points) }
        for panel in doc.dataPanels {
            for s in panel.series { includeSeries(s.points) }
        }
        for a in doc.alarms {
            include(a.index)
            if let c = a.estimatedChange { include(c) }
        }
        if lo > hi { return 0...1 }
        return lo...max(hi, lo + 1)
    }

    /// One colour per group, assigned in order of first appearance over all changes.
    static func groupColors(_ doc: ReportDocument) -> (order: [String], colors: [String: String]) {
        var order: [String] = []
        var colors: [String: String] = [:]
        for change in doc.changes {
            for node in change.before.nodes + (change.after?.nodes ?? []) {
                guard let g = CircularLayout.groupKey(node.group), colors[g] == nil else { continue }
                colors[g] = Palette.group(order.count)
                order.append(g)
            }
            for row in change.edgeTable {
                for g in [row.groupA, row.groupB].compactMap(CircularLayout.groupKey) where colors[g] == nil {
                    colors[g] = Palette.group(order.count)
                    order.append(g)
                }
            }
        }
        return (order, colors)
    }

    static func label(of index: Int, _ doc: ReportDocument) -> String {
        if let labels = doc.timeLabels, index >= 0, index < labels.count { return labels[index] }
        return NumberText.grouped(index)
    }

    private static func renderHeader(_ doc: ReportDocument, terms: Terms, into w: inout SVGWriter) {
        w.open("header", [("class", "report-header")])
        w.element("h1", [("id", "report-title")], text: doc.title)
        if let subtitle = doc.subtitle { w.element("p", [("class", "subtitle")], text: subtitle) }
        var meta: [String] = []
        if let labels = doc.timeLabels, let first = labels.first, let last = labels.last {
            meta.append("\(first) to \(last) (\(NumberText.grouped(labels.count)) observations)")
        }
        meta.append(doc.alarms.count == 1 ? "1 \(terms.event.lowercased())" : "\(doc.alarms.count) \(terms.events)")
        if !doc.changes.isEmpty { meta.append(doc.changes.count == 1 ? "1 change diagnosed" : "\(doc.changes.count) changes diagnosed") }
        w.element("p", [("class", "report-meta")], text: meta.joined(separator: " \u{00B7} "))
        w.close("header")
        w.newline()
    }

    private static func renderSummary(_ doc: ReportDocument, terms: Terms, into w: inout SVGWriter) {
        w.open("section", [("id", "summary")])
        w.element("h2", text: "Summary")
        if let header = doc.summaryRows.first {
            let columns = doc.summaryRows.map(\.count).max() ?? header.count
            w.open("table", [("class", "summary-table")])
            w.open("thead")
            w.open("tr")
            for c in 0..<columns { w.element("th", text: c < header.count ? header[c] : "") }
            w.close("tr")
            w.close("thead")
            w.open("tbody")
            for row in doc.summaryRows.dropFirst() {
                w.open("tr")
                for c in 0..<columns { w.element("td", text: c < row.count ? row[c] : "") }
                w.close("tr")
            }
            w.close("tbody")
            w.close("table")
        } else {
            w.element("p", [("class", "empty")], text: doc.alarms.isEmpty ? "No \(terms.events) were found." : "No summary was provided.")
        }
        w.close("section")
        w.newline()
    }

    private static func renderChange(_ change: ReportChange, number: Int, doc: ReportDocument, colors: (order: [String], colors: [String: String]), options: Options, into w: inout SVGWriter) {
        w.open("section", [("class", "network-panel"), ("id", "change-\(number)")])
        w.element("h3", text: change.title)
        if let k = change.alarmIndex, k >= 0, k < doc.alarms.count {
            let a = doc.alarms[k]
            var line = "Alarm \(a.label) (\(a.detector)) at \(label(of: a.index, doc))"
            if let c = a.estimatedChange {
                line += "; estimated change at \(a.estimatedChangeLabel ?? label(of: c, doc))"
            }
            line += "."
            if !a.headline.isEmpty { line += " " + a.headline }
            w.element("p", [("class", "change-headline")], text: line)
        }
        let layout = CircularLayout(nodes: change.before.nodes + (change.after?.nodes ?? []), groupOrder: colors.order)
        w.open("div", [("class", "network-pair")])
        for (role, view) in [("before", Optional(change.before)), ("after", change.after)] {
            w.open("figure", [("class", "network-figure")])
            if let view {
                let diagram = NetworkDiagram(view: view, layout: layout, groupColors: colors.colors, role: role,
                                             title: role == "before" ? "Before" : "After", maxEdges: options.maxEdges)
                let (svg, counts) = diagram.render()
                w.raw(svg)
                w.element("figcaption", [("class", "network-caption")], text: caption(view: view, counts: counts))
            } else {
                w.open("div", [("class", "network-pending")])
                w.element("p", [("class", "pending-title")], text: "After")
                w.element("p", text: "The post-change network is not estimated yet: the burn-in after the alarm has not completed.")
                w.close("div")
            }
            w.close("figure")
        }
        w.close("div")
        w.newline()

        // Legend: edge encodings and the groups present in this panel.
        w.open("div", [("class", "network-legend")])
        let edgeKeys: [(String, String, String?, String)] = [
            ("Positive partial correlation", Palette.positiveEdge, nil, "1.6"),
            ("Negative partial correlation", Palette.negativeEdge, nil, "1.6"),
            ("Changed edge (thick)", "#1A1A1A", nil, "3.2"),
            ("Edge absent here", "#7A7A7A", "3 2", "1.2"),
        ]
        for (name, color, dash, width) in edgeKeys {
            w.open("span", [("class", "edge-legend-entry")])
            w.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", "24"), ("height", "10"), ("viewBox", "0 0 24 10")])
            var attrs: [(String, String)] = [("x1", "1"), ("x2", "23"), ("y1", "5"), ("y2", "5"), ("stroke", color), ("stroke-width", width)]
            if let dash { attrs.append(("stroke-dasharray", dash)) }
            w.element("line", attrs)
            w.close("svg")
            w.text(name)
            w.close("span")
        }
        w.element("br")
        for arc in layout.arcs {
            let name = arc.group ?? "Other"
            let color = arc.group.flatMap { colors.colors[$0] } ?? Palette.ungrouped
            w.open("span", [("class", "group-legend-entry")])
            w.element("span", [("class", "swatch"), ("style", "background:\(color)")], text: "")
            w.text("\(name) (\(arc.count))")
            w.close("span")
        }
        w.close("div")
        w.newline()

        w.open("div", [("class", "change-details")])
        if !change.topGroups.isEmpty {
            w.open("div", [("class", "top-groups")])
            w.element("h4", text: "Share of the change by group")
            w.open("table", [("class", "group-shares")])
            let maxShare = max(change.topGroups.map(\.share).filter(\.isFinite).max() ?? 1, 1e-12)
            for g in change.topGroups {
                let color = CircularLayout.groupKey(g.group).flatMap { colors.colors[$0] } ?? Palette.ungrouped
                let share = g.share.isFinite ? max(0, g.share) : 0
                w.open("tr")
                w.element("td", [("class", "group-name")], text: g.group)
                w.open("td", [("class", "bar-cell")])
                w.element("span", [("class", "bar"), ("style", "width:\(NumberText.fixed(100 * share / maxShare, 1))%;background:\(color)")], text: "")
                w.close("td")
                w.element("td", [("class", "num")], text: g.share.isFinite ? NumberText.fixed(100 * g.share, 1) + "%" : "\u{2013}")
                w.close("tr")
            }
            w.close("table")
            w.close("div")
        }
        w.open("div", [("class", "top-edges")])
        w.element("h4", text: "Most changed edges (partial correlations)")
        if change.edgeTable.isEmpty {
            w.element("p", [("class", "empty")], text: "No edge changes to show.")
        } else {
            renderEdgeTable(change.edgeTable, colors: colors.colors, into: &w)
        }
        w.close("div")
        w.close("div")
        w.close("section")
        w.newline()
    }

    static func caption(view: NetworkView, counts: NetworkDiagram.Counts) -> String {
        var s = "\(NumberText.grouped(view.nodes.count)) nodes, \(NumberText.grouped(counts.edges)) edges"
        if counts.strongest + counts.changed < counts.edges {
            s += "; showing the \(NumberText.grouped(counts.strongest)) strongest"
            s += counts.changed > 0 ? " and the \(NumberText.grouped(counts.changed)) changed (thick)" : ""
        } else if counts.changed > 0 {
            s += ", \(NumberText.grouped(counts.changed)) changed (thick)"
        }
        if counts.gone > 0 { s += "; \(NumberText.grouped(counts.gone)) changed edges absent here (dashed)" }
        return s + "."
    }

    /// The table of most changed edges.
    static func renderEdgeTable(_ rows: [EdgeRow], colors: [String: String], into w: inout SVGWriter) {
        func value(_ x: Double) -> String { NumberText.decimal(x, 3) }
        w.open("table", [("class", "edge-table")])
        w.open("thead")
        w.open("tr")
        for (title, numeric) in [("#", true), ("Edge", false), ("Groups", false), ("Before", true), ("After", true), ("\u{0394}", true), ("Change", false)] {
            w.element("th", numeric ? [("class", "num")] : [], text: title)
        }
        w.close("tr")
        w.close("thead")
        w.open("tbody")
        for (k, r) in rows.enumerated() {
            w.open("tr", [("class", "edge-row")])
            w.element("td", [("class", "num")], text: String(k + 1))
            w.element("td", [("class", "edge-name")], text: r.a + " \u{2013} " + r.b)
            w.open("td", [("class", "edge-groups")])
            let groups = [r.groupA, r.groupB]
            for (j, g) in groups.enumerated() {
                let name = CircularLayout.groupKey(g) ?? "Other"
                let color = CircularLayout.groupKey(g).flatMap { colors[$0] } ?? Palette.ungrouped
                if j == 1 { w.text(" \u{2013} ") }
                w.element("span", [("class", "swatch"), ("style", "background:\(color)")], text: "")
                w.text(name)
            }
            w.close("td")
            w.element("td", [("class", "num")], text: value(r.before))
            w.element("td", [("class", "num")], text: value(r.after))
            w.element("td", [("class", "num")], text: NumberText.decimal(r.after - r.before, 3, plusSign: true))
            w.open("td")
            w.element("span", [("class", "kind kind-" + r.kind.rawValue.replacingOccurrences(of: " ", with: "-"))], text: r.kind.rawValue)
            w.close("td")
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
    }

    /// The page's CSS. No `<`, `>` or `&` (the page must stay well-formed XML).
    static let stylesheet = """

    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #EEEEEC; color: #1A1A1A; font-family: \(fontStack); font-size: 14px; line-height: 1.45; -webkit-font-smoothing: antialiased; }
    main.report { max-width: 1180px; margin: 24px auto; background: #FFFFFF; padding: 34px 40px 28px; box-shadow: 0 1px 4px rgba(0,0,0,0.10); }
    .report-header { border-bottom: 2px solid #1F3A5F; padding-bottom: 12px; margin-bottom: 8px; }
    h1 { font-size: 25px; line-height: 1.2; margin: 0 0 6px; font-weight: 650; letter-spacing: -0.01em; color: #14273F; }
    .subtitle { margin: 0 0 4px; color: #333333; font-size: 15px; }
    .report-meta { margin: 0; color: #6B6B6B; font-size: 13px; }
    h2 { font-size: 13px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.07em; color: #1F3A5F; border-bottom: 1px solid #D5D9DE; padding-bottom: 5px; margin: 30px 0 12px; }
    h3 { font-size: 17px; margin: 26px 0 4px; font-weight: 650; color: #14273F; }
    h4 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: #555555; margin: 0 0 6px; font-weight: 650; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
    th { text-align: left; font-weight: 600; border-top: 1.5px solid #1A1A1A; border-bottom: 1px solid #1A1A1A; padding: 5px 12px 4px 0; white-space: nowrap; }
    td { padding: 4px 12px 4px 0; border-bottom: 1px solid #ECECEC; vertical-align: top; }
    tbody tr:last-child td { border-bottom: 1.5px solid #1A1A1A; }
    th.num, td.num { text-align: right; }
    .summary-table { width: 100%; }
    svg.chart { display: block; width: 100%; height: auto; margin: 6px 0 14px; }
    .network-panel { border-top: 1px solid #E3E3E3; padding-top: 2px; margin-top: 18px; }
    .network-panel:first-of-type { border-top: none; }
    .change-headline { margin: 0 0 8px; color: #333333; }
    .network-pair { display: flex; gap: 20px; }
    .network-figure { flex: 1 1 0; margin: 0; min-width: 0; }
    svg.network { display: block; width: 100%; height: auto; }
    .network-caption { text-align: center; color: #555555; font-size: 12px; margin-top: -6px; }
    .network-pending { height: 100%; min-height: 300px; display: flex; flex-direction: column; justify-content: center; align-items: center; text-align: center; color: #6B6B6B; border: 1px dashed #C8C8C8; border-radius: 4px; padding: 24px; }
    .pending-title { font-weight: 600; font-size: 13px; color: #1A1A1A; margin: 0 0 6px; }
    .network-legend { font-size: 12px; color: #444444; margin: 8px 0 14px; line-height: 1.9; }
    .edge-legend-entry, .group-legend-entry { display: inline-block; margin-right: 16px; white-space: nowrap; }
    .edge-legend-entry svg { vertical-align: middle; margin-right: 5px; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
    .change-details { display: flex; gap: 36px; align-items: flex-start; }
    .top-groups { flex: 0 0 300px; }
    .top-edges { flex: 1 1 auto; }
    .edge-table { width: 100%; }
    .group-shares td { border-bottom: none; padding: 2px 8px 2px 0; }
    .group-shares tbody tr:last-child td { border-bottom: none; }
    .group-name { white-space: nowrap; }
    .bar-cell { width: 140px; }
    .bar { display: block; height: 10px; margin-top: 4px; border-radius: 1px; }
    .edge-name, .edge-groups { white-space: nowrap; }
    .kind { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 3px; background: #EEEEEE; color: #333333; }
    .kind-appeared { background: #DCEBF7; color: #0B4F7C; }
    .kind-disappeared { background: #ECECEC; color: #555555; }
    .kind-sign-change { background: #FBE3D3; color: #8A3A00; }
    .kind-changed { background: #EFEAF6; color: #4B2E83; }
    .note { color: #333333; max-width: 900px; }
    .empty { color: #6B6B6B; font-style: italic; }
    .report-footer { margin-top: 30px; padding-top: 10px; border-top: 1px solid #E3E3E3; color: #6B6B6B; font-size: 12px; }
    code { font-family: ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 12px; background: #F4F4F4; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
    @media print { body { background: #FFFFFF; } main.report { box-shadow: none; margin: 0; max-width: none; } .network-panel { break-inside: avoid; } }

    """
}
