import Foundation
import GGMCore
@testable import GGMServer
import Testing

/// Several `ggmwatch serve` processes on one PostgreSQL database (`GGMWATCH_POSTGRES_URL`; `.ci/run`
/// starts a server with `scripts/test-postgres.sh`): any process takes any stream's requests, each
/// stream is processed by the holder of its lease, and when a process is killed its streams are
/// taken over within a few seconds with no accepted batch lost: every stream's events are those of
/// one uninterrupted `ggmwatch monitor` run.
@Suite("ggmwatch serve: several processes on PostgreSQL", .serialized,
       .enabled(if: Binary.url != nil && !(ProcessInfo.processInfo.environment["GGMWATCH_POSTGRES_URL"] ?? "").isEmpty,
                "set GGMWATCH_POSTGRES_URL (scripts/test-postgres.sh start DIR prints one)"))
struct ServerPostgresTests {
    static var url: String { ProcessInfo.processInfo.environment["GGMWATCH_POSTGRES_URL"] ?? "" }
    static let lease = 3.0

    static func server(_ id: String, _ dir: URL) -> ServerProcess {
        let sub = dir.appendingPathComponent(id)
        try? FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        return ServerProcess(arguments: ["--postgres", url, "--server-id", id, "--lease-seconds", String(lease), "--snapshot-every", "200"], directory: sub)
    }

    @Test func streamsSurviveTheDeathOfTheProcessThatHeldThem() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = Self.server("A-\(UUID().uuidString.prefix(6))", dir), b = Self.server("B-\(UUID().uuidString.prefix(6))", dir)
        try await a.start()
        try await b.start()
        let p = 8, n = 1200, streams = 4
        let columns = Fixture.columns(p)
        let prefix = "pg\(UUID().uuidString.prefix(8).lowercased())"
        var data: [[[Double]]] = []
        for s in 0..<streams {
            let rows = Fixture.rows(p: p, n: n, change: 650 + 40 * s, seed: 300 + UInt64(s))
            data.append(rows)
            try Fixture.csv(rows[...], columns: columns).write(to: dir.appendingPathComponent("s\(s).csv"), atomically: true, encoding: .utf8)
            // Half the streams are created on each process (each then holds its own).
            let creator = s % 2 == 0 ? a : b
            let create = try await HTTP.post(creator.base + "/v1/streams", ServerAPITests.createBody("\(prefix)-\(s)", settings: ServerProcessTests.settings, columns: columns))
            #expect(create.status == 201, "\(create.text)")
        }
        // Requests go to either process: a process that does not hold the stream forwards them.
        let feeders = data.enumerated().map { s, rows in
            Task { try await Self.feed(servers: [a, b], name: "\(prefix)-\(s)", rows: rows, columns: columns, seed: 17 + UInt64(s)) }
        }
        try await Task.sleep(for: .milliseconds(700))
        // Kill A while batches are in flight; B must take A's streams over once their leases expire.
        let killed = Date()
        a.kill()
        // The takeover time is B's own record of when it took the stream (`heldSince`, whole
        // seconds), not when this test saw it: the test process's threads may be busy with other
        // suites for a while.
        var takeover: Double?
        let aStream = "\(prefix)-0"
        for _ in 0..<300 {
            if let status = try? await HTTP.get(b.base + "/v1/streams/\(aStream)"), status.status == 200,
               let owner = status.object["owner"] as? String, owner.hasPrefix("B-"),
               let text = status.object["heldSince"] as? String, let held = ISO8601DateFormatter().date(from: text) {
                takeover = held.timeIntervalSince(killed)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let seconds = try #require(takeover, "B never took over \(aStream): \(b.log)")
        #expect(seconds < Self.lease + 4, "taken over after \(seconds) s")
        print("ggmwatch serve on PostgreSQL: \(aStream) taken over by B \(String(format: "%.0f", seconds)) s (whole seconds) after A was killed (lease \(Self.lease) s)")
        // A comes back (as a new process); requests are shared again.
        let a2 = Self.server("A2-\(UUID().uuidString.prefix(6))", dir)
        try await a2.start()
        var retries = 0
        for feeder in feeders { retries += try await feeder.value }
        #expect(retries > 0, "no request failed while A was down")
        for s in 0..<streams {
            let name = "\(prefix)-\(s)"
            let done = try await eventually(seconds: 300) {
                let status = try await HTTP.get(a2.base + "/v1/streams/\(name)").object
                return status["next"] as? Int == n && status["pendingCalibration"] as? Bool == false && status["calibrating"] as? Bool == false
            }
            #expect(done, "stream \(name)")
            let expected = try ServerProcessTests.monitorEvents(csv: dir.appendingPathComponent("s\(s).csv"))
            #expect(expected.contains { $0["event"] as? String == "alarm" })
            expectSameEvents(try await HTTP.get(a2.base + "/v1/streams/\(name)/events").array, expected, "stream \(name)")
        }
        let listed = try await HTTP.get(b.base + "/v1/streams").object["streams"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["name"] as? String }.filter { $0.hasPrefix(prefix) }).count == streams)
        for s in 0..<streams {
            let request = try await HTTP.request("DELETE", b.base + "/v1/streams/\(prefix)-\(s)")
            #expect(request.status == 204)
        }
        b.terminate()
        a2.terminate()
    }

    /// Feeds a stream through any of `servers` (round robin over the live ones), resending on failure.
    static func feed(servers: [ServerProcess], name: String, rows: [[Double]], columns: [String], seed: UInt64) async throws -> Int {
        var rng = SeededGenerator(seed: seed)
        var next = 0, retries = 0, k = 0
        while next < rows.count {
            let count = min(Int.random(in: 5...60, using: &rng), rows.count - next)
            let server = servers[k % servers.count]
            k += 1
            do {
                let reply = try await HTTP.post("\(server.base)/v1/streams/\(name)/observations?first=\(next)", Fixture.json(rows[next..<(next + count)]))
                if reply.status == 200, let acknowledged = reply.object["next"] as? Int {
                    next = acknowledged
                } else {
                    retries += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            } catch {
                retries += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return retries
    }
}
