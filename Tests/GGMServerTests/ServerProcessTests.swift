import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GGMCore
@testable import GGMServer
import Testing

/// The built `ggmwatch` binary: `$GGMWATCH_BINARY`, beside the test executable, or `.build/debug`.
enum Binary {
    static let url: URL? = {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["GGMWATCH_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("ggmwatch"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ggmwatch"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs the binary to its end; standard output and error.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try #require(url as URL?)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }
}

/// A `ggmwatch serve` process on a loopback port, killed and restarted at will.
final class ServerProcess: @unchecked Sendable {
    let arguments: [String]
    let directory: URL
    private let lock = NSLock()
    private var process: Process?
    private var currentPort = 0
    private var generation = 0

    init(arguments: [String], directory: URL) {
        self.arguments = arguments
        self.directory = directory
    }

    var port: Int { lock.withLock { currentPort } }
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the server and waits until it answers.
    func start(port: Int = 0) async throws {
        let portFile = lock.withLock { () -> URL in
            generation += 1
            return directory.appendingPathComponent("port-\(generation)")
        }
        let process = Process()
        process.executableURL = try #require(Binary.url as URL?)
        process.arguments = ["serve", "--port", String(port), "--port-file", portFile.path] + arguments
        let log = directory.appendingPathComponent("serve.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.withLock { self.process = process }
        // Up to 120 s of polls 50 ms apart, counted in polls and not by the clock: under `swift
        // test` every suite shares the test process's two cooperative threads, and a poll may wait
        // minutes for one while the server is long up (a clock deadline failed a CI run that way).
        for poll in 0...2400 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                lock.withLock { currentPort = p }
                if (try? await HTTP.get(base + "/v1/health"))?.status == 200 { return }
            }
            guard process.isRunning, poll < 2400 else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServeFailure(message: "the server did not start: " + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
    }

    /// `kill -9`: no handler runs, nothing is flushed.
    func kill() {
        guard let process = lock.withLock({ self.process }) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, and waits for the graceful stop (a test failure, then SIGKILL, after `seconds`).
    func terminate(seconds: Double = 20) {
        guard let process = lock.withLock({ self.process }), process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("the server did not stop within \(seconds) s of SIGTERM")
            kill()
        }
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "" }
}

struct ServeFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A small HTTP client (URLSession) with short timeouts: a killed server is an error, not a hang.
enum HTTP {
    static let session = makeSession(timeout: 30)
    /// For a server in the test process (``withLiveService``): its handlers run on the same
    /// cooperative threads as the other suites' synchronous tests, which can hold both cores of a
    /// small machine for more than 30 s in a debug run (a CI run timed out there); it cannot be
    /// killed, so waiting longer hides nothing.
    static let inProcessSession = makeSession(timeout: 600)

    static func makeSession(timeout: Double) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        return URLSession(configuration: configuration)
    }

    static func request(_ method: String, _ url: String, body: Data? = nil, contentType: String = "application/json",
                        token: String? = nil, session: URLSession = HTTP.session) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"), body: data)
    }

    static func get(_ url: String) async throws -> Reply { try await request("GET", url) }
    static func post(_ url: String, _ body: String, contentType: String = "application/json", token: String? = nil) async throws -> Reply {
        try await request("POST", url, body: Data(body.utf8), contentType: contentType, token: token)
    }
}

/// The durability contract with the real binary: many streams fed concurrently, the server killed
/// with SIGKILL at random points and restarted, unacknowledged batches sent again with their
/// `first`: every stream's events are exactly those of one uninterrupted `ggmwatch monitor` run on
/// the same rows with the same settings.
@Suite("ggmwatch serve: the process", .serialized, .enabled(if: Binary.url != nil, "ggmwatch binary not found"))
struct ServerProcessTests {
    static let settings: [String: JSONValue] = ["burnIn": 200, "window": 30, "refitEvery": 30, "arl": 400, "replicates": 30, "seed": 2]
    static let monitorFlags = ["--burn-in", "200", "--window", "30", "--refit-every", "30", "--arl", "400", "--replicates", "30", "--seed", "2"]

    /// The alarm and network-change events `ggmwatch monitor` writes for a CSV file, as JSON objects
    /// (without what it writes at the end of its input, which a stream that goes on never has: the
    /// summary and a provisional network change).
    static func monitorEvents(csv: URL, flags: [String] = monitorFlags) throws -> [[String: Any]] {
        let result = try Binary.run(["monitor", csv.path, "--quiet"] + flags)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.filter { ($0["event"] as? String) != "summary" && ($0["provisional"] as? Bool) != true }
    }

