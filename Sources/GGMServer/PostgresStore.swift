import Foundation
import Logging
import PostgresNIO

/// The shared store: PostgreSQL (through postgres-nio), for several `ggmwatch serve` processes
/// that share the streams. Each stream is processed by one process at a time, the holder of its
/// **lease** (`owner`, `owner_url`, `lease_until` on the stream's row), renewed by a heartbeat
/// every third of ``leaseSeconds``. A process takes a stream over when its lease expired.
///
/// Every write of a stream's data is **fenced** by the lease: a batch is inserted, a snapshot
/// replaced, only while this process holds the stream's unexpired lease, in the same statement.
/// A process that lost its lease (paused past its expiry, its stream taken over) therefore can
/// acknowledge nothing more of that stream; the new holder continues from exactly the batches
/// stored. Every statement is parameterized (postgres-nio's interpolation binds values).
public final class PostgresStore: StreamStore, @unchecked Sendable {
    public let serverID: String
    public let leaseSeconds: Double
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger

    public var sharesStreams: Bool { true }
    public var heartbeatSeconds: Double? { leaseSeconds / 3 }

    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`) and creates the tables if needed.
    public init(url: String, serverID: String, leaseSeconds: Double = 6) async throws(StoreError) {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, let user = parts.user else {
            throw .failed("the PostgreSQL URL must read postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (got \(url))")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        var configuration = PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: user,
                                                         password: parts.password, database: database.isEmpty ? nil : database,
                                                         tls: .disable)
        configuration.options.maximumConnections = 8
        var log = Logger(label: "ggmwatch.postgres")
        log.logLevel = .warning
        logger = log
        let client = PostgresClient(configuration: configuration, backgroundLogger: log)
        self.client = client
        self.serverID = serverID
        self.leaseSeconds = leaseSeconds
        runner = Task { await client.run() }
        do {
            try await client.withTransaction(logger: log) { connection in
                // One process at a time creates the tables (CREATE ... IF NOT EXISTS races otherwise).
                try await connection.query("SELECT pg_advisory_xact_lock(74720011)", logger: log)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS ggmwatch_streams (
                        name TEXT PRIMARY KEY,
                        definition BYTEA NOT NULL,
                        snapshot BYTEA,
                        snapshot_next BIGINT NOT NULL DEFAULT 0,
                        owner TEXT,
                        owner_url TEXT,
                        lease_until TIMESTAMPTZ)
                    """, logger: log)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS ggmwatch_batches (
                        stream TEXT NOT NULL REFERENCES ggmwatch_streams(name) ON DELETE CASCADE,
                        first_row BIGINT NOT NULL,
                        row_count BIGINT NOT NULL,
                        width BIGINT NOT NULL,
                        rows BYTEA NOT NULL,
                        labels BYTEA,
                        PRIMARY KEY (stream, first_row))
                    """, logger: log)
            }
        } catch {
            runner.cancel()
            throw .failed("cannot prepare the PostgreSQL database at \(host): \(String(reflecting: error))")
        }
    }

    deinit { runner.cancel() }

    /// Closes the connections.
    public func close() { runner.cancel() }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw .failed("\(what): \(String(reflecting: error))")
        }
    }

    private var lease: Double { leaseSeconds }

    public func create(_ definition: StreamDefinition, snapshot: Data) async throws(StoreError) {
        let encoded: Data
        do { encoded = try JSONEncoder().encode(definition) } catch { throw .failed("cannot encode the stream's definition: \(error)") }
        let name = definition.name, me = serverID, lease = lease
        let url = ""
        let created = try await run("create \(name)") { () async throws -> Bool in
            let rows = try await client.query("""
                INSERT INTO ggmwatch_streams (name, definition, snapshot, snapshot_next, owner, owner_url, lease_until)
                VALUES (\(name), \(encoded), \(snapshot), 0, \(me), \(url), now() + make_interval(secs => \(lease)))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
        guard created else { throw .exists(name) }
    }

    public func delete(_ name: String) async throws(StoreError) -> Bool {
        try await run("delete \(name)") { () async throws -> Bool in
            let rows = try await client.query("DELETE FROM ggmwatch_streams WHERE name = \(name) RETURNING name", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func names() async throws(StoreError) -> [String] {
        try await run("list streams") { () async throws -> [String] in
            var out: [String] = []
            for try await name in try await client.query("SELECT name FROM ggmwatch_streams ORDER BY name", logger: logger).decode(String.self) {
                out.append(name)
            }
            return out
        }
    }

    public func load(_ name: String) async throws(StoreError) -> StoredStream? {
        let loaded = try await run("load \(name)") { () async throws -> (Data, Data?, Int, [StoredBatch?])? in
            var head: (Data, Data?, Int)?
            for try await row in try await client.query(
                "SELECT definition, snapshot, snapshot_next FROM ggmwatch_streams WHERE name = \(name)", logger: logger
            ).decode((Data, Data?, Int).self) {
                head = row
            }
            guard let head else { return nil }
            var batches: [StoredBatch?] = []
            for try await (first, count, width, rows, labels) in try await client.query(
                "SELECT first_row, row_count, width, rows, labels FROM ggmwatch_batches WHERE stream = \(name) ORDER BY first_row",
                logger: logger
            ).decode((Int, Int, Int, Data, Data?).self) {
                batches.append(StoredBatch(first: first, count: count, width: width, rows: rows, labels: labels))
            }
            return (head.0, head.1, head.2, batches)
        }
        guard let (definitionData, snapshot, snapshotNext, rawBatches) = loaded else { return nil }
        let definition: StreamDefinition
        do { definition = try JSONDecoder().decode(StreamDefinition.self, from: definitionData) } catch {
            throw .corrupt(stream: name, reason: "its definition: \(error)")
        }
        var batches: [StoredBatch] = []
        for batch in rawBatches {
            guard let batch else { throw .corrupt(stream: name, reason: "a stored batch does not hold the rows it says") }
            batches.append(batch)
        }
        return StoredStream(definition: definition, snapshot: snapshot, snapshotNext: snapshotNext, batches: batches)
    }

    /// Why a fenced write did nothing: the stream is gone, or another process holds it.
    private func fenceFailure(_ name: String) async -> StoreError {
        do {
            for try await (owner, url) in try await client.query(
                "SELECT owner, owner_url FROM ggmwatch_streams WHERE name = \(name)", logger: logger
            ).decode((String?, String?).self) {
                return .leasedElsewhere(stream: name, owner: owner ?? "none", address: url)
            }
            return .notFound(name)
        } catch {
            return .failed("look up \(name): \(String(reflecting: error))")
        }
    }

    public func append(_ name: String, batch: StoredBatch) async throws(StoreError) {
        let rows = batch.encodedRows, labels = batch.encodedLabels
        let count = batch.rows.count, width = batch.rows.first?.count ?? 0, first = batch.first, me = serverID
        let stored = try await run("store a batch of \(name)") { () async throws -> Bool in
            let result = try await client.query("""
                INSERT INTO ggmwatch_batches (stream, first_row, row_count, width, rows, labels)
                SELECT name, \(first), \(count), \(width), \(rows), \(labels) FROM ggmwatch_streams
                WHERE name = \(name) AND owner = \(me) AND lease_until > now()
                RETURNING first_row
                """, logger: logger)
            for try await _ in result { return true }
            return false
        }
        guard stored else { throw await fenceFailure(name) }
    }

    public func saveSnapshot(_ name: String, next: Int, state: Data) async throws(StoreError) {
        let me = serverID, logger = logger
        let saved = try await run("snapshot \(name)") { () async throws -> Bool in
            try await client.withTransaction(logger: logger) { connection in
                let result = try await connection.query("""
                    UPDATE ggmwatch_streams SET snapshot = \(state), snapshot_next = \(next)
                    WHERE name = \(name) AND owner = \(me) AND lease_until > now() RETURNING name
                    """, logger: logger)
                var updated = false
                for try await _ in result { updated = true }
                guard updated else { return false }
                try await connection.query(
                    "DELETE FROM ggmwatch_batches WHERE stream = \(name) AND first_row + row_count <= \(next)", logger: logger)
                return true
            }
        }
        guard saved else { throw await fenceFailure(name) }
    }

    public func acquire(_ name: String, url: String) async throws(StoreError) -> Lease {
        let me = serverID, lease = lease
        return try await run("lease \(name)") { () async throws -> Lease in
            let result = try await client.query("""
                UPDATE ggmwatch_streams SET owner = \(me), owner_url = \(url), lease_until = now() + make_interval(secs => \(lease))
                WHERE name = \(name) AND (owner IS NULL OR owner = \(me) OR lease_until IS NULL OR lease_until < now())
                RETURNING name
                """, logger: logger)
            for try await _ in result { return .granted }
            for try await (owner, ownerURL) in try await client.query(
                "SELECT owner, owner_url FROM ggmwatch_streams WHERE name = \(name)", logger: logger
            ).decode((String?, String?).self) {
                return .heldBy(owner: owner ?? "", url: ownerURL ?? "")
            }
            return .missing
        }
    }

    public func renew(_ names: [String], url: String) async throws(StoreError) -> Set<String> {
        guard !names.isEmpty else { return [] }
        let me = serverID, lease = lease
        return try await run("renew leases") { () async throws -> Set<String> in
            var held: Set<String> = []
            for try await name in try await client.query("""
                UPDATE ggmwatch_streams SET lease_until = now() + make_interval(secs => \(lease)), owner_url = \(url)
                WHERE owner = \(me) AND name = ANY(\(names)) RETURNING name
                """, logger: logger).decode(String.self) {
                held.insert(name)
            }
            return held
        }
    }

    public func release(_ names: [String]) async {
        guard !names.isEmpty else { return }
        let me = serverID
        _ = try? await client.query(
            "UPDATE ggmwatch_streams SET owner = NULL, owner_url = NULL, lease_until = NULL WHERE owner = \(me) AND name = ANY(\(names))",
            logger: logger)
    }

    public func unleased() async throws(StoreError) -> [String] {
        try await run("list unleased streams") { () async throws -> [String] in
            var out: [String] = []
            for try await name in try await client.query(
                "SELECT name FROM ggmwatch_streams WHERE owner IS NULL OR lease_until IS NULL OR lease_until < now() ORDER BY name",
                logger: logger
            ).decode(String.self) {
                out.append(name)
            }
            return out
        }
    }
}
