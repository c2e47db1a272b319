import Foundation

/// A stream as created: its name, columns and settings as given.
public struct StreamDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var columns: [String]
    public var settings: [String: JSONValue]
    public var created: Date

    public init(name: String, columns: [String], settings: [String: JSONValue], created: Date = Date()) {
        self.name = name
        self.columns = columns
        self.settings = settings
        self.created = created
    }
}

/// Rows a stream applied, stored before they are acknowledged: stream rows `first ..< first + rows.count`.
public struct StoredBatch: Sendable, Equatable {
    public var first: Int
    public var rows: [[Double]]
    public var labels: [String]?

    public init(first: Int, rows: [[Double]], labels: [String]?) {
        self.first = first
        self.rows = rows
        self.labels = labels
    }

    /// The rows as little-endian IEEE doubles, row after row (exact, 8 bytes a value).
    public var encodedRows: Data {
        var data = Data(capacity: rows.count * (rows.first?.count ?? 0) * 8)
        for row in rows {
            for x in row {
                withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    public var encodedLabels: Data? {
        labels.map { (try? JSONEncoder().encode($0)) ?? Data() }
    }

    /// The batch read back; nil when the blob does not hold `count` rows of `width` values.
    public init?(first: Int, count: Int, width: Int, rows data: Data, labels: Data?) {
        guard width > 0, data.count == count * width * 8 else { return nil }
        var rows: [[Double]] = []
        rows.reserveCapacity(count)
        data.withUnsafeBytes { raw in
            for r in 0..<count {
                var row = [Double](repeating: 0, count: width)
                for j in 0..<width {
                    let bits = raw.loadUnaligned(fromByteOffset: (r * width + j) * 8, as: UInt64.self)
                    row[j] = Double(bitPattern: UInt64(littleEndian: bits))
                }
                rows.append(row)
            }
        }
        var decodedLabels: [String]?
        if let labels {
            guard let l = try? JSONDecoder().decode([String].self, from: labels), l.count == count else { return nil }
            decodedLabels = l
        }
        self.init(first: first, rows: rows, labels: decodedLabels)
    }
}

/// What a store holds of one stream: its definition, the last snapshot of its state (taken after
/// `snapshotNext` rows) and every batch after it, in order. Restoring is: decode the snapshot,
/// apply the batches.
public struct StoredStream: Sendable {
    public var definition: StreamDefinition
    public var snapshot: Data?
    public var snapshotNext: Int
    public var batches: [StoredBatch]
}

/// Why a store refused or failed.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stream of that name exists.
    case exists(String)
    /// No stream of that name.
    case notFound(String)
    /// The stream is processed by another server process (PostgreSQL leases).
    case leasedElsewhere(stream: String, owner: String, address: String?)
    /// The storage failed (disk, database connection): nothing was stored.
    case failed(String)
    /// What was stored cannot be read back.
    case corrupt(stream: String, reason: String)

    public var description: String {
        switch self {
        case let .exists(name): return "a stream named \(name) exists"
        case let .notFound(name): return "no stream named \(name)"
        case let .leasedElsewhere(stream, owner, _): return "stream \(stream) is processed by server \(owner)"
        case let .failed(reason): return "storage failed: \(reason)"
        case let .corrupt(stream, reason): return "stored stream \(stream) cannot be read: \(reason)"
        }
    }
}

/// Durable storage of streams: what the service acknowledged is stored before the reply.
///
/// A batch is appended (`append`) and made durable before its reply; a snapshot
/// (`saveSnapshot`) replaces the state and drops the batches it covers. Implementations:
/// ``SQLiteStore`` (the default, one file, nothing to install) and ``PostgresStore`` (several
/// server processes sharing streams through leases).
public protocol StreamStore: Sendable {
    /// Creates a stream with its initial state; ``StoreError/exists(_:)`` if the name is taken.
    func create(_ definition: StreamDefinition, snapshot: Data) async throws(StoreError)
    /// Removes a stream and everything stored of it; false when there was none.
    func delete(_ name: String) async throws(StoreError) -> Bool
    /// The names of the stored streams.
    func names() async throws(StoreError) -> [String]
    /// One stream's definition, snapshot and the batches after it (nil: no such stream).
    func load(_ name: String) async throws(StoreError) -> StoredStream?
    /// Stores a batch durably (the rows the stream applied).
    func append(_ name: String, batch: StoredBatch) async throws(StoreError)
    /// Replaces the stream's snapshot with its state after `next` rows and drops the batches before it.
    func saveSnapshot(_ name: String, next: Int, state: Data) async throws(StoreError)

    // Leases: which process processes a stream when several share the store.

    /// Whether several processes may share this store (then streams are leased).
    var sharesStreams: Bool { get }
    /// How often the leases are renewed (nil: no leases).
    var heartbeatSeconds: Double? { get }
    /// Takes (or renews) the lease of a stream for this process, advertised at `url`.
    func acquire(_ name: String, url: String) async throws(StoreError) -> Lease
    /// Renews this process's leases (advertised at `url`); returns the names whose lease it still holds.
    func renew(_ names: [String], url: String) async throws(StoreError) -> Set<String>
    /// Gives a lease up (a graceful stop), so that another process takes the stream at once.
    func release(_ names: [String]) async
    /// Streams no live process holds (never leased, released, or whose lease expired).
    func unleased() async throws(StoreError) -> [String]
}

/// Who processes a stream.
public enum Lease: Sendable, Equatable {
    /// This process: it may apply batches.
    case granted
    /// Another process, reachable at `url`, until its lease expires.
    case heldBy(owner: String, url: String)
    /// No such stream.
    case missing
}

/// A store used by one process: every lease is granted.
public protocol ExclusiveStreamStore: StreamStore {}

extension ExclusiveStreamStore {
    public var sharesStreams: Bool { false }
    public var heartbeatSeconds: Double? { nil }
    public func acquire(_ name: String, url: String) async throws(StoreError) -> Lease {
        try await load(name) == nil ? .missing : .granted
    }
    public func renew(_ names: [String], url: String) async throws(StoreError) -> Set<String> { Set(names) }
    public func release(_ names: [String]) async {}
    public func unleased() async throws(StoreError) -> [String] { try await names() }
}
