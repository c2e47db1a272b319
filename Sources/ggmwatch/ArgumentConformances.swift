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

/// `--memory`: `expanding` (every observation since the last alarm) or a number of observations
/// (a rolling reference).
struct ReferenceMemory: ExpressibleByArgument, Equatable, CustomStringConvertible {
    /// nil: expanding.
    let observations: Int?

    static let expanding = ReferenceMemory(observations: nil)

    init(observations: Int?) { self.observations = observations }

    init?(argument: String) {
        if argument.lowercased() == "expanding" { observations = nil; return }
        guard let n = Int(argument), n >= 1 else { return nil }
        observations = n
    }

    var description: String { observations.map(String.init) ?? "expanding" }

    /// The option's parser, with a message that says what is allowed.
    @Sendable static func parse(_ text: String) throws -> ReferenceMemory {
        guard let memory = ReferenceMemory(argument: text) else {
            throw ValidationError("--memory takes a number of observations (at least --burn-in) or expanding (got '\(text)')")
        }
        return memory
    }

    var defaultValueDescription: String { description }
}

/// `--windows 10,25,50` (monitor, calibrate, evaluate): window lengths separated by commas.
enum WindowList {
    @Sendable static func parse(_ text: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let w = Int($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--windows takes window lengths separated by commas, e.g. 10,25,50 (got '\(text)')")
            }
            return w
        }
    }

    /// The longest window (the monitor's) and the others, ascending; a repeated longest length
    /// stays among the others, where validation reports it as given twice.
    static func split(_ windows: [Int]) -> (window: Int, short: [Int])? {
        guard let longest = windows.max() else { return nil }
        return (longest, Array(windows.sorted().dropLast()))
    }
}
