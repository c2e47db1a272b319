import Foundation
import GGMCore
import GGMDetection
import GGMEstimation

/// An estimated network as `ggmwatch fit` writes it and `ggmwatch monitor --reference` reads it back.
///
/// Indices (`i`, `j` of an edge) are 0-based positions in `names`. Partial correlations use the
/// usual sign convention `r_ij = -Omega_ij / sqrt(Omega_ii Omega_jj)`.
///
/// The precision is stored sparsely by default: `precisionDiagonal` and, on every edge, its entry
/// `precision` (`Omega_ij`, `i < j`; every entry not listed is zero), and the node-wise
/// coefficients as `coefficientEntries`; writing and reading cost O(nnz). With `fit --dense` the
/// file holds the dense `precision` and `coefficients` rows instead (as before 0.9). Reading
/// accepts either; only `names` and the precision (dense, or the diagonal and the edges with
/// their entries) are required, so a hand-written reference may leave out everything else (a
/// missing `mean` is read as zero).
struct NetworkFile: Codable, Equatable {
    /// One edge of the network.
    struct Edge: Codable, Equatable {
        var i: Int
        var j: Int
        var nodes: [String]
        var partialCorrelation: Double
        /// `Omega_ij` (nil in files written before 0.9, which hold the dense precision).
        var precision: Double?
    }

    /// A nonzero node-wise regression coefficient: node `i` on node `j`.
    struct CoefficientEntry: Codable, Equatable {
        var i: Int
        var j: Int
        var value: Double
    }

    var names: [String]
    /// The precision matrix `Omega` on the original scale of the data, as rows (in memory; the
    /// file holds it sparsely unless written with ``dense``).
    var precision: [[Double]] = []
    /// The dense precision as a file holds it (`fit --dense`, files before 0.9, hand-written ones).
    private var densePrecision: [[Double]]?
    /// `Omega_ii`, with the sparse form.
    private var precisionDiagonal: [Double]?
    /// The node-wise coefficients, with the sparse form.
    private var coefficientEntries: [CoefficientEntry]?
    /// Write the dense precision and coefficients rows instead of the sparse form.
    var dense = false
    var method: EstimationMethod?
    /// The penalty, on the scale of the fitted matrix (the correlation matrix when `standardized`).
    var lambda: Double?
    /// How lambda was chosen: `fixed`, `theory (c = 1.1)` or `bic`.
    var lambdaRule: String?
    /// Edges sorted by `|partialCorrelation|`, strongest first.
    var edges: [Edge]?
    var edgeCount: Int?
    var iterations: Int?
    var converged: Bool?
    var standardized: Bool?
    /// Number of observations the network was estimated from.
    var sampleSize: Int?
    /// Column means of the data (the reference mean of the monitor).
    var mean: [Double]?
    /// Node-wise lasso only: row j = the regression of node j on the others (original scale).
    var coefficients: [[Double]]?
    /// Node-wise lasso only: the residual variances `sigma_j^2` (original scale).
    var residualVariance: [Double]?
    /// BIC selection only: the computed path, from the largest lambda down.
    var path: [LambdaPathPoint]?

    /// One lag coefficient of a dynamic (in-control) model: node `i` on node `from` at lag `lag`.
    struct LagCoefficient: Codable, Equatable {
        var i: Int
        var from: Int
        var lag: Int
        var nodes: [String]
        var value: Double
    }
    /// A dynamic model (`fit --in-control` with lags): the VAR order; then `precision` is the
    /// innovations' network, `intercept` their mean c (`x_t = c + B z_t + e_t`) and `mean` the data's.
    var lags: Int?
    var lagCoefficients: [LagCoefficient]?
    var intercept: [Double]?
    /// An in-control model's thresholds (`fit --in-control`): `monitor --reference` uses them as they are.
    var thresholds: Thresholds?
    var calibration: CalibrationResult?
    /// What the thresholds were calibrated for.
    var inControl: InControlInfo?

