import ArgumentParser
import Dispatch

@main
struct GGMWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ggmwatch",
        abstract: "Online change-point detection in sparse Gaussian graphical models.",
        version: "0.16.0",
        subcommands: [DemoCommand.self, FitCommand.self, MonitorCommand.self, CalibrateCommand.self,
                      SegmentCommand.self, SimulateCommand.self, ReportCommand.self, EvaluateCommand.self, BenchCommand.self, ServeCommand.self]
    )
}

/// Runs async work from a synchronous command and waits for it. The root command stays
/// synchronous (`ParsableCommand`): `monitor`'s signal handling and calibrations run on the main
/// thread as they always did; `serve` and the service bench bridge into Swift concurrency here.
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { try await body() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}
