import Foundation
import GGMData
import GGMDetection
import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import ServiceLifecycle

/// How a `ggmwatch serve` process runs.
public struct ServiceConfiguration: Sendable {
    /// Address to bind: loopback unless told otherwise (a non-loopback address needs a token).
    public var host: String = "127.0.0.1"
    /// TCP port (0: any free port, reported once listening).
    public var port: Int = 8080
    /// Bearer token every write endpoint requires (nil: writes are open, loopback only).
    public var token: String?
    public var limits = ServiceLimits()
    /// Name of this process among several sharing a database (leases).
    public var serverID: String = "local"
    /// The URL other processes forward this process's streams' requests to (default: from host and port).
    public var advertisedURL: String?

    /// ``advertisedURL`` or the URL of `host` and `port`.
    public var forwardingURL: String {
        advertisedURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    public init() {}

    /// Whether `host` is a loopback address.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }

    /// What forbids running with these settings (nil: nothing).
    public var problem: String? {
        if !Self.isLoopback(host) && (token ?? "").isEmpty {
            return "refusing to bind to \(host), which is not a loopback address, without a token: give --token or --token-file (every write then needs it)"
        }
        if let token, token.isEmpty { return "the token is empty" }
        if !(0...65535).contains(port) { return "the port must be between 0 and 65535 (got \(port))" }
        return nil
    }
}

/// The service: the streams, their store, the HTTP API under `/v1` (docs/openapi.json), the live
/// feed, the dashboard and the metrics.
public final class StreamService: Sendable {
    public let configuration: ServiceConfiguration
    public let metrics = ServiceMetrics()
    let registry: StreamRegistry

