/// What went wrong while reading or preparing observations, and where.
///
/// File errors carry the 1-based `line` of the input and the 1-based `column` as a
/// spreadsheet would count it (the label column, when present, is column 1), the
/// column's name and the offending text. Data-set errors (after loading) carry the
/// 0-based `node` index into ``Dataset/names`` and its name.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// Reading failed after the file was opened.
    case readFailed(source: String, reason: String)
    /// The input holds no non-blank line.
    case emptyInput(source: String)
    /// The input holds a header row and nothing else.
    case headerOnly(source: String)
    /// Fewer than two value (node) columns.
    case tooFewColumns(line: Int, found: Int)
    /// Two columns share a name.
    case duplicateName(name: String, firstColumn: Int, secondColumn: Int)
    /// A row with a different number of fields than the first row.
    case raggedRow(line: Int, found: Int, expected: Int)
    /// A quoted field whose closing quote is missing or is followed by other text.
    case malformedQuote(line: Int, column: Int)
    /// A cell that is not a number.
    case nonNumeric(line: Int, column: Int, name: String, text: String)
    /// A cell that is infinite (or overflows a `Double`).
    case nonFinite(line: Int, column: Int, name: String, text: String)
    /// An empty, `NA` or `NaN` cell under ``MissingValuePolicy/error``.
    case missingValue(line: Int, column: Int, name: String, text: String)
    /// A missing cell in the first data row under ``MissingValuePolicy/previous`` (nothing to carry forward).
    case missingInFirstRow(line: Int, column: Int, name: String)
    /// Fewer than two observations.
    case tooFewRows(found: Int)
    /// A node whose values are all equal (its variance is zero).
    case constantColumn(node: Int, name: String, value: Double)
    /// A price that is zero, negative or not finite, so it has no log return.
    case nonPositivePrice(row: Int, label: String?, node: Int, name: String, value: Double)
    /// A date range was asked of data without row labels.
    case noRowLabels
    /// No row label falls in the asked range.
    case emptyRange(from: String?, to: String?)
    /// A resource of the package is missing (a packaging defect).
    case missingResource(String)
    /// A node listed twice in a group file.
    case duplicateNode(node: String, line: Int)
    /// ``MissingValuePolicy/skipRow`` dropped every data row; the first dropped row's first
    /// missing cell is at `line`, `column` (`name`); `lastColumn` when that is the last column
    /// (as a separator at the end of every line makes it).
    case allRowsSkipped(source: String, rows: Int, line: Int, column: Int, name: String, lastColumn: Bool)
    /// A row label smaller than the one before it, met while selecting rows by label (``LabelRange``).
    case unsortedLabels(line: Int, label: String, previous: String)
    /// The label column was given by a name that no header cell has.
    case labelColumnNotFound(name: String)
    /// The label column was given by name, but the input has no header row.
    case labelColumnNeedsHeader(name: String)
    /// The label column was given by a position beyond the last column.
    case labelColumnOutOfRange(column: Int, columns: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(quoted(path)): \(reason)"
        case let .readFailed(source, reason):
            return "reading \(source) failed: \(reason)"
        case let .emptyInput(source):
            return "\(source) is empty: no data rows"
        case let .headerOnly(source):
            return "\(source) has a header row but no data rows"
        case let .tooFewColumns(line, found):
            return "line \(line) has \(found) value column\(found == 1 ? "" : "s"), need at least 2 (one column per node)"
        case let .duplicateName(name, first, second):
            return "columns \(first) and \(second) are both named \(quoted(name))"
        case let .raggedRow(line, found, expected):
            return "line \(line) has \(found) field\(found == 1 ? "" : "s"), expected \(expected)"
        case let .malformedQuote(line, column):
            return "line \(line), column \(column): unterminated or malformed quoted field"
        case let .nonNumeric(line, column, name, text):
            return "line \(line), column \(column) (\(name)): \(quoted(text)) is not a number"
        case let .nonFinite(line, column, name, text):
            return "line \(line), column \(column) (\(name)): \(quoted(text)) is not a finite number"
        case let .missingValue(line, column, name, text):
            return "line \(line), column \(column) (\(name)): missing value \(quoted(text)); "
                + "missing values are errors unless the policy is skip-row or previous"
        case let .missingInFirstRow(line, column, name):
            return "line \(line), column \(column) (\(name)): missing value in the first data row, no previous value to carry forward"
        case let .tooFewRows(found):
            return "need at least 2 observations, found \(found)"
        case let .constantColumn(node, name, value):
            return "column \(quoted(name)) (node \(node + 1)) is constant (every value is \(value)); it has no variance"
        case let .nonPositivePrice(row, label, node, name, value):
            let at = label.map { "\(quoted($0)) (row \(row + 1))" } ?? "row \(row + 1)"
            return "price of \(quoted(name)) (node \(node + 1)) at \(at) is \(value); log returns need positive prices"
        case .noRowLabels:
            return "the data have no row labels (dates), so rows cannot be selected by label"
        case let .emptyRange(from, to):
            return "no rows with labels from \(from ?? "the start") to \(to ?? "the end")"
        case let .missingResource(name):
            return "resource \(quoted(name)) is missing from the GGMData bundle"
        case let .duplicateNode(node, line):
            return "line \(line): node \(quoted(node)) is listed twice"
        case let .allRowsSkipped(source, rows, line, column, name, lastColumn):
            return "no rows left: the missing-value policy skip-row dropped all \(rows) data row\(rows == 1 ? "" : "s") of \(source) "
                + "(each has a missing cell; the first is line \(line), column \(column) (\(name)))"
                + (lastColumn ? "; a separator at the end of every line makes an empty last column" : "")
        case let .unsortedLabels(line, label, previous):
            return "line \(line): row label \(quoted(label)) comes after \(quoted(previous)); "
                + "selecting rows by label range needs the labels in ascending order"
        case let .labelColumnNotFound(name):
            return "no column is named \(quoted(name)), so it cannot hold the row labels"
        case let .labelColumnNeedsHeader(name):
            return "the row-label column is named \(quoted(name)), but the input has no header row of names"
        case let .labelColumnOutOfRange(column, columns):
            return "the row-label column is column \(column), but the input has \(columns) column\(columns == 1 ? "" : "s")"
        }
    }
}

/// `text` in double quotes, shortened to 60 characters.
private func quoted(_ text: String) -> String {
    let short = text.count > 60 ? String(text.prefix(57)) + "..." : text
    return "\"\(short)\""
}
