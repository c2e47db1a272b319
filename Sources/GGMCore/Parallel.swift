import Dispatch

/// Runs `body(i)` for `i` in `0..<count` across the machine's cores and waits for all.
///
/// Work items must be independent (node-wise regressions, Monte Carlo replicates).
/// Results are written by index, so the outcome does not depend on scheduling. While it runs,
/// ``HelperThreads`` sleep and keep their work on its callers (the cores are busy).
public func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    if count == 1 { body(0); return }
    HelperThreads.enterParallelRegion()
    defer { HelperThreads.leaveParallelRegion() }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// Computes `transform(i)` for `i` in `0..<count` in parallel and returns the results in index order.
public func parallelMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let box = ResultBox<T>(count)
    parallelFor(count) { i in box.set(i, transform(i)) }
    return box.values()
}

/// Runs `body` over `0..<rows` in contiguous blocks: in parallel (four blocks) when a row-wise
/// pass over a `rows x rows` matrix is large enough to pay for the hand-over (from 2^17 entries,
/// p >= 363), else in one block on the caller. Each row is processed by exactly one call.
public func forEachRowBlock(_ rows: Int, _ body: @Sendable (Range<Int>) -> Void) {
    guard rows > 0 else { return }
    let parts = rows * rows >= 1 << 17 ? 4 : 1
    if parts == 1 { body(0..<rows); return }
    parallelFor(parts) { part in body((rows * part / parts)..<(rows * (part + 1) / parts)) }
}

extension Matrix {
    /// A square matrix of `source`'s size written row by row: `fill(i, sourceRow, vector, row)`
    /// writes every entry of row `i` from row `i` of `source` and `vector` (the rows in blocks on
    /// both cores, ``forEachRowBlock(_:_:)``; the storage is not initialized before).
    public init(rowsOf source: Matrix, with vector: [Double],
                _ fill: @Sendable (Int, UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) {
        precondition(source.isSquare && vector.count == source.rows, "a square matrix and one value per row")
        let p = source.rows
        self.init(rows: p, columns: p) { out in
            source.elements.withUnsafeBufferPointer { e in
                vector.withUnsafeBufferPointer { v in
                    guard p > 0 else { return }
                    let target = SharedMutableBuffer(out), rows = SendablePointer(e.baseAddress!), values = SendablePointer(v.baseAddress!)
                    forEachRowBlock(p) { block in
                        for i in block { fill(i, rows.pointer + i * p, values.pointer, target.base.baseAddress! + i * p) }
                    }
                }
            }
        }
    }
}

/// Index-addressed result slots written by parallel workers; each slot is written by exactly one worker.
final class ResultBox<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int
    init(_ n: Int) {
        count = n
        slots = .allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ i: Int, _ v: T) { slots[i] = v }
    func values() -> [T] { (0..<count).map { slots[$0]! } }
}

/// A mutable buffer shared by parallel workers that write disjoint index ranges.
public struct SharedMutableBuffer: @unchecked Sendable {
    public let base: UnsafeMutableBufferPointer<Double>
    public init(_ base: UnsafeMutableBufferPointer<Double>) { self.base = base }
    @inlinable public subscript(i: Int) -> Double {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// A pointer that parallel workers only read (a matrix, an index array).
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>
    public init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
