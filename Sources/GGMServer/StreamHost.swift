import Foundation
import GGMData
import GGMDetection

/// One stream of the service: its state, the store it is persisted to, its live subscribers and
/// its background calibrations. Batches and calibrations are applied one at a time, in arrival
/// order (a FIFO gate held across the store's write, so that a batch is stored before the next
/// one is looked at); reads see the last committed state.
actor StreamHost {
    let definition: StreamDefinition
    /// This process's name when several share the store (the stream's status says who holds it).
    let owner: String?
    /// When this process took the stream (created, restored at start-up or taken over).
    let heldSince = Date()
    private(set) var served: ServedStream
    private let store: any StreamStore
    private let metrics: ServiceMetrics
    private let calibrations: CalibrationQueue
    /// Snapshot after this many applied rows (and after every calibration).
    private let snapshotEvery: Int
    private var rowsSinceSnapshot = 0
    private(set) var calibrating = false
    private var deleted = false
    private let cancelled = CancelFlag()
    private var subscribers: [UUID: AsyncStream<SequencedEvent>.Continuation] = [:]
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(definition: StreamDefinition, served: ServedStream, store: any StreamStore, metrics: ServiceMetrics,
         calibrations: CalibrationQueue, snapshotEvery: Int, owner: String? = nil) {
        self.owner = owner
        self.definition = definition
        self.served = served
        self.store = store
        self.metrics = metrics
        self.calibrations = calibrations
        self.snapshotEvery = snapshotEvery
    }

    nonisolated var name: String { definition.name }
    nonisolated var columns: [String] { definition.columns }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// What a batch did, as the reply says it.
    struct BatchReply: Sendable {
        var accepted: Int
        var next: Int
        var events: [SequencedEvent]
        var duplicate: Bool
        var pendingCalibration: Bool
    }

    enum BatchFailure: Error, Sendable {
        case batch(MonitoredStream<NetworkScore>.BatchError)
        case store(StoreError)
        case gone
    }

    /// Applies a batch: checked whole, applied to a copy, stored, then committed and answered.
    func apply(rows: [[Double]], labels: [String]?, first: Int) async throws(BatchFailure) -> BatchReply {
        await acquire()
        defer { release() }
        guard !deleted else { throw .gone }
        let before = served.stream.next
        var copy = served
        let outcome: MonitoredStream<NetworkScore>.BatchOutcome
        do { outcome = try copy.stream.apply(rows, labels: labels, first: first) } catch { throw .batch(error) }
        if outcome.accepted > 0 {
            let skip = before - first
            let batch = StoredBatch(first: before, rows: Array(rows[skip...]), labels: labels.map { Array($0[skip...]) })
            do { try await store.append(name, batch: batch) } catch { throw .store(error) }
            copy.record(outcome.steps)
            served = copy
            metrics.rowsProcessed(stream: name, count: outcome.accepted)
            publish(outcome.events)
            rowsSinceSnapshot += outcome.accepted
            if rowsSinceSnapshot >= snapshotEvery { await snapshot() }
            startCalibrationIfNeeded()
        }
        return BatchReply(accepted: outcome.accepted, next: outcome.next, events: outcome.events,
                          duplicate: outcome.duplicate, pendingCalibration: outcome.awaitingCalibration)
    }

    /// Replays stored batches (at start-up or when taking a stream over): no store writes.
    func replay(_ batches: [StoredBatch]) throws(StoreError) {
        for batch in batches {
            do {
                let outcome = try served.stream.apply(batch.rows, labels: batch.labels, first: batch.first)
                served.record(outcome.steps)
            } catch {
                throw .corrupt(stream: name, reason: "replaying the batch at row \(batch.first): \(error)")
            }
            rowsSinceSnapshot += batch.rows.count
        }
    }

    /// Writes the current state as the stream's snapshot (a failure is logged by the metrics and
    /// retried at the next batch: the batches stay stored until a snapshot covers them).
    func snapshot() async {
        guard !deleted else { return }
        do {
            let data = try JSONEncoder().encode(served)
            try await store.saveSnapshot(name, next: served.stream.next, state: data)
            rowsSinceSnapshot = 0
        } catch {
            metrics.storageError()
        }
    }

    /// Starts the pending calibration in the background, if there is one and none runs.
    func startCalibrationIfNeeded() {
        guard !calibrating, !deleted, served.calibrationError == nil, let request = served.stream.calibrationRequest else { return }
        calibrating = true
        let queue = calibrations, flag = cancelled, metrics = metrics, name = name
        Task {
            let started = ContinuousClock.now
            let result: Result<CalibrationResult, MonitorError> = await queue.run {
                do { return .success(try request.run(isCancelled: { flag.isSet })) } catch let error as MonitorError { return .failure(error) } catch { return .failure(.invalidConfiguration("\(error)")) }
            }
            let elapsed = ContinuousClock.now - started
            metrics.calibrated(stream: name, duration: elapsed)
            await self.finishCalibration(result, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
    }

    private func finishCalibration(_ result: Result<CalibrationResult, MonitorError>, seconds: Double) async {
        await acquire()
        defer { release() }
        calibrating = false
        guard !deleted else { return }
        served.calibrationSeconds += seconds
        switch result {
        case let .success(calibration):
            var copy = served
            do {
                let (events, steps) = try copy.stream.installScoring(calibration)
                copy.record(steps)
                served = copy
                publish(events)
            } catch {
                served.calibrationError = error.description
            }
        case let .failure(error):
            if error == .cancelled { return }
            served.calibrationError = error.description
        }
        await snapshot()
        startCalibrationIfNeeded()
    }

    private func publish(_ events: [SequencedEvent]) {
        guard !events.isEmpty else { return }
        for event in events {
            if case .alarm = event.event { metrics.alarm(stream: name) }
            for continuation in subscribers.values { continuation.yield(event) }
        }
    }

    /// The events after `sequence`, then every new one as it is raised (until the stream is deleted).
    func subscribe(after sequence: Int) -> AsyncStream<SequencedEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<SequencedEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        for event in served.stream.events(after: sequence) { continuation.yield(event) }
        if deleted { continuation.finish() } else { subscribers[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// Stops everything: calibrations are cancelled, subscribers' feeds end.
    func close() async {
        await acquire()
        defer { release() }
        deleted = true
        cancelled.set()
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    /// Takes a final snapshot (a graceful shutdown) and stops.
    func shutdown() async {
        if rowsSinceSnapshot > 0 { await snapshot() }
        await close()
    }
}

/// A flag set once from any thread (a calibration polls it between replicates).
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Runs calibrations one at a time, off Swift's cooperative threads (each calibration is parallel
/// itself), in the order they were asked for: a stream that needs thresholds never blocks a request.
actor CalibrationQueue {
    private var running = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Calibrations asked for and not finished (running or queued), for the metrics.
    private(set) var outstanding = 0
    let metrics: ServiceMetrics?

    init(metrics: ServiceMetrics? = nil) { self.metrics = metrics }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        outstanding += 1
        metrics?.calibrationsRunning(outstanding)
        if running { await withCheckedContinuation { waiting.append($0) } } else { running = true }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
        if waiting.isEmpty { running = false } else { waiting.removeFirst().resume() }
        outstanding -= 1
        metrics?.calibrationsRunning(outstanding)
        return result
    }
}
