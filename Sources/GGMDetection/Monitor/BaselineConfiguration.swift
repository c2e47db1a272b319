/// Settings of a baseline monitor (``PerNodeVarianceMonitor``, ``DenseCovarianceMonitor``):
/// the same lifecycle parameters as ``MonitorConfiguration`` and one threshold.
public struct BaselineConfiguration: Codable, Sendable, Equatable {
    /// Observations used to estimate the null at the start and after each alarm (N).
    public var burnIn: Int
    /// Window length (w).
    public var window: Int
    /// Re-estimate the null after this many quiet steps (B) from all data of the segment except
    /// the current window; 0 disables refits.
    public var refitEvery: Int
    /// Alarm when the statistic reaches this value; nil never alarms (used to simulate maxima).
    public var threshold: Double?
    /// The null's memory (``MonitorSettings/memory``; nil: expanding).
    public var memory: Int?

    public init(burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50, threshold: Double? = nil,
                memory: Int? = nil) {
        self.memory = memory
        self.burnIn = burnIn
        self.window = window
        self.refitEvery = refitEvery
        self.threshold = threshold
    }

    /// The lifecycle settings of a monitor configuration, with the given threshold.
    public init(_ configuration: MonitorConfiguration, threshold: Double? = nil) {
        self.init(burnIn: configuration.burnIn, window: configuration.window,
                  refitEvery: configuration.refitEvery, threshold: threshold, memory: configuration.memory)
    }

    /// The generic monitor's settings, the threshold applying to `statistic`.
    public func settings(for statistic: StatisticID) -> MonitorSettings {
        MonitorSettings(burnIn: burnIn, window: window, refitEvery: refitEvery,
                        thresholds: .fixed(Thresholds(threshold.map { [statistic: $0] } ?? [:])), memory: memory)
    }
}
