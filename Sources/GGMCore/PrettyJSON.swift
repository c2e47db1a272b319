import Foundation

/// The JSON of the files the tools write for people and for diffs.
public enum PrettyJSON {
    /// `value` as pretty-printed JSON with sorted keys (so equal values give equal bytes),
    /// newline-terminated.
    public static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
