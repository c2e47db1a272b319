/// The pairs `i < j` of a p x p row-major matrix, visited 32 x 32 tiles at a time.
///
/// Reading or writing `(j, i)` for each `(i, j)` row after row is a stride of p doubles: at
/// p = 5,000 every access misses the cache and the TLB. Within a tile both the rows and the
/// columns stay in cache.
public enum TriangleTiles {
    /// The tile's side.
    public static let side = 32

    /// Calls `body(i, j)` once for every `0 <= i < j < p`, tile by tile; stops when it returns false.
    @inlinable @inline(__always)
    public static func forEachUpperPair(_ p: Int, _ body: (Int, Int) -> Bool) {
        for i0 in stride(from: 0, to: p, by: side) {
            for j0 in stride(from: i0, to: p, by: side) {
                for i in i0..<Swift.min(i0 + side, p) {
                    for j in Swift.max(j0, i + 1)..<Swift.min(j0 + side, p) where !body(i, j) { return }
                }
            }
        }
    }

    /// Copies the strict upper triangle of the p x p matrix at `base` into its lower triangle.
    @inlinable
    public static func mirrorUpper(_ base: UnsafeMutablePointer<Double>, dimension p: Int) {
        forEachUpperPair(p) { i, j in
            base[j * p + i] = base[i * p + j]
            return true
        }
    }
}
