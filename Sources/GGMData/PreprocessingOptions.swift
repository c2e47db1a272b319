/// How ``ReturnsTransform/preprocess(prices:options:from:to:)`` turns prices into returns.
///
/// The steps run in this order: log returns, split removal, winsorizing, EWMA volatility
/// scaling, row selection by date, standardization.
public struct PreprocessingOptions: Sendable, Codable, Equatable {
    /// Split detection and removal (``SplitDetector``); `nil` turns it off.
    public var splitDetector: SplitDetector? = SplitDetector()
    /// Winsorize each column at this many robust SDs from its median (5); `nil` turns it off.
    public var winsorizeAt: Double? = 5
    /// Divide each return by a causal EWMA volatility; `nil` (default) turns it off.
    public var volatilityScaling: VolatilityScaling? = nil
    /// Convert each column to z-scores with its own mean and SD (default off).
    public var standardize = false

    public init(splitDetector: SplitDetector? = SplitDetector(), winsorizeAt: Double? = 5,
                volatilityScaling: VolatilityScaling? = nil, standardize: Bool = false) {
        self.splitDetector = splitDetector
        self.winsorizeAt = winsorizeAt
        self.volatilityScaling = volatilityScaling
        self.standardize = standardize
    }

    /// The documented default: log returns, split removal, winsorizing at 5 robust SDs.
    public static let standard = PreprocessingOptions()
}

/// Causal EWMA volatility scaling (RiskMetrics, J.P. Morgan/Reuters 1996):
/// `s2[t] = lambda * s2[t-1] + (1 - lambda) * r[t-1]^2`, output `r[t] / sqrt(s2[t])`.
///
/// `s2` starts as the mean of `r^2` over the first `warmUp` rows, which are then dropped,
/// so every output value is divided by a volatility estimated from earlier rows only.
public struct VolatilityScaling: Sendable, Codable, Equatable {
    /// Decay per day (0.94, the RiskMetrics daily value).
    public var lambda: Double
    /// Rows used to start the variance and dropped from the output (20).
    public var warmUp: Int

    public init(lambda: Double = 0.94, warmUp: Int = 20) {
        precondition(lambda > 0 && lambda < 1, "EWMA lambda must lie in (0, 1)")
        precondition(warmUp >= 1, "EWMA warm-up needs at least one row")
        self.lambda = lambda
        self.warmUp = warmUp
    }

    public static let riskMetrics = VolatilityScaling()
}
