import Dispatch
import Foundation
import Synchronization

/// Helper threads for parallel work too fine for ``parallelFor(_:_:)``: a few tens of
/// microseconds per call, repeated for every observation (the local statistic's update at
/// p = 452 takes about 50 microseconds; handing work to Dispatch costs about as much).
///
/// A helper is a thread that, after each piece of work, watches for the next one for about a
/// millisecond (``spinDuration``) before it sleeps on a semaphore, so that a stream of
/// observations keeps it awake and a pause, a refit or the end of the stream lets it sleep. While
/// a ``parallelFor(_:_:)`` runs anywhere in the process (a refit's regressions, the calibration's
/// replicates), helpers go to sleep at once and ``run(parts:_:)`` keeps all the work on its
/// caller: the cores are busy already.
///
/// Helpers are off until ``enable(_:)`` is called. The command-line tool enables them for the
/// commands that follow one stream (`monitor`, `demo`, `bench`); a service that runs many streams
/// at once leaves them off, because its streams already share the cores.
///
/// Results never depend on helpers: the parts are disjoint and each is computed by the same
/// operations whichever thread runs it.
public enum HelperThreads {
    /// How long an idle helper watches for work before it sleeps.
    public static let spinDuration: Duration = .milliseconds(1)

    /// The number of helper threads in use (0 until ``enable(_:)``).
    public static var count: Int {
        if #available(macOS 15, *) { return HelperPool.shared.enabledCount.load(ordering: .relaxed) }
        return 0
    }

    /// The most helpers this machine can use: its active cores minus the caller's, at most 7.
    public static var available: Int {
        Swift.min(Swift.max(ProcessInfo.processInfo.activeProcessorCount - 1, 0), 7)
    }

    /// Uses `count` helper threads (at most ``available``) from now on; 0 stops using them.
    /// Threads are started the first time they are needed and live as long as the process.
    public static func enable(_ count: Int = available) {
        if #available(macOS 15, *) { HelperPool.shared.enable(count) }
    }

    /// Runs `body(part)` for every `part` in `0..<parts` and returns when all are done. The parts
    /// are dealt in contiguous blocks to the caller and the idle helpers, and a thread done with its
    /// block takes what is left of the others (so a helper that wakes late loses its parts instead
    /// of holding the caller up); when helpers are off, serve another caller at the moment, or a
    /// ``parallelFor(_:_:)`` is running, the caller runs every part itself, in order.
    ///
    /// `body` must write only what its part owns. It is escaping because a helper may release its
    /// reference to `body` a moment after the call has returned.
    public static func run(parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        if #available(macOS 15, *) {
            let ran = withUnsafePointer(to: body) { HelperPool.shared.run(parts: parts, job: $0) }
            if ran { return }
        }
        for part in 0..<parts { body(part) }
    }

    /// Marks a ``parallelFor(_:_:)`` region (helpers sleep and ``run(parts:_:)`` stays on its caller).
    static func enterParallelRegion() {
        if #available(macOS 15, *) { HelperPool.shared.parallelDepth.add(1, ordering: .relaxed) }
    }

    static func leaveParallelRegion() {
        if #available(macOS 15, *) { HelperPool.shared.parallelDepth.subtract(1, ordering: .relaxed) }
    }
}

/// The work a helper runs: `job(part)`.
typealias HelperJob = @Sendable (Int) -> Void

/// The process's helpers: a fixed array of ``Helper``s (threads started on demand), used by one
/// caller at a time.
///
/// A call's parts are dealt in contiguous blocks, one per participating thread (the caller and
/// the helpers idle at that moment), and each thread runs its own block from the front. A thread
/// done with its block takes what is left of the others from their back ends, so a helper that
/// wakes late or runs slowly holds nobody up, while in the steady state each thread runs the same
/// parts at every call (their data stay in its cache). Each block's ``Cursor`` holds the call's
/// epoch and the block's remaining range in one word, changed by compare-and-exchange: a helper
/// still holding an earlier call's job can take nothing from a later call.
@available(macOS 15, *)
final class HelperPool: @unchecked Sendable {
    static let shared = HelperPool()

    /// How many ``parallelFor(_:_:)`` calls are running.
    let parallelDepth = Atomic<Int>(0)
    let enabledCount = Atomic<Int>(0)
    /// Taken by the caller of ``run(parts:job:)`` for the duration of the call.
    private let claimed = Atomic<Bool>(false)
    /// Epoch (high 32 bits), first (16 bits) and end (low 16 bits) of each block's remaining parts.
    final class Cursor: Sendable {
        let word = Atomic<UInt64>(0)
    }
    private let cursors: [Cursor]
    /// Parts of the current call completed.
    private let completed = Atomic<Int>(0)
    private let epoch = Atomic<UInt64>(0)
    private let helpers: [Helper]
    /// Scratch for the indices of the helpers idle at a call (written only under `claimed`).
    private let idle: UnsafeMutablePointer<Int>

    private init() {
        helpers = (0..<HelperThreads.available).map { _ in Helper() }
        idle = .allocate(capacity: Swift.max(helpers.count, 1))
        cursors = (0...HelperThreads.available).map { _ in Cursor() }
    }

    func enable(_ count: Int) {
        let n = Swift.max(0, Swift.min(count, helpers.count))
        for helper in helpers.prefix(n) { helper.start(pool: self) }
        enabledCount.store(n, ordering: .releasing)
    }

