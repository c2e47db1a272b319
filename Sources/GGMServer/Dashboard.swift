import Foundation
import GGMDetection
import GGMReport

/// The dashboard (`GET /`): every stream with its statistics over time against its thresholds
/// (the report module's ``TimeSeriesChart``), its alarms and what changed at each, updated live
/// by `dashboard.js` (the stream list polled, each stream's event feed followed over SSE, a
/// chart redrawn when its stream moved).
///
/// Markup contract (the browser test reads it): `section.stream[data-stream=NAME]` per stream,
/// `.observations`, `.alarm-count`, `.phase` inside it, `div.chart` holding the SVG, `table.alarms`
/// with one `tr.alarm` per alarm (newest first).
enum Dashboard {
    /// One stream as the dashboard draws it.
    struct Card: Sendable {
        var definition: StreamDefinition
        var served: ServedStream
        var calibrating: Bool
    }

    /// Alarms listed per stream (the newest).
    static let alarmRows = 12

    static func page(_ cards: [Card]) -> String {
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ggmwatch: \(cards.count) stream\(cards.count == 1 ? "" : "s")</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font-family: \(HTMLReport.fontStack); color: \(Palette.text); margin: 0; background: #F7F7F5; }
        header { background: #1F3A5F; color: white; padding: 14px 24px; display: flex; align-items: baseline; gap: 18px; }
        header h1 { margin: 0; font-size: 20px; }
        header .summary { opacity: 0.85; font-size: 14px; }
        header .live { margin-left: auto; font-size: 12px; opacity: 0.8; }
        main { padding: 16px 24px; display: grid; gap: 16px; }
        section.stream { background: white; border: 1px solid #DDD; border-radius: 6px; padding: 12px 16px; }
        section.stream.alarmed h2::after { content: " \\25CF"; color: \(Palette.alarm); }
        section.stream h2 { margin: 0 0 6px 0; font-size: 17px; }
        .facts { display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 13px; color: \(Palette.mutedText); margin-bottom: 6px; }
        .facts b { color: \(Palette.text); font-weight: 600; }
        .phase { padding: 1px 7px; border-radius: 9px; background: #E8EEF5; color: #1F3A5F; }
        .phase.awaitingThresholds, .phase.pending { background: #FFF3D6; color: #7A5200; }
        .error { color: \(Palette.alarm); }
        div.chart svg { max-width: 100%; height: auto; }
        table.alarms { border-collapse: collapse; font-size: 12px; width: 100%; margin-top: 6px; }
        table.alarms th, table.alarms td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #EEE; vertical-align: top; }
        table.alarms tr.alarm td:first-child { color: \(Palette.alarm); font-weight: 600; }
        .empty { color: \(Palette.mutedText); font-style: italic; }
        </style></head>
        <body>
        <header><h1>ggmwatch</h1><span class="summary" id="summary">\(summary(cards))</span><span class="live" id="live">live</span></header>
        <main id="streams">

        """
        if cards.isEmpty {
            html += "<p class=\"empty\" id=\"no-streams\">No streams yet: create one with POST /v1/streams.</p>\n"
        }
        for card in cards { html += section(card) }
        html += "</main>\n<script src=\"/dashboard.js\"></script>\n</body></html>\n"
        return html
    }

    static func summary(_ cards: [Card]) -> String {
        let rows = cards.reduce(0) { $0 + $1.served.stream.next }
        let alarms = cards.reduce(0) { $0 + $1.served.stream.monitor.alarms.count }
        return "\(cards.count) stream\(cards.count == 1 ? "" : "s"), \(rows) rows, \(alarms) alarm\(alarms == 1 ? "" : "s")"
    }

    static func section(_ card: Card) -> String {
        let name = escape(card.definition.name)
        let monitor = card.served.stream.monitor
        let phase = card.served.stream.awaitingCalibration ? "pending" : monitor.phase.rawValue
        let phaseText = card.served.stream.awaitingCalibration
            ? (card.calibrating ? "calibrating thresholds" : "awaiting thresholds") : monitor.phase.rawValue
        var facts = [
            "<span class=\"phase \(phase)\">\(escape(phaseText))</span>",
            "<span><b class=\"observations\">\(card.served.stream.next)</b> rows</span>",
            "<span><b>\(card.definition.columns.count)</b> columns</span>",
            "<span><b class=\"alarm-count\">\(monitor.alarms.count)</b> alarm\(monitor.alarms.count == 1 ? "" : "s")</span>",
            "<span>detector <b>\(monitor.configuration.detector.rawValue)</b>, window <b>\(monitor.configuration.window)</b></span>",
        ]
        if let thresholds = monitor.thresholds {
            let text = thresholds.values.keys.sorted().map { "\($0) \(NumberText.fixed(thresholds.values[$0]!, 2))" }.joined(separator: ", ")
            facts.append("<span>thresholds <b>\(escape(text))</b></span>")
        }
        if let last = card.served.trace.last {
            let text = last.statistics.values.keys.sorted().map { "\($0) \(NumberText.fixed(last.statistics.values[$0]!, 2))" }.joined(separator: ", ")
            facts.append("<span>last (row \(last.index)) <b>\(escape(text))</b></span>")
        }
        if let error = card.served.calibrationError {
            facts.append("<span class=\"error\">calibration failed: \(escape(error))</span>")
        }
        var html = "<section class=\"stream\(monitor.alarms.isEmpty ? "" : " alarmed")\" data-stream=\"\(name)\" data-next=\"\(card.served.stream.next)\" data-sequence=\"\(card.served.stream.lastSequence)\">\n"
        html += "<h2>\(name)</h2>\n<div class=\"facts\">\(facts.joined(separator: " "))</div>\n"
        html += "<div class=\"chart\">\(chart(card, width: 1100))</div>\n"
        html += alarmTable(card)
        html += "</section>\n"
        return html
    }

    static func alarmTable(_ card: Card) -> String {
        let alarms = card.served.stream.monitor.alarms
        guard !alarms.isEmpty else { return "<table class=\"alarms\"><tbody><tr><td class=\"empty\">no alarm yet</td></tr></tbody></table>\n" }
        var html = "<table class=\"alarms\"><thead><tr><th>alarm at</th><th>change estimated at</th><th>fired by</th><th>nodes most involved</th><th>edges most changed</th></tr></thead><tbody>\n"
        for alarm in alarms.suffix(alarmRows).reversed() { html += alarmRow(alarm) }
        if alarms.count > alarmRows {
            html += "<tr><td colspan=\"5\" class=\"empty\">\(alarms.count - alarmRows) earlier alarms: GET /v1/streams/\(escape(card.definition.name))/events</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func alarmRow(_ alarm: Alarm) -> String {
        let at = alarm.label.map { "\(alarm.index) (\(escape($0)))" } ?? "\(alarm.index)"
        let change = alarm.estimatedChange.map { c in alarm.estimatedChangeLabel.map { "\(c) (\(escape($0)))" } ?? "\(c)" } ?? "-"
        let nodes = alarm.topNodes.prefix(4).map { escape($0.name) }.joined(separator: ", ")
        let edges = alarm.topEdges.prefix(3).map { escape($0.names.joined(separator: "-")) }.joined(separator: ", ")
        return "<tr class=\"alarm\" data-index=\"\(alarm.index)\"><td>\(at)</td><td>\(change)</td><td>\(escape(alarm.firedBy.map(\.rawValue).joined(separator: "+")))</td><td>\(nodes)</td><td>\(edges)</td></tr>\n"
    }

    /// The stream's statistics over its kept trace, each against its threshold (dashed steps),
    /// alarms marked with their estimated change.
    static func chart(_ card: Card, width: Double) -> String {
        let trace = card.served.trace
        guard let first = trace.first, let last = trace.last else {
            let next = card.served.stream.next
            let burnIn = card.served.stream.monitor.configuration.burnIn
            return "<p class=\"empty\">no statistics yet: \(next) of the \(burnIn) burn-in rows\(card.served.stream.awaitingCalibration ? "; thresholds are being calibrated" : "")</p>"
        }
        let ids = Set(trace.flatMap { $0.statistics.values.keys }).sorted()
        let base = ids.filter { $0.windowLength == nil }
        let shown = base.isEmpty ? ids : base
        var lines: [TimeSeriesChart.Line] = []
        var steps: [SeriesPoint] = []
        for (k, id) in shown.enumerated() {
            let color = id == .global ? Palette.statistic(.global) : id == .local ? Palette.statistic(.local) : Palette.series[k % Palette.series.count]
            lines.append(TimeSeriesChart.Line(name: id.rawValue, points: trace.compactMap { point in
                point.statistics[id].map { SeriesPoint(index: point.index, value: $0) }
            }, color: color))
        }
        // One statistic's thresholds as the dashed line (the chart draws one); with two statistics on
        // different scales each is drawn relative to its threshold instead.
        let relative = shown.count > 1
        if relative {
            lines = shown.enumerated().map { k, id in
                TimeSeriesChart.Line(name: "\(id.rawValue) / threshold", points: trace.compactMap { point in
                    guard let s = point.statistics[id], let t = point.thresholds?[id], t > 0 else { return nil }
                    return SeriesPoint(index: point.index, value: s / t)
                }, color: lines[k].color)
            }
            steps = [SeriesPoint(index: first.index, value: 1)]
        } else if let id = shown.first {
            var lastValue: Double?
            for point in trace {
                guard let t = point.thresholds?[id], t != lastValue else { continue }
                steps.append(SeriesPoint(index: point.index, value: t))
                lastValue = t
            }
        }
        // Rows with no scored window (a burn-in after an alarm, a calibration pending) are gaps, not lines.
        lines = lines.map { line in
            var out = line
            out.points = []
            for point in line.points {
                if let last = out.points.last, point.index > last.index + 1 { out.points.append(SeriesPoint(index: last.index + 1, value: .nan)) }
                out.points.append(point)
            }
            return out
        }
        let alarms = card.served.stream.monitor.alarms.filter { $0.index >= first.index }.enumerated().map { k, alarm in
            ReportAlarm(index: alarm.index, label: "A\(k + 1)", detector: alarm.firedBy.map(\.rawValue).joined(separator: "+"),
                        estimatedChange: alarm.estimatedChange, estimatedChangeLabel: alarm.estimatedChangeLabel,
                        headline: "alarm at \(alarm.index) fired by \(alarm.firedBy.map(\.rawValue).joined(separator: "+"))")
        }
        var chart = TimeSeriesChart(
            id: "chart-" + card.definition.name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined(),
            kind: "statistics", title: relative ? "Statistics relative to their thresholds (alarm above 1)" : "\(shown.first?.rawValue ?? "") statistic and threshold",
            yAxisTitle: relative ? "statistic / threshold" : "statistic", xAxisTitle: "row",
            lines: lines, threshold: steps, alarms: alarms, xDomain: first.index...max(last.index, first.index + 1))
        chart.width = width
        chart.height = 240
        return chart.render()
    }

    /// Text and attribute values escaped with the report module's escaping (one for both: quotes included).
    static func escape(_ s: String) -> String { XMLEscape.attribute(s) }

    /// The page's script (`Resources/dashboard.js`).
    static let script: String = {
        guard let url = Bundle.module.url(forResource: "dashboard", withExtension: "js"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text
    }()
}

/// The OpenAPI description of the API (`Resources/openapi.json`, served at `/openapi.json`; the tests
/// check the server's replies against it).
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return Array("{}".utf8) }
        return Array(data)
    }()
}
