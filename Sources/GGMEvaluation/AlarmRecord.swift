/// One alarm of a detector on one stream.
///
/// `index` is the 0-based index of the observation at which the alarm was raised.
/// `estimatedChange`, when the detector localizes the change, is its estimate of the index of
/// the first post-change observation (the same convention as the true change points), so it
/// lies in `0...index`.
public struct AlarmRecord: Codable, Sendable, Hashable {
    public var index: Int
    public var estimatedChange: Int?

    public init(index: Int, estimatedChange: Int? = nil) {
        self.index = index
        self.estimatedChange = estimatedChange
    }
}
