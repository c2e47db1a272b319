import Foundation
import GGMCore
import Testing
import GGMEstimation

@Suite("Diag", .enabled(if: ProcessInfo.processInfo.environment["GGM_DIAG"] != nil))
struct DiagTests {
    @Test func sp500() throws {
        let x = try sp500Returns(days: 250)
        let r = correlation(RunningMoments(rows: x).covariance())
        for lambda in [0.3, 0.2] {
            let g = try GraphicalLasso(lambda: lambda, tolerance: 1e-8).fit(covariance: r)
            let t = g.precision, b = g.coefficients
            let p = 452
            var asym = 0, both = 0, small = 0
            for i in 0..<p { for j in (i + 1)..<p {
                let a = b[i, j] != 0, c = b[j, i] != 0
                if a != c { asym += 1 }
                if a && c { both += 1 }
                if t[i, j] != 0 && Swift.abs(t[i, j]) < 1e-6 * (t[i, i] * t[j, j]).squareRoot() { small += 1 }
            } }
            let kkt = try glassoKKTViolation(r, t, lambda: lambda)
            let n = try NodewiseLasso(lambda: lambda, tolerance: 1e-8).fit(covariance: r)
            var orCount = 0
            for i in 0..<p { for j in (i + 1)..<p where n.coefficients[i, j] != 0 || n.coefficients[j, i] != 0 { orCount += 1 } }
            print("lambda \(lambda): glasso edges \(t.upperOffDiagonalNonzeroCount()) both \(both) asym \(asym) tiny \(small) kkt \(kkt) sweeps \(g.iterations) conv \(g.converged); nodewise AND \(n.precision.upperOffDiagonalNonzeroCount()) OR \(orCount)")
        }
    }
}
