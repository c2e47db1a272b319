import Foundation
import GGMCore
import GGMDetection
import GGMEstimation

extension NetworkFile {
    /// The fixed reference of `monitor --reference` and `calibrate --reference`: the file's
    /// precision, which must be positive definite (a model of the data), and its mean (the
    /// column means `fit` writes). A file without a mean is scored with mean zero, with a warning.
    func referenceModel(path: String) throws -> ReferenceModel {
        let precision = precisionMatrix
        // Diagonal dominance settles most fitted networks in O(p^2); the factorization (O(p^3),
        // seconds at p = 5,000) is the test for the others.
        if !precision.isPositiveDefiniteByDominance, (try? Cholesky(precision)) == nil {
            let smallest = Cholesky.smallestEigenvalue(of: precision)
            throw RunError("the reference network in \(path) is not positive definite (smallest eigenvalue \(String(format: "%.4g", smallest))): it is not the precision matrix of any distribution; refit it with `ggmwatch fit` or repair it")
        }
        if mean == nil {
            FileHandle.standardError.write("warning: \(path) has no mean; the data are scored with mean zero (fit writes the column means: refit it, or center the data)\n")
        }
        do {
            // A dynamic model's network is the innovations', centred at the intercept.
            return try ReferenceModel(precision: precision, mean: (lags ?? 0) > 0 ? intercept : mean, sampleSize: sampleSize ?? 0)
        } catch {
            throw RunError("the reference network in \(path) cannot be used: \(error)")
        }
    }
}

extension NetworkFile {
    /// The in-control model of `fit --in-control`: the monitor's network (the innovations' with
    /// lags), the data's means, the lag coefficients and intercept, and the calibrated thresholds,
    /// in the data's units.
    init(inControl monitor: OnlineMonitor, source: String, rows: Int, lambdaRule: LambdaRule) throws {
        let score = monitor.score
        guard let fit = score.network, let reference = score.reference else {
            throw RunError("the in-control data \(source) gave no network")
        }
        let names = monitor.names
        self.init(fit: fit, names: names, mean: score.lagMean ?? reference.mean, sampleSize: reference.sampleSize,
                  lambdaRule: lambdaRule)
        if let dynamics = score.dynamics {
            lags = dynamics.lags
            intercept = reference.mean
            lagCoefficients = (0..<dynamics.dimension).flatMap { j in
                (dynamics.rowStart[j]..<dynamics.rowStart[j + 1]).map { k in
                    let from = dynamics.columnIndex[k] % dynamics.dimension, lag = dynamics.columnIndex[k] / dynamics.dimension + 1
                    return LagCoefficient(i: j, from: from, lag: lag, nodes: [names[j], names[from]], value: dynamics.values[k])
                }
            }
        } else {
            lags = 0
        }
        thresholds = monitor.thresholds
        calibration = monitor.calibration
        inControl = InControlInfo(source: source, rows: rows, detector: score.detector, window: score.window,
                                  serialDependence: score.serialDependence)
        if let scale = monitor.unitScale {
            rescale(from: scale)
            if let bad = firstUnrepresentable {
                throw RunError("the in-control model cannot be written in the data's units: \(bad)")
            }
        }
    }
}
