import Foundation

/// A time-series chart as inline SVG: lines, an optional dashed threshold step line,
/// alarm markers and estimated-change markers, a legend above the plot, nice ticks.
///
/// The x axis is the data row index; with `timeLabels` that are dates it is labelled at
/// calendar boundaries (`AxisTicks.dates`), otherwise at nice integer positions.
/// Long series are reduced per pixel column (`Downsampling.minMax`) before drawing.
///
/// Markup contract (see `HTMLReport` for the full list): root `<svg class="chart KIND">`,
/// `path.series-line`, `path.threshold-line`, `line.alarm-marker` (one per alarm),
/// `line.change-marker` and `rect.change-band` (one per alarm with an estimated change),
/// `text.alarm-label`, `text.tick-label` (with `tick-x` / `tick-y`), `text.axis-title`
/// (with `axis-x` / `axis-y`), `text.chart-title`, `g.legend-entry`.
public struct TimeSeriesChart: Sendable {
    /// A line to draw.
    public struct Line: Sendable {
        public var name: String
        public var points: [SeriesPoint]
        public var color: String
        public var width: Double

        public init(name: String, points: [SeriesPoint], color: String, width: Double = 1.2) {
            self.name = name
            self.points = points
            self.color = color
            self.width = width
        }
    }

    /// Unique id within the document (used for the clip path), e.g. "chart-statistic-1".
    public var id: String
    /// The legend's name for the event markers.
    public var eventName = "Alarm"
    /// Extra class after "chart", e.g. "statistics" or "data".
    public var kind: String
    public var title: String
    public var yAxisTitle: String
    public var xAxisTitle: String
    public var lines: [Line]
    /// Threshold steps (see `StatisticSeries.threshold`); empty for none.
    public var threshold: [SeriesPoint]
    public var alarms: [ReportAlarm]
    /// The row indices spanned by the x axis (shared by all charts of a report).
    public var xDomain: ClosedRange<Int>
    public var timeLabels: [String]?
    public var scale: AxisScale
    public var width: Double = 1100
    public var height: Double = 230
    public var marginLeft: Double = 74
    public var marginRight: Double = 20
    public var marginTop: Double = 46
    public var marginBottom: Double = 48

    public init(
        id: String, kind: String, title: String, yAxisTitle: String, xAxisTitle: String,
        lines: [Line], threshold: [SeriesPoint] = [], alarms: [ReportAlarm] = [],
        xDomain: ClosedRange<Int>, timeLabels: [String]? = nil, scale: AxisScale = .linear
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.yAxisTitle = yAxisTitle
        self.xAxisTitle = xAxisTitle
        self.lines = lines
        self.threshold = threshold
        self.alarms = alarms
        self.xDomain = xDomain
        self.timeLabels = timeLabels
        self.scale = scale
    }

    var plotLeft: Double { marginLeft }
    var plotRight: Double { width - marginRight }
    var plotTop: Double { marginTop }
    var plotBottom: Double { height - marginBottom }
    var plotWidth: Double { plotRight - plotLeft }

    /// The x-axis span in row units (never empty).
    var xSpan: (lo: Double, hi: Double) {
        let lo = Double(xDomain.lowerBound)
        let hi = Double(xDomain.upperBound)
        return hi > lo ? (lo, hi) : (lo - 0.5, lo + 0.5)
    }

    func x(_ index: Double) -> Double {
        let (lo, hi) = xSpan
        return plotLeft + (index - lo) / (hi - lo) * plotWidth
    }

    /// The y domain and ticks from the data (lines and thresholds).
    func yAxis() -> (domain: ClosedRange<Double>, ticks: [AxisTick]) {
        var lo = Double.infinity
        var hi = -Double.infinity
        let valid: (Double) -> Bool = scale == .log ? { $0.isFinite && $0 > 0 } : { $0.isFinite }
        for line in lines {
            for p in line.points where valid(p.value) {
                lo = min(lo, p.value)
                hi = max(hi, p.value)
            }
        }
        for p in threshold where valid(p.value) {
            lo = min(lo, p.value)
            hi = max(hi, p.value)
        }
        if !lo.isFinite { return scale == .log ? AxisTicks.logarithmic(low: 1, high: 10) : AxisTicks.linear(low: 0, high: 1) }
        switch scale {
        case .log:
            return AxisTicks.logarithmic(low: lo, high: hi)
        case .linear:
            // Non-negative statistics read best from zero.
            if lo >= 0 && lo < 0.35 * hi { lo = 0 }
            let maxCount = max(3, Int((plotBottom - plotTop) / 24) + 1)
            return AxisTicks.linear(low: lo, high: hi, maxCount: maxCount)
        }
    }

