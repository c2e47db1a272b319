#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GGMCore

/// Reads observations from a CSV file or standard input one row at a time.
///
/// The input is read incrementally (buffered `read(2)`), so `tail -f data.csv | ggmwatch monitor -`
/// sees every row as soon as its line is complete, and rows before a bad line are delivered
/// before the error is thrown.
///
/// ## Format
/// - One row per time point, one column per node, comma-separated; `\n` or `\r\n` line
///   endings; a last line without a newline is read; blank lines are ignored; a UTF-8
///   byte-order mark is skipped. Fields may be quoted (`"a,b"`, `""` for a quote); a quoted
///   field cannot span lines.
/// - **Header**: the first line is a header of names if any of its cells other than the
///   first is not a number (a missing-value token such as `NA` counts as a number here).
///   Without a header the nodes are named `x1`, ..., `xp`.
/// - **Row labels**: with `labelColumn: nil` the first column holds row labels (such as
///   dates) if the first cell of the first data row is not a number; `true` or `false`
///   forces the choice. With labels and a header, the header's first cell names the label
///   column (``labelName``).
/// - Missing cells (empty, `NA`, `N/A`, `NaN`) follow the ``MissingValuePolicy``; infinite
///   values are always errors.
/// - At least two value columns; every row has as many fields as the first line.
///
/// The reader owns an open file (closed when the reader is released), so it is a class:
/// copies share one position in the stream.
public final class ObservationReader: ObservationSource {
    /// Node names, one per value column.
    public let names: [String]
    /// Whether the first line was a header.
    public let hasHeader: Bool
    /// Whether the first column holds row labels.
    public let hasLabels: Bool
    /// The header's name for the label column, if there is a header and a label column.
    public let labelName: String?
    /// The policy for missing cells.
    public let missingValuePolicy: MissingValuePolicy
    /// Line numbers of rows dropped under ``MissingValuePolicy/skipRow``.
    public private(set) var skippedLines: [Int] = []
    /// Cells filled under ``MissingValuePolicy/previous``.
    public private(set) var filledCells = 0
    /// Observations delivered so far.
    public private(set) var rowsRead = 0

    private let lines: LineReader
    private let fieldCount: Int
    private var record = CSVRecord()
    /// The first data line, read while detecting the format and not yet delivered.
    private var pending: (bytes: UnsafeMutableBufferPointer<UInt8>, line: Int)?
    /// The last delivered values (kept only under ``MissingValuePolicy/previous``).
    private var previous: [Double]?

    /// The file or standard input's display name (`standard input` for `-`).
    public var sourceName: String { lines.sourceName }

    /// What was read so far, for reporting.
    public var report: ReadReport {
        ReadReport(source: sourceName, rows: rowsRead, hasHeader: hasHeader, hasLabels: hasLabels,
                   skippedLines: skippedLines, filledCells: filledCells)
    }

    /// Opens `path` (`-` for standard input) and reads up to the first data row to learn the format.
    public convenience init(path: String, labelColumn: Bool? = nil, missing: MissingValuePolicy = .error) throws(DataError) {
        if path == "-" {
            try self.init(lines: LineReader(fileDescriptor: 0, sourceName: "standard input", ownsDescriptor: false),
                          labelColumn: labelColumn, missing: missing)
        } else {
            try self.init(lines: LineReader(path: path), labelColumn: labelColumn, missing: missing)
        }
    }

    /// Reads from an open file descriptor, such as a pipe; the descriptor is not closed.
    public convenience init(fileDescriptor: Int32, sourceName: String, labelColumn: Bool? = nil,
                            missing: MissingValuePolicy = .error) throws(DataError) {
        try self.init(lines: LineReader(fileDescriptor: fileDescriptor, sourceName: sourceName, ownsDescriptor: false),
                      labelColumn: labelColumn, missing: missing)
    }

    init(lines: LineReader, labelColumn: Bool?, missing: MissingValuePolicy) throws(DataError) {
        self.lines = lines
        self.missingValuePolicy = missing
        var record = CSVRecord()

        // First non-blank line: header or first data row.
        guard var firstLine = try Self.nextNonBlankLine(lines) else { throw .emptyInput(source: lines.sourceName) }
        let firstLineNumber = lines.lineNumber
        if firstLine.count >= 3 && firstLine[0] == 0xEF && firstLine[1] == 0xBB && firstLine[2] == 0xBF {
            firstLine = UnsafeBufferPointer(rebasing: firstLine[3...])
        }
        try record.split(firstLine, lineNumber: firstLineNumber)
        let firstFields = record.fields.count
        let header = firstFields > 1 && (1..<firstFields).contains { record.value($0, in: firstLine) == .invalid }
        let headerCells = header ? (0..<firstFields).map { record.string($0, in: firstLine) } : []

        // First data row, kept to be delivered by the first `next()`.
        let dataLine: UnsafeBufferPointer<UInt8>
        let dataLineNumber: Int
        if header {
            guard let line = try Self.nextNonBlankLine(lines) else { throw .headerOnly(source: lines.sourceName) }
            dataLine = line
            dataLineNumber = lines.lineNumber
        } else {
            dataLine = firstLine
            dataLineNumber = firstLineNumber
        }
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(dataLine.count, 1))
        _ = copy.initialize(from: dataLine)
        pending = (UnsafeMutableBufferPointer(rebasing: copy[0..<dataLine.count]), dataLineNumber)
        if header {
            do throws(DataError) {
                try record.split(dataLine, lineNumber: dataLineNumber)
            } catch {
                copy.deallocate()
                throw error
            }
        }
        let labels = labelColumn ?? (record.value(0, in: dataLine) == .invalid)

