import Foundation
import Testing
import GGMCore

/// Loads a JSON fixture copied from `shared/fixtures` into this test target.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

struct WindowStatisticsFixture: Decodable {
    struct Case: Decodable {
        let p: Int
        let n: Int
        let w: Int
        let kind: String
        let precision: [[Double]]
        let observations: [[Double]]
        let windowEnds: [Int]
        let kma: [Double]
        let km: [Double]
        let rNorm4Squared: Double
    }
    let cases: [Case]
}

struct SpecialFunctionsFixture: Decodable {
    let g1: [[Double]]
    let g2: [[Double]]
    let kmThreshold: [[Double]]
}
