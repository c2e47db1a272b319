import Dispatch
import Foundation

/// A line on standard error every `interval` seconds while a long step runs (fitting a network
/// at large p can take minutes before anything else is printed), so that a long run always
/// says what it is doing. `begin` and `end` are cheap (a timestamp under a lock), so they can
/// bracket every row of a stream; the timer thread prints only when the current step has
/// lasted longer than `interval`.
final class Heartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private let interval: Double
    private var since: Date?
    private var what: String = ""
    private var lastPrinted: Date?
    private let timer: DispatchSourceTimer

    init(interval: Double = 10, enabled: Bool = true) {
        self.interval = interval
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        guard enabled else { return }
        timer.schedule(deadline: .now() + interval, repeating: interval / 2)
        timer.setEventHandler { [weak self] in self?.check() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// A step starts; `what` says what it is, for the message.
    func begin(_ what: @autoclosure () -> String) {
        lock.lock(); since = Date(); lastPrinted = nil; self.what = what(); lock.unlock()
    }

    func end() { lock.lock(); since = nil; lock.unlock() }

    private func check() {
        lock.lock()
        defer { lock.unlock() }
        guard let since else { return }
        let now = Date()
        guard now.timeIntervalSince(since) >= interval, now.timeIntervalSince(lastPrinted ?? .distantPast) >= interval else { return }
        lastPrinted = now
        FileHandle.standardError.write("\(what): \(Int(now.timeIntervalSince(since))) s so far\n")
    }
}
