import Foundation
import GGMCore
import Testing
import GGMEstimation

@Suite("Fixtures")
struct FixtureTests {
    @Test("Node-wise lasso matches scikit-learn Lasso (all cases, all lambdas)")
    func nodewiseFixture() throws {
        let file = try Fixtures.load("nodewise-lasso", as: Fixtures.NodewiseFile.self)
        for c in file.cases {
            let s = gram(Matrix(c.observations))
            for f in c.fits {
                let fit = try NodewiseLasso(lambda: f.lambda, tolerance: 1e-12).fit(covariance: s)
                #expect(fit.converged)
                let diff = fit.coefficients.maxAbsDifference(Matrix(f.coefficients))
                #expect(diff < 1e-6, "p=\(c.p) lambda=\(f.lambda): max |diff| \(diff)")
                for j in 0..<c.p {
                    #expect(Swift.abs(fit.residualVariance[j] - f.meanSquaredResidual[j]) < 1e-6)
                }
            }
        }
    }

    @Test("Graphical lasso matches R glasso (all cases, all lambdas)")
    func glassoFixture() throws {
        let file = try Fixtures.load("graphical-lasso", as: Fixtures.GlassoFile.self)
        for c in file.cases {
            let s = Matrix(c.covariance)
            #expect(s.maxAbsDifference(gram(Matrix(c.observations))) < 1e-12)
            for f in c.fits {
                let fit = try GraphicalLasso(lambda: f.lambda, tolerance: 1e-12).fit(covariance: s)
                #expect(fit.converged)
                let diff = fit.precision.maxAbsDifference(Matrix(f.precision))
                #expect(diff < 1e-5, "p=\(c.p) lambda=\(f.lambda): max |diff| \(diff)")
                #expect(Swift.abs(fit.objective - f.objective) < 1e-8)
            }
        }
    }
}
