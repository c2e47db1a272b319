import Dispatch
import Foundation
import Testing
@testable import GGMCore

/// ``HelperThreads``: every part runs exactly once and the call returns only when all are done,
/// whether the helpers are awake, asleep, busy with another caller or kept off by a running
/// ``parallelFor(_:_:)``.
@Suite struct HelperThreadsTests {
    /// Per-part counters that parts increment (each part touches only its own slot).
    final class Counters: @unchecked Sendable {
        let slots: UnsafeMutablePointer<Int>
        let count: Int
        init(_ count: Int) {
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: 0, count: count)
        }
        deinit { slots.deallocate() }
        var values: [Int] { (0..<count).map { slots[$0] } }
    }

    @Test func everyPartRunsOnceAndIsDoneOnReturn() {
        HelperThreads.enable()
        #expect(HelperThreads.count == HelperThreads.available)
        for parts in 0...9 {
            let counters = Counters(Swift.max(parts, 1))
            for _ in 0..<2_000 {
                HelperThreads.run(parts: parts) { part in counters.slots[part] += 1 }
            }
            // Plain reads after the calls: a part still running would show as a missing count.
            #expect(counters.values == [Int](repeating: parts == 0 ? 0 : 2_000, count: Swift.max(parts, 1)), "parts = \(parts)")
        }
    }

    /// Pauses longer than the helpers' watch (they sleep on their semaphore) between calls.
    @Test func sleepingHelpersWakeForTheNextCall() {
        HelperThreads.enable()
        let counters = Counters(3)
        for round in 0..<12 {
            Thread.sleep(forTimeInterval: Double(round % 4) * 0.002)
            HelperThreads.run(parts: 3) { part in counters.slots[part] += 1 }
        }
        #expect(counters.values == [12, 12, 12])
    }

    /// Inside a parallel region every part runs on its caller, in order.
    @Test func insideParallelForThePartsStayOnTheCaller() {
        HelperThreads.enable()
        let orders = ResultBox<[Int]>(2)
        let callers = ResultBox<Bool>(2)
        parallelFor(2) { i in
            let caller = pthread_self()
            let order = Counters(4), threads = Counters(4)
            let next = Counters(1)
            HelperThreads.run(parts: 4) { part in
                order.slots[part] = next.slots[0]
                next.slots[0] += 1
                threads.slots[part] = pthread_equal(pthread_self(), caller) != 0 ? 1 : 0
            }
            orders.set(i, order.values)
            callers.set(i, threads.values == [1, 1, 1, 1])
        }
        #expect(orders.values() == [[0, 1, 2, 3], [0, 1, 2, 3]])
        #expect(callers.values() == [true, true])
    }

    /// Several threads calling at once (not through parallelFor, so helpers are in play): one at a
    /// time gets them, the others run their parts themselves; nothing is lost or run twice.
    @Test func concurrentCallersAllComplete() {
        HelperThreads.enable()
        let callers = 4, rounds = 3_000, parts = 3
        let counters = Counters(callers * parts)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for _ in 0..<rounds {
                HelperThreads.run(parts: parts) { part in counters.slots[c * parts + part] += 1 }
            }
        }
        #expect(counters.values == [Int](repeating: rounds, count: callers * parts))
    }
}
