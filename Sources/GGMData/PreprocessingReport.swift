/// What ``ReturnsTransform/preprocess(prices:options:from:to:)`` did.
public struct PreprocessingReport: Equatable, Sendable, Codable, CustomStringConvertible {
    /// Splits found and removed within the returned rows, in row order.
    public var splits: [SplitEvent] = []
    /// Cells clipped by winsorizing within the returned rows.
    public var winsorizedCells = 0
    /// The winsorizing threshold in robust SDs, if winsorizing ran.
    public var winsorizeThreshold: Double?
    /// Leading rows dropped as EWMA warm-up (before any date selection).
    public var warmUpRowsDropped = 0
    /// Whether returns were divided by the EWMA volatility.
    public var volatilityScaled = false
    /// Whether columns were standardized.
    public var standardized = false
    /// Size of the result.
    public var rows = 0
    public var columns = 0

    public init() {}

    public var description: String {
        var lines = ["\(rows) daily log returns of \(columns) series"]
        lines.append("\(splits.count) split\(splits.count == 1 ? "" : "s") removed"
                     + (splits.isEmpty ? "" : ": " + splits.map(\.description).joined(separator: "; ")))
        if let k = winsorizeThreshold { lines.append("\(winsorizedCells) cells winsorized at \(k) robust SDs") }
        if volatilityScaled { lines.append("divided by causal EWMA volatility (\(warmUpRowsDropped) warm-up rows dropped)") }
        if standardized { lines.append("standardized to mean 0, SD 1 per series") }
        return lines.joined(separator: "\n")
    }
}
