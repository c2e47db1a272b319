import ArgumentParser
import GGMEstimation

// Library enums used as option values. Kept in one file so that commands added in parallel
// (fit, monitor, ...) share a single conformance each.
extension EstimationMethod: ExpressibleByArgument {}