    /// The SVG markup.
    public func render() -> String {
        let (domain, yTicks) = yAxis()
        let logScale = scale == .log
        func y(_ v: Double) -> Double {
            let t: Double
            if logScale {
                t = (Foundation.log10(v) - Foundation.log10(domain.lowerBound)) / (Foundation.log10(domain.upperBound) - Foundation.log10(domain.lowerBound))
            } else {
                t = (v - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
            }
            return plotBottom - t * (plotBottom - plotTop)
        }
        let f = { (v: Double) in NumberText.fixed(v, 1) }
        let (lo, hi) = xSpan
        let pixelsPerRow = plotWidth / (hi - lo)

        var w = SVGWriter()
        w.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart " + kind), ("id", id),
            ("width", f(width)), ("height", f(height)), ("viewBox", "0 0 \(f(width)) \(f(height))"),
            ("font-family", HTMLReport.fontStack), ("font-size", "11"), ("role", "img"),
        ])
        w.element("title", text: title)
        w.newline()
        w.open("defs")
        w.open("clipPath", [("id", id + "-clip")])
        w.element("rect", [("x", f(plotLeft)), ("y", f(plotTop - 1)), ("width", f(plotWidth)), ("height", f(plotBottom - plotTop + 2))])
        w.close("clipPath")
        w.close("defs")
        w.newline()

        // Title and legend on the top row.
        w.element("text", [("class", "chart-title"), ("x", f(plotLeft)), ("y", "17"), ("font-size", "13"), ("font-weight", "600"), ("fill", Palette.text)], text: title)
        renderLegend(into: &w)
        w.newline()

        // Horizontal grid and y ticks.
        w.open("g", [("class", "axis axis-y")])
        for t in yTicks {
            let yy = y(t.position)
            guard yy >= plotTop - 0.5 && yy <= plotBottom + 0.5 else { continue }
            w.element("line", [("class", "grid"), ("x1", f(plotLeft)), ("x2", f(plotRight)), ("y1", f(yy)), ("y2", f(yy)), ("stroke", Palette.grid), ("stroke-width", "1")])
            w.element("text", [("class", "tick-label tick-y"), ("x", f(plotLeft - 7)), ("y", f(yy + 3.8)), ("text-anchor", "end"), ("fill", Palette.mutedText)], text: t.label)
        }
        w.element("text", [("class", "axis-title axis-y"), ("transform", "translate(\(f(16)),\(f((plotTop + plotBottom) / 2))) rotate(-90)"), ("text-anchor", "middle"), ("fill", Palette.mutedText)], text: yAxisTitle)
        w.close("g")
        w.newline()

        // Estimated-change bands under the data.
        w.open("g", [("class", "change-bands")])
        for a in alarms {
            guard let c = a.estimatedChange else { continue }
            let x0 = x(Double(min(c, a.index)))
            let x1 = x(Double(max(c, a.index)))
            w.element("rect", [("class", "change-band"), ("x", f(x0)), ("y", f(plotTop)), ("width", f(max(x1 - x0, 0.5))), ("height", f(plotBottom - plotTop)), ("fill", Palette.alarm), ("fill-opacity", "0.08")])
        }
        w.close("g")
        w.newline()

        // Data lines, clipped to the plot.
        w.open("g", [("clip-path", "url(#\(id)-clip)")])
        let buckets = max(1, Int(plotWidth.rounded()))
        let domainX = lo...hi
        for line in lines {
            let runs = Downsampling.minMax(line.points, domain: domainX, buckets: buckets, isValid: logScale ? { $0 > 0 } : { _ in true })
            var d = ""
            d.reserveCapacity(runs.reduce(0) { $0 + $1.count } * 14)
            for run in runs {
                for (k, p) in run.enumerated() {
                    d += (k == 0 ? "M" : "L") + f(x(Double(p.index))) + " " + f(y(p.value))
                }
            }
            guard !d.isEmpty else { continue }
            w.element("path", [("class", "series-line"), ("d", d), ("fill", "none"), ("stroke", line.color), ("stroke-width", NumberText.fixed(line.width, 2)), ("stroke-linejoin", "round")])
            w.newline()
        }
        if !threshold.isEmpty {
            let steps = Downsampling.steps(threshold, domain: domainX, maxSteps: 2 * buckets)
            var d = ""
            var drawing = false
            for (k, s) in steps.enumerated() {
                let x0 = x(Double(s.index))
                let x1 = k + 1 < steps.count ? x(Double(steps[k + 1].index)) : plotRight
                guard s.value.isFinite, !logScale || s.value > 0 else {
                    drawing = false
                    continue
                }
                let yy = f(y(s.value))
                d += (drawing ? "L" : "M") + f(x0) + " " + yy + "H" + f(x1)
                drawing = true
            }
            if !d.isEmpty {
                w.element("path", [("class", "threshold-line"), ("d", d), ("fill", "none"), ("stroke", Palette.threshold), ("stroke-width", "1.2"), ("stroke-dasharray", "5 3")])
            }
        }
        w.close("g")
        w.newline()

        renderMarkers(into: &w)

