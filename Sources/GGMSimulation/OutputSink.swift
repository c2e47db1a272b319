import Foundation

/// A file, or standard output for `nil` / `"-"`, receiving bytes; errors name the path.
final class OutputSink {
    let path: String
    private let handle: FileHandle
    private let ownsHandle: Bool

    init(path: String?) throws(SimulationError) {
        guard let path, path != "-" else {
            self.path = "-"
            handle = FileHandle.standardOutput
            ownsHandle = false
            return
        }
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw .cannotWrite(path: path, reason: "cannot create the file (does the directory exist, is it writable?)")
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw .cannotWrite(path: path, reason: "cannot open the file for writing")
        }
        handle = h
        ownsHandle = true
    }

    func write(_ data: Data) throws(SimulationError) {
        do { try handle.write(contentsOf: data) } catch { throw .cannotWrite(path: path, reason: "\(error)") }
    }

    func close() throws(SimulationError) {
        guard ownsHandle else { return }
        do { try handle.close() } catch { throw .cannotWrite(path: path, reason: "\(error)") }
    }
}
