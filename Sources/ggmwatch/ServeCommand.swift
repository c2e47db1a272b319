import ArgumentParser
import Foundation
import GGMServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Watch many named streams over HTTP, with state that survives a crash.",
        discussion: """
        The API is JSON under /v1 (described by GET /openapi.json): POST /v1/streams creates a stream \
        ({"name", "columns", "settings"} with the monitor's options by their library names), POST \
        /v1/streams/NAME/observations?first=K takes a batch of rows (text/csv or JSON) and replies with \
        the events it raised, GET /v1/streams/NAME/events?after=SEQ and .../events/live (Server-Sent \
        Events) give the events. GET / is a live dashboard, GET /metrics Prometheus metrics.

        Every accepted batch is stored (SQLite in write-ahead-log mode with full sync, or PostgreSQL) \
        before the reply: after a crash or kill -9 the server restarts every stream from its last \
        accepted batch. Calibrations run in the background; a reply says when alarms are pending one.

        With --postgres several serve processes share the streams: each stream is processed by one \
        process at a time (a lease with a heartbeat), the others forward its requests to the owner \
        and take it over when the owner stops renewing its lease.
        """)

    @Option(help: "Address to bind. A non-loopback address needs --token or --token-file.")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0: any free port; the port is printed once listening).")
    var port = 8080

    @Option(help: "Token every write (POST, DELETE) must carry as 'Authorization: Bearer TOKEN'.")
    var token: String?

    @Option(name: .customLong("token-file"), help: "File whose first line is the token (keeps it out of the process list).")
    var tokenFile: String?

    @Option(help: "SQLite database file (created if missing): the embedded store.")
    var database = "ggmwatch.sqlite"

    @Option(help: "PostgreSQL connection URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE) instead of SQLite: several processes share the streams.")
    var postgres: String?

    @Option(name: .customLong("server-id"), help: "This process's name among those sharing a PostgreSQL database (default: host:port).")
    var serverID: String?

    @Option(name: .customLong("advertise"), help: "The URL other processes forward this process's streams' requests to (default: http://HOST:PORT).")
    var advertise: String?

    @Option(name: .customLong("lease-seconds"), help: "With --postgres: a stream's lease lasts this long unless renewed (renewed every third of it).")
    var leaseSeconds: Double = 6

    @Option(name: .customLong("max-batch-rows"), help: "Most rows in one batch.")
    var maxBatchRows = 10_000

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body, in bytes.")
    var maxBodyBytes = 16 << 20

    @Option(name: .customLong("snapshot-every"), help: "A stream's state is snapshotted every this many rows (the batches since are replayed at start-up).")
    var snapshotEvery = 2_000

    @Option(name: .customLong("port-file"), help: "Write the port to this file once listening (for scripts with --port 0).")
    var portFile: String?

    func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("Give --token or --token-file, not both.") }
        guard maxBatchRows >= 1 else { throw ValidationError("--max-batch-rows must be at least 1.") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024.") }
        guard snapshotEvery >= 1 else { throw ValidationError("--snapshot-every must be at least 1.") }
        guard leaseSeconds >= 1, leaseSeconds.isFinite else { throw ValidationError("--lease-seconds must be at least 1.") }
    }

    func run() throws {
        let command = self
        try runBlocking { try await command.serve() }
    }

    func serve() async throws {
        var configuration = ServiceConfiguration()
        configuration.host = host
        configuration.port = port
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("Cannot read the token file \(tokenFile).")
            }
            configuration.token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        } else {
            configuration.token = token
        }
        configuration.limits.maxBatchRows = maxBatchRows
        configuration.limits.maxBodyBytes = maxBodyBytes
        configuration.limits.snapshotEvery = snapshotEvery
        if let problem = configuration.problem { throw ValidationError(problem.prefix(1).uppercased() + problem.dropFirst() + ".") }

        configuration.advertisedURL = advertise
        let store: any StreamStore
        if let postgres {
            let id = serverID ?? "\(host):\(port)-\(ProcessInfo.processInfo.processIdentifier)"
            configuration.serverID = id
            store = try await PostgresStore(url: postgres, serverID: id, leaseSeconds: leaseSeconds)
        } else {
            store = try SQLiteStore(path: database)
        }
        let service = try await StreamService(configuration: configuration, store: store)
        let streams = await service.streamCount
        let portFile = self.portFile, host = self.host, advertise = self.advertise, portGiven = configuration.port
        let app = service.application(onListening: { port in
            if advertise == nil && portGiven == 0 {
                service.setAdvertisedURL("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            }
            FileHandle.standardError.write(Data("ggmwatch serve: listening on http://\(host):\(port) (\(streams) stream\(streams == 1 ? "" : "s") restored)\n".utf8))
            if let portFile { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
        })
        try await app.runService()
        await service.shutdown()
    }
}
