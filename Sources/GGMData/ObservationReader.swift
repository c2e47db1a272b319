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
/// - One row per time point, one column per node; `\n`, `\r\n` or `\r` line endings; a last
///   line without a newline is read; blank lines are ignored; a UTF-8 byte-order mark is
///   skipped. Fields may be quoted (`"a,b"`, `""` for a quote); a quoted field cannot span lines.
/// - **Separator**: `,`, `;` or tab, detected from the first line unless
///   ``CSVReadOptions/separator`` says (see there for the rule).
/// - **Header**: ``CSVReadOptions/header``; by default the first line is a header of names if
///   any of its cells other than the label cell is not a number (a missing-value token such
///   as `NA` counts as a number here). Without a header the nodes are named `x1`, ..., `xp`.
/// - **Row labels**: ``CSVReadOptions/labels``; by default the first column holds row labels
///   (such as dates) if the first cell of the first data row is not a number. A label column
///   may be any column; labels are text, never data (a label `NA` is a label). With labels and
///   a header, the header's cell names the label column (``labelName``).
/// - Missing cells (empty, `NA`, `N/A`, `NaN`) follow the ``MissingValuePolicy``; infinite
///   values are always errors. When ``MissingValuePolicy/skipRow`` drops every row, the end of
///   the input is ``DataError/allRowsSkipped(source:rows:line:column:name:lastColumn:)``.
/// - At least two value columns; every row has as many fields as the first line.
///
/// What automatic detection had to guess is listed in ``warnings`` (as soon as it is known:
/// some warnings need the first rows).
///
/// The reader owns an open file (closed when the reader is released), so it is a class:
/// copies share one position in the stream.
public final class ObservationReader: ObservationSource {
    /// Node names, one per value column.
    public let names: [String]
    /// Whether the first line was a header.
    public let hasHeader: Bool
    /// Whether a column holds row labels.
    public var hasLabels: Bool { labelField != nil }
    /// The 1-based column of the row labels, if any.
    public var labelColumn: Int? { labelField.map { $0 + 1 } }
    /// The header's name for the label column, if there is a header and a label column.
    public let labelName: String?
    /// The field separator (given or detected).
    public let separator: CSVReadOptions.Separator
    /// The options the reader was opened with.
    public let options: CSVReadOptions
    /// The policy for missing cells.
    public var missingValuePolicy: MissingValuePolicy { options.missing }
    /// Rows dropped under ``MissingValuePolicy/skipRow``.
    public private(set) var skippedRows = 0
    /// Line numbers of the first ``skippedLinesKept`` rows dropped under ``MissingValuePolicy/skipRow``.
    public private(set) var skippedLines: [Int] = []
    /// How many line numbers ``skippedLines`` keeps (a long stream does not grow it without bound).
    public static let skippedLinesKept = 1000
    /// Cells filled under ``MissingValuePolicy/previous``.
    public private(set) var filledCells = 0
    /// Observations delivered so far.
    public private(set) var rowsRead = 0
    /// What format detection guessed, in the order found.
    public private(set) var warnings: [ReadWarning] = []

    private let lines: LineReader
    private let fieldCount: Int
    /// 0-based field of the row labels.
    private let labelField: Int?
    private var record: CSVRecord
    /// Data lines read while detecting the format and not yet delivered, oldest first.
    private var pending: [(bytes: [UInt8], line: Int)] = []
    /// The last delivered values (kept only under ``MissingValuePolicy/previous``).
    public private(set) var previous: [Double]?

    /// Under ``MissingValuePolicy/previous``, the values a missing cell of the next row takes
    /// before any row has been delivered: those of the row before it in an earlier run (a
    /// resumed monitor's saved values). Ignored for another policy or length.
    public func carryForward(_ values: [Double]) {
        guard missingValuePolicy == .previous, values.count == names.count, values.allSatisfy(\.isFinite) else { return }
        previous = values
    }
    /// The first missing cell of the first dropped row, for ``DataError/allRowsSkipped(source:rows:line:column:name:lastColumn:)``.
    private var firstSkippedCell: (line: Int, column: Int, name: String, lastColumn: Bool)?
    /// The check behind ``ReadWarning/increasingFirstColumn(name:rows:first:last:)``, while it runs.
    private var increasing: IncreasingColumn?

