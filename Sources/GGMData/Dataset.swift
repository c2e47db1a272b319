import GGMCore

/// Observations of `p` nodes at `n` time points: an n x p matrix with named columns and,
/// optionally, row labels (such as dates) that are carried to every output.
public struct Dataset: Equatable, Sendable, Codable {
    /// Node names, one per column.
    public var names: [String]
    /// One label per row (dates for the S&P 500), or `nil`.
    public var rowLabels: [String]?
    /// The observations: rows are time points, columns are nodes.
    public var values: Matrix

    public init(names: [String], rowLabels: [String]? = nil, values: Matrix) {
        precondition(names.count == values.columns, "Dataset needs one name per column")
        precondition(rowLabels == nil || rowLabels!.count == values.rows, "Dataset needs one label per row")
        self.names = names
        self.rowLabels = rowLabels
        self.values = values
    }

    /// Number of observations (time points).
    public var rowCount: Int { values.rows }
    /// Number of nodes.
    public var columnCount: Int { values.columns }

    /// The label of row `i`, if the data set has labels.
    public func label(ofRow i: Int) -> String? { rowLabels?[i] }

    /// The column of the node called `name`.
    public func column(named name: String) -> Int? { names.firstIndex(of: name) }

    /// Rows `range` (labels kept).
    public func subset(rows range: Range<Int>) -> Dataset {
        Dataset(names: names, rowLabels: rowLabels.map { Array($0[range]) }, values: values.rows(range))
    }

    /// Rows whose label lies in `from...to` by the rule of ``LabelRange`` (inclusive; `nil`
    /// leaves that side open; labels in ascending order up to the first label after `to`).
    ///
    /// - Throws: ``DataError/noRowLabels`` without labels, ``DataError/unsortedLabels(line:label:previous:)``
    ///   (`line` is the 1-based row) for labels out of order, ``DataError/emptyRange(from:to:)`` if no row qualifies.
    public func rows(from: String?, to: String?) throws(DataError) -> Dataset {
        guard let labels = rowLabels else { throw .noRowLabels }
        return subset(rows: try LabelRange(from: from, to: to).rows(of: labels))
    }

    /// Every remaining observation of `source`, as a data set (labels kept if it has them).
    public init(reading source: inout some ObservationSource) throws(DataError) {
        var elements = [Double]()
        var labels: [String] = []
        var n = 0
        while let x = try source.next() {
            elements += x.values
            if let label = x.label { labels.append(label) }
            n += 1
        }
        self.init(names: source.names, rowLabels: source.hasLabels ? labels : nil,
                  values: Matrix(rows: n, columns: source.names.count, elements: elements))
    }

    /// Checks what every model needs: at least 2 rows and no constant column.
    public func validateForModelling() throws(DataError) {
        guard rowCount >= 2 else { throw .tooFewRows(found: rowCount) }
        let p = columnCount
        var constant = [Bool](repeating: true, count: p)
        values.elements.withUnsafeBufferPointer { a in
            for i in 1..<rowCount {
                let row = i * p
                for j in 0..<p where constant[j] && a[row + j] != a[j] { constant[j] = false }
            }
        }
        if let j = constant.firstIndex(of: true) {
            throw .constantColumn(node: j, name: names[j], value: values[0, j])
        }
    }

    /// Reads a whole CSV file (see ``ObservationReader`` for the format) and checks it with
    /// ``validateForModelling()``.
    public static func load(csv path: String, labelColumn: Bool? = nil,
                            missing: MissingValuePolicy = .error) throws(DataError) -> Dataset {
        try loadWithReport(csv: path, labelColumn: labelColumn, missing: missing).dataset
    }

    /// ``load(csv:labelColumn:missing:)`` with the reader's report (rows dropped, cells filled).
    public static func loadWithReport(csv path: String, labelColumn: Bool? = nil,
                                      missing: MissingValuePolicy = .error) throws(DataError) -> (dataset: Dataset, report: ReadReport) {
        try loadWithReport(csv: path, options: CSVReadOptions(labelColumn: labelColumn, missing: missing))
    }

    /// Reads a whole CSV file with explicit format options and checks it with ``validateForModelling()``.
    public static func load(csv path: String, options: CSVReadOptions) throws(DataError) -> Dataset {
        try loadWithReport(csv: path, options: options).dataset
    }

    /// Reads a CSV file with explicit format options, restricted to `range` (the rule of
    /// ``LabelRange``, applied while reading, as a stream would), checks it with
    /// ``validateForModelling()`` and returns the reader's report.
    public static func loadWithReport(csv path: String, options: CSVReadOptions,
                                      range: LabelRange = LabelRange(from: nil, to: nil)) throws(DataError) -> (dataset: Dataset, report: ReadReport) {
        let reader = try ObservationReader(path: path, options: options)
        let dataset: Dataset
        if range.isUnbounded {
            dataset = try reader.readAll()
        } else {
            var source = try LabelRangeSource(reader, range: range)
            dataset = try Dataset(reading: &source)
        }
        try dataset.validateForModelling()
        return (dataset, reader.report)
    }

    /// A stream over the rows, for code that consumes an ``ObservationSource``.
    public func stream() -> DatasetStream { DatasetStream(self) }
}
