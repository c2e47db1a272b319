import Foundation
@testable import GGMData

/// Writes `text` to a fresh file under the temporary directory and returns its path.
func temporaryCSV(_ text: String, name: String = "data") -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ggmdata-\(name)-\(UUID().uuidString).csv")
    try! text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// The `DataError` thrown by `body`, or `nil` if it returns normally.
func dataError<T>(_ body: () throws(DataError) -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Every observation of `source` until the end.
func drain(_ source: some ObservationSource) throws(DataError) -> [Observation] {
    var s = source
    var out: [Observation] = []
    while let x = try s.next() { out.append(x) }
    return out
}

/// splitmix64, so the tests do not depend on another module's generator.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box-Muller).
    mutating func normal() -> Double {
        let u1 = (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