    /// Rows of a numeric first column seen so far, all integers and strictly increasing.
    private struct IncreasingColumn {
        var name: String
        var rows = 0
        var last = 0.0
        var firstText = ""
        var lastText = ""
    }
    /// Rows after which a strictly increasing integer first column is reported.
    static let increasingRowsToWarn = 10
    /// Fewest rows of such a column reported at the end of a shorter input.
    static let increasingRowsAtEnd = 5
    /// Data rows looked ahead for a first cell that is not missing (label detection).
    static let labelLookahead = 100

    /// The file or standard input's display name (`standard input` for `-`).
    public var sourceName: String { lines.sourceName }

    /// What was read so far, for reporting.
    public var report: ReadReport {
        ReadReport(source: sourceName, rows: rowsRead, hasHeader: hasHeader, hasLabels: hasLabels,
                   skippedLines: skippedLines, filledCells: filledCells, skippedRows: skippedRows,
                   separator: separator, labelColumn: labelColumn, warnings: warnings.map(\.description))
    }

    /// Opens `path` (`-` for standard input) and reads up to the first data row to learn the format.
    public convenience init(path: String, labelColumn: Bool? = nil, missing: MissingValuePolicy = .error) throws(DataError) {
        try self.init(path: path, options: CSVReadOptions(labelColumn: labelColumn, missing: missing))
    }

    /// Opens `path` (`-` for standard input) with explicit format options.
    public convenience init(path: String, options: CSVReadOptions) throws(DataError) {
        if path == "-" {
            try self.init(lines: LineReader(fileDescriptor: 0, sourceName: "standard input", ownsDescriptor: false),
                          options: options)
        } else {
            try self.init(lines: LineReader(path: path), options: options)
        }
    }

    /// Reads from an open file descriptor, such as a pipe; the descriptor is not closed.
    public convenience init(fileDescriptor: Int32, sourceName: String, labelColumn: Bool? = nil,
                            missing: MissingValuePolicy = .error) throws(DataError) {
        try self.init(fileDescriptor: fileDescriptor, sourceName: sourceName,
                      options: CSVReadOptions(labelColumn: labelColumn, missing: missing))
    }

    /// Reads from an open file descriptor with explicit format options; the descriptor is not closed.
    public convenience init(fileDescriptor: Int32, sourceName: String, options: CSVReadOptions) throws(DataError) {
        try self.init(lines: LineReader(fileDescriptor: fileDescriptor, sourceName: sourceName, ownsDescriptor: false),
                      options: options)
    }

