import Foundation

/// Node positions on a circle, groups contiguous with a gap between groups.
///
/// The layout is keyed by node *name*, so the networks before and after a change (and
/// any node present in only one of them) share positions and can be compared side by side.
public struct CircularLayout: Sendable {
    /// A group's arc: its name (`nil` for ungrouped nodes), first and last angle, node count.
    public struct Arc: Sendable {
        public var group: String?
        public var start: Double
        public var end: Double
        public var count: Int
    }

    /// Angle (radians, 0 = east, clockwise on screen) of each node by name.
    public private(set) var angles: [String: Double] = [:]
    /// Groups in drawing order (clockwise from the top).
    public private(set) var arcs: [Arc] = []

    /// Places `nodes` (duplicates by name are placed once). Groups are ordered as in
    /// `groupOrder`, then any other group by first appearance, ungrouped nodes last.
    public init(nodes: [NetworkNode], groupOrder: [String]) {
        var members: [String?: [String]] = [:]
        var seen: Set<String> = []
        var appearance: [String] = []
        for n in nodes where !seen.contains(n.name) {
            seen.insert(n.name)
            let g = CircularLayout.groupKey(n.group)
            if let g, members[g] == nil, !appearance.contains(g) { appearance.append(g) }
            members[g, default: []].append(n.name)
        }
        var order: [String?] = []
        for g in groupOrder + appearance where members[g] != nil && !order.contains(g) { order.append(g) }
        if members[nil] != nil { order.append(nil) }

        let total = seen.count
        guard total > 0 else { return }
        let gap = order.count > 1 ? max(1.5, Double(total) * 0.016) : 0
        let slots = Double(total) + gap * Double(order.count)
        var position = gap / 2
        for g in order {
            let names = members[g] ?? []
            let start = position
            for name in names {
                angles[name] = -Double.pi / 2 + 2 * Double.pi * (position + 0.5) / slots
                position += 1
            }
            arcs.append(Arc(
                group: g,
                start: -Double.pi / 2 + 2 * Double.pi * (start + 0.5) / slots,
                end: -Double.pi / 2 + 2 * Double.pi * (position - 0.5) / slots,
                count: names.count))
            position += gap
        }
    }

    /// `nil` for a missing or empty group name.
    static func groupKey(_ group: String?) -> String? {
        guard let group, !group.isEmpty else { return nil }
        return group
    }
}

/// One network drawn as inline SVG on a `CircularLayout`.
///
/// Nodes are coloured by group; edges are light quadratic curves bent toward the centre,
/// blue for positive and vermillion for negative partial correlations, with width and opacity
/// growing with |weight|. Only the `maxEdges` strongest edges are drawn, plus every
/// highlighted (changed) edge, which is drawn on top and thicker; highlighted pairs absent
/// from the view are drawn dashed grey (the edge is gone). Highlighted nodes are enlarged,
/// outlined and labelled when there are at most `maxNodeLabels` of them.
///
/// Markup: root `<svg class="network network-ROLE">`, `text.group-label`, `path.group-arc`,
/// `path.edge` (with `edge-positive` / `edge-negative`, and `edge-changed` or `edge-gone`;
/// unchanged edges carry `data-weight`), `circle.node` (with `node-changed`), `text.node-label`.
public struct NetworkDiagram: Sendable {
    public var view: NetworkView
    public var layout: CircularLayout
    /// Colour of each group name (the document assigns them once for all panels).
    public var groupColors: [String: String]
    /// "before" or "after"; becomes the class `network-ROLE`.
    public var role: String
    public var title: String
    public var maxEdges: Int
    public var maxNodeLabels: Int = 40
    public var size: Double = 540

    public init(view: NetworkView, layout: CircularLayout, groupColors: [String: String], role: String, title: String, maxEdges: Int) {
        self.view = view
        self.layout = layout
        self.groupColors = groupColors
        self.role = role
        self.title = title
        self.maxEdges = maxEdges
    }

