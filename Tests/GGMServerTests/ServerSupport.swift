import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GGMCore
import GGMDetection
@testable import GGMServer
import Hummingbird
import Logging
import Testing

/// Streams with a known change, their CSV and JSON bodies, and a service on a fresh SQLite file.
enum Fixture {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ggmwatch-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A chain network of `p` nodes whose links all have `strength`.
    static func chain(_ p: Int, _ strength: Double) -> Matrix {
        var omega = Matrix.identity(p)
        for i in 0..<(p - 1) { omega[i, i + 1] = strength; omega[i + 1, i] = strength }
        return omega
    }

    /// `n` rows whose chain network strengthens from 0.15 to 0.5 at `change` (seeded).
    static func rows(p: Int, n: Int, change: Int, seed: UInt64) -> [[Double]] {
        var rng = SeededGenerator(seed: seed)
        let before = try! GaussianSampler(precision: chain(p, 0.15))
        let after = try! GaussianSampler(precision: chain(p, 0.5))
        return (0..<n).map { t in (t < change ? before : after).sample(using: &rng) }
    }

    static func columns(_ p: Int) -> [String] { (1...p).map { "x\($0)" } }

    /// CSV text of rows (shortest round-trip numbers), with a header and labels on request.
    static func csv(_ rows: ArraySlice<[Double]>, columns: [String], header: Bool = true, labels: [String]? = nil) -> String {
        var text = header ? (labels == nil ? "" : "label,") + columns.joined(separator: ",") + "\n" : ""
        for (k, row) in rows.enumerated() {
            if let labels { text += labels[k] + "," }
            text += row.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        return text
    }

    static func json(_ rows: ArraySlice<[Double]>, labels: [String]? = nil) -> String {
        var object: [String: Any] = ["rows": Array(rows)]
        if let labels { object["labels"] = labels }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func service(_ directory: URL, token: String? = nil, limits: ServiceLimits = ServiceLimits()) async throws -> StreamService {
        var configuration = ServiceConfiguration()
        configuration.port = 0
        configuration.token = token
        configuration.limits = limits
        return try await StreamService(configuration: configuration, store: try SQLiteStore(path: directory.appendingPathComponent("streams.sqlite").path))
    }

    /// The events of one uninterrupted blocking run of the library's monitor on the same rows and settings.
    static func uninterruptedEvents(settings: [String: JSONValue], columns: [String], rows: [[Double]], labels: [String]? = nil) throws -> [MonitorEvent] {
        let parsed = try StreamSettings(settings, columns: columns)
        var monitor = try OnlineMonitor(dimension: columns.count, configuration: parsed.configuration, names: columns)
        var steps: [MonitorStep] = []
        for (t, row) in rows.enumerated() { steps += try monitor.process(row, label: labels?[t]) }
        return MonitorDriver<NetworkScore>.events(of: steps, groups: parsed.groups)
    }
}

/// One reply as the tests read it.
struct Reply {
    var status: Int
    var contentType: String?
    var body: Data

    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    var array: [[String: Any]] { (json as? [[String: Any]]) ?? [] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Requests from a real HTTP client (URLSession) to a service listening on a loopback port, each
/// reply checked against the OpenAPI document.
struct API: Sendable {
    let base: String
    var token: String?
    let contract = OpenAPIContract.shared

    func with(token: String) -> API {
        var api = self
        api.token = token
        return api
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, contentType: String = "application/json",
              token: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        let reply = try await HTTP.request(method.rawValue, base + uri, body: body.map { Data($0.utf8) }, contentType: contentType,
                                           token: token ?? self.token, session: HTTP.inProcessSession)
        for problem in contract.problems(method: method.rawValue, uri: uri, reply: reply) {
            Issue.record("\(method.rawValue) \(uri) -> \(reply.status): \(problem)", sourceLocation: sourceLocation)
        }
        return reply
    }
}

/// The port an in-process server listens on, set from its start-up callback.
final class LivePort: @unchecked Sendable {
    let lock = NSLock()
    var value = 0
}

/// Runs `body` against `service` listening on a free loopback port; the server stops afterwards.
func withLiveService<T: Sendable>(_ service: StreamService, _ body: (API) async throws -> T) async throws -> T {
    let port = LivePort()
    var logger = Logger(label: "ggmwatch.serve.tests")
    logger.logLevel = .critical
    let app = service.application(logger: logger, onListening: { p in port.lock.withLock { port.value = p } })
    let server = Task { try await app.runService(gracefulShutdownSignals: []) }
    defer { server.cancel() }
    // Up to 30 s of polls, counted in polls and not by the clock (see `ServerProcess.start`).
    var polls = 0
    while port.lock.withLock({ port.value }) == 0 {
        guard polls < 3000 else { throw ServeFailure(message: "the in-process server did not start listening") }
        polls += 1
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await body(API(base: "http://127.0.0.1:\(port.lock.withLock { port.value })"))
}

/// The OpenAPI document (`Sources/GGMServer/Resources/openapi.json`) as a contract: a reply's
/// status must be documented for its path and method, its content type must be the documented
/// one, and a JSON body must satisfy the documented schema (type, required, properties, items,
/// enum, additionalProperties, minimum, $ref).
struct OpenAPIContract: Sendable {
    static let shared = OpenAPIContract()
    let document: [String: any Sendable]

    init() {
        document = (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes))) as? [String: any Sendable] ?? [:]
    }

    var paths: [String: Any] { document["paths"] as? [String: Any] ?? [:] }

    /// The documented path template matching a concrete path (`/v1/streams/a` -> `/v1/streams/{name}`).
    func template(for path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return paths.keys.first { template in
            let t = template.split(separator: "/", omittingEmptySubsequences: false)
            return t.count == parts.count && zip(t, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    func problems(method: String, uri: String, reply: Reply) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        guard let template = template(for: path) else { return ["the path is not in the OpenAPI document"] }
        guard let operation = (paths[template] as? [String: Any])?[method.lowercased()] as? [String: Any] else {
            return ["\(method) \(template) is not in the OpenAPI document"]
        }
        guard let response = (operation["responses"] as? [String: Any])?[String(reply.status)] as? [String: Any] else {
            return ["status \(reply.status) is not documented for \(method) \(template)"]
        }
        guard let content = response["content"] as? [String: Any] else {
            return reply.body.isEmpty ? [] : ["a body where the document says none"]
        }
        let type = reply.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[type] as? [String: Any] else { return ["content type \(type) is not documented (\(content.keys.sorted()))"] }
        guard type == "application/json", let schema = media["schema"] else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: reply.body) else { return ["the body is not JSON"] }
        return validate(value, schema, at: "$")
    }

    func resolve(_ schema: Any) -> [String: Any] {
        guard var s = schema as? [String: Any] else { return [:] }
        while let ref = s["$ref"] as? String {
            let name = String(ref.split(separator: "/").last ?? "")
            var target = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as? [String: Any] ?? [:]
            for (k, v) in s where k != "$ref" && k != "description" { target[k] = v }
            s = target
        }
        return s
    }

    func validate(_ value: JSONValue, _ schemaValue: Any, at path: String) -> [String] {
        let schema = resolve(schemaValue)
        var out: [String] = []
        if let type = schema["type"] as? String {
            let ok: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .number), ("null", .null): ok = true
            case let ("integer", .number(x)): ok = x == x.rounded()
            default: ok = false
            }
            if !ok { return ["\(path): expected \(type), got \(value.text)"] }
        }
        if let options = schema["enum"] as? [Any] {
            let text: String
            if case let .string(s) = value { text = s } else { text = value.text }
            if !options.contains(where: { "\($0)" == text }) { out.append("\(path): \(value.text) is not one of \(options)") }
        }
        if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, case let .number(x) = value, x < minimum {
            out.append("\(path): \(x) is below the minimum \(minimum)")
        }
        if case let .object(object) = value {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { out.append("\(path): the required field \(key) is missing") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, item) in object {
                if let property = properties[key] {
                    out += validate(item, property, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] {
                    if let allowed = extra as? Bool { if !allowed { out.append("\(path): the field \(key) is not in the document") } }
                    else { out += validate(item, extra, at: "\(path).\(key)") }
                }
            }
        }
        if case let .array(array) = value, let items = schema["items"] {
            for (k, item) in array.enumerated() { out += validate(item, items, at: "\(path)[\(k)]") }
        }
        return out
    }
}

/// Waits until `condition` holds (polling), at most `seconds`.
func eventually(seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

extension MonitorEvent {
    /// The event as the API sends it (without `sequence`), as a JSON object.
    var wireObject: [String: Any] {
        let data = try! WireJSON.encoder().encode(self)
        return (try! JSONSerialization.jsonObject(with: data)) as! [String: Any]
    }
}

/// Two JSON objects equal as JSON (numbers compared exactly).
func sameJSON(_ a: Any, _ b: Any) -> Bool {
    switch (a, b) {
    case let (x as [String: Any], y as [String: Any]):
        return x.count == y.count && x.allSatisfy { k, v in y[k].map { sameJSON(v, $0) } ?? false }
    case let (x as [Any], y as [Any]):
        return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
    default:
        return "\(a)" == "\(b)"
    }
}

/// Expects the API's events to be `expected` (JSON objects without `sequence`), in order and
/// numbered 1, 2, ... (`numbered`: the sequence numbers are checked too).
func expectSameEvents(_ served: [[String: Any]], _ expected: [[String: Any]], _ what: String, numbered: Bool = true,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(served.count == expected.count, "\(what): \(served.count) events served, \(expected.count) expected", sourceLocation: sourceLocation)
    for (k, (got, want)) in zip(served, expected).enumerated() {
        var stripped = got
        let sequence = stripped.removeValue(forKey: "sequence") as? Int
        if numbered { #expect(sequence == k + 1, "\(what), event \(k + 1): sequence \(sequence ?? -1)", sourceLocation: sourceLocation) }
        #expect(sameJSON(stripped, want),
                "\(what), event \(k + 1): served \(got["event"] ?? "") at \(got["index"] ?? ""), expected \(want["event"] ?? "") at \(want["index"] ?? "")",
                sourceLocation: sourceLocation)
    }
}
