import Foundation
import Prometheus

/// The service's Prometheus metrics (`GET /metrics`, text exposition format): rows processed and
/// alarms per stream, calibration time per stream, request latency per route, storage errors,
/// the number of streams. One registry per server (tests run several servers in one process).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    private static let calibrationBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10), .seconds(25), .seconds(60), .seconds(120), .seconds(300),
    ]

    nonisolated(unsafe) private static let rows = MetricNameDescriptor(namespace: "ggmwatch", metricName: "rows_processed", unitName: "total",
                                                   helpText: "Rows applied to the stream's monitor (acknowledged and stored).")
    nonisolated(unsafe) private static let alarms = MetricNameDescriptor(namespace: "ggmwatch", metricName: "alarms", unitName: "total",
                                                     helpText: "Alarms raised by the stream's monitor.")
    nonisolated(unsafe) private static let calibration = MetricNameDescriptor(namespace: "ggmwatch", metricName: "calibration_duration", unitName: "seconds",
                                                          helpText: "Wall time of each Monte Carlo calibration of the stream's thresholds.")
    nonisolated(unsafe) private static let requests = MetricNameDescriptor(namespace: "ggmwatch", metricName: "request_duration", unitName: "seconds",
                                                       helpText: "HTTP request latency, by route, method and status class.")
    nonisolated(unsafe) private static let storage = MetricNameDescriptor(namespace: "ggmwatch", metricName: "storage_errors", unitName: "total",
                                                      helpText: "Snapshots the store could not write (the batches stay stored).")
    nonisolated(unsafe) private static let streams = MetricNameDescriptor(namespace: "ggmwatch", metricName: "streams", unitName: "count",
                                                      helpText: "Streams served by this process.")
    nonisolated(unsafe) private static let pending = MetricNameDescriptor(namespace: "ggmwatch", metricName: "calibrations_running", unitName: "count",
                                                      helpText: "Calibrations running or queued (one runs at a time, on every core).")

    public init() {}

    func rowsProcessed(stream: String, count: Int) {
        registry.makeCounter(descriptor: Self.rows, labels: [("stream", stream)]).increment(by: Int64(count))
    }

    func alarm(stream: String) {
        registry.makeCounter(descriptor: Self.alarms, labels: [("stream", stream)]).increment()
    }

    func calibrated(stream: String, duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.calibration, labels: [("stream", stream)], buckets: Self.calibrationBuckets)
            .record(duration)
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.requests,
                                       labels: [("route", route), ("method", method), ("status", "\(status / 100)xx")],
                                       buckets: Self.latencyBuckets).record(duration)
    }

    func storageError() {
        registry.makeCounter(descriptor: Self.storage, labels: []).increment()
    }

    func streamCount(_ n: Int) {
        registry.makeGauge(descriptor: Self.streams, labels: []).set(to: Double(n))
    }

    func calibrationsRunning(_ n: Int) {
        registry.makeGauge(descriptor: Self.pending, labels: []).set(to: Double(n))
    }

    /// Forgets a deleted stream's series.
    func remove(stream: String) {
        registry.unregisterCounter(registry.makeCounter(descriptor: Self.rows, labels: [("stream", stream)]))
        registry.unregisterCounter(registry.makeCounter(descriptor: Self.alarms, labels: [("stream", stream)]))
        registry.unregisterDurationHistogram(registry.makeDurationHistogram(descriptor: Self.calibration, labels: [("stream", stream)],
                                                                            buckets: Self.calibrationBuckets))
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