    /// A service over `store`, its streams restored (snapshots, then the stored batches replayed).
    public init(configuration: ServiceConfiguration, store: any StreamStore) async throws {
        if let problem = configuration.problem { throw ServiceError(problem) }
        self.configuration = configuration
        registry = StreamRegistry(store: store, metrics: metrics, limits: configuration.limits,
                                  advertisedURL: configuration.forwardingURL,
                                  serverID: store.sharesStreams ? configuration.serverID : nil)
        _ = try await registry.restoreAll()
        if let seconds = store.heartbeatSeconds {
            let registry = registry
            heartbeat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(seconds))
                    if Task.isCancelled { break }
                    await registry.heartbeat()
                }
            }
        } else {
            heartbeat = nil
        }
    }

    private let heartbeat: Task<Void, Never>?

    /// Sets the URL other processes forward this process's streams' requests to (once listening).
    public func setAdvertisedURL(_ url: String) {
        let registry = registry
        Task { await registry.setAdvertisedURL(url) }
    }

    /// The number of streams served.
    public var streamCount: Int { get async { await registry.all().count } }

    /// The HTTP application (call `runService()` on it, or test it).
    public func application(logger: Logger? = nil, onListening: @escaping @Sendable (Int) -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: TokenMiddleware(token: configuration.token))
        routes(router)
        var log = logger ?? Logger(label: "ggmwatch.serve")
        if logger == nil { log.logLevel = .warning }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: "ggmwatch"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: log)
    }

    /// Snapshots every stream (a graceful stop).
    public func shutdown() async {
        heartbeat?.cancel()
        await registry.shutdown()
    }

    // MARK: Routes

    private func routes(_ router: Router<BasicRequestContext>) {
        let registry = self.registry
        let limits = configuration.limits

        router.get("/") { _, _ in
            var cards: [Dashboard.Card] = []
            for host in await registry.all() { cards.append(await host.card()) }
            return Self.html(Dashboard.page(cards))
        }
        router.get("/dashboard.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.script)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        router.get("/metrics") { [metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("/v1/health") { _, _ in
            Self.json(.ok, ["status": "ok"])
        }

        router.post("/v1/streams") { request, _ in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: limits.maxBodyBytes) } catch {
                return Self.error(.contentTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes")
            }
            let create: CreateBody
            do { create = try JSONDecoder().decode(CreateBody.self, from: Data(buffer: body)) } catch {
                return Self.error(.badRequest, WireJSON.describe(error))
            }
            do {
                let host = try await registry.create(name: create.name, columns: create.columns, settings: create.settings ?? [:])
                return Self.json(.created, await host.status())
            } catch let error as StreamRegistry.CreateFailure {
                switch error {
                case let .name(message): return Self.error(.badRequest, message, setting: "name")
                case let .columns(message): return Self.error(.badRequest, message, setting: "columns")
                case let .settings(e): return Self.error(.badRequest, e.description, setting: e.setting)
                case let .limit(message): return Self.error(.tooManyRequests, message)
                case let .store(.exists(name)): return Self.error(.conflict, "a stream named \(name) exists")
                case let .store(e): return Self.error(.serviceUnavailable, e.description)
                }
            } catch {
                return Self.error(.internalServerError, "\(error)")
            }
        }
        router.get("/v1/streams") { _, _ in
            guard registry.store.sharesStreams else { return Self.json(.ok, ["streams": await Self.statuses(registry)]) }
            // Several processes: every stream of the store, each status from the process that holds it.
            var streams: [JSONValue] = [], unavailable: [String] = []
            let names = (try? await registry.store.names()) ?? []
            for name in names {
                switch try? await registry.resolve(name) {
                case let .local(host)?:
                    if let value = try? JSONDecoder().decode(JSONValue.self, from: WireJSON.encoder().encode(await host.status())) { streams.append(value) }
                case let .remote(_, url)?:
                    if let data = await Forwarder.get(url + "/v1/streams/" + name), let value = try? JSONDecoder().decode(JSONValue.self, from: data) {
                        streams.append(value)
                    } else {
                        unavailable.append(name)
                    }
                case .missing?: break
                case nil: unavailable.append(name)
                }
            }
            var body: [String: JSONValue] = ["streams": .array(streams)]
            if !unavailable.isEmpty { body["unavailable"] = .array(unavailable.map { .string($0) }) }
            return Self.json(.ok, body)
        }
        router.get("/v1/streams/{name}") { request, context in
            try await Self.withStream(registry, request, context) { host, _ in Self.json(.ok, await host.status()) }
        }
        router.delete("/v1/streams/{name}") { _, context in
            let name = try context.parameters.require("name")
            do {
                guard try await registry.delete(name) else { return Self.notFound(context) }
                return Response(status: .noContent)
            } catch {
                return Self.error(.serviceUnavailable, "\(error)")
            }
        }
        router.post("/v1/streams/{name}/observations") { request, context in
            try await Self.withStream(registry, request, context) { host, request in
            guard let firstText = request.uri.queryParameters["first"], let first = Int(firstText), first >= 0 else {
                return Self.error(.badRequest, "give first=K, the 0-based index of the batch's first row in the stream (a non-negative integer)",
                                  setting: "first")
            }
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: limits.maxBodyBytes) } catch {
                return Self.error(.contentTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes; send smaller batches")
            }
            let columns = host.columns
            let parsed: CSVBatch.Parsed
            switch Self.parseBatch(body, contentType: request.headers[.contentType], columns: columns) {
            case let .success(p): parsed = p
            case let .failure(e): return Self.json(.badRequest, e)
            }
            guard parsed.rows.count <= limits.maxBatchRows else {
                return Self.error(.contentTooLarge, "the batch has \(parsed.rows.count) rows; at most \(limits.maxBatchRows) are taken at once")
            }
            do {
                let reply = try await host.apply(rows: parsed.rows, labels: parsed.labels, first: first)
                return Self.json(.ok, BatchReplyBody(accepted: reply.accepted, next: reply.next, duplicate: reply.duplicate,
                                                     pendingCalibration: reply.pendingCalibration,
                                                     events: reply.events.map(WireEvent.init)))
            } catch let error as StreamHost.BatchFailure {
                switch error {
                case let .batch(.gap(expected, _)):
                    return Self.json(.conflict, ErrorBody(error: "the batch starts at row \(first) but the stream expects row \(expected) next",
                                                          expected: expected))
                case let .batch(.nonFinite(row, _, column, value)):
                    return Self.json(.badRequest, ErrorBody(error: "row \(row + 1), column \(columns[column]): \(value) is not a finite number; nothing of the batch was applied",
                                                            row: row + 1, column: columns[column], text: "\(value)"))
                case let .batch(.rowLength(row, _, expected, found)):
                    return Self.json(.badRequest, ErrorBody(error: "row \(row + 1) has \(found) values, expected \(expected); nothing of the batch was applied", row: row + 1))
                case let .batch(e):
                    return Self.error(.unprocessableContent, "\(e.description); nothing of the batch was applied")
                case let .store(e):
                    // Another process took the stream over: forget it here; the resend goes to the holder.
                    if case .leasedElsewhere = e { await registry.drop(host.name) }
                    var response = Self.error(.serviceUnavailable, "\(e.description); nothing of the batch was applied, send it again")
                    response.headers[.retryAfter] = "1"
                    return response
                case .gone:
                    return Self.notFound(context)
                }
            } catch {
                return Self.error(.internalServerError, "\(error)")
            }
            }
        }
        router.get("/v1/streams/{name}/events") { request, context in
            try await Self.withStream(registry, request, context) { host, request in
            guard let after = Self.sequenceAfter(request) else { return Self.badAfter() }
            let events = await host.events(after: after, limit: 10_000)
            return Self.json(.ok, events.map(WireEvent.init))
            }
        }
        router.get("/v1/streams/{name}/events/live") { request, context in
            let host: StreamHost
            switch try await Self.resolve(registry, context) {
            case let .local(h): host = h
            case .missing: return Self.notFound(context)
            case let .remote(_, url):
                // A live feed is not proxied: the client follows the owner's feed.
                var response = Response(status: .temporaryRedirect)
                response.headers[.location] = url + request.uri.description
                return response
            }
            // A reconnecting EventSource sends the last id it saw; it wins over `after`.
            let resumed = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0) }.map { max($0, 0) }
            guard let after = resumed ?? Self.sequenceAfter(request) else { return Self.badAfter() }
            let events = await host.subscribe(after: after)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": ggmwatch events of \(host.name)\nretry: 2000\n\n"))
                    // A graceful stop ends the feed (the client reconnects with Last-Event-ID elsewhere or later).
                    for try await event in events.cancelOnGracefulShutdown() {
                        let data = (try? WireJSON.encoder().encode(WireEvent(sequenced: event))) ?? Data("{}".utf8)
                        try await writer.write(ByteBuffer(string: "id: \(event.sequence)\nevent: \(event.event.name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/v1/streams/{name}/chart.svg") { request, context in
            try await Self.withStream(registry, request, context) { host, request in
            // Any width is drawn within 300...2400 pixels; one that is not a number is an error.
            var width = 900.0
            if let text = request.uri.queryParameters["width"] {
                guard let w = Double(text), w.isFinite else {
                    return Self.error(.badRequest, "width must be a number of pixels (got \"\(text)\")", setting: "width")
                }
                width = min(max(w, 300), 2400)
            }
            return Response(status: .ok, headers: [.contentType: "image/svg+xml"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.chart(await host.card(), width: width))))
            }
        }
    }

    /// The `after` query parameter: a non-negative sequence number, 0 when absent, nil when malformed.
    static func sequenceAfter(_ request: Request) -> Int? {
        guard let text = request.uri.queryParameters["after"] else { return 0 }
        guard let after = Int(text), after >= 0 else { return nil }
        return after
    }

    static func badAfter() -> Response {
        error(.badRequest, "after must be a non-negative event sequence number (0: from the first event)", setting: "after")
    }

    static func resolve(_ registry: StreamRegistry, _ context: BasicRequestContext) async throws -> StreamRegistry.Resolution {
        let name = try context.parameters.require("name")
        do { return try await registry.resolve(name) } catch {
            throw HTTPError(.serviceUnavailable, message: "\(error)")
        }
    }

    /// Runs `body` on the stream when this process holds it; forwards the request to the process
    /// that holds it otherwise (several processes on one PostgreSQL database).
    static func withStream(_ registry: StreamRegistry, _ request: Request, _ context: BasicRequestContext,
                           _ body: (StreamHost, Request) async throws -> Response) async throws -> Response {
        switch try await resolve(registry, context) {
        case let .local(host): return try await body(host, request)
        case .missing: return notFound(context)
        case let .remote(owner, url):
            if request.headers[Forwarder.marker] != nil {
                var response = error(.serviceUnavailable, "the stream is moving between servers (\(owner) holds it); send the request again")
                response.headers[.retryAfter] = "1"
                return response
            }
            return await Forwarder.forward(request, to: url)
        }
    }

    static func statuses(_ registry: StreamRegistry) async -> [StreamStatus] {
        var out: [StreamStatus] = []
        for host in await registry.all() { out.append(await host.status()) }
        return out
    }

    /// A CSV or JSON batch, or the error reply that says what is wrong where.
    static func parseBatch(_ body: ByteBuffer, contentType: String?, columns: [String]) -> Result<CSVBatch.Parsed, ErrorBody> {
        let bytes = Array(buffer: body)
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("text/csv") || type.hasPrefix("text/plain") {
            do { return .success(try CSVBatch.parse(bytes, columns: columns)) } catch {
                var reply = ErrorBody(error: "\(error.description); nothing of the batch was applied")
                switch error {
                case let .notANumber(row, _, column, text), let .nonFinite(row, _, column, text):
                    reply.row = row; reply.column = column; reply.text = text
                case let .missing(row, _, column): reply.row = row; reply.column = column; reply.text = ""
                case let .fieldCount(row, _, _, _), let .malformedQuote(row, _, _), let .labelsMixed(row, _): reply.row = row
                case .header, .notUTF8: break
                }
                return .failure(reply)
            }
        }
        guard type.hasPrefix("application/json") || type.isEmpty else {
            return .failure(ErrorBody(error: "send rows as text/csv or application/json (got \(type))"))
        }
        let batch: JSONBatch
        do { batch = try JSONDecoder().decode(JSONBatch.self, from: Data(bytes)) } catch {
            return .failure(ErrorBody(error: WireJSON.describe(error)))
        }
        if let labels = batch.labels, labels.count != batch.rows.count {
            return .failure(ErrorBody(error: "\(labels.count) labels for \(batch.rows.count) rows"))
        }
        var rows: [[Double]] = []
        rows.reserveCapacity(batch.rows.count)
        for (i, row) in batch.rows.enumerated() {
            guard row.count == columns.count else {
                return .failure(ErrorBody(error: "row \(i + 1) has \(row.count) values, expected \(columns.count); nothing of the batch was applied", row: i + 1))
            }
            var values = [Double](repeating: 0, count: row.count)
            for (j, value) in row.enumerated() {
                guard case let .number(x) = value, x.isFinite else {
                    return .failure(ErrorBody(error: "row \(i + 1), column \(columns[j]): \(value.text) is not a finite number; nothing of the batch was applied",
                                              row: i + 1, column: columns[j], text: value.text))
                }
                values[j] = x
            }
            rows.append(values)
        }
        return .success(CSVBatch.Parsed(rows: rows, labels: batch.labels))
    }

    // MARK: Replies

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? WireJSON.encoder().encode(value)) ?? Data(#"{"error":"the reply could not be encoded"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, setting: String? = nil) -> Response {
        json(status, ErrorBody(error: message, setting: setting))
    }

    static func notFound(_ context: BasicRequestContext) -> Response {
        error(.notFound, "no stream named \(context.parameters.get("name") ?? "")")
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}

/// A service that cannot start, in words.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension StreamHost {
    func status() -> StreamStatus {
        StreamStatus(definition: definition, served: served, calibrating: calibrating, owner: owner, heldSince: heldSince)
    }

    func events(after sequence: Int, limit: Int) -> [SequencedEvent] {
        Array(served.stream.events(after: sequence).prefix(limit))
    }

    func card() -> Dashboard.Card { Dashboard.Card(definition: definition, served: served, calibrating: calibrating) }
}

/// Every write (POST, PUT, PATCH, DELETE) needs `Authorization: Bearer TOKEN` when the service has a token.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let given, Self.constantTimeEqual(given, token) else {
            var response = StreamService.error(.unauthorized, "this server takes writes with a token: send Authorization: Bearer TOKEN")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}

/// Request latency by route (the route's pattern, not the path: stream names stay out of the labels).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do { response = try await next(request, context) } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status,
                            duration: ContinuousClock.now - started)
            throw error
        }
        metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
                        duration: ContinuousClock.now - started)
        return response
    }
}