    init(lines: LineReader, options: CSVReadOptions) throws(DataError) {
        self.lines = lines
        self.options = options

        // First non-blank line: header or first data row.
        guard var firstLine = try Self.nextNonBlankLine(lines, separator: nil) else { throw .emptyInput(source: lines.sourceName) }
        let firstLineNumber = lines.lineNumber
        if firstLine.count >= 3 && firstLine[0] == 0xEF && firstLine[1] == 0xBB && firstLine[2] == 0xBF {
            firstLine = UnsafeBufferPointer(rebasing: firstLine[3...])
        }
        let separator = options.separator ?? CSVRecord.detectSeparator(firstLine)
        var record = CSVRecord(separator: separator.byte)
        try record.split(firstLine, lineNumber: firstLineNumber)
        let firstFields = record.fields.count
        let firstCells = (0..<firstFields).map { record.string($0, in: firstLine) }
        let firstValues = (0..<firstFields).map { record.value($0, in: firstLine) }
        let firstText = String(decoding: firstLine, as: UTF8.self)

        let header: Bool
        switch options.header {
        case .present: header = true
        case .absent: header = false
        case .auto:
            if case .named(let name) = options.labels, firstCells.contains(name) {
                header = true
            } else {
                let exempt: Int? = switch options.labels {
                case .auto, .named: 0
                case .none: nil
                case .column(let k): k - 1
                }
                header = firstFields > 1 && firstValues.indices.contains { $0 != exempt && firstValues[$0] == .invalid }
            }
        }

        // First data row, kept to be delivered by the first `next()`.
        var pending: [(bytes: [UInt8], line: Int)] = []
        if header {
            guard let line = try Self.nextNonBlankLine(lines, separator: separator) else { throw .headerOnly(source: lines.sourceName) }
            pending.append((Array(line), lines.lineNumber))
        } else {
            pending.append((Array(firstLine), firstLineNumber))
        }
        let fields = firstFields

        let labelField: Int?
        switch options.labels {
        case .none:
            labelField = nil
        case .column(let k):
            guard k >= 1 && k <= fields else { throw .labelColumnOutOfRange(column: k, columns: fields) }
            labelField = k - 1
        case .named(let name):
            guard header else { throw .labelColumnNeedsHeader(name: name) }
            guard let i = firstCells.firstIndex(of: name) else { throw .labelColumnNotFound(name: name) }
            labelField = i
        case .auto:
            labelField = try Self.detectLabels(pending: &pending, lines: lines, record: &record, separator: separator) ? 0 : nil
        }

        let offset = labelField == nil ? 0 : 1
        let p = fields - offset
        guard p >= 2 else { throw .tooFewColumns(line: firstLineNumber, found: p) }
        let valueFields = (0..<fields).filter { $0 != labelField }
        var names = header ? valueFields.map { firstCells[$0] } : (1...p).map { "x\($0)" }
        for j in names.indices where names[j].isEmpty { names[j] = "x\(j + 1)" }
        var seen: [String: Int] = [:]
        for (j, name) in names.enumerated() {
            if let first = seen[name] {
                throw .duplicateName(name: name, firstColumn: valueFields[first] + 1, secondColumn: valueFields[j] + 1)
            }
            seen[name] = j
        }
        self.names = names
        self.hasHeader = header
        self.labelField = labelField
        self.labelName = header ? labelField.map { firstCells[$0] } : nil
        self.separator = separator
        self.fieldCount = fields
        self.record = record
        self.pending = pending

        // What detection guessed.
        if options.header == .auto && !header {
            let values = valueFields.map { firstCells[$0] }
            let integers = values.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            if integers && Set(values).count == values.count {
                let text = firstText.count > 40 ? String(firstText.prefix(37)) + "..." : firstText
                warnings.append(.numericFirstLine(line: firstLineNumber, text: text))
            }
        }
        if options.labels == .auto && labelField == nil {
            increasing = IncreasingColumn(name: names[0])
        }
    }

    /// Whether the first column holds labels: its first cell that is not a missing token is
    /// not a number. Looks ahead (into `pending`) while first cells are missing.
    private static func detectLabels(pending: inout [(bytes: [UInt8], line: Int)], lines: LineReader,
                                     record: inout CSVRecord, separator: CSVReadOptions.Separator) throws(DataError) -> Bool {
        func firstCell(_ bytes: [UInt8], line: Int) -> CellValue? {
            bytes.withUnsafeBufferPointer { buffer in
                do throws(DataError) {
                    try record.split(buffer, lineNumber: line)
                } catch {
                    return nil   // reported when the row is read
                }
                return record.value(0, in: buffer)
            }
        }
        var k = 0
        while true {
            switch firstCell(pending[k].bytes, line: pending[k].line) {
            case .invalid?: return true
            case .number?, .nonFinite?, nil: return false
            case .missing?: break
            }
            k += 1
            if k == labelLookahead { return false }
            if k == pending.count {
                guard let line = try nextNonBlankLine(lines, separator: separator) else { return false }
                pending.append((Array(line), lines.lineNumber))
            }
        }
    }

