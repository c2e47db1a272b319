import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import NIOCore

/// Forwards a request for a stream held by another process (several processes on one
/// PostgreSQL database) to that process, and its reply back. The forwarded request carries
/// ``marker`` so that a process that does not hold the stream either never forwards it again
/// (it answers 503 with `Retry-After`: the stream is moving).
enum Forwarder {
    static let marker = HTTPField.Name("X-GGMWatch-Forwarded")!
    /// Headers passed on both ways.
    static let passed: [HTTPField.Name] = [.contentType, .authorization, .accept]

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        return URLSession(configuration: configuration)
    }()

    /// A GET to another process (marked as forwarded); the body of a 200 reply, nil otherwise.
    static func get(_ url: String) async -> Data? {
        guard let target = URL(string: url) else { return nil }
        var request = URLRequest(url: target)
        request.setValue("1", forHTTPHeaderField: marker.rawName)
        request.timeoutInterval = 5
        guard let (data, reply) = try? await session.data(for: request), (reply as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return data
    }

    static func forward(_ request: Request, to base: String, maxBody: Int = 64 << 20) async -> Response {
        guard let url = URL(string: base + request.uri.description) else {
            return StreamService.error(.badGateway, "the stream's server has an unusable address (\(base))")
        }
        var outgoing = URLRequest(url: url)
        outgoing.httpMethod = request.method.rawValue
        for name in passed { if let value = request.headers[name] { outgoing.setValue(value, forHTTPHeaderField: name.rawName) } }
        outgoing.setValue("1", forHTTPHeaderField: marker.rawName)
        var request = request
        if request.method == .post || request.method == .put {
            guard let body = try? await request.collectBody(upTo: maxBody) else {
                return StreamService.error(.contentTooLarge, "the body is larger than \(maxBody) bytes")
            }
            outgoing.httpBody = Data(buffer: body)
        }
        do {
            let (data, reply) = try await session.data(for: outgoing)
            guard let http = reply as? HTTPURLResponse else {
                return StreamService.error(.badGateway, "the stream's server at \(base) gave no HTTP reply")
            }
            var response = Response(status: HTTPResponse.Status(code: http.statusCode),
                                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            for name in [HTTPField.Name.contentType, .retryAfter, .location] {
                if let value = http.value(forHTTPHeaderField: name.rawName) { response.headers[name] = value }
            }
            return response
        } catch {
            var response = StreamService.error(.serviceUnavailable, "the stream's server at \(base) did not answer (\(error.localizedDescription)); send the request again")
            response.headers[.retryAfter] = "1"
            return response
        }
    }
}
