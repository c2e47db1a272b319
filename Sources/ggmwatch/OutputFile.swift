import Foundation

/// Output files of every command: checked before the work starts (a calibration or an
/// evaluation is not run for nothing), written atomically, and failures said in plain words
/// with the path, never as a raw Foundation error.
enum OutputFile {
    /// Throws when a file cannot be created at `path` (`what` names it in the message: "the output").
    static func checkWritable(_ path: String?, what: String) throws {
        guard let path, path != "-" else { return }
        let probe = path + ".probe-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw RunError("cannot write \(what) \(path): \(reason(forDirectoryOf: path))")
        }
        unlink(probe)
    }

    /// Writes `data` to `path` atomically.
    static func write(_ data: Data, to path: String, what: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RunError("cannot write \(what) \(path): \(reason(forDirectoryOf: path))")
        }
    }

    /// Why files cannot be created next to `path`.
    static func reason(forDirectoryOf path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) { return "the directory \(dir) does not exist" }
        if !isDirectory.boolValue { return "\(dir) is not a directory" }
        if !FileManager.default.isWritableFile(atPath: dir) { return "the directory \(dir) is not writable" }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return "it is a directory" }
        return "the file cannot be created"
    }
}

/// A `DecodingError` in words: which field, and what was wrong with it.
enum DecodingMessage {
    static func describe(_ error: any Error) -> String {
        func field(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case let DecodingError.keyNotFound(key, context): return "missing field \"\(field(context.codingPath + [key]))\""
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "field \"\(field(context.codingPath))\": \(context.debugDescription)"
        case let DecodingError.dataCorrupted(context):
            return context.codingPath.isEmpty ? context.debugDescription : "field \"\(field(context.codingPath))\": \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
