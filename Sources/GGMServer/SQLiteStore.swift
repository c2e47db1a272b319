import Foundation
import GRDB

/// The embedded store: one SQLite file (through GRDB) in write-ahead-log mode with
/// `synchronous = FULL`, so that an acknowledged batch survives a `kill -9` and a power cut.
/// Every statement is parameterized.
public final class SQLiteStore: ExclusiveStreamStore, @unchecked Sendable {
    private let pool: DatabasePool
    public let path: String

    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS streams (
                        name TEXT PRIMARY KEY NOT NULL,
                        definition BLOB NOT NULL,
                        snapshot BLOB,
                        snapshot_next INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE IF NOT EXISTS batches (
                        stream TEXT NOT NULL REFERENCES streams(name) ON DELETE CASCADE,
                        first INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        width INTEGER NOT NULL,
                        rows BLOB NOT NULL,
                        labels BLOB,
                        PRIMARY KEY (stream, first));
                    """)
            }
        } catch {
            throw .failed("cannot open the database \(path): \(error)")
        }
    }

    private func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .failed("\(what): \(error)")
        }
    }

    public func create(_ definition: StreamDefinition, snapshot: Data) async throws(StoreError) {
        let encoded: Data
        do { encoded = try JSONEncoder().encode(definition) } catch { throw .failed("cannot encode the stream's definition: \(error)") }
        try await run("create \(definition.name)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM streams WHERE name = ?", arguments: [definition.name]) != nil {
                throw StoreError.exists(definition.name)
            }
            try db.execute(sql: "INSERT INTO streams (name, definition, snapshot, snapshot_next) VALUES (?, ?, ?, 0)",
                           arguments: [definition.name, encoded, snapshot])
        }
    }

    public func delete(_ name: String) async throws(StoreError) -> Bool {
        try await run("delete \(name)") { db in
            try db.execute(sql: "DELETE FROM batches WHERE stream = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM streams WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func names() async throws(StoreError) -> [String] {
        do {
            return try await pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM streams ORDER BY name") }
        } catch {
            throw .failed("list streams: \(error)")
        }
    }

    public func load(_ name: String) async throws(StoreError) -> StoredStream? {
        let loaded: (Data, Data?, Int, [(Int, Int, Int, Data, Data?)])?
        do {
            loaded = try await pool.read { db -> (Data, Data?, Int, [(Int, Int, Int, Data, Data?)])? in
                guard let row = try Row.fetchOne(db, sql: "SELECT definition, snapshot, snapshot_next FROM streams WHERE name = ?",
                                                 arguments: [name]) else { return nil }
                let batches = try Row.fetchAll(db, sql: "SELECT first, count, width, rows, labels FROM batches WHERE stream = ? ORDER BY first",
                                               arguments: [name])
                    .map { ($0["first"] as Int, $0["count"] as Int, $0["width"] as Int, $0["rows"] as Data, $0["labels"] as Data?) }
                return (row["definition"], row["snapshot"], row["snapshot_next"], batches)
            }
        } catch {
            throw .failed("load \(name): \(error)")
        }
        guard let (definitionData, snapshot, snapshotNext, rawBatches) = loaded else { return nil }
        let definition: StreamDefinition
        do { definition = try JSONDecoder().decode(StreamDefinition.self, from: definitionData) } catch {
            throw .corrupt(stream: name, reason: "its definition: \(error)")
        }
        var batches: [StoredBatch] = []
        for (first, count, width, rows, labels) in rawBatches {
            guard let batch = StoredBatch(first: first, count: count, width: width, rows: rows, labels: labels) else {
                throw .corrupt(stream: name, reason: "the batch at row \(first) does not hold \(count) rows of \(width) values")
            }
            batches.append(batch)
        }
        return StoredStream(definition: definition, snapshot: snapshot, snapshotNext: snapshotNext, batches: batches)
    }

    public func append(_ name: String, batch: StoredBatch) async throws(StoreError) {
        let rows = batch.encodedRows, labels = batch.encodedLabels
        let count = batch.rows.count, width = batch.rows.first?.count ?? 0, first = batch.first
        try await run("store a batch of \(name)") { db in
            try db.execute(sql: "INSERT INTO batches (stream, first, count, width, rows, labels) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [name, first, count, width, rows, labels])
        }
    }

    public func acquire(_ name: String, url: String) async throws(StoreError) -> Lease {
        do {
            let exists = try await pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM streams WHERE name = ?", arguments: [name]) != nil }
            return exists ? .granted : .missing
        } catch {
            throw .failed("look up \(name): \(error)")
        }
    }

    public func saveSnapshot(_ name: String, next: Int, state: Data) async throws(StoreError) {
        try await run("snapshot \(name)") { db in
            try db.execute(sql: "UPDATE streams SET snapshot = ?, snapshot_next = ? WHERE name = ?", arguments: [state, next, name])
            guard db.changesCount > 0 else { throw StoreError.notFound(name) }
            try db.execute(sql: "DELETE FROM batches WHERE stream = ? AND first + count <= ?", arguments: [name, next])
        }
    }
}
