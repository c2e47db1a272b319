import Foundation

/// Writes observations as CSV: a header of node names, then one row per time point.
///
/// Numbers are Swift's shortest round-trip `description` of each `Double` (`Double(text)`
/// gives back the same bits). Rows are collected in a 1 MiB byte buffer and written in
/// large blocks, to a file or to standard output.
public final class ObservationCSVWriter {
    public let columnCount: Int
    private let sink: OutputSink
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    private var closed = false

    /// Opens `path` (standard output when `nil` or `"-"`) and writes the header: `names`,
    /// or `x1, ..., xp` when `names` is `nil`. Names containing a comma, quote or line break are quoted.
    public init(path: String?, columnCount: Int, names: [String]? = nil) throws(SimulationError) {
        precondition(columnCount >= 1, "a CSV needs at least one column")
        if let names, names.count != columnCount { throw .columnNames(expected: columnCount, actual: names.count) }
        self.columnCount = columnCount
        sink = try OutputSink(path: path)
        buffer.reserveCapacity(flushThreshold + 4096)
        let header = (names ?? (1...columnCount).map { "x\($0)" }).map(Self.quoted).joined(separator: ",")
        buffer.append(contentsOf: header.utf8)
        buffer.append(0x0A)
    }

    /// Appends one row (`row.count == columnCount`).
    public func write(_ row: [Double]) throws(SimulationError) {
        precondition(row.count == columnCount, "row has \(row.count) values, the CSV has \(columnCount) columns")
        for (k, x) in row.enumerated() {
            if k > 0 { buffer.append(0x2C) }
            buffer.append(contentsOf: x.description.utf8)
        }
        buffer.append(0x0A)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes what is buffered and closes the file (standard output stays open).
    public func close() throws(SimulationError) {
        guard !closed else { return }
        try flush()
        try sink.close()
        closed = true
    }

    private func flush() throws(SimulationError) {
        guard !buffer.isEmpty else { return }
        try sink.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    static func quoted(_ name: String) -> String {
        guard name.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension StreamSimulation {
    /// Draws the stream row by row straight into a CSV at `path` (standard output for `nil` or `"-"`)
    /// and returns its truth. Memory stays O(p^2) whatever the length.
    @discardableResult
    public func writeCSV(toPath path: String?, names: [String]? = nil) throws(SimulationError) -> SimulationTruth {
        var rows = try rows()
        let writer = try ObservationCSVWriter(path: path, columnCount: p, names: names)
        while let x = rows.next() { try writer.write(x) }
        try writer.close()
        return rows.truth
    }
}
