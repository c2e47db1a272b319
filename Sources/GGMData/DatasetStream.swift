/// An ``ObservationSource`` over a data set in memory (the embedded S&P 500 returns, or a
/// file already loaded). Observation `line` is the 1-based row of the data set.
public struct DatasetStream: ObservationSource, Sendable {
    public let dataset: Dataset
    /// Index of the next row to deliver.
    public private(set) var position = 0

    public init(_ dataset: Dataset) { self.dataset = dataset }

    public var names: [String] { dataset.names }
    public var hasLabels: Bool { dataset.rowLabels != nil }

    public mutating func next() throws(DataError) -> Observation? {
        guard position < dataset.rowCount else { return nil }
        defer { position += 1 }
        return Observation(index: position, line: position + 1, label: dataset.label(ofRow: position),
                           values: dataset.values.row(position))
    }
}

/// The observations of another source whose labels lie in a ``LabelRange`` (the rule of every
/// command: inclusive bounds, labels in ascending order over the whole input), re-indexed from 0.
///
/// Every selected row is delivered as soon as it is read; after the last one the rest of the
/// input is read to check the order. An out-of-order label throws
/// ``DataError/unsortedLabels(line:label:previous:)`` naming its line; a range that selects
/// nothing throws ``DataError/emptyRange(from:to:)`` at the end.
public struct LabelRangeSource<Base: ObservationSource>: ObservationSource {
    public private(set) var base: Base
    public var from: String? { selector.range.from }
    public var to: String? { selector.range.to }
    private var selector: LabelRange.Selector
    private var delivered = 0
    private var finished = false

    /// - Throws: ``DataError/noRowLabels`` if `base` has no labels.
    public init(_ base: Base, from: String?, to: String?) throws(DataError) {
        try self.init(base, range: LabelRange(from: from, to: to))
    }

    /// - Throws: ``DataError/noRowLabels`` if `base` has no labels.
    public init(_ base: Base, range: LabelRange) throws(DataError) {
        guard base.hasLabels else { throw .noRowLabels }
        self.base = base
        self.selector = LabelRange.Selector(range)
    }

    public var names: [String] { base.names }
    public var hasLabels: Bool { true }
    public var skippedRows: Int { base.skippedRows }
    public var warnings: [ReadWarning] { base.warnings }

    public mutating func next() throws(DataError) -> Observation? {
        while !finished, var x = try base.next() {
            switch try selector.next(x.label ?? "", line: x.line) {
            case .before, .after:
                continue
            case .inside:
                x.index = delivered
                delivered += 1
                return x
            }
        }
        finished = true
        try selector.finish()
        return nil
    }
}
