import ArgumentParser
import GGMData
import GGMDetection
import GGMEstimation

// Library enums used as option values, one conformance each for all commands.
extension EstimationMethod: ExpressibleByArgument {}
extension DetectorKind: ExpressibleByArgument {}
extension NullModel: ExpressibleByArgument {}
extension MissingValuePolicy: ExpressibleByArgument {}
extension LagOrder: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}
