import Foundation

/// A seedable, fast, statistically strong generator (xoshiro256**, Blackman & Vigna 2018).
///
/// Every random quantity in ggmwatch is drawn from an injected generator, and
/// tests and the CLI seed it, so results are reproducible bit for bit. The
/// state is `Codable`, so a saved monitor or simulation resumes the same stream.
public struct SeededGenerator: RandomNumberGenerator, Codable, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from `seed` with SplitMix64, as the authors recommend.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = SeededGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = SeededGenerator.rotl(s3, 45)
        return result
    }

    /// An independent generator for sub-task `index` (e.g. one Monte Carlo replicate or one worker),
    /// derived deterministically from `seed` so parallel work stays reproducible.
    public static func stream(seed: UInt64, index: Int) -> SeededGenerator {
        var g = SeededGenerator(seed: seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(truncatingIfNeeded: index + 1)))
        _ = g.next()
        return g
    }
}

extension RandomNumberGenerator {
    /// A uniform draw in the open interval (0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// One standard normal draw (Box-Muller; one of the pair is discarded).
    public mutating func nextStandardNormal() -> Double {
        let u1 = nextUniformOpen()
        let u2 = nextUniformOpen()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Fills `buffer` with independent standard normal draws (Box-Muller, both of each pair used).
    public mutating func fillStandardNormal(_ buffer: inout [Double]) {
        var i = 0
        let n = buffer.count
        while i < n {
            let u1 = nextUniformOpen()
            let u2 = nextUniformOpen()
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let theta = 2 * Double.pi * u2
            buffer[i] = r * Foundation.cos(theta)
            if i + 1 < n { buffer[i + 1] = r * Foundation.sin(theta) }
            i += 2
        }
    }

    /// `count` independent standard normal draws.
    public mutating func standardNormals(_ count: Int) -> [Double] {
        var b = [Double](repeating: 0, count: count)
        fillStandardNormal(&b)
        return b
    }
}