    /// Runs the parts with helpers; false (nothing run) when helpers are off or busy or a parallel
    /// region is running.
    func run(parts: Int, job: UnsafePointer<HelperJob>) -> Bool {
        let n = enabledCount.load(ordering: .acquiring)
        guard n > 0, parts < 1 << 16, parallelDepth.load(ordering: .relaxed) == 0,
              claimed.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { claimed.store(false, ordering: .releasing) }
        // The helpers idle now, in `idle` (used only under the claim).
        var idleCount = 0
        for h in 0..<n where idleCount + 1 < parts && helpers[h].isIdle {
            idle[idleCount] = h
            idleCount += 1
        }
        let threads = idleCount + 1
        let current = (epoch.load(ordering: .relaxed) &+ 1) & 0xFFFF_FFFF
        epoch.store(current, ordering: .relaxed)
        completed.store(0, ordering: .relaxed)
        for block in 0..<threads {
            let first = UInt64(block * parts / threads), end = UInt64((block + 1) * parts / threads)
            cursors[block].word.store(current << 32 | first << 16 | end, ordering: .releasing)
        }
        for k in 0..<idleCount {
            helpers[idle[k]].post(Helper.Mail(job: job, epoch: current, home: k + 1, blocks: threads))
        }
        runParts(Helper.Mail(job: job, epoch: current, home: 0, blocks: threads))
        var spins = 0
        while completed.load(ordering: .acquiring) != parts {
            spins &+= 1
            if spins & 0xFFFF == 0 { sched_yield() }
        }
        return true
    }

    /// Runs parts of the call `mail` describes until none is left: its home block from the front,
    /// then the others from the back.
    func runParts(_ mail: Helper.Mail) {
        while let part = take(mail, block: mail.home, fromFront: true) { run(mail, part) }
        for step in 1..<Swift.max(mail.blocks, 1) {
            let block = (mail.home + step) % mail.blocks
            while let part = take(mail, block: block, fromFront: false) { run(mail, part) }
        }
    }

    @inline(__always)
    private func run(_ mail: Helper.Mail, _ part: Int) {
        mail.job.pointee(part)
        completed.add(1, ordering: .releasing)
    }

    /// Takes the first (or last) remaining part of `block` in the call of epoch `mail.epoch`.
    private func take(_ mail: Helper.Mail, block: Int, fromFront: Bool) -> Int? {
        let cursor = cursors[block]
        var word = cursor.word.load(ordering: .acquiring)
        while true {
            let first = word >> 16 & 0xFFFF, end = word & 0xFFFF
            guard word >> 32 == mail.epoch, first < end else { return nil }
            let next = fromFront ? word + (1 << 16) : word - 1
            let (exchanged, original) = cursor.word.compareExchange(expected: word, desired: next, ordering: .acquiringAndReleasing)
            if exchanged { return Int(fromFront ? first : end - 1) }
            word = original
        }
    }
}

/// One helper thread and its mailbox. The mail is written by the poster, only while the helper
/// is idle, before `posted` (sequentially consistent), and read by the helper after it sees the
/// new value.
@available(macOS 15, *)
final class Helper: @unchecked Sendable {
    /// A call's job and epoch, the helper's home block and the number of blocks.
    struct Mail {
        let job: UnsafePointer<HelperJob>
        let epoch: UInt64
        let home: Int
        let blocks: Int
    }

    /// Generation of the last mail posted, and of the last one finished.
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// The helper is asleep, or about to be, on `wake`.
    private let parked = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var mail: Mail?

    func start(pool: HelperPool) {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let thread = Thread { [self] in self.loop(pool: pool) }
        thread.name = "ggmwatch helper"
        thread.start()
    }

    /// Started, and done with its last mail (a helper still asleep with unread mail is not idle).
    var isIdle: Bool {
        started.load(ordering: .relaxed) && finished.load(ordering: .acquiring) == posted.load(ordering: .relaxed)
    }

    func post(_ mail: Mail) {
        self.mail = mail
        posted.add(1, ordering: .sequentiallyConsistent)
        if parked.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged { wake.signal() }
    }

    private func loop(pool: HelperPool) {
        let spin = HelperThreads.spinDuration.components
        let spinNanoseconds = UInt64(spin.seconds) * 1_000_000_000 + UInt64(spin.attoseconds / 1_000_000_000)
        var seen = 0
        while true {
            var spins = 0
            var deadline: UInt64 = 0
            while true {
                let generation = posted.load(ordering: .acquiring)
                if generation != seen { seen = generation; break }
                spins &+= 1
                guard spins & 63 == 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if deadline == 0 { deadline = now + spinNanoseconds }
                if now >= deadline || pool.parallelDepth.load(ordering: .relaxed) > 0 {
                    park(seen: seen)
                    deadline = 0
                }
            }
            pool.runParts(mail!)
            finished.store(seen, ordering: .releasing)
        }
    }

    /// Sleeps until a mail is posted after generation `seen` (returns at once if one already is).
    private func park(seen: Int) {
        parked.store(true, ordering: .sequentiallyConsistent)
        if posted.load(ordering: .sequentiallyConsistent) != seen,
           parked.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged {
            return
        }
        // The poster cleared `parked` and signals (or has signalled) exactly once.
        wake.wait()
    }
}