    private enum CodingKeys: String, CodingKey {
        case names, densePrecision = "precision", precisionDiagonal, method, lambda, lambdaRule, edges, edgeCount
        case iterations, converged, standardized, sampleSize, mean, coefficients, coefficientEntries, residualVariance
        case path, lags, lagCoefficients, intercept, thresholds, calibration, inControl
    }

    struct InControlInfo: Codable, Equatable {
        var source: String
        var rows: Int
        var detector: DetectorKind
        var window: Int
        var serialDependence: SerialDependence.Assessment?
    }

    /// The VAR of a dynamic model (nil: static).
    func dynamics() throws(NetworkFileError) -> VARFit? {
        guard let lags, lags > 0 else { return nil }
        do {
            return try VARFit(dimension: dimension, lags: lags,
                              entries: (lagCoefficients ?? []).map { ($0.i, $0.from, $0.lag, $0.value) })
        } catch {
            throw .invalid(source: "reference", reason: "lag coefficients: \(error)")
        }
    }

    /// The file for `fit` estimated on observations with columns `names` and means `mean`.
    init(fit: NetworkFit, names: [String], mean: [Double], sampleSize: Int, lambdaRule: LambdaRule) {
        precondition(names.count == fit.dimension && mean.count == fit.dimension)
        self.names = names
        self.precision = fit.precision.rowArrays
        self.method = fit.method
        self.lambda = fit.lambda
        switch lambdaRule {
        case .fixed: self.lambdaRule = "fixed"
        case .theory(let c): self.lambdaRule = "theory (c = \(c))"
        case .bic: self.lambdaRule = "bic"
        }
        let edges = NetworkFile.edges(of: fit.precision, names: names)
        self.edges = edges
        self.edgeCount = edges.count
        self.iterations = fit.iterations
        self.converged = fit.converged
        self.standardized = fit.standardized
        self.sampleSize = sampleSize
        self.mean = mean
        self.coefficients = fit.coefficients?.rowArrays
        self.residualVariance = fit.residualVariance
        self.path = fit.lambdaSelection?.path
    }

    /// Takes a file estimated on data in the units of `scale` (`x * 2^-k`) back to the data's
    /// units: `Omega_ij * 2^-(k_i + k_j)`, `mean_j * 2^k_j`, `beta_jk * 2^(k_j - k_k)`,
    /// `sigma_j^2 * 2^(2 k_j)`. Edges and partial correlations are unit-free and stay as they are.
    mutating func rescale(from scale: UnitScale) {
        let p = dimension
        for i in 0..<p {
            for j in 0..<p { precision[i][j] = precision[i][j] / scale.factor(i) / scale.factor(j) }
        }
        if let edges {
            self.edges = edges.map { e in
                var e = e
                e.precision = e.precision.map { $0 / scale.factor(e.i) / scale.factor(e.j) }
                return e
            }
        }
        if let m = mean { mean = m.indices.map { m[$0] * scale.factor($0) } }
        if var b = coefficients {
            for j in 0..<p { for k in 0..<p { b[j][k] = b[j][k] * scale.factor(j) / scale.factor(k) } }
            coefficients = b
        }
        if let v = residualVariance { residualVariance = v.indices.map { v[$0] * scale.factor($0) * scale.factor($0) } }
        if let c = intercept { intercept = c.indices.map { c[$0] * scale.factor($0) } }
        if let entries = lagCoefficients {
            lagCoefficients = entries.map { e in
                var e = e
                e.value = e.value * scale.factor(e.i) / scale.factor(e.from)
                return e
            }
        }
    }

