import Foundation
import GGMDetection
@testable import GGMServer
import Hummingbird
import Testing

/// The HTTP API (a service on a loopback port, a real HTTP client), every reply checked against the
/// OpenAPI document; the alarms compared with one uninterrupted run of the library's monitor.
@Suite("ggmwatch serve: the API")
struct ServerAPITests {
    static let p = 6
    static let columns = Fixture.columns(p)
    /// Nominal thresholds: no calibration, so that the debug test run stays fast; the calibrated path has its own tests.
    static let nominal: [String: JSONValue] = ["burnIn": 150, "window": 25, "refitEvery": 25, "alpha": 0.001]

    static func createBody(_ name: String, settings: [String: JSONValue] = nominal, columns: [String] = columns) -> String {
        let body: [String: JSONValue] = ["name": .string(name), "columns": .array(columns.map { .string($0) }), "settings": .object(settings)]
        return String(decoding: try! JSONEncoder().encode(body), as: UTF8.self)
    }

    @Test func createListGetDelete() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            let created = try await api.call(.post, "/v1/streams", body: Self.createBody("plant-1"))
            #expect(created.status == 201)
            #expect(created.object["name"] as? String == "plant-1")
            #expect(created.object["phase"] as? String == "burnIn")
            #expect(created.object["next"] as? Int == 0)

            let again = try await api.call(.post, "/v1/streams", body: Self.createBody("plant-1"))
            #expect(again.status == 409)