    /// What was drawn: edges in the view, strongest drawn, highlighted drawn, gone drawn.
    public struct Counts: Sendable, Hashable {
        public var edges: Int
        public var strongest: Int
        public var changed: Int
        public var gone: Int
    }

    /// Valid edges split into the drawn strongest (weakest first) and the highlighted ones.
    func selectEdges() -> (plain: [NetworkEdge], changed: [NetworkEdge], gone: [NodePair], total: Int) {
        let n = view.nodes.count
        let highlighted = Set(view.highlightedEdges)
        var plain: [NetworkEdge] = []
        var changed: [NetworkEdge] = []
        var present: Set<NodePair> = []
        for e in view.edges where e.u != e.v && e.u >= 0 && e.v >= 0 && e.u < n && e.v < n && e.weight.isFinite {
            let pair = NodePair(e.u, e.v)
            present.insert(pair)
            if highlighted.contains(pair) { changed.append(e) } else { plain.append(e) }
        }
        let total = plain.count + changed.count
        plain.sort { (abs($0.weight), NodePair($1.u, $1.v)) > (abs($1.weight), NodePair($0.u, $0.v)) }
        if plain.count > maxEdges { plain.removeLast(plain.count - max(0, maxEdges)) }
        plain.reverse()
        changed.sort { (abs($0.weight), NodePair($1.u, $1.v)) < (abs($1.weight), NodePair($0.u, $0.v)) }
        var gone: [NodePair] = []
        for p in view.highlightedEdges.sorted() where !present.contains(p) && p.a != p.b && p.a >= 0 && p.b < n {
            if gone.last != p { gone.append(p) }
        }
        return (plain, changed, gone, total)
    }

