/// Selection of rows by label (`--from`/`--to` of every command): one rule for data sets in
/// memory (``Dataset/rows(from:to:)``) and streams (``LabelRangeSource``).
///
/// - A row is selected when `from <= label <= to`; a `nil` bound leaves that side open; both
///   bounds are inclusive.
/// - Labels are compared as numbers when both are plain decimal numbers (epoch seconds, row
///   numbers: `9 < 10`), otherwise as text, which orders ISO dates (`YYYY-MM-DD`,
///   `YYYY-MM-DDTHH:MM:SS`) correctly.
/// - The labels must be in ascending order (equal neighbours allowed) over the whole input: the
///   first row whose label is smaller than the one before it is
///   ``DataError/unsortedLabels(line:label:previous:)``, wherever it lies. So the rows after `to`
///   are read (and not used): a row in the range can never hide after them. A stream delivers
///   every selected row before it reads on.
/// - A range that selects no row is ``DataError/emptyRange(from:to:)``.
public struct LabelRange: Sendable, Equatable, Codable {
    public var from: String?
    public var to: String?

    public init(from: String?, to: String?) {
        self.from = from
        self.to = to
    }

    /// Where a label lies relative to the range.
    public enum Position: Sendable, Equatable {
        case before, inside, after
    }

    /// Whether the range selects every row.
    public var isUnbounded: Bool { from == nil && to == nil }

    /// Where `label` lies.
    public func position(of label: String) -> Position {
        if let from, Self.precedes(label, from) { return .before }
        if let to, Self.precedes(to, label) { return .after }
        return .inside
    }

    /// The label order of the rule: numeric when both labels are plain decimal numbers, else text.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        if let x = number(a), let y = number(b) { return x < y }
        return a < b
    }

    private static func number(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { bytes -> Double? in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
            if case .number(let x) = NumberParser.parse(base, count: bytes.count) { return x }
            return nil
        }
    }

    /// Applies the rule to labels in row order: the order check and the count of selected rows.
    public struct Selector: Sendable {
        public let range: LabelRange
        private var previous: String?
        /// Rows selected so far.
        public private(set) var selected = 0
        /// Whether a label after `to` was met: no later row can be selected.
        public private(set) var passedEnd = false

        public init(_ range: LabelRange) { self.range = range }

        /// The position of the next row's label; `line` names the row in the order error.
        public mutating func next(_ label: String, line: Int) throws(DataError) -> Position {
            if let previous, LabelRange.precedes(label, previous) {
                throw .unsortedLabels(line: line, label: label, previous: previous)
            }
            previous = label
            let position = range.position(of: label)
            switch position {
            case .inside: selected += 1
            case .after: passedEnd = true
            case .before: break
            }
            return position
        }

        /// At the end of the rows: an empty selection is ``DataError/emptyRange(from:to:)``.
        public func finish() throws(DataError) {
            if selected == 0 { throw .emptyRange(from: range.from, to: range.to) }
        }
    }

    /// The rows of `labels` (in row order) the range selects: a contiguous range of indices.
    /// `lineOfRow` names a row in the order error (default: its 1-based position).
    public func rows(of labels: [String], lineOfRow: (Int) -> Int = { $0 + 1 }) throws(DataError) -> Range<Int> {
        var selector = Selector(self)
        var lower: Int?
        var upper = 0
        for (i, label) in labels.enumerated() {
            switch try selector.next(label, line: lineOfRow(i)) {
            case .before: continue
            case .inside:
                if lower == nil { lower = i }
                upper = i + 1
            case .after: continue
            }
        }
        try selector.finish()
        return lower!..<upper
    }
}
