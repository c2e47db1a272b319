/// One time point of a stream: the values of every node, in the order of the source's `names`.
public struct Observation: Equatable, Sendable, Codable {
    /// 0-based index among the observations the source delivered (rows dropped by a
    /// missing-value policy or a label range are not counted).
    public var index: Int
    /// 1-based line of the input file (for in-memory sources, the 1-based row of the data set).
    public var line: Int
    /// The row label (first column, such as a date), if the source has labels.
    public var label: String?
    /// One value per node.
    public var values: [Double]

    public init(index: Int, line: Int, label: String?, values: [Double]) {
        self.index = index
        self.line = line
        self.label = label
        self.values = values
    }
}

/// A stream of observations read one at a time: a CSV file or standard input
/// (``ObservationReader``), a data set in memory (``DatasetStream``), or a label
/// range of either (``LabelRangeSource``).
///
/// The online monitor consumes any source the same way:
///
///     while let x = try source.next() { monitor.update(x.values) }
public protocol ObservationSource {
    /// Node names, one per value column.
    var names: [String] { get }
    /// Whether observations carry row labels.
    var hasLabels: Bool { get }
    /// The next observation, or `nil` at the end of the stream.
    mutating func next() throws(DataError) -> Observation?
    /// Rows the source dropped under ``MissingValuePolicy/skipRow`` so far (0 if it never drops rows).
    var skippedRows: Int { get }
    /// What the source's format detection guessed so far (none for sources in memory).
    var warnings: [ReadWarning] { get }
}

extension ObservationSource {
    public var skippedRows: Int { 0 }
    public var warnings: [ReadWarning] { [] }
}
