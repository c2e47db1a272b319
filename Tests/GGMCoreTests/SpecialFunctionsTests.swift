import Foundation
import Testing
@testable import GGMCore

private struct SpecialFixture: Decodable {
    let digamma: [[Double]]
    let trigamma: [[Double]]
    let normalUpperQuantile: [[Double]]
}

private func loadSpecial() throws -> SpecialFixture {
    let url = try #require(Bundle.module.url(forResource: "special-functions", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(SpecialFixture.self, from: Data(contentsOf: url))
}

/// Relative error, or absolute when the reference is zero.
private func relativeError(_ a: Double, _ b: Double) -> Double {
    b == 0 ? abs(a) : abs(a - b) / abs(b)
}

@Suite struct SpecialFunctionsTests {
    @Test func digammaMatchesSciPy() throws {
        for pair in try loadSpecial().digamma {
            #expect(relativeError(SpecialFunctions.digamma(pair[0]), pair[1]) < 1e-10, "digamma(\(pair[0]))")
        }
    }

    @Test func trigammaMatchesSciPy() throws {
        for pair in try loadSpecial().trigamma {
            #expect(relativeError(SpecialFunctions.trigamma(pair[0]), pair[1]) < 1e-10, "trigamma(\(pair[0]))")
        }
    }

    @Test func normalUpperQuantileMatchesSciPy() throws {
        for pair in try loadSpecial().normalUpperQuantile {
            #expect(relativeError(SpecialFunctions.normalUpperQuantile(pair[0]), pair[1]) < 1e-10, "z(\(pair[0]))")
        }
    }

    @Test func quantileInvertsTheDistributionFunction() {
        for q in stride(from: 1e-12, to: 1.0, by: 0.0137) + [1e-300, 1e-20, 0.999999] {
            let x = SpecialFunctions.normalQuantile(q)
            let back = q < 0.5 ? SpecialFunctions.normalCDF(x) : 1 - SpecialFunctions.normalUpperTail(x)
            #expect(relativeError(back, q) < 1e-12, "q = \(q)")
        }
    }

    @Test func logGammaMatchesFactorials() {
        var logFactorial = 0.0
        for n in 1...30 {
            #expect(abs(SpecialFunctions.logGamma(Double(n)) - logFactorial) < 1e-12 * max(1, logFactorial))
            logFactorial += log(Double(n))
        }
    }
}