            let unknown = try await api.call(.post, "/v1/streams", body: Self.createBody("b", settings: ["windwo": 10]))
            #expect(unknown.status == 400)
            #expect(unknown.object["setting"] as? String == "windwo")
            let badWindow = try await api.call(.post, "/v1/streams", body: Self.createBody("b", settings: ["window": "ten"]))
            #expect(badWindow.status == 400)
            #expect(badWindow.object["setting"] as? String == "window")
            #expect((badWindow.object["error"] as? String)?.contains("integer") == true)
            let burnIn = try await api.call(.post, "/v1/streams", body: Self.createBody("b", settings: ["burnIn": 20, "window": 30]))
            #expect(burnIn.status == 400)
            #expect(burnIn.object["setting"] as? String != nil)
            let twoWays = try await api.call(.post, "/v1/streams", body: Self.createBody("b", settings: ["arl": 1000, "alpha": 0.01]))
            #expect(twoWays.status == 400)
            let badName = try await api.call(.post, "/v1/streams", body: Self.createBody("no spaces/here"))
            #expect(badName.status == 400)
            #expect(badName.object["setting"] as? String == "name")
            let duplicateColumns = try await api.call(.post, "/v1/streams", body: Self.createBody("b", columns: ["a", "b", "a"]))
            #expect(duplicateColumns.status == 400)
            #expect(duplicateColumns.object["setting"] as? String == "columns")
            let notJSON = try await api.call(.post, "/v1/streams", body: "{\"name\": ")
            #expect(notJSON.status == 400)

            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("plant-2", settings: [:])).status == 201)
            let list = try await api.call(.get, "/v1/streams")
            #expect((list.object["streams"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["plant-1", "plant-2"])
            let one = try await api.call(.get, "/v1/streams/plant-2")
            #expect(one.status == 200)
            #expect(one.object["settings"] as? [String: Any] != nil)
            #expect(try await api.call(.delete, "/v1/streams/plant-2").status == 204)
            #expect(try await api.call(.get, "/v1/streams/plant-2").status == 404)
            #expect(try await api.call(.delete, "/v1/streams/plant-2").status == 404)
            #expect(try await api.call(.get, "/v1/health").status == 200)
        }
    }

    /// Batches of every size, as CSV (header, labels) and JSON, raise exactly the events of one
    /// uninterrupted run of the monitor on the same rows; the same events come back from
    /// `GET .../events`, numbered from 1, and `after` pages them.
    @Test func batchesRaiseTheEventsOfOneUninterruptedRun() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 900, change: 500, seed: 11)
        let labels = (0..<rows.count).map { "t\($0)" }
        let expected = try Fixture.uninterruptedEvents(settings: Self.nominal, columns: Self.columns, rows: rows, labels: labels)
        #expect(expected.contains { $0.name == "alarm" })
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            var first = 0, k = 0
            var raised: [[String: Any]] = []
            let sizes = [1, 7, 150, 3, 60, 200, 99, 380]
            while first < rows.count {
                let n = min(sizes[k % sizes.count], rows.count - first)
                let slice = rows[first..<(first + n)], sliceLabels = Array(labels[first..<(first + n)])
                let reply = k % 2 == 0
                    ? try await api.call(.post, "/v1/streams/s/observations?first=\(first)",
                                         body: Fixture.csv(slice, columns: Self.columns, header: k % 4 == 0, labels: sliceLabels), contentType: "text/csv")
                    : try await api.call(.post, "/v1/streams/s/observations?first=\(first)", body: Fixture.json(slice, labels: sliceLabels))
                #expect(reply.status == 200)
                #expect(reply.object["accepted"] as? Int == n)
                #expect(reply.object["next"] as? Int == first + n)
                #expect(reply.object["pendingCalibration"] as? Bool == false)
                raised += reply.object["events"] as? [[String: Any]] ?? []
                first += n
                k += 1
            }
            expectSameEvents(raised, expected.map(\.wireObject), "the replies")
            let all = try await api.call(.get, "/v1/streams/s/events")
            #expect(all.array.count == expected.count)
            let later = try await api.call(.get, "/v1/streams/s/events?after=1")
            #expect(later.array.first?["sequence"] as? Int == (expected.count > 1 ? 2 : nil))
            let status = try await api.call(.get, "/v1/streams/s")
            let alarmIndices = expected.compactMap { if case let .alarm(a, _) = $0 { a.index } else { nil } }
            #expect(status.object["alarmIndices"] as? [Int] == alarmIndices)
            #expect(status.object["observations"] as? Int == rows.count)
            #expect(status.object["lastStatistics"] != nil)
        }
    }

    /// A resent batch is acknowledged and not applied again; an overlapping one applies only its new
    /// rows; a gap is 409 with the row the stream expects.
    @Test func resendsAreIdempotentAndGapsAreRefused() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 300, change: 1000, seed: 3)
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            let first = try await api.call(.post, "/v1/streams/s/observations?first=0", body: Fixture.json(rows[0..<100]))
            #expect(first.object["accepted"] as? Int == 100)
            let resent = try await api.call(.post, "/v1/streams/s/observations?first=0", body: Fixture.json(rows[0..<100]))
            #expect(resent.status == 200)
            #expect(resent.object["accepted"] as? Int == 0)
            #expect(resent.object["duplicate"] as? Bool == true)
            #expect(resent.object["next"] as? Int == 100)
            let overlap = try await api.call(.post, "/v1/streams/s/observations?first=50", body: Fixture.json(rows[50..<160]))
            #expect(overlap.object["accepted"] as? Int == 60)
            #expect(overlap.object["next"] as? Int == 160)
            let gap = try await api.call(.post, "/v1/streams/s/observations?first=200", body: Fixture.json(rows[200..<210]))
            #expect(gap.status == 409)
            #expect(gap.object["expected"] as? Int == 160)
            let noFirst = try await api.call(.post, "/v1/streams/s/observations", body: Fixture.json(rows[160..<170]))
            #expect(noFirst.status == 400)
            #expect(noFirst.object["setting"] as? String == "first")
            #expect(try await api.call(.get, "/v1/streams/s").object["next"] as? Int == 160)
            #expect(try await api.call(.post, "/v1/streams/nope/observations?first=0", body: Fixture.json(rows[0..<1])).status == 404)
        }
    }

    /// A bad cell rejects the whole batch with its row, column and text, and nothing is applied.
    @Test func aBadRowRejectsTheWholeBatch() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 40, change: 1000, seed: 5)
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            var lines = Fixture.csv(rows[0..<10], columns: Self.columns).split(separator: "\n").map(String.init)
            var cells = lines[3].split(separator: ",").map(String.init)
            cells[1] = "abc"
            lines[3] = cells.joined(separator: ",")
            let csv = try await api.call(.post, "/v1/streams/s/observations?first=0", body: lines.joined(separator: "\n"), contentType: "text/csv")
            #expect(csv.status == 400)
            #expect(csv.object["row"] as? Int == 3)
            #expect(csv.object["column"] as? String == "x2")
            #expect(csv.object["text"] as? String == "abc")

            cells[1] = "NaN"
            lines[3] = cells.joined(separator: ",")
            let nan = try await api.call(.post, "/v1/streams/s/observations?first=0", body: lines.joined(separator: "\n"), contentType: "text/csv")
            #expect(nan.status == 400)
            #expect(nan.object["column"] as? String == "x2")

            let header = try await api.call(.post, "/v1/streams/s/observations?first=0",
                                            body: "x1,x2,x3,x4,x5,y6\n" + Fixture.csv(rows[0..<2], columns: Self.columns, header: false), contentType: "text/csv")
            #expect(header.status == 400)
            #expect((header.object["error"] as? String)?.contains("y6") == true)

            let short = try await api.call(.post, "/v1/streams/s/observations?first=0", body: #"{"rows": [[1,2,3,4,5,6],[1,2,3]]}"#)
            #expect(short.status == 400)
            #expect(short.object["row"] as? Int == 2)
            let null = try await api.call(.post, "/v1/streams/s/observations?first=0", body: #"{"rows": [[1,2,3,4,5,6],[1,2,null,4,5,6]]}"#)
            #expect(null.status == 400)
            #expect(null.object["row"] as? Int == 2)
            #expect(null.object["column"] as? String == "x3")
            #expect(null.object["text"] as? String == "null")
            let labels = try await api.call(.post, "/v1/streams/s/observations?first=0", body: #"{"rows": [[1,2,3,4,5,6]], "labels": ["a", "b"]}"#)
            #expect(labels.status == 400)
            let xml = try await api.call(.post, "/v1/streams/s/observations?first=0", body: "<rows/>", contentType: "application/xml")
            #expect(xml.status == 400)

            #expect(try await api.call(.get, "/v1/streams/s").object["next"] as? Int == 0)
            #expect(try await api.call(.post, "/v1/streams/s/observations?first=0", body: Fixture.json(rows[0..<10])).object["next"] as? Int == 10)

            // A column constant over the burn-in: the reference cannot be estimated; 422 names the
            // node and column, and nothing of the batch is applied.
            var constant = Fixture.rows(p: Self.p, n: 160, change: 1000, seed: 6)
            for t in constant.indices { constant[t][1] = 1.5 }
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("flat")).status == 201)
            let flat = try await api.call(.post, "/v1/streams/flat/observations?first=0", body: Fixture.json(constant[...]))
            #expect(flat.status == 422)
            #expect((flat.object["error"] as? String)?.contains("column 2") == true, "\(flat.text)")
            #expect(try await api.call(.get, "/v1/streams/flat").object["next"] as? Int == 0)
        }
    }

    @Test func limitsBoundBatchesAndBodies() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var limits = ServiceLimits()
        limits.maxBatchRows = 20
        limits.maxBodyBytes = 4096
        limits.maxStreams = 2
        let rows = Fixture.rows(p: Self.p, n: 100, change: 1000, seed: 5)
        let service = try await Fixture.service(dir, limits: limits)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("a")).status == 201)
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("b")).status == 201)
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("c")).status == 429)
            let many = try await api.call(.post, "/v1/streams/a/observations?first=0", body: Fixture.json(rows[0..<21].map { $0.map { ($0 * 100).rounded() / 100 } }[...]))
            #expect(many.status == 413)
            let large = try await api.call(.post, "/v1/streams/a/observations?first=0", body: Fixture.json(rows[0..<20]) + String(repeating: " ", count: 5000))
            #expect(large.status == 413)
            #expect(try await api.call(.get, "/v1/streams/a").object["next"] as? Int == 0)
        }
    }

    /// With a token every write needs it (401 without), reads do not.
    @Test func writesNeedTheToken() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let service = try await Fixture.service(dir, token: "s3cret")
        try await withLiveService(service) { open in
            let denied = try await open.call(.post, "/v1/streams", body: Self.createBody("s"))
            #expect(denied.status == 401)
            #expect(try await open.call(.post, "/v1/streams", body: Self.createBody("s"), token: "wrong").status == 401)
            let authorized = open.with(token: "s3cret")
            #expect(try await authorized.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            #expect(try await open.call(.get, "/v1/streams/s").status == 200)
            #expect(try await open.call(.post, "/v1/streams/s/observations?first=0", body: #"{"rows": []}"#).status == 401)
            #expect(try await open.call(.delete, "/v1/streams/s").status == 401)
            #expect(try await authorized.call(.delete, "/v1/streams/s").status == 204)
        }
        var configuration = ServiceConfiguration()
        configuration.host = "0.0.0.0"
        #expect(configuration.problem != nil)
        configuration.token = "t"
        #expect(configuration.problem == nil)
    }

    /// A stream that needs thresholds answers at once with `pendingCalibration`, its calibration runs
    /// in the background, and the events of the held rows arrive afterwards, in order, equal to a
    /// blocking run's; meanwhile another stream is served.
    @Test func calibrationRunsOffTheRequestPath() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings: [String: JSONValue] = ["burnIn": 150, "window": 25, "refitEvery": 25, "arl": 300, "replicates": 20, "seed": 4]
        let rows = Fixture.rows(p: 4, n: 700, change: 400, seed: 21)
        let columns = Fixture.columns(4)
        let expected = try Fixture.uninterruptedEvents(settings: settings, columns: columns, rows: rows)
        #expect(expected.contains { $0.name == "alarm" })
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("cal", settings: settings, columns: columns)).status == 201)
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("other")).status == 201)
            var pending = false
            for first in stride(from: 0, to: rows.count, by: 100) {
                let reply = try await api.call(.post, "/v1/streams/cal/observations?first=\(first)", body: Fixture.json(rows[first..<(first + 100)]))
                #expect(reply.status == 200)
                pending = pending || (reply.object["pendingCalibration"] as? Bool == true)
            }
            #expect(pending)
            #expect(try await api.call(.post, "/v1/streams/other/observations?first=0", body: Fixture.json(Fixture.rows(p: Self.p, n: 50, change: 999, seed: 1)[0..<50])).status == 200)
            let done = try await eventually(seconds: 300) {
                let status = try await api.call(.get, "/v1/streams/cal")
                return status.object["pendingCalibration"] as? Bool == false && status.object["calibrating"] as? Bool == false
            }
            #expect(done)
            expectSameEvents(try await api.call(.get, "/v1/streams/cal/events").array, expected.map(\.wireObject), "after the calibration")
            let status = try await api.call(.get, "/v1/streams/cal")
            #expect((status.object["calibrations"] as? Int ?? 0) >= 1)
            #expect(status.object["thresholds"] != nil)
        }
    }

    /// A service restarted on its store continues every stream from its last accepted batch: the
    /// events over both lives are those of one uninterrupted run. The first service is dropped
    /// without a shutdown (no final snapshot), as a crash would; a small snapshot interval makes
    /// the restore use a snapshot and replay the batches after it.
    @Test func aRestartedServiceContinuesFromItsStore() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 900, change: 500, seed: 11)
        let expected = try Fixture.uninterruptedEvents(settings: Self.nominal, columns: Self.columns, rows: rows)
        var limits = ServiceLimits()
        limits.snapshotEvery = 130
        let raisedBefore = try await withLiveService(try await Fixture.service(dir, limits: limits)) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            var raised = 0
            for first in stride(from: 0, to: 550, by: 50) {
                raised += (try await api.call(.post, "/v1/streams/s/observations?first=\(first)", body: Fixture.json(rows[first..<(first + 50)])).object["events"] as? [[String: Any]] ?? []).count
            }
            return raised
        }
        let service = try await Fixture.service(dir, limits: limits)
        #expect(await service.streamCount == 1)
        try await withLiveService(service) { api in
            #expect(try await api.call(.get, "/v1/streams/s").object["next"] as? Int == 550)
            // The client did not see the last acknowledgement: it sends the batch again.
            #expect(try await api.call(.post, "/v1/streams/s/observations?first=500", body: Fixture.json(rows[500..<550])).object["duplicate"] as? Bool == true)
            var raised = raisedBefore
            for first in stride(from: 550, to: rows.count, by: 50) {
                raised += (try await api.call(.post, "/v1/streams/s/observations?first=\(first)", body: Fixture.json(rows[first..<(first + 50)])).object["events"] as? [[String: Any]] ?? []).count
            }
            #expect(raised == expected.count)
            expectSameEvents(try await api.call(.get, "/v1/streams/s/events").array, expected.map(\.wireObject), "over both lives")
        }
    }

    /// The live feed sends the stored events after `after`, then each new one; it ends when the stream is deleted.
    @Test func theLiveFeedSendsEventsAsServerSentEvents() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 900, change: 500, seed: 11)
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("s")).status == 201)
            let reply = try await api.call(.post, "/v1/streams/s/observations?first=0", body: Fixture.json(rows[0..<900]))
            let events = reply.object["events"] as? [[String: Any]] ?? []
            #expect(!events.isEmpty)
            // Delete the stream shortly so that the feed ends and the test client returns its body.
            let deleter = Task {
                try await Task.sleep(for: .milliseconds(500))
                _ = try await service.registry.delete("s")
            }
            let live = try await api.call(.get, "/v1/streams/s/events/live?after=0")
            _ = try await deleter.value
            #expect(live.status == 200)
            #expect(live.contentType == "text/event-stream")
            let messages = live.text.components(separatedBy: "\n\n").filter { $0.contains("data: ") }
            #expect(messages.count == events.count)
            for (message, event) in zip(messages, events) {
                #expect(message.contains("id: \(event["sequence"] as? Int ?? -1)\n"))
                #expect(message.contains("event: \(event["event"] as? String ?? "")\n"))
            }
        }
    }

    @Test func metricsDashboardAndDocument() async throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Fixture.rows(p: Self.p, n: 900, change: 500, seed: 11)
        let service = try await Fixture.service(dir)
        try await withLiveService(service) { api in
            let empty = try await api.call(.get, "/")
            #expect(empty.text.contains("No streams yet"))
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("plant<1>".replacingOccurrences(of: "<", with: "-").replacingOccurrences(of: ">", with: "-"))).status == 201)
            #expect(try await api.call(.post, "/v1/streams", body: Self.createBody("desk")).status == 201)
            _ = try await api.call(.post, "/v1/streams/desk/observations?first=0", body: Fixture.json(rows[0..<900]))
            let metrics = try await api.call(.get, "/metrics").text
            #expect(metrics.contains(#"ggmwatch_rows_processed_total{stream="desk"} 900"#))
            #expect(metrics.contains(#"ggmwatch_alarms_total{stream="desk"}"#))
            #expect(metrics.contains("ggmwatch_request_duration_seconds_bucket"))
            let page = try await api.call(.get, "/").text
            #expect(page.contains(#"data-stream="desk""#))
            #expect(page.contains(#"data-stream="plant-1-""#))
            #expect(page.contains("<svg"))
            #expect(page.contains(#"class="alarm""#))
            #expect(try await api.call(.get, "/dashboard.js").text.contains("EventSource"))
            let chart = try await api.call(.get, "/v1/streams/desk/chart.svg?width=600")
            #expect(chart.text.hasPrefix("<svg"))
            #expect(try await api.call(.get, "/v1/streams/desk/chart.svg?width=wide").object["setting"] as? String == "width")
            #expect(try await api.call(.get, "/v1/streams/desk/events?after=-1").object["setting"] as? String == "after")
            #expect(try await api.call(.get, "/v1/streams/desk/events?after=x").status == 400)
            let document = try await api.call(.get, "/openapi.json")
            #expect((document.object["paths"] as? [String: Any])?["/v1/streams/{name}/observations"] != nil)
        }
    }
}