    /// The SVG markup and what it shows.
    public func render() -> (svg: String, counts: Counts) {
        let f = { (v: Double) in NumberText.fixed(v, 1) }
        let (plain, changed, gone, total) = selectEdges()
        let highlightedNodes = Set(view.highlightedNodes.filter { $0 >= 0 && $0 < view.nodes.count })
        let labelNodes = highlightedNodes.count <= maxNodeLabels
        // Radial labels of changed nodes take this much room outside the ring.
        let nodeLabelRoom = labelNodes && !highlightedNodes.isEmpty
            ? 10 + 5.3 * Double(highlightedNodes.map { min(view.nodes[$0].name.count, 10) }.max() ?? 0)
            : 0
        let cx = size / 2
        let cy = size / 2 + 12
        // As large as the group labels at the sides allow (they may overhang the square by 8 px).
        var radius = size / 2 - 62 - nodeLabelRoom
        for arc in layout.arcs {
            let c = abs(Foundation.cos((arc.start + arc.end) / 2))
            guard c > 0.25 else { continue }
            let labelWidth = Double(NetworkDiagram.wrap(arc.group ?? "Other", width: 13).map(\.count).max() ?? 0) * 5.9
            radius = min(radius, (size / 2 + 8 - labelWidth) / c - 16 - nodeLabelRoom)
        }
        radius = max(radius, size * 0.22)
        let nodeRadius = view.nodes.count <= 60 ? 4.5 : view.nodes.count <= 200 ? 3.0 : 2.2

        func point(_ i: Int, _ r: Double) -> (x: Double, y: Double) {
            let a = layout.angles[view.nodes[i].name] ?? 0
            return (cx + r * Foundation.cos(a), cy + r * Foundation.sin(a))
        }
        func color(_ node: NetworkNode) -> String {
            CircularLayout.groupKey(node.group).flatMap { groupColors[$0] } ?? Palette.ungrouped
        }
        func curve(_ u: Int, _ v: Int) -> String {
            let p = point(u, radius - nodeRadius - 1)
            let q = point(v, radius - nodeRadius - 1)
            let mx = (p.x + q.x) / 2, my = (p.y + q.y) / 2
            let bend = 0.45
            let c = (cx + (mx - cx) * bend, cy + (my - cy) * bend)
            return "M" + f(p.x) + " " + f(p.y) + "Q" + f(c.0) + " " + f(c.1) + " " + f(q.x) + " " + f(q.y)
        }
        let maxAbs = max((plain + changed).map { abs($0.weight) }.max() ?? 1, 1e-12)

        var w = SVGWriter()
        w.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("class", "network network-" + role),
            ("width", f(size)), ("height", f(size)), ("viewBox", "0 0 \(f(size)) \(f(size))"),
            ("font-family", HTMLReport.fontStack), ("font-size", "10"), ("role", "img"), ("overflow", "visible"),
        ])
        w.element("title", text: title)
        w.element("text", [("class", "network-title"), ("x", f(cx)), ("y", "18"), ("text-anchor", "middle"), ("font-size", "13"), ("font-weight", "600"), ("fill", Palette.text)], text: title)
        w.newline()

        // Group arcs and labels.
        let labelRadius = radius + 16 + nodeLabelRoom
        w.open("g", [("class", "groups")])
        for arc in layout.arcs {
            let groupColor = arc.group.flatMap { groupColors[$0] } ?? Palette.ungrouped
            let r = radius + 8
            let half = arc.count > 1 ? 0.0 : 0.02
            let a0 = arc.start - half, a1 = arc.end + half
            let large = a1 - a0 > Double.pi ? 1 : 0
            let d = "M" + f(cx + r * Foundation.cos(a0)) + " " + f(cy + r * Foundation.sin(a0))
                + "A" + f(r) + " " + f(r) + " 0 \(large) 1 " + f(cx + r * Foundation.cos(a1)) + " " + f(cy + r * Foundation.sin(a1))
            w.element("path", [("class", "group-arc"), ("d", d), ("fill", "none"), ("stroke", groupColor), ("stroke-width", "3"), ("stroke-linecap", "round")])
            let mid = (arc.start + arc.end) / 2
            let lx = cx + labelRadius * Foundation.cos(mid)
            let ly = cy + labelRadius * Foundation.sin(mid)
            let cosine = Foundation.cos(mid), sine = Foundation.sin(mid)
            let anchor = cosine > 0.25 ? "start" : cosine < -0.25 ? "end" : "middle"
            let lines = NetworkDiagram.wrap(arc.group ?? "Other", width: 13)
            let lineHeight = 11.0
            // Below the centre the block hangs down from the anchor point, above it sits on it.
            let firstBaseline = sine > 0.25 ? ly + 9 : sine < -0.25 ? ly - lineHeight * Double(lines.count - 1) : ly + 3.5 - lineHeight * Double(lines.count - 1) / 2
            w.open("text", [("class", "group-label"), ("x", f(lx)), ("y", f(firstBaseline)), ("text-anchor", anchor), ("font-weight", "600"), ("fill", groupColor == Palette.groups[5] ? "#9A8420" : groupColor)])
            for (k, line) in lines.enumerated() {
                w.element("tspan", [("x", f(lx)), ("dy", k == 0 ? "0" : f(lineHeight))], text: line)
            }
            w.close("text")
        }
        w.close("g")
        w.newline()

        // Edges: strongest (weakest first, so stronger lie on top), then gone, then changed.
        w.open("g", [("class", "edges"), ("fill", "none"), ("stroke-linecap", "round")])
        // Many edges: thinner and lighter, so the changed ones stand out of the hairball.
        let crowding = plain.count > 120 ? 0.6 : 1.0
        for e in plain {
            let t = abs(e.weight) / maxAbs
            w.element("path", [("class", e.weight >= 0 ? "edge edge-positive" : "edge edge-negative"), ("d", curve(e.u, e.v)),
                               ("stroke", e.weight >= 0 ? Palette.positiveEdge : Palette.negativeEdge),
                               ("stroke-width", NumberText.fixed((0.4 + 1.8 * t) * crowding, 2)), ("stroke-opacity", NumberText.fixed((0.12 + 0.5 * t) * crowding, 2)),
                               ("data-weight", NumberText.fixed(e.weight, 3))])
        }
        w.newline()
        for p in gone {
            w.open("path", [("class", "edge edge-gone"), ("d", curve(p.a, p.b)), ("stroke", "#7A7A7A"), ("stroke-width", "1"), ("stroke-dasharray", "3 2"), ("stroke-opacity", "0.6")])
            w.element("title", text: view.nodes[p.a].name + " \u{2013} " + view.nodes[p.b].name + ": absent")
            w.close("path")
        }
        for e in changed {
            let t = abs(e.weight) / maxAbs
            let name = view.nodes[min(e.u, e.v)].name + " \u{2013} " + view.nodes[max(e.u, e.v)].name
            let stroke = e.weight >= 0 ? Palette.positiveEdge : Palette.negativeEdge
            let width = 1.8 + 2.2 * t
            w.element("path", [("class", "edge-halo"), ("d", curve(e.u, e.v)), ("stroke", "#FFFFFF"), ("stroke-width", NumberText.fixed(width + 2, 2)), ("stroke-opacity", "0.9")])
            w.open("path", [("class", "edge edge-changed " + (e.weight >= 0 ? "edge-positive" : "edge-negative")), ("d", curve(e.u, e.v)),
                            ("stroke", stroke), ("stroke-width", NumberText.fixed(width, 2)), ("stroke-opacity", "0.95")])
            w.element("title", text: name + ": " + NumberText.label(e.weight, 3))
            w.close("path")
        }
        w.close("g")
        w.newline()

        // Nodes, then labels of changed nodes (radial, outside the ring).
        w.open("g", [("class", "nodes")])
        for (i, node) in view.nodes.enumerated() where layout.angles[node.name] != nil {
            let p = point(i, radius)
            let hot = highlightedNodes.contains(i)
            w.open("circle", [("class", hot ? "node node-changed" : "node"), ("cx", f(p.x)), ("cy", f(p.y)),
                              ("r", f(hot ? nodeRadius * 1.6 : nodeRadius)), ("fill", color(node)),
                              ("stroke", hot ? "#1A1A1A" : "#FFFFFF"), ("stroke-width", hot ? "1.3" : "0.6")])
            w.element("title", text: node.name + (node.group.map { " (" + $0 + ")" } ?? ""))
            w.close("circle")
        }
        if labelNodes {
            // Clockwise from the top; a label too close to the previous one is left out (the node keeps its tooltip).
            let ordered = highlightedNodes.compactMap { i in layout.angles[view.nodes[i].name].map { (i, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            var lastAngle = -Double.infinity
            let minGap = 10 / (radius + nodeRadius * 1.6 + 4)
            for (i, a) in ordered {
                guard a - lastAngle >= minGap else { continue }
                lastAngle = a
                let p = point(i, radius + nodeRadius * 1.6 + 4)
                let degrees = a * 180 / Double.pi
                let leftSide = Foundation.cos(a) < 0
                let rotation = leftSide ? degrees + 180 : degrees
                let name = view.nodes[i].name
                let shown = name.count > 10 ? String(name.prefix(9)) + "\u{2026}" : name
                w.element("text", [("class", "node-label"), ("x", f(p.x)), ("y", f(p.y)), ("dy", "3.2"),
                                   ("transform", "rotate(\(f(rotation)) \(f(p.x)) \(f(p.y)))"),
                                   ("text-anchor", leftSide ? "end" : "start"), ("font-size", "9"), ("fill", Palette.text)], text: shown)
            }
        }
        w.close("g")
        w.close("svg")
        let counts = Counts(edges: total, strongest: plain.count, changed: changed.count, gone: gone.count)
        return (w.output, counts)
    }

    /// Splits `text` at spaces into lines of at most about `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [text] : lines
    }
}