        // X axis.
        w.open("g", [("class", "axis axis-x")])
        w.element("line", [("x1", f(plotLeft)), ("x2", f(plotRight)), ("y1", f(plotBottom)), ("y2", f(plotBottom)), ("stroke", Palette.axis), ("stroke-width", "1")])
        let xTicks: [AxisTick]
        if let labels = timeLabels, AxisTicks.areDates(labels) {
            xTicks = AxisTicks.dates(labels: labels, range: xDomain, pixelsPerRow: pixelsPerRow)
        } else {
            xTicks = AxisTicks.indices(range: xDomain, labels: timeLabels, pixelsPerRow: pixelsPerRow)
        }
        for t in xTicks {
            let xx = x(t.position)
            guard xx >= plotLeft - 0.5 && xx <= plotRight + 0.5 else { continue }
            w.element("line", [("class", "tick"), ("x1", f(xx)), ("x2", f(xx)), ("y1", f(plotBottom)), ("y2", f(plotBottom + 5)), ("stroke", Palette.axis), ("stroke-width", "1")])
            w.element("text", [("class", "tick-label tick-x"), ("x", f(xx)), ("y", f(plotBottom + 18)), ("text-anchor", "middle"), ("fill", Palette.mutedText)], text: t.label)
        }
        w.element("text", [("class", "axis-title axis-x"), ("x", f((plotLeft + plotRight) / 2)), ("y", f(height - 8)), ("text-anchor", "middle"), ("fill", Palette.mutedText)], text: xAxisTitle)
        w.close("g")
        w.newline()
        w.close("svg")
        return w.output
    }

    /// Legend entries, right-aligned on the title row (outside the plot, never over data).
    private func renderLegend(into w: inout SVGWriter) {
        let f = { (v: Double) in NumberText.fixed(v, 1) }
        var entries: [(name: String, color: String, dashed: Bool)] = lines.map { ($0.name, $0.color, false) }
        if !threshold.isEmpty { entries.append(("Threshold", Palette.threshold, true)) }
        if !alarms.isEmpty { entries.append((eventName, Palette.alarm, false)) }
        if alarms.contains(where: { $0.estimatedChange != nil }) { entries.append(("Estimated change", Palette.alarm, true)) }
        var right = plotRight
        var placed: [(x: Double, entry: (name: String, color: String, dashed: Bool))] = []
        for e in entries.reversed() {
            let width = 22 + AxisTicks.labelWidth(e.name) * 0.95
            right -= width
            placed.append((right, e))
            right -= 14
        }
        w.open("g", [("class", "legend")])
        for (x0, e) in placed.reversed() {
            w.open("g", [("class", "legend-entry")])
            var attrs: [(String, String)] = [("x1", f(x0)), ("x2", f(x0 + 16)), ("y1", "13"), ("y2", "13"), ("stroke", e.color), ("stroke-width", "2")]
            if e.dashed { attrs.append(("stroke-dasharray", "4 2")) }
            w.element("line", attrs)
            w.element("text", [("x", f(x0 + 21)), ("y", "17"), ("fill", Palette.mutedText)], text: e.name)
            w.close("g")
        }
        w.close("g")
    }

    /// Alarm markers (solid) and estimated-change markers (dashed), with labels above the plot.
    private func renderMarkers(into w: inout SVGWriter) {
        let f = { (v: Double) in NumberText.fixed(v, 1) }
        w.open("g", [("class", "markers")])
        var lastLabelRight = [-Double.infinity, -Double.infinity]
        for a in alarms {
            if let c = a.estimatedChange {
                let xc = x(Double(c))
                w.open("line", [("class", "change-marker"), ("x1", f(xc)), ("x2", f(xc)), ("y1", f(plotTop)), ("y2", f(plotBottom)), ("stroke", Palette.alarm), ("stroke-width", "1"), ("stroke-dasharray", "3 3")])
                w.element("title", text: "Estimated change for \(a.label)" + (changeLabel(a).map { ": " + $0 } ?? ""))
                w.close("line")
            }
            let xa = x(Double(a.index))
            w.open("line", [("class", "alarm-marker"), ("data-detector", a.detector), ("x1", f(xa)), ("x2", f(xa)), ("y1", f(plotTop - 6)), ("y2", f(plotBottom)), ("stroke", Palette.alarm), ("stroke-width", "1.4")])
            w.element("title", text: a.headline.isEmpty ? a.label : a.label + ": " + a.headline)
            w.close("line")
            // Stagger labels on two rows when alarms are close together.
            let width = AxisTicks.labelWidth(a.label)
            let row = xa - width / 2 > lastLabelRight[0] + 3 ? 0 : (xa - width / 2 > lastLabelRight[1] + 3 ? 1 : 0)
            lastLabelRight[row] = xa + width / 2
            w.element("text", [("class", "alarm-label"), ("x", f(xa)), ("y", f(plotTop - 9 - Double(row) * 11)), ("text-anchor", "middle"), ("font-size", "10"), ("font-weight", "600"), ("fill", Palette.alarm)], text: a.label)
        }
        w.close("g")
        w.newline()
    }

    private func changeLabel(_ a: ReportAlarm) -> String? {
        if let l = a.estimatedChangeLabel { return l }
        if let c = a.estimatedChange, let labels = timeLabels, c >= 0, c < labels.count { return labels[c] }
        return a.estimatedChange.map { String($0) }
    }
}
