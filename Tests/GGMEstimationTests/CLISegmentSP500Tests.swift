import Foundation
import Testing

/// `ggmwatch segment --sp500`: the real case, pinned (docs/RESULTS.md, "Offline segmentation").
/// About 30 s with a release binary: it runs in optimized builds (`.ci/run` stage 3) or with
/// `GGMWATCH_HEAVY_TESTS=1`.
enum HeavyCLI {
    static var enabled: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["GGMWATCH_HEAVY_TESTS"] == "1"
        #else
        return true
        #endif
    }
}

@Suite(.enabled(if: CLI.binary != nil && HeavyCLI.enabled, "heavy: release builds or GGMWATCH_HEAVY_TESTS=1"))
struct CLISegmentSP500Tests {
    static func segment(_ extra: [String]) throws -> [String: Any] {
        let run = try CLI.run(["segment", "--sp500", "--json", "--bootstrap", "200"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
    }

    @Test("raw returns: one change point, 2004-08-02, most of it in Utilities")
    func rawReturns() throws {
        let object = try Self.segment([])
        #expect(object["changePoints"] as? [Int] == [397])
        let change = try #require((object["changes"] as? [[String: Any]])?.first)
        #expect(change["label"] as? String == "2004-08-02")
        let interval = try #require(change["interval"] as? [Int])
        #expect(interval[0] >= 390 && interval[1] <= 405, "\(interval)")
        let segments = try #require(object["segments"] as? [[String: Any]])
        let groups = try #require((segments[1]["changes"] as? [String: Any])?["groups"] as? [[String: Any]])
        #expect(groups.first?["group"] as? String == "Utilities")
    }

    @Test("volatility divided out (--ewma-scale): no change point")
    func ewmaScaled() throws {
        let object = try Self.segment(["--ewma-scale"])
        #expect(object["changePoints"] as? [Int] == [])
    }
}
