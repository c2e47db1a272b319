/// The last `window` observations of a stream, oldest first when read back (row-major ring buffer).
struct WindowRing: Codable, Sendable, Equatable {
    let window: Int
    let dimension: Int
    private(set) var values: [Double]
    /// Slot the next observation is written to.
    private(set) var head = 0
    private(set) var count = 0

    init(window: Int, dimension: Int) {
        self.window = window
        self.dimension = dimension
        values = [Double](repeating: 0, count: window * dimension)
    }

    var isFull: Bool { count == window }

    /// Adds `x`; when the ring was full, copies the observation it replaces into `evicted` and returns true.
    mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        let p = dimension
        let base = head * p
        let full = isFull
        if full {
            evicted.removeAll(keepingCapacity: true)
            evicted.append(contentsOf: values[base..<(base + p)])
        }
        values.replaceSubrange(base..<(base + p), with: x)
        head = (head + 1) % window
        if !full { count += 1 }
        return full
    }

    /// The stored observations, each as a slice of ``values``, oldest first.
    func forEach(_ body: (ArraySlice<Double>) -> Void) {
        let p = dimension
        for age in stride(from: count, to: 0, by: -1) {
            let slot = (head - age + window) % window
            body(values[(slot * p)..<(slot * p + p)])
        }
    }

    mutating func removeAll() {
        head = 0
        count = 0
    }
}
