/// Node name -> group name (a stock's sector, a brain region, ...), in first-appearance order.
public struct GroupMap: Equatable, Sendable, Codable {
    /// Group of each listed node.
    public private(set) var groupOfNode: [String: String]
    /// The groups, in order of first appearance.
    public private(set) var groups: [String]

    public init() {
        groupOfNode = [:]
        groups = []
    }

    /// From (node, group) pairs; a later pair for the same node replaces the group.
    public init(_ pairs: [(node: String, group: String)]) {
        self.init()
        for (node, group) in pairs { assign(node, to: group) }
    }

    /// Puts `node` in `group`.
    public mutating func assign(_ node: String, to group: String) {
        groupOfNode[node] = group
        if !groups.contains(group) { groups.append(group) }
    }

    /// The group of `node`, or `nil` if it is not listed.
    public func group(of node: String) -> String? { groupOfNode[node] }

    /// The group of each of `names` (`nil` for unlisted nodes).
    public func groups(for names: [String]) -> [String?] { names.map { groupOfNode[$0] } }

    /// Names among `names` that have no group.
    public func unlisted(_ names: [String]) -> [String] { names.filter { groupOfNode[$0] == nil } }

    /// The nodes (column indices into `names`) of each group, in ``groups`` order.
    public func members(of names: [String]) -> [(group: String, nodes: [Int])] {
        groups.map { g in (g, names.indices.filter { groupOfNode[names[$0]] == g }) }
    }

    /// Reads a CSV of `node,group` rows (further columns are ignored). The first line is a
    /// header, and skipped, if `hasHeader` says so; with `nil` it is a header when it reads
    /// `node,group` (any case).
    ///
    /// - Throws: ``DataError/cannotOpen(path:reason:)``, ``DataError/emptyInput(source:)``,
    ///   ``DataError/raggedRow(line:found:expected:)`` for a row of fewer than 2 fields,
    ///   ``DataError/duplicateNode(node:line:)``.
    public static func load(csv path: String, hasHeader: Bool? = nil) throws(DataError) -> GroupMap {
        let lines = try LineReader(path: path)
        var record = CSVRecord()
        var map = GroupMap()
        var first = true
        var lineOfNode: [String: Int] = [:]
        while let line = try lines.nextLine() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            let number = lines.lineNumber
            try record.split(line, lineNumber: number)
            guard record.fields.count >= 2 else { throw .raggedRow(line: number, found: record.fields.count, expected: 2) }
            var node = record.string(0, in: line)
            if first && node.hasPrefix("\u{FEFF}") { node.removeFirst() }
            let group = record.string(1, in: line)
            defer { first = false }
            if first {
                let header = hasHeader ?? (node.lowercased() == "node" && group.lowercased() == "group")
                if header { continue }
            }
            if lineOfNode[node] != nil { throw .duplicateNode(node: node, line: number) }
            lineOfNode[node] = number
            map.assign(node, to: group)
        }
        guard !map.groupOfNode.isEmpty else { throw .emptyInput(source: path) }
        return map
    }
}

extension GroupMap {
    /// The node groups a command line asks for: those of the `node,group` CSV at `path` when
    /// given (``load(csv:hasHeader:)``), else the GICS sectors when the data is the embedded
    /// S&P 500 (``SP500/groups()``), else `nil` (no groups known).
    ///
    /// Map them onto a data set's columns with ``groups(for:)``.
    public static func load(path: String?, sp500: Bool) throws(DataError) -> GroupMap? {
        if let path { return try load(csv: path) }
        return sp500 ? try SP500.groups() : nil
    }
}
