import Foundation

/// Conversions between an average run length and a false-alarm probability.
public enum RunLength {
    /// The probability of at least one false alarm within `horizon` observations for a detector
    /// whose average run length (mean number of observations to a false alarm) is
    /// `averageRunLength`: `q = 1 - exp(-H / A)`.
    ///
    /// This is the Poisson approximation: the false alarms of a monitor far from its change
    /// point are rare events, so their count in `H` observations is close to Poisson with rate
    /// `H / A`, and `P(at least one) = 1 - exp(-H / A)`. It is accurate when `A` is large against
    /// the window and the dependence between nearby windows (which makes alarms cluster).
    ///
    /// - Parameters:
    ///   - averageRunLength: `A > 0`, in observations.
    ///   - horizon: `H >= 0`, in observations.
    /// - Returns: `q` in `[0, 1)`.
    public static func falseAlarmProbability(averageRunLength: Double, horizon: Int) -> Double {
        1 - Foundation.exp(-Double(horizon) / averageRunLength)
    }
}
