import Foundation
import Testing

/// Whether the heavy statistical suites run: in optimized builds (`swift test -c release`, as
/// `.ci/run` does) or when `GGMWATCH_HEAVY_TESTS=1`. Unoptimized, they take many minutes.
enum Heavy {
    static var enabled: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["GGMWATCH_HEAVY_TESTS"] == "1"
        #else
        return true
        #endif
    }
    static let reason: Comment = "heavy statistical suite: runs in release (swift test -c release, see .ci/run) or with GGMWATCH_HEAVY_TESTS=1"
}
