import GGMCore

/// Elementary draws used by the generators, written on top of `next()` only.
///
/// The standard library's `Int.random(in:using:)` and `shuffle(using:)` do not promise a
/// stable algorithm across Swift releases; these do, so a seed gives the same network on
/// every toolchain.
extension RandomNumberGenerator {
    /// A uniform draw in the open interval `(range.lowerBound, range.upperBound)`.
    @inlinable
    mutating func simulationUniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUniformOpen()
    }

    /// `+1` or `-1` with probability 1/2 each.
    @inlinable
    mutating func simulationSign() -> Double {
        next() >> 63 == 0 ? 1 : -1
    }

    /// A uniform index in `0..<count` (`count > 0`).
    @inlinable
    mutating func simulationIndex(below count: Int) -> Int {
        precondition(count > 0, "cannot draw an index below \(count)")
        return Swift.min(count - 1, Int(nextUniformOpen() * Double(count)))
    }

    /// A uniformly random permutation of `0..<count` (Fisher-Yates).
    mutating func simulationPermutation(_ count: Int) -> [Int] {
        var perm = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = simulationIndex(below: i + 1)
            perm.swapAt(i, j)
            i -= 1
        }
        return perm
    }

    /// `k` distinct elements of `items` chosen uniformly, in the order drawn (partial Fisher-Yates).
    mutating func simulationChoose<T>(_ k: Int, from items: [T]) -> [T] {
        var pool = items
        let k = Swift.min(k, pool.count)
        for i in 0..<k {
            let j = i + simulationIndex(below: pool.count - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<k])
    }
}