    /// The first entry that is not a finite number, or a diagonal entry that is not positive
    /// (an overflow or underflow when the file was rescaled), described for a message.
    var firstUnrepresentable: String? {
        for i in 0..<dimension {
            if !(precision[i][i] > 0 && precision[i][i].isFinite) { return "precision (\(names[i]), \(names[i])) = \(precision[i][i])" }
            for j in 0..<dimension where !precision[i][j].isFinite { return "precision (\(names[i]), \(names[j])) = \(precision[i][j])" }
        }
        if let m = mean, let j = m.indices.first(where: { !m[$0].isFinite }) { return "mean of \(names[j]) = \(m[j])" }
        if let v = residualVariance, let j = v.indices.first(where: { !(v[$0] > 0 && v[$0].isFinite) }) {
            return "residual variance of \(names[j]) = \(v[j])"
        }
        return nil
    }

    /// The number of nodes p.
    var dimension: Int { names.count }

    /// The precision as a matrix (call ``validate(source:)`` first for untrusted files).
    var precisionMatrix: Matrix { Matrix(precision) }

    /// The edges (nonzero `Omega_ij`, `i < j`) with their partial correlations, strongest first
    /// (ties in index order).
    ///
    /// - Complexity: O(p^2 + E log E).
    static func edges(of omega: Matrix, names: [String]) -> [Edge] {
        let p = omega.rows
        var out: [Edge] = []
        for i in 0..<p {
            for j in (i + 1)..<p where omega[i, j] != 0 {
                let r = omega.partialCorrelation(i, j)
                out.append(Edge(i: i, j: j, nodes: [names[i], names[j]], partialCorrelation: r, precision: omega[i, j]))
            }
        }
        out.sort { a, b in
            let x = Swift.abs(a.partialCorrelation), y = Swift.abs(b.partialCorrelation)
            return x != y ? x > y : (a.i, a.j) < (b.i, b.j)
        }
        return out
    }

    /// The reference model for the monitor: this precision and mean (zero if absent).
    func referenceModel() throws(NetworkFileError) -> ReferenceModel {
        try validate(source: "reference")
        do {
            return try ReferenceModel(precision: precisionMatrix, mean: mean, sampleSize: sampleSize ?? 0)
        } catch {
            throw .invalid(source: "reference", reason: error.description)
        }
    }

    // MARK: - Reading

