/// Stream names: 1 to 64 characters among ASCII letters, digits, `-`, `_` and `.`, not starting
/// with `.` (a name is a path segment of the API and a label of the metrics).
public enum StreamName {
    public static let maximumLength = 64

    /// What is wrong with a name (nil: it is valid).
    public static func problem(_ name: String) -> String? {
        guard !name.isEmpty else { return "the stream name is empty" }
        guard name.utf8.count <= maximumLength else { return "the stream name is longer than \(maximumLength) characters" }
        if name.hasPrefix(".") { return "the stream name must not start with a dot" }
        if let bad = name.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))) }) {
            return "the stream name may hold letters, digits, '-', '_' and '.' only (found '\(bad.escaped(asASCII: true))')"
        }
        return nil
    }
}