    /// The next line that holds more than spaces (and tabs, unless tab separates fields).
    private static func nextNonBlankLine(_ lines: LineReader, separator: CSVReadOptions.Separator?) throws(DataError) -> UnsafeBufferPointer<UInt8>? {
        let tabIsBlank = separator != .tab
        while let line = try lines.nextLine() {
            if line.contains(where: { $0 != 0x20 && ($0 != 0x09 || !tabIsBlank) }) { return line }
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
            var label: String?
            if !pending.isEmpty {
                let (bytes, number) = pending.removeFirst()
                let kept = try bytes.withUnsafeBufferPointer { (line) throws(DataError) -> Bool in
                    try parseRow(line, lineNumber: number, appendingTo: &values, label: &label)
                }
                if kept { return (label, number) }
                continue
            }
            guard let line = try Self.nextNonBlankLine(lines, separator: separator) else {
                try endOfInput()
                return nil
            }
            let number = lines.lineNumber
            if try parseRow(line, lineNumber: number, appendingTo: &values, label: &label) {
                return (label, number)
            }
        }
    }

    /// At the end of the input: the last warnings, and no rows at all after skipping is an error.
    private func endOfInput() throws(DataError) {
        if let c = increasing {
            increasing = nil
            if c.rows >= Self.increasingRowsAtEnd {
                warnings.append(.increasingFirstColumn(name: c.name, rows: c.rows, first: c.firstText, last: c.lastText))
            }
        }
        if rowsRead == 0, let cell = firstSkippedCell {
            throw .allRowsSkipped(source: sourceName, rows: skippedRows, line: cell.line, column: cell.column, name: cell.name,
                                  lastColumn: cell.lastColumn)
        }
    }

    /// Follows a numeric first column: integers, strictly increasing.
    private func trackIncreasing(_ line: UnsafeBufferPointer<UInt8>) {
        guard var c = increasing else { return }
        guard case .number(let x) = record.value(0, in: line), x == x.rounded(), Swift.abs(x) < 9.0e15,
              c.rows == 0 || x > c.last else {
            increasing = nil
            return
        }
        let text = record.string(0, in: line)
        if c.rows == 0 { c.firstText = text }
        c.rows += 1
        c.last = x
        c.lastText = text
        if c.rows >= Self.increasingRowsToWarn {
            warnings.append(.increasingFirstColumn(name: c.name, rows: c.rows, first: c.firstText, last: c.lastText))
            increasing = nil
        } else {
            increasing = c
        }
    }

    /// Parses one data line. Returns `false` when the row is dropped by the missing-value policy.
    private func parseRow(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int,
                          appendingTo values: inout [Double], label: inout String?) throws(DataError) -> Bool {
        try record.split(line, lineNumber: lineNumber)
        let count = record.fields.count
        guard count == fieldCount else { throw .raggedRow(line: lineNumber, found: count, expected: fieldCount) }
        if increasing != nil { trackIncreasing(line) }
        let base = values.count
        label = labelField.map { record.string($0, in: line) }
        var skipAt: (column: Int, name: String)?
        var filled = 0
        var j = 0
        for f in 0..<count where f != labelField {
            defer { j += 1 }
            switch record.value(f, in: line) {
            case .number(let x):
                values.append(x)
            case .missing:
                switch missingValuePolicy {
                case .error:
                    values.removeSubrange(base...)
                    throw .missingValue(line: lineNumber, column: f + 1, name: names[j], text: record.text(f, in: line))
                case .skipRow:
                    if skipAt == nil { skipAt = (f + 1, names[j]) }
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
        if let skipAt {
            values.removeSubrange(base...)
            skippedRows += 1
            if skippedLines.count < Self.skippedLinesKept { skippedLines.append(lineNumber) }
            if firstSkippedCell == nil { firstSkippedCell = (lineNumber, skipAt.column, skipAt.name, skipAt.column == count) }
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
    /// Lines dropped under ``MissingValuePolicy/skipRow`` (the first ``ObservationReader/skippedLinesKept``).
    public var skippedLines: [Int]
    /// Cells filled under ``MissingValuePolicy/previous``.
    public var filledCells: Int
    /// Rows dropped under ``MissingValuePolicy/skipRow``.
    public var skippedRows: Int
    /// The field separator.
    public var separator: CSVReadOptions.Separator
    /// The 1-based column of the row labels, if any.
    public var labelColumn: Int?
    /// What format detection guessed (``ReadWarning`` descriptions).
    public var warnings: [String]
}
