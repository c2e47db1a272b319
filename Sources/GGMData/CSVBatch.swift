/// A batch of rows sent as CSV text (the service's `POST .../observations` with `text/csv`), for a
/// stream whose columns are known: an optional header, which must name exactly the columns (after
/// an optional label column), then one row per line, each with the columns' values and optionally
/// a first field that labels the row. Blank lines are ignored; the separator is detected from the
/// first line (`,`, `;` or tab). Missing and non-finite values are errors: a service stores what
/// it acknowledges, and no policy silently fills a cell.
public enum CSVBatch {
    /// The rows (one array of `columns.count` values each) and their labels (nil: none given).
    public struct Parsed: Sendable, Equatable {
        public var rows: [[Double]]
        public var labels: [String]?

        public init(rows: [[Double]], labels: [String]?) {
            self.rows = rows
            self.labels = labels
        }
    }

    /// Why a batch cannot be read; `row` counts the batch's data rows from 1, `line` the text's lines from 1.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case header(line: Int, message: String)
        case fieldCount(row: Int, line: Int, found: Int, expected: Int)
        case notANumber(row: Int, line: Int, column: String, text: String)
        case nonFinite(row: Int, line: Int, column: String, text: String)
        case missing(row: Int, line: Int, column: String)
        case malformedQuote(row: Int, line: Int, field: Int)
        case labelsMixed(row: Int, line: Int)
        case notUTF8

        public var description: String {
            switch self {
            case let .header(line, message): return "line \(line): \(message)"
            case let .fieldCount(row, line, found, expected):
                return "row \(row) (line \(line)) has \(found) fields, expected \(expected) values (or a label and \(expected) values)"
            case let .notANumber(row, line, column, text): return "row \(row) (line \(line)), column \(column): \"\(text)\" is not a number"
            case let .nonFinite(row, line, column, text): return "row \(row) (line \(line)), column \(column): \"\(text)\" is not a finite number"
            case let .missing(row, line, column): return "row \(row) (line \(line)), column \(column): the value is missing"
            case let .malformedQuote(row, line, field): return "row \(row) (line \(line)), field \(field): a quoted field is not closed"
            case let .labelsMixed(row, line): return "row \(row) (line \(line)): some rows have a label and others not"
            case .notUTF8: return "the body is not UTF-8 text"
            }
        }
    }

    public static func parse(_ bytes: [UInt8], columns: [String]) throws(ParseError) -> Parsed {
        let p = columns.count
        var rows: [[Double]] = []
        var labels: [String] = []
        var labelled: Bool?
        var record: CSVRecord?
        var lineNumber = 0
        var failure: ParseError?
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            let n = all.count
            while start < n, failure == nil {
                var end = start
                while end < n, all[end] != 0x0A { end += 1 }
                lineNumber += 1
                var hi = end
                if hi > start, all[hi - 1] == 0x0D { hi -= 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<hi])
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                if record == nil { record = CSVRecord(separator: CSVRecord.detectSeparator(line).byte) }
                let row = rows.count + 1
                do { try record!.split(line, lineNumber: lineNumber) } catch {
                    var field = 0
                    if case let .malformedQuote(_, column)? = error as? DataError { field = column }
                    failure = .malformedQuote(row: row, line: lineNumber, field: field)
                    return
                }
                let fields = record!.fields.count
                // The first non-blank line is a header when one of the column fields is not a number.
                if rows.isEmpty, labelled == nil, lineNumber == firstContentLine(all) {
                    let offset = fields - p
                    if offset == 0 || offset == 1 {
                        let isHeader = (offset..<fields).contains { record!.value($0, in: line) == .invalid }
                        if isHeader {
                            let names = (offset..<fields).map { record!.string($0, in: line) }
                            guard names == columns else {
                                let i = names.indices.first { names[$0] != columns[$0] } ?? 0
                                failure = .header(line: lineNumber, message: "the header's column \(i + 1 + offset) is \"\(names[i])\", the stream's column \(i + 1) is \"\(columns[i])\" (a header must name the stream's columns in order)")
                                return
                            }
                            labelled = offset == 1
                            continue
                        }
                    } else if (0..<fields).contains(where: { record!.value($0, in: line) == .invalid }) {
                        failure = .header(line: lineNumber, message: "the header has \(fields) fields; the stream has \(p) columns (\(columns.prefix(3).joined(separator: ", "))\(p > 3 ? ", ..." : ""))")
                        return
                    }
                }
                guard fields == p || fields == p + 1 else {
                    failure = .fieldCount(row: row, line: lineNumber, found: fields, expected: p)
                    return
                }
                let hasLabel = fields == p + 1
                if let labelled, labelled != hasLabel { failure = .labelsMixed(row: row, line: lineNumber); return }
                labelled = hasLabel
                let offset = hasLabel ? 1 : 0
                var values = [Double](repeating: 0, count: p)
                for j in 0..<p {
                    switch record!.value(j + offset, in: line) {
                    case let .number(x): values[j] = x
                    case .missing: failure = .missing(row: row, line: lineNumber, column: columns[j]); return
                    case .nonFinite: failure = .nonFinite(row: row, line: lineNumber, column: columns[j], text: record!.text(j + offset, in: line)); return
                    case .invalid: failure = .notANumber(row: row, line: lineNumber, column: columns[j], text: record!.text(j + offset, in: line)); return
                    }
                }
                if hasLabel { labels.append(record!.string(0, in: line)) }
                rows.append(values)
            }
        }
        if let failure { throw failure }
        return Parsed(rows: rows, labels: labelled == true ? labels : nil)
    }

    /// The 1-based number of the first line that is not blank.
    private static func firstContentLine(_ all: UnsafeBufferPointer<UInt8>) -> Int {
        var line = 1
        var blank = true
        for c in all {
            if c == 0x0A {
                if !blank { return line }
                line += 1
                blank = true
            } else if c != 0x20 && c != 0x09 && c != 0x0D {
                blank = false
            }
        }
        return line
    }
}
