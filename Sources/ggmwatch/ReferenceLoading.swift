import Foundation
import GGMCore
import GGMDetection

extension NetworkFile {
    /// The fixed reference of `monitor --reference` and `calibrate --reference`: the file's
    /// precision, which must be positive definite (a model of the data), and its mean (the
    /// column means `fit` writes). A file without a mean is scored with mean zero, with a warning.
    func referenceModel(path: String) throws -> ReferenceModel {
        let precision = precisionMatrix
        if (try? Cholesky(precision)) == nil {
            let smallest = Cholesky.smallestEigenvalue(of: precision)
            throw RunError("the reference network in \(path) is not positive definite (smallest eigenvalue \(String(format: "%.4g", smallest))): it is not the precision matrix of any distribution; refit it with `ggmwatch fit` or repair it")
        }
        if mean == nil {
            FileHandle.standardError.write("warning: \(path) has no mean; the data are scored with mean zero (fit writes the column means: refit it, or center the data)\n")
        }
        do {
            return try ReferenceModel(precision: precision, mean: mean)
        } catch {
            throw RunError("the reference network in \(path) cannot be used: \(error)")
        }
    }
}
