/// Errors from simulation settings that cannot be honoured.
public enum SimulationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer nodes than the scenario needs.
    case tooFewNodes(p: Int, minimum: Int, reason: String)
    /// No segments, or a segment of non-positive length (index is 0-based).
    case invalidSegmentLength(index: Int?, length: Int?)
    /// The mean vector has the wrong length.
    case meanDimension(expected: Int, actual: Int)
    /// A mean entry is not a finite number.
    case nonFiniteMean(index: Int)
    /// A change produced a matrix that is not positive definite.
    case notPositiveDefinite(change: ChangeKind)
    /// The variance-keeping rescaling did not reach its tolerance.
    case varianceMismatch(relativeError: Double)
    /// Output could not be written.
    case cannotWrite(path: String, reason: String)
    /// The number of column names differs from p.
    case columnNames(expected: Int, actual: Int)
    /// Serial dynamics that cannot be simulated.
    case invalidDynamics(String)
    /// A drifting segment that is not one of segments 2 ... (1-based).
    case invalidRamp(segment: Int, segments: Int)

    public var description: String {
        switch self {
        case let .tooFewNodes(p, minimum, reason):
            return "p = \(p) is too small: \(reason) needs at least \(minimum) nodes"
        case let .invalidSegmentLength(index?, length?):
            return "segment \(index + 1) has length \(length); every segment needs at least one observation"
        case .invalidSegmentLength:
            return "at least one segment length is needed"
        case let .meanDimension(expected, actual):
            return "the mean has \(actual) entries but p = \(expected)"
        case let .nonFiniteMean(index):
            return "mean entry \(index + 1) is not a finite number"
        case let .notPositiveDefinite(change):
            return "the \(change.rawValue) change produced a precision matrix that is not positive definite"
        case let .varianceMismatch(relativeError):
            return "the variance-keeping rewiring missed the variances by a relative \(relativeError)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path == "-" ? "standard output" : path): \(reason)"
        case let .columnNames(expected, actual):
            return "\(actual) column names given for p = \(expected) columns"
        case let .invalidDynamics(reason):
            return reason
        case let .invalidRamp(segment, segments):
            return "segment \(segment + 1) cannot drift: a drifting segment moves from the previous segment's network to its own, so it is one of segments 2 to \(segments) (got \(segment + 1))"
        }
    }
}