        let fields = header ? firstFields : record.fields.count
        let offset = labels ? 1 : 0
        let p = fields - offset
        guard p >= 2 else {
            copy.deallocate()
            throw .tooFewColumns(line: firstLineNumber, found: p)
        }
        var names = header ? Array(headerCells[offset...]) : (1...p).map { "x\($0)" }
        for j in names.indices where names[j].isEmpty { names[j] = "x\(j + 1)" }
        var seen: [String: Int] = [:]
        for (j, name) in names.enumerated() {
            if let first = seen[name] {
                copy.deallocate()
                throw .duplicateName(name: name, firstColumn: first + offset + 1, secondColumn: j + offset + 1)
            }
            seen[name] = j
        }
        self.names = names
        self.hasHeader = header
        self.hasLabels = labels
        self.labelName = header && labels ? headerCells[0] : nil
        self.fieldCount = fields
        self.record = record
    }

    deinit {
        if let pending { pending.bytes.deallocate() }
    }

    private static func nextNonBlankLine(_ lines: LineReader) throws(DataError) -> UnsafeBufferPointer<UInt8>? {
        while let line = try lines.nextLine() {
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) { return line }
        }
        return nil
    }

    /// The next observation, or `nil` at the end of the input.
    ///
    /// Throws at the first bad row; the rows before it have already been delivered.
    public func next() throws(DataError) -> Observation? {
        var values = [Double]()
        values.reserveCapacity(names.count)
        guard let (label, line) = try readRow(appendingTo: &values) else { return nil }
        return Observation(index: rowsRead - 1, line: line, label: label, values: values)
    }

    /// Reads every remaining row into a data set (no checks beyond the format's).
    public func readAll() throws(DataError) -> Dataset {
        var elements = [Double]()
        var labels = [String]()
        let start = rowsRead
        while let (label, _) = try readRow(appendingTo: &elements) {
            if let label { labels.append(label) }
        }
        let n = rowsRead - start
        return Dataset(names: names, rowLabels: hasLabels ? labels : nil,
                       values: Matrix(rows: n, columns: names.count, elements: elements))
    }

    /// Appends the next kept row's values to `values`; returns its label and line number.
    private func readRow(appendingTo values: inout [Double]) throws(DataError) -> (String?, Int)? {
        while true {
            if let (bytes, number) = pending {
                pending = nil
                defer { bytes.deallocate() }
                var label: String?
                if try parseRow(UnsafeBufferPointer(bytes), lineNumber: number, appendingTo: &values, label: &label) {
                    return (label, number)
                }
                continue
            }
            guard let line = try Self.nextNonBlankLine(lines) else { return nil }
            let number = lines.lineNumber
            var label: String?
            if try parseRow(line, lineNumber: number, appendingTo: &values, label: &label) {
                return (label, number)
            }
        }
    }

    /// Parses one data line. Returns `false` when the row is dropped by the missing-value policy.
    private func parseRow(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int,
                          appendingTo values: inout [Double], label: inout String?) throws(DataError) -> Bool {
        try record.split(line, lineNumber: lineNumber)
        let count = record.fields.count
        guard count == fieldCount else { throw .raggedRow(line: lineNumber, found: count, expected: fieldCount) }
        let offset = hasLabels ? 1 : 0
        let base = values.count
        label = hasLabels ? record.string(0, in: line) : nil
        var skip = false
        var filled = 0
        for f in offset..<count {
            let j = f - offset
            switch record.value(f, in: line) {
            case .number(let x):
                values.append(x)
            case .missing:
                switch missingValuePolicy {
                case .error:
                    values.removeSubrange(base...)
                    throw .missingValue(line: lineNumber, column: f + 1, name: names[j], text: record.text(f, in: line))
                case .skipRow:
                    skip = true
                    values.append(0)
                case .previous:
                    guard let previous else {
                        values.removeSubrange(base...)
                        throw .missingInFirstRow(line: lineNumber, column: f + 1, name: names[j])
                    }
                    values.append(previous[j])
                    filled += 1
                }
            case .nonFinite:
                values.removeSubrange(base...)
                throw .nonFinite(line: lineNumber, column: f + 1, name: names[j], text: record.text(f, in: line))
            case .invalid:
                values.removeSubrange(base...)
                throw .nonNumeric(line: lineNumber, column: f + 1, name: names[j], text: record.text(f, in: line))
            }
        }
        if skip {
            values.removeSubrange(base...)
            skippedLines.append(lineNumber)
            return false
        }
        filledCells += filled
        if missingValuePolicy == .previous { previous = Array(values[base...]) }
        rowsRead += 1
        return true
    }
}

/// What a reader read: rows delivered, rows dropped and cells filled by the missing-value policy.
public struct ReadReport: Equatable, Sendable, Codable {
    public var source: String
    public var rows: Int
    public var hasHeader: Bool
    public var hasLabels: Bool
    /// Lines dropped under ``MissingValuePolicy/skipRow``.
    public var skippedLines: [Int]
    /// Cells filled under ``MissingValuePolicy/previous``.
    public var filledCells: Int
}
