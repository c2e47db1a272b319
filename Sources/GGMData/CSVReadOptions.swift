/// How ``ObservationReader`` reads a CSV file: header row, label column, separator and
/// missing cells. Every field defaults to automatic detection (the missing-value policy to
/// ``MissingValuePolicy/error``).
///
///     var options = CSVReadOptions()
///     options.labels = .named("time")       // epoch seconds: labels, not a node
///     options.header = .present
///     let reader = try ObservationReader(path: "sensors.csv", options: options)
public struct CSVReadOptions: Sendable, Equatable {
    /// Whether the first line is a header of names.
    public enum Header: String, Sendable, Equatable, CaseIterable {
        /// A header if any of its cells, the label cell excepted, is not a number (a missing-value
        /// token such as `NA` counts as a number here). A first line of distinct integers (`101,102,...`)
        /// is read as data with a ``ReadWarning/numericFirstLine(line:text:)`` warning.
        case auto
        /// The first line is a header, whatever it holds.
        case present
        /// The first line is data; nodes are named `x1`, ..., `xp`.
        case absent
    }

    /// Which column, if any, holds row labels (dates, timestamps, IDs). Labels are carried to
    /// every output and select rows (``LabelRange``); they are never parsed as numbers.
    public enum Labels: Sendable, Equatable {
        /// The first column, if the first cell of the first data row is not a number. A missing
        /// token there (`NA`, empty) decides nothing: the first following row whose first cell
        /// is not missing decides. A numeric first column is data; when it holds strictly
        /// increasing integers (epoch seconds, row numbers) the reader warns with
        /// ``ReadWarning/increasingFirstColumn(name:rows:first:last:)``.
        case auto
        /// No label column: every column is a node.
        case none
        /// The column at this 1-based position.
        case column(Int)
        /// The column whose header cell is this name (needs a header; implies one with ``Header/auto``).
        case named(String)

        /// A command-line value: a positive integer is a 1-based position, anything else a header name.
        public init(argument text: String) {
            let digits = !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            if digits, let k = Int(text), k >= 1 { self = .column(k) } else { self = .named(text) }
        }
    }

    /// The field separator.
    public enum Separator: String, Sendable, Equatable, CaseIterable, Codable {
        case comma
        case semicolon
        case tab

        /// The separator's byte.
        public var byte: UInt8 {
            switch self {
            case .comma: UInt8(ascii: ",")
            case .semicolon: UInt8(ascii: ";")
            case .tab: 0x09
            }
        }

        /// The separator as it appears in text (`,`, `;`, `\t`).
        public var symbol: String {
            switch self {
            case .comma: ","
            case .semicolon: ";"
            case .tab: "\\t"
            }
        }
    }

    public var header: Header
    public var labels: Labels
    /// The separator; `nil` detects it from the first line: the one of `,`, `;` and tab
    /// that occurs there outside quotes; `;` when it occurs together with `,` (files that
    /// use the decimal comma); otherwise the most frequent (ties: `,`, then `;`); `,` when
    /// none occurs.
    public var separator: Separator?
    public var missing: MissingValuePolicy

    public init(header: Header = .auto, labels: Labels = .auto, separator: Separator? = nil,
                missing: MissingValuePolicy = .error) {
        self.header = header
        self.labels = labels
        self.separator = separator
        self.missing = missing
    }

    /// Everything detected, missing cells an error.
    public static let automatic = CSVReadOptions()

    /// The options of the older `labelColumn: Bool?` arguments: `nil` detects, `true` is the first column.
    init(labelColumn: Bool?, missing: MissingValuePolicy) {
        self.init(labels: labelColumn.map { $0 ? .column(1) : .none } ?? .auto, missing: missing)
    }
}

/// Something format detection had to guess. Reading goes on; the choice can be made explicit
/// with ``CSVReadOptions``.
public enum ReadWarning: Equatable, Sendable, CustomStringConvertible {
    /// ``CSVReadOptions/Header/auto`` read a first line of distinct integers, which could be a
    /// header of numeric names, as data. `text` is the line, shortened.
    case numericFirstLine(line: Int, text: String)
    /// ``CSVReadOptions/Labels/auto`` modelled a first column of strictly increasing integers
    /// (timestamps or row numbers, by the look of it) as a node. `rows` rows were looked at.
    case increasingFirstColumn(name: String, rows: Int, first: String, last: String)

    public var description: String {
        switch self {
        case let .numericFirstLine(line, text):
            return "line \(line) (\(text)) consists of distinct integers; it was read as data, but it may be a header of numeric names"
        case let .increasingFirstColumn(name, rows, first, last):
            return "the first column (\(name)) increases strictly in integer steps over the first \(rows) rows (\(first) ... \(last)); "
                + "it was modelled as a node, but it looks like timestamps or row numbers"
        }
    }
}