    /// Reads and validates a network file (see ``validate(source:)``).
    static func load(path: String) throws(NetworkFileError) -> NetworkFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotRead(path: path, reason: (error as NSError).localizedDescription)
        }
        var file: NetworkFile
        do {
            file = try JSONDecoder().decode(NetworkFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalid(source: path, reason: "missing field \"\(Self.fieldPath(context.codingPath + [key]))\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .invalid(source: path, reason: "field \"\(Self.fieldPath(context.codingPath))\": \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalid(source: path, reason: context.codingPath.isEmpty ? "not valid JSON (\(context.debugDescription))"
                           : "field \"\(Self.fieldPath(context.codingPath))\": \(context.debugDescription)")
        } catch {
            throw .invalid(source: path, reason: "\(error)")
        }
        try file.materialize(source: path)
        try file.validate(source: path)
        return file
    }

    /// The dense precision (and coefficients) of a file just read, from the dense rows or from
    /// the sparse form. Errors name the offending edge or entry.
    mutating func materialize(source: String) throws(NetworkFileError) {
        if let densePrecision {
            precision = densePrecision
            self.densePrecision = nil
            precisionDiagonal = nil
            return
        }
        guard let diagonal = precisionDiagonal else {
            throw .invalid(source: source, reason: "missing field \"precision\" (the dense rows) or \"precisionDiagonal\" with the edges' entries")
        }
        let p = diagonal.count
        guard names.count == p else {
            throw .invalid(source: source, reason: "\(names.count) names for a precision diagonal of \(p) entries")
        }
        var rows = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p { rows[i][i] = diagonal[i] }
        for (k, e) in (edges ?? []).enumerated() {
            guard (0..<p).contains(e.i), (0..<p).contains(e.j), e.i != e.j else {
                throw .invalid(source: source, reason: "edge \(k + 1) joins nodes \(e.i) and \(e.j); nodes are 0...\(p - 1) and distinct")
            }
            guard let value = e.precision else {
                throw .invalid(source: source, reason: "edge \(k + 1) [\(names[e.i]), \(names[e.j])] has no \"precision\" entry (a file without the dense precision needs one on every edge)")
            }
            guard rows[e.i][e.j] == 0 else {
                throw .invalid(source: source, reason: "edge \(k + 1) [\(names[e.i]), \(names[e.j])] is listed twice")
            }
            rows[e.i][e.j] = value
            rows[e.j][e.i] = value
        }
        precision = rows
        precisionDiagonal = nil
        if coefficients == nil, let entries = coefficientEntries {
            var b = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for (k, e) in entries.enumerated() {
                guard (0..<p).contains(e.i), (0..<p).contains(e.j), e.i != e.j, e.value.isFinite else {
                    throw .invalid(source: source, reason: "coefficient entry \(k + 1) (node \(e.i) on node \(e.j), \(e.value)) is out of range or not finite")
                }
                b[e.i][e.j] = e.value
            }
            coefficients = b
        }
        coefficientEntries = nil
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }

    /// Checks what the monitor relies on: at least 2 nodes, one name per node, a square, finite and
    /// symmetric precision (to `1e-10` relative to its largest entry) with a positive diagonal, and
    /// a finite mean of the right length. Errors name the offending entry (1-based) and its nodes.
    func validate(source: String) throws(NetworkFileError) {
        let p = precision.count
        guard p >= 2 else { throw .invalid(source: source, reason: "the precision has \(p) row\(p == 1 ? "" : "s"); a network needs at least 2 nodes") }
        for (i, row) in precision.enumerated() where row.count != p {
            throw .invalid(source: source, reason: "the precision is not square: row \(i + 1) has \(row.count) entries, expected \(p)")
        }
        guard names.count == p else {
            throw .invalid(source: source, reason: "\(names.count) names for a \(p) x \(p) precision")
        }
        var seen: [String: Int] = [:]
        for (k, name) in names.enumerated() {
            if let first = seen[name] { throw .invalid(source: source, reason: "nodes \(first + 1) and \(k + 1) are both named \"\(name)\"") }
            seen[name] = k
        }
        func at(_ i: Int, _ j: Int) -> String { "entry (\(i + 1), \(j + 1)) [\(names[i]), \(names[j])]" }
        var largest = 0.0
        for i in 0..<p {
            for j in 0..<p {
                let v = precision[i][j]
                guard v.isFinite else { throw .invalid(source: source, reason: "precision \(at(i, j)) is not finite (\(v))") }
                largest = Swift.max(largest, Swift.abs(v))
            }
        }
        for i in 0..<p where !(precision[i][i] > 0) {
            throw .invalid(source: source, reason: "precision diagonal \(at(i, i)) is \(precision[i][i]); it must be positive")
        }
        let tolerance = 1e-10 * Swift.max(1, largest)
        for i in 0..<p {
            for j in (i + 1)..<p where Swift.abs(precision[i][j] - precision[j][i]) > tolerance {
                throw .invalid(source: source, reason: "the precision is not symmetric: \(at(i, j)) is \(precision[i][j]) but \(at(j, i)) is \(precision[j][i])")
            }
        }
        for (field, vector) in [("mean", mean), ("intercept", intercept)] {
            guard let vector else { continue }
            guard vector.count == p else { throw .invalid(source: source, reason: "\(field) has \(vector.count) entries, expected \(p)") }
            for (j, v) in vector.enumerated() where !v.isFinite {
                throw .invalid(source: source, reason: "\(field) entry \(j + 1) [\(names[j])] is not finite (\(v))")
            }
        }
        if let lags {
            guard lags >= 0, lags <= LagOrder.maximumLags else {
                throw .invalid(source: source, reason: "lags is \(lags); it must be between 0 and \(LagOrder.maximumLags)")
            }
            for (k, e) in (lagCoefficients ?? []).enumerated() {
                guard (0..<p).contains(e.i), (0..<p).contains(e.from), (1...max(lags, 1)).contains(e.lag), lags > 0 else {
                    throw .invalid(source: source, reason: "lag coefficient \(k + 1) refers to node \(e.i + 1) on node \(e.from + 1) at lag \(e.lag); nodes are 0...\(p - 1), lags 1...\(lags)")
                }
                guard e.value.isFinite else { throw .invalid(source: source, reason: "lag coefficient \(k + 1) [\(names[e.i]) on \(names[e.from]) at lag \(e.lag)] is not finite (\(e.value))") }
            }
            if lags > 0 && intercept == nil { throw .invalid(source: source, reason: "a model with lags needs its intercept") }
        } else if lagCoefficients != nil {
            throw .invalid(source: source, reason: "lag coefficients without lags")
        }
        if let thresholds, let (id, value) = thresholds.firstNonFinite {
            throw .invalid(source: source, reason: "the \(id) threshold is not finite (\(value))")
        }
        if thresholds != nil && inControl == nil {
            throw .invalid(source: source, reason: "thresholds without the inControl settings they were calibrated for")
        }
    }

    // MARK: - Writing

    /// JSON text: one line per field, one line per matrix row and per edge (shortest round-trip numbers).
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        func lines(_ values: [some Encodable]) throws -> String {
            values.isEmpty ? "[]" : "[\n    " + (try values.map { try json($0) }).joined(separator: ",\n    ") + "\n  ]"
        }
        var fields: [(String, String)] = [("names", try json(names))]
        func add(_ key: String, _ value: (some Encodable)?) throws { if let value { fields.append((key, try json(value))) } }
        let p = dimension
        if dense {
            fields.append(("precision", try lines(precision)))
        } else {
            try add("precisionDiagonal", (0..<p).map { precision[$0][$0] })
        }
        try add("method", method)
        try add("lambda", lambda)
        try add("lambdaRule", lambdaRule)
        // The edges carry the precision's off-diagonal entries (sparse form): every nonzero one.
        let edges = self.edges ?? (dense ? nil : NetworkFile.edges(of: precisionMatrix, names: names))
        if let edges { fields.append(("edges", try lines(edges))) }
        try add("edgeCount", edgeCount)
        try add("iterations", iterations)
        try add("converged", converged)
        try add("standardized", standardized)
        try add("sampleSize", sampleSize)
        try add("mean", mean)
        if let coefficients {
            if dense {
                fields.append(("coefficients", try lines(coefficients)))
            } else {
                var entries: [CoefficientEntry] = []
                for i in 0..<p { for j in 0..<p where coefficients[i][j] != 0 { entries.append(CoefficientEntry(i: i, j: j, value: coefficients[i][j])) } }
                fields.append(("coefficientEntries", try lines(entries)))
            }
        }
        try add("residualVariance", residualVariance)
        if let path { fields.append(("path", try lines(path))) }
        try add("lags", lags)
        if let lagCoefficients { fields.append(("lagCoefficients", try lines(lagCoefficients))) }
        try add("intercept", intercept)
        try add("thresholds", thresholds)
        try add("calibration", calibration)
        try add("inControl", inControl)
        return "{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes ``jsonText()`` to `path`, or to standard output when `path` is nil or `-`.
    func write(toPath path: String?) throws {
        let text = try jsonText()
        if let path, path != "-" {
            try OutputFile.write(Data(text.utf8), to: path, what: "the network file")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// Why a network file could not be used.
enum NetworkFileError: Error, CustomStringConvertible, Equatable {
    case cannotRead(path: String, reason: String)
    case invalid(source: String, reason: String)

    var description: String {
        switch self {
        case let .cannotRead(path, reason): return "cannot read network file \"\(path)\": \(reason)"
        case let .invalid(source, reason): return "invalid network file \"\(source)\": \(reason)"
        }
    }
}
