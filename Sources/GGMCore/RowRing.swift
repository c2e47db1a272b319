/// The last `capacity` rows of a stream of `dimension`-vectors (row-major ring buffer), with an
/// optional label per row; read back oldest first.
///
/// The one ring buffer of the package: the baselines' windows and the monitor's recent history
/// (for estimating change times) are both `RowRing`s. `Codable`; decoding checks that the
/// stored arrays match the capacity and dimension.
public struct RowRing: Codable, Sendable, Equatable {
    public let capacity: Int
    public let dimension: Int
    private var values: [Double]
    private var labels: [String?]
    /// Slot the next row is written to.
    private var head = 0
    /// Rows held (at most `capacity`).
    public private(set) var count = 0

    public init(capacity: Int, dimension: Int) {
        precondition(capacity >= 1 && dimension >= 0)
        self.capacity = capacity
        self.dimension = dimension
        values = [Double](repeating: 0, count: capacity * dimension)
        labels = []
    }

    public var isFull: Bool { count == capacity }

    /// Adds `x`; when the ring was full, copies the row it replaces into `evicted` and returns true.
    @discardableResult
    public mutating func push(_ x: [Double], label: String? = nil, evicted: inout [Double]) -> Bool {
        let p = dimension
        let base = head * p
        let full = isFull
        if full {
            evicted.removeAll(keepingCapacity: true)
            evicted.append(contentsOf: values[base..<(base + p)])
        }
        values.replaceSubrange(base..<(base + p), with: x)
        if label != nil || !labels.isEmpty {
            if labels.isEmpty { labels = [String?](repeating: nil, count: capacity) }
            labels[head] = label
        }
        head = (head + 1) % capacity
        if !full { count += 1 }
        return full
    }

    /// Adds `x`, dropping the oldest row when full.
    public mutating func push(_ x: [Double], label: String? = nil) {
        var ignored: [Double] = []
        _ = push(x, label: label, evicted: &ignored)
    }

    private func slot(age: Int) -> Int { (head - age + capacity) % capacity }

    /// The stored rows, each as a slice, oldest first.
    public func forEach(_ body: (ArraySlice<Double>) -> Void) {
        let p = dimension
        for age in stride(from: count, to: 0, by: -1) {
            let s = slot(age: age)
            body(values[(s * p)..<(s * p + p)])
        }
    }

    /// The newest `n` rows (at most ``count``), oldest first, as a matrix, with their labels.
    public func newest(_ n: Int) -> (rows: Matrix, labels: [String?]) {
        let k = max(0, min(n, count))
        let p = dimension
        var m = Matrix(rows: k, columns: p)
        var out: [String?] = []
        for r in 0..<k {
            let s = slot(age: k - r)
            for j in 0..<p { m[r, j] = values[s * p + j] }
            out.append(labels.isEmpty ? nil : labels[s])
        }
        return (m, out)
    }

    /// The row `age` steps back (1: the newest), as a slice; `age` in `1...count`.
    public func row(age: Int) -> ArraySlice<Double> {
        precondition(age >= 1 && age <= count)
        let s = slot(age: age), p = dimension
        return values[(s * p)..<(s * p + p)]
    }

    /// The label of the newest row.
    public var newestLabel: String? {
        guard count > 0, !labels.isEmpty else { return nil }
        return labels[slot(age: 1)]
    }

    public mutating func removeAll() {
        head = 0
        count = 0
    }

    private enum CodingKeys: String, CodingKey { case capacity, dimension, values, labels, head, count }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        capacity = try c.decode(Int.self, forKey: .capacity)
        dimension = try c.decode(Int.self, forKey: .dimension)
        values = try c.decode([Double].self, forKey: .values)
        labels = try c.decodeIfPresent([String?].self, forKey: .labels) ?? []
        head = try c.decode(Int.self, forKey: .head)
        count = try c.decode(Int.self, forKey: .count)
        let (size, overflow) = capacity.multipliedReportingOverflow(by: max(dimension, 0))
        guard capacity >= 1, dimension >= 0, !overflow, values.count == size,
              labels.isEmpty || labels.count == capacity,
              (0..<capacity).contains(head), (0...capacity).contains(count) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "ring buffer arrays do not match its capacity \(capacity) and dimension \(dimension)"))
        }
    }
}
