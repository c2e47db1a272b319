/// An error met while a command runs (unreadable files, bad data mid-stream): printed as
/// `Error: <message>` without the usage text that ArgumentParser adds to validation errors.
struct RunError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
