import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GGMCore
import GGMServer
import Logging

/// The service suite: sustained rows per second through `ggmwatch serve` (an in-process server on
/// loopback with its SQLite store, every batch stored before its reply, fed by HTTP clients with
/// 50-row CSV batches) for many streams at once, with the batch latency's median and 99th
/// percentile; baseline: the same rows through `ggmwatch monitor` (one process per stream, two at a
/// time on two cores), measured in the same run. Thresholds are nominal (`alpha`) in both, so that
/// the figure is the processing rate, not the calibrations'.
enum ServeBench {
    struct Case {
        var streams: Int
        var p: Int
        var rows: Int
    }

    static let batch = 50
    static let flags = ["--burn-in", "200", "--window", "50", "--refit-every", "50", "--alpha", "0.001"]
    static let settings = #"{"burnIn": 200, "window": 50, "refitEvery": 50, "alpha": 0.001}"#

    static func run(_ settings: BenchSettings, log: (String) -> Void) async throws -> [BenchResult] {
        let cases = settings.quick
            ? [Case(streams: 8, p: 20, rows: 400), Case(streams: 2, p: 50, rows: 400)]
            : [Case(streams: 100, p: 20, rows: 2_000), Case(streams: 10, p: 200, rows: 1_500)]
        var results: [BenchResult] = []
        for c in cases {
            log("serve: \(c.streams) streams at p = \(c.p), \(c.rows) rows each")
            results.append(try await measure(c, settings: settings))
        }
        return results
    }

    static func measure(_ c: Case, settings: BenchSettings) async throws -> BenchResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ggmwatch-bench-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let columns = (1...c.p).map { "x\($0)" }
        let omega = BenchData.sparsePrecision(p: c.p, degree: 4, seed: settings.seed &+ UInt64(c.p))
        // Every stream's batches as CSV text (the same rows go to `monitor` from files).
        var batches: [[String]] = []
        for s in 0..<c.streams {
            let data = try BenchData.sample(precision: omega, n: c.rows, seed: settings.seed &+ UInt64(1000 * s + c.p))
            var lines: [String] = []
            lines.reserveCapacity(c.rows)
            for t in 0..<c.rows { lines.append(data.row(t).map { "\($0)" }.joined(separator: ",")) }
            let header = columns.joined(separator: ",")
            try (header + "\n" + lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("s\(s).csv"), atomically: true, encoding: .utf8)
            batches.append(stride(from: 0, to: c.rows, by: batch).map { first in
                lines[first..<min(first + batch, c.rows)].joined(separator: "\n") + "\n"
            })
        }

        // The service, on loopback, with its store.
        var configuration = ServiceConfiguration()
        configuration.port = 0
        configuration.limits.maxStreams = max(1_000, c.streams)
        let service = try await StreamService(configuration: configuration, store: try SQLiteStore(path: dir.appendingPathComponent("bench.sqlite").path))
        let port = PortBox()
        var quiet = Logger(label: "ggmwatch.bench.serve")
        quiet.logLevel = .critical
        let app = service.application(logger: quiet, onListening: { port.set($0) })
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        while port.value == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let base = "http://127.0.0.1:\(port.value)"
        let session = URLSession(configuration: .ephemeral)
        let names = columns.map { "\"\($0)\"" }.joined(separator: ",")
        for s in 0..<c.streams {
            let body = #"{"name": "s\#(s)", "columns": [\#(names)], "settings": \#(Self.settings)}"#
            let (_, reply) = try await post(session, base + "/v1/streams", body: body, type: "application/json")
            guard reply == 201 else { throw BenchFailure("creating stream s\(s) gave HTTP \(reply)") }
        }

        // Clients: one task per stream (at most 32 in flight), each sending its batches in order.
        let clients = min(c.streams, 32)
        let texts = batches
        let started = BenchClock.now()
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for k in 0..<clients {
                group.addTask {
                    var times: [Double] = []
                    for s in stride(from: k, to: c.streams, by: clients) {
                        for (b, text) in texts[s].enumerated() {
                            let t0 = BenchClock.now()
                            let (_, status) = try await post(session, base + "/v1/streams/s\(s)/observations?first=\(b * batch)", body: text, type: "text/csv")
                            guard status == 200 else { throw BenchFailure("stream s\(s), batch \(b): HTTP \(status)") }
                            times.append(BenchClock.seconds(since: t0))
                        }
                    }
                    return times
                }
            }
            var all: [Double] = []
            for try await times in group { all += times }
            return all
        }
        let served = BenchClock.seconds(since: started)
        await service.shutdown()
        server.cancel()
        let sorted = latencies.sorted()
        func quantile(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }

        // Baseline: `ggmwatch monitor` on the same rows, two processes at a time.
        let monitorStarted = BenchClock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lanes = 2
            for lane in 0..<lanes {
                group.addTask {
                    for s in stride(from: lane, to: c.streams, by: lanes) {
                        try runMonitor(dir.appendingPathComponent("s\(s).csv").path)
                    }
                }
            }
            try await group.waitForAll()
        }
        let monitored = BenchClock.seconds(since: monitorStarted)
        let total = Double(c.streams * c.rows)
        let rate = total / served, baseline = total / monitored
        return BenchResult(
            suite: "serve", name: "ggmwatch serve, \(c.streams) streams, \(batch)-row CSV batches over HTTP, SQLite", p: c.p,
            setting: "\(c.rows) rows a stream, combined detector, nominal thresholds", value: rate, unit: "rows/s",
            baseline: baseline, baselineName: "ggmwatch monitor on the same rows (2 processes at a time)",
            ratio: rate / baseline, ratioMeaning: "throughput relative to ggmwatch monitor",
            notes: String(format: "batch latency p50 %.1f ms, p99 %.1f ms (%d batches, %d clients)", 1000 * quantile(0.5), 1000 * quantile(0.99), sorted.count, clients))
    }

    static func post(_ session: URLSession, _ url: String, body: String, type: String) async throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        let (data, response) = try await session.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// This executable's `monitor` on a CSV file, output discarded.
    static func runMonitor(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["monitor", path, "--quiet"] + flags
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("ggmwatch monitor \(path) exited with \(process.terminationStatus)") }
    }
}

/// The port the bench's server listens on, set from its start-up callback.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    var value: Int { lock.withLock { port } }
    func set(_ p: Int) { lock.withLock { port = p } }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
