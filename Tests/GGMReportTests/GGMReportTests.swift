import Foundation
import Testing
@testable import GGMReport

@Suite("HTML report")
struct HTMLReportTests {
    static let dated = SyntheticReport.document(dated: true)
    static let undated = SyntheticReport.document(dated: false)

    func parsed(_ doc: ReportDocument, options: HTMLReport.Options = .init()) throws -> (String, XMLTree) {
        let html = HTMLReport.render(doc, options: options)
        let tree = try #require(XMLTree.parse(html), "the page must be well-formed XML")
        return (html, tree)
    }

    @Test("The page is a well-formed XHTML document with the header, summary and all sections")
    func wellFormed() throws {
        for doc in [Self.dated, Self.undated] {
            let (html, tree) = try parsed(doc)
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""))
            #expect(!html.contains("&nbsp;"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http://"))
            #expect(!html.contains("https://"))
            let title = try #require(tree.select("h1").first)
            #expect(tree[title].text == doc.title)
            #expect(tree[title].attributes["id"] == "report-title")
            for id in ["summary", "statistics", "data", "changes", "notes"] {
                #expect(tree.select("section").filter { tree[$0].attributes["id"] == id }.count == 1, "section #\(id)")
            }
            let table = try #require(tree.select("table", class: "summary-table").first)
            #expect(tree.select("th", inside: table).count == doc.summaryRows[0].count)
            #expect(tree.select("tr", inside: table).count == doc.summaryRows.count)
            #expect(tree.select("svg", class: "chart").count == doc.statistics.count + doc.dataPanels.count)
            #expect(tree.select("code", class: "command-line").map { tree[$0].text } == [doc.generatedBy])
            #expect(tree.select("p", class: "note").count == doc.notes.count)
        }
    }

    @Test("One alarm marker per alarm per chart, one change marker and band per estimated change")
    func alarmMarkers() throws {
        let (_, tree) = try parsed(Self.dated)
        let doc = Self.dated
        let charts = tree.select("svg", class: "chart")
        #expect(tree.select(class: "alarm-marker").count == doc.alarms.count * (doc.statistics.count + doc.dataPanels.count))
        #expect(tree.select(class: "alarm-marker").count == 12)
        let estimated = doc.alarms.filter { $0.estimatedChange != nil }.count
        for chart in charts {
            let markers = tree.select("line", class: "alarm-marker", inside: chart)
            #expect(markers.count == doc.alarms.count)
            #expect(markers.map { tree[$0].attributes["data-detector"] ?? "" } == doc.alarms.map(\.detector))
            // Markers sit left to right in alarm order, and each change marker left of its alarm.
            let xs = markers.map { Double(tree[$0].attributes["x1"]!)! }
            #expect(xs == xs.sorted())
            let changeXs = tree.select("line", class: "change-marker", inside: chart).map { Double(tree[$0].attributes["x1"]!)! }
            #expect(changeXs.count == estimated)
            #expect(zip(changeXs, xs).allSatisfy { $0 < $1 })
            #expect(tree.select("rect", class: "change-band", inside: chart).count == estimated)
            #expect(tree.select("text", class: "alarm-label", inside: chart).map { tree[$0].text } == ["A1", "A2", "A3"])
        }
        // Statistics charts draw the line and the threshold.
        for chart in tree.select("svg", class: "statistics") {
            #expect(tree.select("path", class: "series-line", inside: chart).count == 1)
            #expect(tree.select("path", class: "threshold-line", inside: chart).count == 1)
        }
    }

    @Test("Dated axes are labelled at calendar boundaries, in order, without overlap")
    func dateTicks() throws {
        let (_, tree) = try parsed(Self.dated)
        let pattern = /^\d{4}(-\d{2})?$/
        for chart in tree.select("svg", class: "chart") {
            let ticks = tree.select("text", class: "tick-x", inside: chart)
            let labels = ticks.map { tree[$0].text }
            let xs = ticks.map { Double(tree[$0].attributes["x"]!)! }
            #expect(labels.count >= 4, "a 3-year axis needs several ticks: \(labels)")
            #expect(labels.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(labels)")
            #expect(labels == labels.sorted() && Set(labels).count == labels.count, "\(labels)")
            #expect(xs == xs.sorted())
            for k in 1..<xs.count {
                let need = (AxisTicks.labelWidth(labels[k]) + AxisTicks.labelWidth(labels[k - 1])) / 2
                #expect(xs[k] - xs[k - 1] >= need, "labels \(labels[k - 1]) and \(labels[k]) overlap")
            }
            // Each month/year tick sits on the first trading day of its period.
            let doc = Self.dated
            let chartWidth = 1100.0, left = 74.0, right = 20.0
            for (label, x) in zip(labels, xs) {
                let row = Int(((x - left) / (chartWidth - left - right) * Double(doc.timeLabels!.count - 1)).rounded())
                let date = doc.timeLabels![row]
                #expect(date.hasPrefix(label), "tick \(label) at row \(row) (\(date))")
                #expect(!doc.timeLabels![row - 1].hasPrefix(label))
            }
            let titles = tree.select("text", class: "axis-title", inside: chart)
            #expect(tree.select("text", class: "axis-x", inside: chart).map { tree[$0].text } == ["Date"])
            #expect(titles.count == 2)
            #expect(tree.select("text", class: "tick-y", inside: chart).count >= 3)
        }
        let yTitles = tree.select("text", class: "axis-y").map { tree[$0].text }
        #expect(yTitles == ["Global T", "Local max statistic", "Return (%)", "Annualized vol. (%)"])
    }

    @Test("Undated axes use increasing integer ticks and the title \"Observation\"")
    func indexTicks() throws {
        let (_, tree) = try parsed(Self.undated)
        for chart in tree.select("svg", class: "chart") {
            let labels = tree.select("text", class: "tick-x", inside: chart).map { tree[$0].text }
            let values = labels.compactMap { Int($0.replacingOccurrences(of: ",", with: "")) }
            #expect(values.count == labels.count && values.count >= 4, "\(labels)")
            #expect(values == values.sorted())
            let steps = Set(zip(values.dropFirst(), values).map { $0 - $1 })
            #expect(steps.count == 1, "evenly spaced: \(values)")
            #expect(tree.select("text", class: "axis-x", inside: chart).map { tree[$0].text } == ["Observation"])
        }
    }

    @Test("One network panel per change, before and after side by side, groups in the legend")
    func networkPanels() throws {
        let doc = Self.dated
        let (_, tree) = try parsed(doc)
        let panels = tree.select("section", class: "network-panel")
        #expect(panels.count == doc.changes.count)
        for (panel, change) in zip(panels, doc.changes) {
            let svgs = tree.select("svg", class: "network", inside: panel)
            #expect(svgs.count == 2)
            #expect(svgs.map { tree[$0].classes } == [["network", "network-before"], ["network", "network-after"]])
            #expect(tree.select("circle", class: "node", inside: svgs[0]).count == change.before.nodes.count)
            #expect(tree.select("circle", class: "node-changed", inside: svgs[0]).count == change.before.highlightedNodes.count)
            #expect(tree.select("text", class: "group-label", inside: svgs[0]).count == 4)
            #expect(tree.select("span", class: "group-legend-entry", inside: panel).count == 4)
            #expect(tree.select("figcaption", class: "network-caption", inside: panel).count == 2)
            let table = try #require(tree.select("table", class: "edge-table", inside: panel).first)
            let rows = tree.select("tr", class: "edge-row", inside: table)
            #expect(rows.count == change.edgeTable.count)
            let firstCells = tree.select("td", inside: rows[0]).map { tree[$0].text }
            let r = change.edgeTable[0]
            #expect(firstCells == ["1", r.a + " \u{2013} " + r.b, (r.groupA ?? "") + " \u{2013} " + (r.groupB ?? ""),
                                   NumberText.decimal(r.before, 3), NumberText.decimal(r.after, 3),
                                   NumberText.decimal(r.after - r.before, 3, plusSign: true), r.kind.rawValue])
            // Small networks are drawn whole: every edge, changed ones on top.
            let drawn = tree.select("path", class: "edge", inside: svgs[0]).filter { !tree[$0].hasClass("edge-gone") }
            #expect(drawn.count == change.before.edges.count)
            let changedBefore = Set(change.before.highlightedEdges).intersection(change.before.edges.map { NodePair($0.u, $0.v) })
            #expect(tree.select("path", class: "edge-changed", inside: svgs[0]).count == changedBefore.count)
        }
        // Group colours agree across the two panels.
        let fills = panels.map { p in tree.select("circle", class: "node", inside: p).prefix(30).map { tree[$0].attributes["fill"]! } }
        #expect(fills[0] == fills[1])
    }

    @Test("A change whose post-change burn-in is incomplete shows a placeholder instead of the after network")
    func pendingAfter() throws {
        let doc = SyntheticReport.document(secondAfterCompleted: false)
        let (_, tree) = try parsed(doc)
        let panels = tree.select("section", class: "network-panel")
        #expect(panels.count == 2)
        #expect(tree.select("svg", class: "network", inside: panels[1]).map { tree[$0].classes.last! } == ["network-before"])
        #expect(tree.select("div", class: "network-pending", inside: panels[1]).count == 1)
        let after = tree.select("tr", class: "edge-row", inside: panels[1])
        #expect(!after.isEmpty)
    }

    @Test("Names with & and < are escaped and read back unchanged")
    func escaping() throws {
        var doc = Self.dated
        doc.title = "Network change monitor: synthetic returns & <test> data"
        doc.notes.append("Tricky: a & b < c > d \"quoted\" 'single' \u{1} control")
        doc.summaryRows[1][4] = "R&D <core>"
        let (html, tree) = try parsed(doc)
        #expect(!html.contains("<T>") && !html.contains("<Pharma>") && !html.contains("<core>"))
        #expect(html.contains("AT&amp;T &lt;T&gt;"))
        #expect(tree.select("text", class: "group-label").contains { tree[$0].text == "Health Care &<Pharma>" || tree[$0].text.contains("<Pharma>") })
        #expect(tree.select("td").contains { tree[$0].text == "R&D <core>" })
        #expect(tree.select("p", class: "note").last.map { tree[$0].text } == "Tricky: a & b < c > d \"quoted\" 'single'  control")
        #expect(tree.select("title").contains { tree[$0].text.hasPrefix("AT&T <T>") })
        #expect(tree[tree.select("h1")[0]].text == "Network change monitor: synthetic returns & <test> data")
    }

    @Test("Same document, same page; and the document survives a JSON round trip")
    func deterministic() throws {
        let a = HTMLReport.render(Self.dated)
        let b = HTMLReport.render(SyntheticReport.document(dated: true))
        #expect(a == b)
        let data = try JSONEncoder.nanTolerant.encode(Self.dated)
        let decoded = try JSONDecoder.nanTolerant.decode(ReportDocument.self, from: data)
        #expect(HTMLReport.render(decoded) == a)
    }

    @Test("A 1,000,000-point trace is drawn with at most 4 points per pixel column and keeps its spike")
    func downsamplingBoundsTheFile() throws {
        var rng = SplitMix64(seed: 11)
        var points = (0..<1_000_000).map { SeriesPoint(index: $0, value: rng.normal()) }
        points[777_777].value = 50
        let doc = ReportDocument(
            title: "Long trace", generatedBy: "test",
            statistics: [StatisticSeries(name: "Global T", points: points, threshold: (0..<1000).map { SeriesPoint(index: $0 * 1000, value: 3 + Double($0 % 3)) })],
            alarms: [ReportAlarm(index: 777_777, label: "A1", detector: "global", estimatedChange: 777_000)])
        let (html, tree) = try parsed(doc)
        #expect(html.utf8.count < 300_000, "page is \(html.utf8.count) bytes")
        let path = try #require(tree.select("path", class: "series-line").first)
        let d = tree[path].attributes["d"]!
        let vertices = d.filter { $0 == "M" || $0 == "L" }.count
        let plotWidth = 1100.0 - 74 - 20
        #expect(vertices <= Int(4 * plotWidth))
        #expect(vertices >= Int(2 * plotWidth), "every column keeps its envelope")
        // The spike (the maximum) reaches the top of the y domain: tick labels go at least to 50.
        let yTop = tree.select("text", class: "tick-y").compactMap { Double(tree[$0].text.replacingOccurrences(of: "\u{2212}", with: "-")) }.max()!
        #expect(yTop >= 50)
        let ys = d.split(whereSeparator: { $0 == "M" || $0 == "L" }).compactMap { Double($0.split(separator: " ")[1]) }
        let plotTop = 46.0
        let spikeY = ys.min()!
        #expect(spikeY < plotTop + 0.2 * (230 - 46 - 48), "the spike is drawn near the top, at y = \(spikeY)")
    }

    @Test("Large networks draw only the strongest edges plus the changed ones, and say so")
    func largeNetwork() throws {
        let doc = SyntheticReport.document(nodeCount: 452, groups: 11, density: 0.02)
        let (html, tree) = try parsed(doc, options: .init(maxEdges: 300))
        let change = doc.changes[0]
        let before = try #require(tree.select("svg", class: "network-before").first)
        let changedPresent = Set(change.before.highlightedEdges).intersection(change.before.edges.map { NodePair($0.u, $0.v) }).count
        #expect(change.before.edges.count > 1000)
        let drawn = tree.select("path", class: "edge", inside: before).filter { !tree[$0].hasClass("edge-gone") }
        #expect(drawn.count == 300 + changedPresent)
        let caption = try #require(tree.select("figcaption", class: "network-caption").first)
        #expect(tree[caption].text.contains("showing the 300 strongest"), "\(tree[caption].text)")
        #expect(tree.select("text", class: "group-label", inside: before).count == 11)
        #expect(html.utf8.count < 2_000_000)
        // The drawn unchanged edges are exactly the 300 strongest unchanged ones.
        let highlighted = Set(change.before.highlightedEdges)
        let strengths = change.before.edges.filter { !highlighted.contains(NodePair($0.u, $0.v)) }.map { abs($0.weight) }.sorted(by: >)
        let drawnStrengths = tree.select("path", class: "edge", inside: before).filter { !tree[$0].hasClass("edge-changed") && !tree[$0].hasClass("edge-gone") }
            .map { abs(Double(tree[$0].attributes["data-weight"]!)!) }
        #expect(drawnStrengths.count == 300)
        #expect(drawnStrengths.min()! >= strengths[299] - 0.0005)
        #expect(drawnStrengths.min()! >= strengths[300] - 0.0005)
        #expect(drawnStrengths.reduce(0, +) > strengths.prefix(300).reduce(0, +) - 0.5, "the sum matches the top 300 up to rounding")
        // Weakest first, so the strongest lie on top.
        #expect(drawnStrengths == drawnStrengths.sorted())
    }

    @Test("A log-scale statistic gets decade ticks and drops non-positive values")
    func logScale() throws {
        let points = (0..<500).map { SeriesPoint(index: $0, value: $0 == 100 ? 0 : 1 + Double($0 % 50) * Double($0 % 50)) }
        let doc = ReportDocument(title: "Log", generatedBy: "test",
                                 statistics: [StatisticSeries(name: "T", points: points, threshold: [.init(index: 0, value: 500)], scale: .log)])
        let (_, tree) = try parsed(doc)
        let labels = tree.select("text", class: "tick-y").map { tree[$0].text }
        #expect(labels == ["1", "10", "100", "1000", "10000"])
        let path = try #require(tree.select("path", class: "series-line").first)
        #expect(tree[path].attributes["d"]!.filter { $0 == "M" }.count == 2, "the zero splits the line")
    }

    /// Writes the sample pages when `GGM_REPORT_SAMPLE` (30 nodes) or `GGM_REPORT_SAMPLE_LARGE` (452 nodes) is set.
    @Test("Sample report files (only when GGM_REPORT_SAMPLE is set)")
    func writeSample() throws {
        let env = ProcessInfo.processInfo.environment
        if let path = env["GGM_REPORT_SAMPLE"], !path.isEmpty {
            try HTMLReport.render(Self.dated).write(toFile: path, atomically: true, encoding: .utf8)
        }
        if let path = env["GGM_REPORT_SAMPLE_LARGE"], !path.isEmpty {
            let doc = SyntheticReport.document(nodeCount: 452, groups: 11, density: 0.02)
            try HTMLReport.render(doc).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

@Suite("Report building blocks")
struct ReportBuildingBlockTests {
    @Test("Nice-number y ticks: 1, 2, 5 steps covering the data")
    func niceTicks() {
        let (domain, ticks) = AxisTicks.linear(low: 0, high: 9.3, maxCount: 6)
        #expect(ticks.map(\.label) == ["0", "2", "4", "6", "8", "10"])
        #expect(domain == 0...10)
        let small = AxisTicks.linear(low: -0.043, high: 0.051, maxCount: 5)
        #expect(small.ticks.map(\.label) == ["\u{2212}0.05", "0", "0.05", "0.1"])
        #expect(AxisTicks.linear(low: 0, high: 22, maxCount: 6).ticks.map(\.label) == ["0", "5", "10", "15", "20", "25"])
        #expect(AxisTicks.linear(low: 1234, high: 1301, maxCount: 8).ticks.map(\.label) == ["1220", "1240", "1260", "1280", "1300", "1320"])
        let flat = AxisTicks.linear(low: 3, high: 3)
        #expect(flat.domain.lowerBound < 3 && flat.domain.upperBound > 3)
        let log = AxisTicks.logarithmic(low: 0.5, high: 2000)
        #expect(log.ticks.map(\.label) == ["0.1", "1", "10", "100", "1000", "10000"])
    }

    @Test("Date ticks: months for a short span, years for a long one")
    func dateTickGranularity() {
        let labels = SyntheticReport.businessDays(from: (2004, 1, 2), count: 780)
        let wide = AxisTicks.dates(labels: labels, range: 0...779, pixelsPerRow: 6)
        #expect(wide.first?.label == "2004-02")
        #expect(wide.map(\.label).contains("2005-01"))
        let narrow = AxisTicks.dates(labels: labels, range: 0...779, pixelsPerRow: 0.4)
        #expect(narrow.map(\.label) == ["2005", "2006"])
        #expect(labels.last!.hasPrefix("2006-12"))
        #expect(!AxisTicks.areDates(["1", "2"]))
        #expect(AxisTicks.areDates(["2004-01-02", "2004-01-05"]))
        #expect(AxisTicks.CalendarDay("2004-13-01") == nil)
    }

    @Test("Min/max downsampling keeps each bucket's extremes and index order")
    func minMaxBuckets() {
        var rng = SplitMix64(seed: 3)
        let points = (0..<10_000).map { SeriesPoint(index: $0, value: rng.normal()) }
        let runs = Downsampling.minMax(points, domain: 0...9999, buckets: 100)
        #expect(runs.count == 1)
        let kept = runs[0]
        #expect(kept.count <= 400 && kept.count >= 200)
        #expect(kept.map(\.index) == kept.map(\.index).sorted())
        for b in 0..<100 {
            let bucket = points[(b * 100)..<((b + 1) * 100)]
            let keptBucket = kept.filter { $0.index / 100 == b }
            #expect(keptBucket.map(\.value).max() == bucket.map(\.value).max())
            #expect(keptBucket.map(\.value).min() == bucket.map(\.value).min())
        }
        // NaN splits runs.
        var gappy = points
        gappy[5000].value = .nan
        #expect(Downsampling.minMax(gappy, domain: 0...9999, buckets: 100).count == 2)
        // Steps merge repeated values.
        let steps = Downsampling.steps([.init(index: 0, value: 1), .init(index: 5, value: 1), .init(index: 9, value: 2)], domain: 0...10, maxSteps: 100)
        #expect(steps == [.init(index: 0, value: 1), .init(index: 9, value: 2)])
    }

    @Test("Numbers are formatted without locale, trailing zeros or negative zero")
    func numbers() {
        #expect(NumberText.fixed(12.50, 2) == "12.5")
        #expect(NumberText.fixed(-0.04, 1) == "0")
        #expect(NumberText.fixed(-1.26, 1) == "-1.3")
        #expect(NumberText.fixed(3, 3) == "3")
        #expect(NumberText.fixed(0.05, 2) == "0.05")
        #expect(NumberText.fixed(.nan, 1) == "0")
        #expect(NumberText.label(-0.5, 1) == "\u{2212}0.5")
        #expect(NumberText.decimal(0.32, 3) == "0.320")
        #expect(NumberText.decimal(-0.386, 3) == "\u{2212}0.386")
        #expect(NumberText.decimal(0.5271, 3, plusSign: true) == "+0.527")
        #expect(NumberText.decimal(0, 3, plusSign: true) == "0.000")
        #expect(NumberText.decimal(2, 1) == "2.0")
        #expect(NumberText.decimal(.nan, 3) == "\u{2013}")
        #expect(NumberText.grouped(1_234_567) == "1,234,567")
        #expect(NumberText.grouped(999) == "999")
    }

    @Test("The circular layout keeps groups contiguous and in the given order, with gaps")
    func layout() {
        let nodes = [NetworkNode(name: "a", group: "G2"), NetworkNode(name: "b", group: "G1"), NetworkNode(name: "c", group: "G2"),
                     NetworkNode(name: "d", group: nil), NetworkNode(name: "e", group: "G1")]
        let layout = CircularLayout(nodes: nodes, groupOrder: ["G1", "G2"])
        #expect(layout.arcs.map(\.group) == ["G1", "G2", nil])
        #expect(layout.arcs.map(\.count) == [2, 2, 1])
        let order = ["b", "e", "a", "c", "d"].map { layout.angles[$0]! }
        #expect(order == order.sorted())
        let step = order[1] - order[0]
        #expect(order[2] - order[1] > 2 * step, "a gap between groups")
    }
}

extension JSONEncoder {
    static var nanTolerant: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

extension JSONDecoder {
    static var nanTolerant: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
