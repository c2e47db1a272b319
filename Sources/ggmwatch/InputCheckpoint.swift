import Foundation

/// What `monitor --state STATE` remembers of its input, beside the state (`STATE.input.json`,
/// written atomically after every save of the state):
///
/// - which file it read, by path and by a digest of its first bytes (up to 64 KiB, FNV-1a 64),
///   so that a resumed run given the same file (or the same file grown by appended rows) skips the
///   rows already consumed instead of scoring them twice; standard input is never recognized;
/// - how many of that input's observations the monitor consumed;
/// - the last delivered values, which `--missing previous` carries into the next run when the
///   input is a different file (the next part of a stream whose first row has a missing cell).
struct InputCheckpoint: Codable, Equatable {
    /// The data file as given on the command line.
    var path: String
    /// How many of the file's first bytes the digest covers (the file's size when it was smaller).
    var prefixLength: Int
    /// FNV-1a 64 of those bytes, in hex.
    var prefixDigest: String
    /// Observations of this input consumed by the monitor (skipped at a resume plus processed).
    var consumed: Int
    /// The values of the last observation processed.
    var previous: [Double]?

    static let prefixLimit = 65_536

    static func sidecarPath(for statePath: String) -> String { statePath + ".input.json" }

    /// The digest of the first `length` bytes of `path` (at most ``prefixLimit``; all of a shorter
    /// file), or nil when the file cannot be read or is shorter than `length`.
    static func identity(path: String, length: Int = prefixLimit) -> (length: Int, digest: String)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let wanted = min(max(length, 0), prefixLimit)
        guard let bytes = try? handle.read(upToCount: wanted) else { return nil }
        if length != prefixLimit && bytes.count < wanted { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return (bytes.count, String(hash, radix: 16))
    }

    static func load(statePath: String) -> InputCheckpoint? {
        guard let data = FileManager.default.contents(atPath: sidecarPath(for: statePath)) else { return nil }
        return try? JSONDecoder().decode(InputCheckpoint.self, from: data)
    }

    func save(statePath: String) throws {
        let target = Self.sidecarPath(for: statePath)
        let temporary = target + ".tmp-\(getpid())"
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else { throw RunError("rename to \(target) failed (errno \(errno))") }
    }

    /// Whether `path` is the file this checkpoint was written for: the same path and the same first bytes.
    func matches(path: String) -> Bool {
        guard path == self.path, path != "-", consumed > 0,
              let now = Self.identity(path: path, length: prefixLength) else { return false }
        return now.digest == prefixDigest
    }
}
