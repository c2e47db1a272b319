import Foundation
import Testing
@testable import GGMData

/// A fresh directory under the temporary directory for each test of a suite marked
/// `@Suite(.temporaryFiles)`, removed with everything in it when the test ends (passed, failed
/// or thrown): `temporaryCSV` writes its files there, so no test leaves a file behind.
struct TemporaryFiles: SuiteTrait, TestTrait, TestScoping {
    /// The running test's directory (a task-local: tests run in parallel).
    @TaskLocal static var directory: URL?

    /// Every test of the suite gets its own directory (each case of a parameterized test too).
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ggmdata-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Self.$directory.withValue(directory) { try await function() }
    }
}

extension Trait where Self == TemporaryFiles {
    /// Each test gets a temporary directory for `temporaryCSV`, removed when the test ends.
    static var temporaryFiles: Self { Self() }
}

/// Writes `text` to a fresh file in the running test's temporary directory and returns its path;
/// the file is removed when the test ends. The suite must be marked `@Suite(.temporaryFiles)`
/// (outside one, the call records an issue, as the file would be left behind).
func temporaryCSV(_ text: String, name: String = "data", sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let directory: URL
    if let scoped = TemporaryFiles.directory {
        directory = scoped
    } else {
        Issue.record("temporaryCSV outside a @Suite(.temporaryFiles): its file would be left behind", sourceLocation: sourceLocation)
        directory = FileManager.default.temporaryDirectory
    }
    let url = directory.appendingPathComponent("ggmdata-\(name)-\(UUID().uuidString).csv")
    try! text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// The `DataError` thrown by `body`, or `nil` if it returns normally.
func dataError<T>(_ body: () throws(DataError) -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Every observation of `source` until the end.
func drain(_ source: some ObservationSource) throws(DataError) -> [Observation] {
    var s = source
    var out: [Observation] = []
    while let x = try s.next() { out.append(x) }
    return out
}

/// splitmix64, so the tests do not depend on another module's generator.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box-Muller).
    mutating func normal() -> Double {
        let u1 = (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
