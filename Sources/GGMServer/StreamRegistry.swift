import Foundation
import GGMDetection

/// The streams this process serves, by name: created, restored from the store at start-up,
/// deleted. Each stream is a ``StreamHost``.
actor StreamRegistry {
    private var hosts: [String: StreamHost] = [:]
    let store: any StreamStore
    let metrics: ServiceMetrics
    let calibrations: CalibrationQueue
    let limits: ServiceLimits

    /// This process's name when several share the store.
    let serverID: String?

    init(store: any StreamStore, metrics: ServiceMetrics, limits: ServiceLimits, advertisedURL: String, serverID: String? = nil) {
        self.advertisedURL = advertisedURL
        self.serverID = serverID
        calibrations = CalibrationQueue(metrics: metrics)
        self.store = store
        self.metrics = metrics
        self.limits = limits
    }

    enum CreateFailure: Error, Sendable {
        case name(String)
        case columns(String)
        case settings(SettingsError)
        case store(StoreError)
        case limit(String)
    }

    /// Creates a stream: name, columns and settings checked, the initial state stored.
    func create(name: String, columns: [String], settings: [String: JSONValue]) async throws(CreateFailure) -> StreamHost {
        if let problem = StreamName.problem(name) { throw .name(problem) }
        guard hosts[name] == nil else { throw .store(.exists(name)) }
        guard hosts.count < limits.maxStreams else { throw .limit("this server holds its maximum of \(limits.maxStreams) streams") }
        guard columns.count >= 2 else { throw .columns("a stream needs at least 2 columns (got \(columns.count))") }
        guard columns.count <= limits.maxColumns else { throw .columns("a stream has at most \(limits.maxColumns) columns (got \(columns.count))") }
        if let empty = columns.firstIndex(where: { $0.isEmpty }) { throw .columns("column \(empty + 1) has an empty name") }
        var seen: [String: Int] = [:]
        for (i, c) in columns.enumerated() {
            if let j = seen[c] { throw .columns("column \(i + 1) has the name of column \(j + 1), \"\(c)\"; names must be unique") }
            seen[c] = i
        }
        let definition = StreamDefinition(name: name, columns: columns, settings: settings)
        let served: ServedStream
        do { served = try ServedStream(definition: definition) } catch { throw .settings(error) }
        let state: Data
        do { state = try JSONEncoder().encode(served) } catch { throw .store(.failed("cannot encode the stream's state: \(error)")) }
        do {
            try await store.create(definition, snapshot: state)
            if store.sharesStreams { _ = try await store.acquire(name, url: advertisedURL) }
        } catch {
            throw .store(error)
        }
        // A concurrent create of the same name lost in the store.
        if let existing = hosts[name] { _ = existing; throw .store(.exists(name)) }
        let host = makeHost(definition: definition, served: served)
        hosts[name] = host
        metrics.streamCount(hosts.count)
        return host
    }

    private func makeHost(definition: StreamDefinition, served: ServedStream) -> StreamHost {
        StreamHost(definition: definition, served: served, store: store, metrics: metrics, calibrations: calibrations,
                   snapshotEvery: limits.snapshotEvery, owner: serverID)
    }

    func host(_ name: String) -> StreamHost? { hosts[name] }

    /// Where a stream is processed, as seen by this process.
    enum Resolution: Sendable {
        case local(StreamHost)
        /// Another process holds the stream's lease: forward to `url`.
        case remote(owner: String, url: String)
        case missing
    }

    /// The URL other processes forward this one's streams' requests to.
    private(set) var advertisedURL = ""
    func setAdvertisedURL(_ url: String) { advertisedURL = url }

    /// Finds a stream: served here, taken over here (its lease was free or expired), or held elsewhere.
    func resolve(_ name: String) async throws(StoreError) -> Resolution {
        if let host = hosts[name] { return .local(host) }
        guard StreamName.problem(name) == nil else { return .missing }
        switch try await store.acquire(name, url: advertisedURL) {
        case .missing: return .missing
        case let .heldBy(owner, url): return .remote(owner: owner, url: url)
        case .granted:
            if let host = hosts[name] { return .local(host) }
            guard let host = try await restore(name) else { return .missing }
            return .local(host)
        }
    }

    /// Forgets a stream this process no longer holds (its lease was taken over): the next request
    /// for it resolves to the holder.
    func drop(_ name: String) async {
        guard let host = hosts.removeValue(forKey: name) else { return }
        await host.close()
        metrics.remove(stream: name)
        metrics.streamCount(hosts.count)
    }

    /// One heartbeat (several processes on one store): renews this process's leases, drops the
    /// streams whose lease was lost (another process took them over), and takes over the streams
    /// no live process holds. Returns the names taken over.
    @discardableResult
    func heartbeat() async -> [String] {
        guard store.sharesStreams else { return [] }
        do {
            let held = try await store.renew(Array(hosts.keys), url: advertisedURL)
            for name in hosts.keys where !held.contains(name) {
                if let host = hosts.removeValue(forKey: name) { await host.close() }
                metrics.remove(stream: name)
            }
            var taken: [String] = []
            for name in try await store.unleased() where hosts[name] == nil {
                if case .granted = try await store.acquire(name, url: advertisedURL), hosts[name] == nil,
                   try await restore(name) != nil {
                    taken.append(name)
                }
            }
            metrics.streamCount(hosts.count)
            return taken
        } catch {
            metrics.storageError()
            return []
        }
    }

    /// Every stream, by name.
    func all() -> [StreamHost] { hosts.keys.sorted().map { hosts[$0]! } }

    func delete(_ name: String) async throws(StoreError) -> Bool {
        let existed = try await store.delete(name)
        guard let host = hosts.removeValue(forKey: name) else { return existed }
        await host.close()
        metrics.remove(stream: name)
        metrics.streamCount(hosts.count)
        return true
    }

    /// Loads one stored stream: its snapshot, then its batches replayed; a pending calibration restarts.
    func restore(_ name: String) async throws(StoreError) -> StreamHost? {
        guard let stored = try await store.load(name) else { return nil }
        var served: ServedStream
        if let snapshot = stored.snapshot {
            do { served = try JSONDecoder().decode(ServedStream.self, from: snapshot) } catch {
                throw .corrupt(stream: name, reason: "its snapshot: \(error)")
            }
        } else {
            do { served = try ServedStream(definition: stored.definition) } catch {
                throw .corrupt(stream: name, reason: "its settings: \(error)")
            }
        }
        guard served.stream.next == stored.snapshotNext else {
            throw .corrupt(stream: name, reason: "the snapshot holds \(served.stream.next) rows, its record says \(stored.snapshotNext)")
        }
        let host = makeHost(definition: stored.definition, served: served)
        try await host.replay(stored.batches)
        // Two requests may have restored the stream at once: the first one in serves, the other copy is dropped unused.
        if let existing = hosts[name] { return existing }
        hosts[name] = host
        metrics.streamCount(hosts.count)
        await host.startCalibrationIfNeeded()
        return host
    }

    /// Loads every stored stream this process may take (at start-up): all of them with the
    /// embedded store, those no live process holds with a shared one.
    func restoreAll() async throws(StoreError) -> Int {
        var count = 0
        for name in try await store.unleased() {
            if store.sharesStreams {
                guard case .granted = try await store.acquire(name, url: advertisedURL) else { continue }
            }
            if try await restore(name) != nil { count += 1 }
        }
        return count
    }

    /// Snapshots every stream, gives its lease up and stops (a graceful shutdown).
    func shutdown() async {
        for host in hosts.values { await host.shutdown() }
        await store.release(Array(hosts.keys))
        hosts.removeAll()
    }
}

/// Bounds that keep one request or one client from exhausting the server.
public struct ServiceLimits: Sendable, Equatable {
    /// Largest request body, in bytes.
    public var maxBodyBytes: Int = 16 << 20
    /// Most rows in one batch.
    public var maxBatchRows: Int = 10_000
    /// Most streams on one server.
    public var maxStreams: Int = 1_000
    /// Most columns of a stream.
    public var maxColumns: Int = 5_000
    /// A stream's state is snapshotted after this many rows (the batches since are replayed at start-up).
    public var snapshotEvery: Int = 2_000

    public init() {}
}
