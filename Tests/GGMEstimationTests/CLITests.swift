import Foundation
import GGMCore
import GGMEstimation
import Testing

/// Runs the built `ggmwatch` executable.
///
/// `swift build` and `swift test` build every product, so the binary sits next to the test bundle
/// (`.build/<triple>/<configuration>/ggmwatch`, the same configuration as the tests). Lookup order:
/// `$GGMWATCH_BINARY`; the directory of the running test executable; `.build/debug/ggmwatch`
/// under the package root derived from `#filePath`. The CLI tests are disabled, with that
/// message, when none exists.
enum CLI {
    static let binary: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["GGMWATCH_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        if let first = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: first).deletingLastPathComponent()
            // On macOS the test bundle is a directory: .../debug/ggmwatchPackageTests.xctest/Contents/MacOS/...
            while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
            candidates.append(dir.appendingPathComponent("ggmwatch"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ggmwatch"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ggmwatch"))
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }
    }()

    static let missingMessage: Comment = "ggmwatch binary not found (build it with swift build, or set GGMWATCH_BINARY)"

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs the binary with `arguments`, standard input read from `input` (nil: empty).
    static func run(_ arguments: [String], input: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = try #require(binary)
        process.arguments = arguments
        // Both streams go to files, so a large output can never block the child on a full pipe.
        let dir = try temporaryDirectory()
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let inputHandle = try input.map { try FileHandle(forReadingFrom: $0) }
        defer { try? out.close(); try? err.close(); try? inputHandle?.close(); try? FileManager.default.removeItem(at: dir) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inputHandle ?? FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ggmwatch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `rows` as CSV with header `names` (numbers in shortest round-trip form).
    static func writeCSV(_ rows: Matrix, names: [String], to url: URL) throws {
        var text = names.joined(separator: ",") + "\n"
        for t in 0..<rows.rows { text += rows.row(t).map { "\($0)" }.joined(separator: ",") + "\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// The JSON `ggmwatch fit` writes (a mirror of the executable's `NetworkFile`, which tests cannot import).
struct FitOutput: Decodable {
    struct Edge: Decodable { let i: Int; let j: Int; let nodes: [String]; let partialCorrelation: Double; let precision: Double? }
    struct Coefficient: Decodable { let i: Int; let j: Int; let value: Double }
    let names: [String]
    /// The dense precision: the file's rows (`fit --dense`), or built from its sparse form (the
    /// diagonal and the edges' entries, the default).
    let precision: [[Double]]
    /// Whether the file held the sparse form.
    let sparse: Bool
    let method: String
    let lambda: Double
    let edges: [Edge]
    let edgeCount: Int
    let iterations: Int
    let converged: Bool
    let standardized: Bool
    let sampleSize: Int
    let mean: [Double]
    let coefficients: [[Double]]?
    let residualVariance: [Double]?
    let path: [LambdaPathPoint]?

    private enum Keys: String, CodingKey {
        case names, precision, precisionDiagonal, method, lambda, edges, edgeCount, iterations, converged, standardized
        case sampleSize, mean, coefficients, coefficientEntries, residualVariance, path
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        names = try c.decode([String].self, forKey: .names)
        method = try c.decode(String.self, forKey: .method)
        lambda = try c.decode(Double.self, forKey: .lambda)
        edges = try c.decode([Edge].self, forKey: .edges)
        edgeCount = try c.decode(Int.self, forKey: .edgeCount)
        iterations = try c.decode(Int.self, forKey: .iterations)
        converged = try c.decode(Bool.self, forKey: .converged)
        standardized = try c.decode(Bool.self, forKey: .standardized)
        sampleSize = try c.decode(Int.self, forKey: .sampleSize)
        mean = try c.decode([Double].self, forKey: .mean)
        residualVariance = try c.decodeIfPresent([Double].self, forKey: .residualVariance)
        path = try c.decodeIfPresent([LambdaPathPoint].self, forKey: .path)
        let p = names.count
        if let dense = try c.decodeIfPresent([[Double]].self, forKey: .precision) {
            precision = dense
            sparse = false
        } else {
            let diagonal = try c.decode([Double].self, forKey: .precisionDiagonal)
            var rows = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for i in 0..<p { rows[i][i] = diagonal[i] }
            for e in edges {
                rows[e.i][e.j] = try #require(e.precision)
                rows[e.j][e.i] = try #require(e.precision)
            }
            precision = rows
            sparse = true
        }
        if let dense = try c.decodeIfPresent([[Double]].self, forKey: .coefficients) {
            coefficients = dense
        } else if let entries = try c.decodeIfPresent([Coefficient].self, forKey: .coefficientEntries) {
            var rows = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for e in entries { rows[e.i][e.j] = e.value }
            coefficients = rows
        } else {
            coefficients = nil
        }
    }
}

@Suite("ggmwatch CLI", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLITests {
    /// 300 draws of a 6-node chain network with distinct means and scales.
    static func chainData() throws -> Matrix {
        var omega = Matrix.identity(6)
        for i in 0..<5 { omega[i, i + 1] = 0.4; omega[i + 1, i] = 0.4 }
        var rng = SeededGenerator(seed: 11)
        var x = try GaussianSampler(precision: omega).sample(300, using: &rng)
        for t in 0..<x.rows { for j in 0..<6 { x[t, j] = 10 * Double(j) + Double(j + 1) * x[t, j] } }
        return x
    }

    @Test("fit writes JSON that round-trips and matches NetworkEstimator called directly")
    func fitMatchesLibrary() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try Self.chainData()
        let names = ["a", "b", "c", "d", "e", "f"]
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(x, names: names, to: csv)
        let groups = dir.appendingPathComponent("groups.csv")
        try "node,group\na,left\nb,left\nc,left\nd,right\ne,right\nf,right\n".write(to: groups, atomically: true, encoding: .utf8)
        let json = dir.appendingPathComponent("net.json")

        let result = try CLI.run(["fit", csv.path, "--output", json.path, "--groups", groups.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let file = try JSONDecoder().decode(FitOutput.self, from: Data(contentsOf: json))

        let moments = RunningMoments(rows: x)
        let expected = try NetworkEstimator().fit(covariance: moments.covariance(), sampleSize: 300)
        #expect(file.names == names)
        #expect(file.method == "glasso" && file.standardized && file.sampleSize == 300)
        #expect(file.converged == expected.converged && file.iterations == expected.iterations)
        #expect(Swift.abs(file.lambda - NetworkEstimator.defaultTheoryConstant * (Foundation.log(6.0) / 300).squareRoot()) < 1e-15)
        #expect(Matrix(file.precision).maxAbsDifference(expected.precision) < 1e-12)
        for j in 0..<6 { #expect(Swift.abs(file.mean[j] - moments.mean[j]) < 1e-12) }
        #expect(file.coefficients == nil && file.residualVariance == nil && file.path == nil)

        // Edges: every nonzero upper entry once, partial correlations right, strongest first.
        #expect(file.edgeCount == expected.edgeCount && file.edges.count == expected.edgeCount)
        #expect(file.edgeCount >= 5, "the chain's 5 edges should be found at n = 300")
        for e in file.edges {
            let o = expected.precision
            #expect(e.i < e.j && e.nodes == [names[e.i], names[e.j]])
            #expect(Swift.abs(e.partialCorrelation + o[e.i, e.j] / (o[e.i, e.i] * o[e.j, e.j]).squareRoot()) < 1e-12)
        }
        let magnitudes = file.edges.map { Swift.abs($0.partialCorrelation) }
        #expect(magnitudes == magnitudes.sorted(by: >))
        // The chain's edges are positive-weight precision entries: negative partial correlations, strongest ones.
        #expect(file.edges.prefix(5).allSatisfy { $0.j == $0.i + 1 && $0.partialCorrelation < 0 })

        #expect(result.stderr.contains("n = 300 observations, p = 6 nodes"))
        #expect(result.stderr.contains("estimation time: "))
        #expect(result.stderr.contains("within-group: "))
        #expect(result.stderr.contains("a (left) - b (left)"))

        // Without --output the same JSON goes to standard output.
        let piped = try CLI.run(["fit", csv.path, "--groups", groups.path])
        #expect(piped.status == 0)
        #expect(piped.stdout == (try Data(contentsOf: json)))
    }

    @Test("fit writes the precision sparsely by default and densely with --dense; monitor --reference reads both alike")
    func sparseAndDenseNetworkFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try Self.chainData()
        let names = ["a", "b", "c", "d", "e", "f"]
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(x, names: names, to: csv)
        for method in ["glasso", "nodewise"] {
            let sparsePath = dir.appendingPathComponent("sparse-\(method).json"), densePath = dir.appendingPathComponent("dense-\(method).json")
            #expect(try CLI.run(["fit", csv.path, "--method", method, "-o", sparsePath.path]).status == 0)
            #expect(try CLI.run(["fit", csv.path, "--method", method, "--dense", "-o", densePath.path]).status == 0)
            let sparse = try JSONDecoder().decode(FitOutput.self, from: Data(contentsOf: sparsePath))
            let dense = try JSONDecoder().decode(FitOutput.self, from: Data(contentsOf: densePath))
            #expect(sparse.sparse && !dense.sparse)
            // The same numbers, bit for bit, in either form.
            #expect(sparse.precision == dense.precision)
            #expect(sparse.coefficients == dense.coefficients)
            #expect(sparse.edges.allSatisfy { $0.precision == dense.precision[$0.i][$0.j] && $0.precision != 0 })
            let text = try String(contentsOf: sparsePath, encoding: .utf8)
            #expect(!text.contains("\"precision\": [\n") && !text.contains("\"coefficients\""))
            // As references the two files give the same events.
            let a = try CLI.run(["monitor", csv.path, "--reference", sparsePath.path, "--alpha", "0.05", "--window", "20"])
            let b = try CLI.run(["monitor", csv.path, "--reference", densePath.path, "--alpha", "0.05", "--window", "20"])
            #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
            #expect(a.stdout == b.stdout)
        }
        // A sparse file with a broken edge is an error naming the edge.
        let good = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("sparse-glasso.json"))) as! [String: Any]
        let edges = good["edges"] as! [[String: Any]]
        let cases: [(String, ([[String: Any]]) -> [[String: Any]])] = [
            ("has no \"precision\" entry", { e in var e = e; e[0]["precision"] = nil; return e }),
            ("is listed twice", { e in e + [e[0]] }),
            ("nodes are 0...5", { e in var e = e; e[0]["j"] = 9; return e }),
        ]
        for (message, edit) in cases {
            var object = good
            object["edges"] = edit(edges)
            let path = dir.appendingPathComponent("broken.json")
            try JSONSerialization.data(withJSONObject: object).write(to: path)
            let result = try CLI.run(["monitor", csv.path, "--reference", path.path, "--alpha", "0.05", "--window", "20"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("edge ") && result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test("fit --no-standardize --method nodewise reproduces the scikit-learn fixture")
    func nodewiseFixture() throws {
        let fixture = try Fixtures.load("nodewise-lasso", as: Fixtures.NodewiseFile.self)
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for c in fixture.cases {
            let names = (1...c.p).map { "x\($0)" }
            let csv = dir.appendingPathComponent("nodewise-\(c.p).csv")
            try CLI.writeCSV(Matrix(c.observations), names: names, to: csv)
            // A tight tolerance reproduces the fixture to 1e-6; the default (1e-5, what the monitor
            // uses) stays within a few 1e-5, far below the statistical error.
            for f in c.fits {
                for (tolerance, bound) in [("1e-10", 1e-6), ("1e-5", 5e-5)] {
                    let result = try CLI.run(["fit", csv.path, "--no-standardize", "--method", "nodewise",
                                              "--lambda", "\(f.lambda)", "--tolerance", tolerance])
                    #expect(result.status == 0, "stderr: \(result.stderr)")
                    let file = try JSONDecoder().decode(FitOutput.self, from: result.stdout)
                    #expect(file.method == "nodewise" && !file.standardized && file.lambda == f.lambda && file.converged)
                    let coefficients = try #require(file.coefficients)
                    let diff = Matrix(coefficients).maxAbsDifference(Matrix(f.coefficients))
                    #expect(diff < bound, "p = \(c.p), lambda = \(f.lambda), tolerance \(tolerance): max |diff| = \(diff)")
                    let rv = try #require(file.residualVariance)
                    for j in 0..<c.p { #expect(Swift.abs(rv[j] - f.meanSquaredResidual[j]) < bound) }
                }
            }
        }
    }

    @Test("fit --select bic reports the path and the chosen lambda")
    func bicPath() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try Self.chainData(), names: ["a", "b", "c", "d", "e", "f"], to: csv)
        let result = try CLI.run(["fit", csv.path, "--method", "nodewise", "--select", "bic"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let file = try JSONDecoder().decode(FitOutput.self, from: result.stdout)
        let path = try #require(file.path)
        #expect(path.count >= 2)
        let best = path.min { $0.bic < $1.bic }!
        #expect(best.lambda == file.lambda && best.edges == file.edgeCount)
    }

    @Test("bad input exits non-zero and says where", arguments: [
        ("a,b,c\n1,2,3\n4,5\n7,8,9\n", "line 3 has 2 fields, expected 3"),
        ("a,b,c\n1,2,3\n4,5,6\n7,oops,9\n", "line 4, column 2 (b): \"oops\" is not a number"),
        ("a,b,c\n1,2,3\n4,2,6\n7,2,9\n", "column \"b\" (node 2) is constant"),
    ])
    func badInput(csv: String, message: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        let result = try CLI.run(["fit", url.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("conflicting lambda options are rejected before any work")
    func exclusiveOptions() throws {
        let result = try CLI.run(["fit", "/nonexistent.csv", "--lambda", "0.1", "--select", "bic"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Give either --lambda or --select bic, not both."), "stderr: \(result.stderr)")
    }
}
