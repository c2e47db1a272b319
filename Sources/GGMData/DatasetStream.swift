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

/// The observations of another source whose labels lie in `from...to` (inclusive, string
/// order, as ``Dataset/rows(from:to:)``), re-indexed from 0. Reading stops at the first
/// label after `to`, so a stream ordered by date is not read past the range.
public struct LabelRangeSource<Base: ObservationSource>: ObservationSource {
    public private(set) var base: Base
    public let from: String?
    public let to: String?
    private var delivered = 0
    private var finished = false

    /// - Throws: ``DataError/noRowLabels`` if `base` has no labels.
    public init(_ base: Base, from: String?, to: String?) throws(DataError) {
        guard base.hasLabels else { throw .noRowLabels }
        self.base = base
        self.from = from
        self.to = to
    }

    public var names: [String] { base.names }
    public var hasLabels: Bool { true }

    public mutating func next() throws(DataError) -> Observation? {
        while !finished, var x = try base.next() {
            let label = x.label ?? ""
            if let to, label > to { finished = true; break }
            if let from, label < from { continue }
            x.index = delivered
            delivered += 1
            return x
        }
        finished = true
        return nil
    }
}