    /// Feeds `rows` to stream `name` from `next` on in seeded random batch sizes, resending a batch
    /// whose reply did not arrive, and sometimes (an acknowledgement lost) one that was acknowledged.
    static func feed(_ server: ServerProcess, name: String, rows: [[Double]], columns: [String], seed: UInt64) async throws -> (duplicates: Int, retries: Int) {
        var rng = SeededGenerator(seed: seed)
        var next = 0, duplicates = 0, retries = 0
        var pending: (first: Int, count: Int)?
        while next < rows.count {
            let batch = pending ?? (next, min(Int.random(in: 5...90, using: &rng), rows.count - next))
            let body = batch.count % 2 == 0
                ? Fixture.json(rows[batch.first..<(batch.first + batch.count)])
                : Fixture.csv(rows[batch.first..<(batch.first + batch.count)], columns: columns)
            do {
                let reply = try await HTTP.post("\(server.base)/v1/streams/\(name)/observations?first=\(batch.first)", body,
                                                contentType: batch.count % 2 == 0 ? "application/json" : "text/csv")
                guard reply.status == 200 else {
                    retries += 1
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                if reply.object["duplicate"] as? Bool == true { duplicates += 1 }
                next = reply.object["next"] as? Int ?? next
                // An acknowledgement that "got lost": the client sends the same batch again.
                pending = Double.random(in: 0..<1, using: &rng) < 0.08 ? batch : nil
            } catch {
                retries += 1
                pending = batch
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return (duplicates, retries)
    }

    @Test func killedAtRandomPointsTheStreamsLoseNothing() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = ServerProcess(arguments: ["--database", dir.appendingPathComponent("streams.sqlite").path, "--snapshot-every", "150"], directory: dir)
        try await server.start()
        let p = 8, n = 1200, streams = 6
        let columns = Fixture.columns(p)
        var data: [[[Double]]] = []
        for s in 0..<streams {
            let rows = Fixture.rows(p: p, n: n, change: 650 + 40 * s, seed: 100 + UInt64(s))
            data.append(rows)
            try Fixture.csv(rows[...], columns: columns).write(to: dir.appendingPathComponent("s\(s).csv"), atomically: true, encoding: .utf8)
            let create = try await HTTP.post(server.base + "/v1/streams", ServerAPITests.createBody("s\(s)", settings: Self.settings, columns: columns))
            #expect(create.status == 201)
        }
        let feeders = data.enumerated().map { s, rows in
            Task { try await Self.feed(server, name: "s\(s)", rows: rows, columns: columns, seed: 7 + UInt64(s)) }
        }
        var rng = SeededGenerator(seed: 99)
        var kills = 0
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &rng)))
            server.kill()
            kills += 1
            try await server.start()
        }
        var duplicates = 0, retries = 0
        for feeder in feeders {
            let outcome = try await feeder.value
            duplicates += outcome.duplicates
            retries += outcome.retries
        }
        #expect(kills == 4)
        #expect(duplicates > 0)
        #expect(retries > 0, "no batch was in flight when the server was killed")
        for s in 0..<streams {
            let done = try await eventually(seconds: 300) {
                let status = try await HTTP.get(server.base + "/v1/streams/s\(s)").object
                return status["next"] as? Int == n && status["pendingCalibration"] as? Bool == false && status["calibrating"] as? Bool == false
            }
            #expect(done, "stream s\(s)")
            let expected = try Self.monitorEvents(csv: dir.appendingPathComponent("s\(s).csv"))
            #expect(expected.contains { $0["event"] as? String == "alarm" }, "stream s\(s)")
            expectSameEvents(try await HTTP.get(server.base + "/v1/streams/s\(s)/events").array, expected, "stream s\(s)")
        }
        server.terminate()
    }

    /// The dashboard in headless Chromium (Debian's package): the page lists every stream with its
    /// chart and alarms, and its script ran (the live line says when it last updated).
    @Test(.enabled(if: Browser.path != nil, "chromium not found (apt-get install chromium)"))
    func theDashboardShowsTheStreamsInABrowser() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = ServerProcess(arguments: ["--database", dir.appendingPathComponent("streams.sqlite").path], directory: dir)
        try await server.start()
        let columns = Fixture.columns(6)
        for (name, seed) in [("boiler-3", UInt64(8)), ("turbine-1", UInt64(9))] {
            #expect(try await HTTP.post(server.base + "/v1/streams", ServerAPITests.createBody(name, settings: ServerAPITests.nominal, columns: columns)).status == 201)
            let rows = Fixture.rows(p: 6, n: 900, change: 500, seed: seed)
            #expect(try await HTTP.post(server.base + "/v1/streams/\(name)/observations?first=0", Fixture.json(rows[...])).status == 200)
        }
        // ?live=0: the page polls without its SSE feeds, so that Chromium's virtual clock (which
        // waits for open requests) runs the script's first refresh before the DOM is dumped.
        let dom = try Browser.dumpDOM(server.base + "/?live=0", profile: dir.appendingPathComponent("chromium"))
        server.terminate()
        #expect(dom.contains(#"data-stream="boiler-3""#))
        #expect(dom.contains(#"data-stream="turbine-1""#))
        #expect(dom.components(separatedBy: "<svg").count - 1 >= 2)
        #expect(dom.contains(#"class="alarm""#))
        #expect(dom.contains("live, updated"), "the page's script did not run: \(dom.prefix(2000))")
    }

    @Test func refusesANonLoopbackAddressWithoutAToken() throws {
        let result = try Binary.run(["serve", "--host", "0.0.0.0", "--port", "0", "--database", "/tmp/ggmwatch-never-\(UUID().uuidString).sqlite"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("token"))
    }
}

/// Headless Chromium (Debian's `chromium`).
enum Browser {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The page's DOM after its scripts ran for 5 seconds of virtual time (a page that keeps a
    /// request open, as an SSE feed does, stops that clock: the test loads the dashboard with ?live=0).
    static func dumpDOM(_ url: String, profile: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                             "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000", "--dump-dom", url]
        let out = profile.deletingLastPathComponent().appendingPathComponent("dom.html")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A page that keeps connections open must not hang the test: Chromium gets 60 s.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate(); Issue.record("chromium did not finish within 60 s") }
        process.waitUntilExit()
        return try String(contentsOf: out, encoding: .utf8)
    }
}
