import Foundation

/// A stock split: `new` shares for every `old` (2-for-1 is `2:1`, a 1-for-10 reverse split is `1:10`).
///
/// On the split day an unadjusted price is divided by ``factor`` = new / old, so the
/// day's log return is about `-log(factor)`.
public struct SplitRatio: Hashable, Sendable, Codable, CustomStringConvertible {
    public var new: Int
    public var old: Int

    public init(_ new: Int, _ old: Int) {
        precondition(new > 0 && old > 0 && new != old, "A split ratio needs two different positive share counts")
        self.new = new
        self.old = old
    }

    /// Shares after per share before.
    public var factor: Double { Double(new) / Double(old) }
    /// `log(factor)`: the size of the split's jump in the log price.
    public var logFactor: Double { log(factor) }

    public var description: String { "\(new)-for-\(old)" }

    /// Splits 3:2, 2:1, 3:1, 4:1, 5:1 and reverse splits 1:2, 1:3, 1:4, 1:5, 1:6, 1:8, 1:10.
    ///
    /// Ratios closer to 1 (5:4, 4:3) are left out on purpose: their jumps (-22%, -25%) are
    /// the size of genuine one-day crashes, which returns alone cannot tell apart; such
    /// jumps are left to winsorizing.
    public static let common: [SplitRatio] = [
        SplitRatio(3, 2), SplitRatio(2, 1), SplitRatio(3, 1), SplitRatio(4, 1), SplitRatio(5, 1),
        SplitRatio(1, 2), SplitRatio(1, 3), SplitRatio(1, 4), SplitRatio(1, 5), SplitRatio(1, 6),
        SplitRatio(1, 8), SplitRatio(1, 10),
    ]
}

/// A split found in a return series, and its correction.
public struct SplitEvent: Equatable, Sendable, Codable, CustomStringConvertible {
    /// Column (0-based) and name of the stock.
    public var node: Int
    public var name: String
    /// Row (0-based) of the return data set, and its label (the date).
    public var row: Int
    public var label: String?
    public var ratio: SplitRatio
    /// The day's log return as recorded, and after adding `log(ratio.factor)`.
    public var rawReturn: Double
    public var correctedReturn: Double

    public var description: String {
        let raw = (rawReturn * 1000).rounded() / 1000
        let fixed = (correctedReturn * 1000).rounded() / 1000
        return "\(name) \(label ?? "row \(row + 1)"): \(ratio) split (log return \(raw) -> \(fixed))"
    }
}
