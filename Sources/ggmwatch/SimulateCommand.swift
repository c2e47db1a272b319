import ArgumentParser
import Foundation
import GGMSimulation

/// `ggmwatch simulate`: writes a piecewise Gaussian graphical model stream and its ground truth.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a stream whose network changes at known points, with its ground truth.",
        discussion: """
        Writes the observations as CSV (header x1..xp, shortest round-trip numbers) and, with --truth, \
        the change points (0-based index of each new segment's first row), every segment's precision \
        matrix and what each change moved, as JSON. Same arguments and seed, same bytes.

        Example:
          ggmwatch simulate --nodes 20 --segment-lengths 400,300,500 --graph hub --change perturb-hub --seed 7 --output stream.csv --truth truth.json
        """
    )

    @Option(parsing: .unconditional, help: "Number of nodes (columns), p.")
    var nodes: Int

    @Option(parsing: .unconditional, help: ArgumentHelp("Comma-separated segment lengths, e.g. 400,300,500.", valueName: "n1,n2,..."),
            transform: SimulateCommand.parseLengths)
    var segmentLengths: [Int]

    @Option(help: "Network family: \(GraphKind.allValueStrings.joined(separator: ", ")).")
    var graph: GraphKind = .random

    @Option(help: "Kind of change at each change point: \(ChangeKind.allValueStrings.joined(separator: ", ")).")
    var change: ChangeKind = .global

    @Option(parsing: .unconditional, help: "Seed of the random generator.")
    var seed: UInt64 = 1

    @Flag(help: "Rescale every node's variance by a factor drawn from U(0.5, 2) (partial correlations unchanged).")
    var rescaleNodes = false

    @Option(parsing: .unconditional, help: "Edges moved by a local change.")
    var localEdges = 5

    @Option(parsing: .unconditional, help: "w0: local steps are +-U(w0 sqrt(log p / N), 2 w0 sqrt(log p / N)) in partial correlation.")
    var localStrength = 1.0

    @Option(name: .customLong("var-radius"), parsing: .unconditional, help: "Serially dependent rows: a VAR(1) x_t - mu = A (x_{t-1} - mu) + e_t with a sparse A of this spectral radius (0 to 0.99), innovations from the segment's network.")
    var varRadius: Double?

    @Option(name: .customLong("innovations-df"), parsing: .unconditional, help: "With --var-radius: Student t innovations with this many degrees of freedom (same covariance), e.g. 5.")
    var innovationsDF: Double?

    @Option(name: .customLong("dynamics-change"), help: "With --var-radius: what else changes at each change point: transition (a new transition matrix, same spectral radius) or mean:SHIFT (the first p/5 nodes' means move by SHIFT innovation standard deviations per segment).")
    var dynamicsChange: String?

    @Flag(name: .customLong("keep-network"), help: "With --dynamics-change: the innovations' network stays the same; only the dynamics change.")
    var keepNetwork = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Comma-separated 1-based segments (2 or later) whose network drifts: it moves linearly from the previous segment's network to its own over the segment's rows, e.g. --segment-lengths 750,2000,500 --drift 2 for a slow drift over 2,000 rows followed by an abrupt change.", valueName: "k1,k2,..."),
            transform: { text in try text.split(separator: ",").map { guard let k = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--drift takes segment numbers, e.g. 2 or 2,4 (got '\(text)')") }; return k } })
    var drift: [Int]?

    @Option(name: .shortAndLong, help: "CSV output path ('-' or omitted: standard output).")
    var output: String?

    @Option(help: "Ground-truth JSON path (omitted: not written).")
    var truth: String?

    func validate() throws {
        if truth == "-" && (output == nil || output == "-") {
            throw ValidationError("--truth - and the CSV would both go to standard output; give --output or a --truth path.")
        }
        guard nodes >= 1 else { throw ValidationError("--nodes must be a positive number of columns (got \(nodes)).") }
        guard localEdges >= 1 else { throw ValidationError("--local-edges must be at least 1 (got \(localEdges)).") }
        guard localStrength > 0, localStrength.isFinite else {
            throw ValidationError("--local-strength must be a positive number (got \(localStrength)).")
        }
        _ = try settings()
    }

    func run() throws {
        let simulation = try settings()
        let written = try simulation.writeCSV(toPath: output)
        if let truth { try written.writeJSON(toPath: truth) }
        if let output, output != "-" {
            var stderr = StandardErrorStream()
            print("wrote \(written.observationCount) x \(written.p) observations to \(output); change points: \(written.changePoints)",
                  to: &stderr)
        }
    }

    private func settings() throws -> StreamSimulation {
        do {
            return try StreamSimulation(p: nodes, segmentLengths: segmentLengths, graph: graph, change: change, seed: seed,
                                        nodeScales: rescaleNodes ? 0.5...2 : nil,
                                        localEdgeCount: localEdges, localStrength: localStrength,
                                        dynamics: dynamics(), keepNetwork: keepNetwork,
                                        rampSegments: drift.map { $0.map { $0 - 1 } })
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func dynamics() throws(SimulationError) -> SerialDynamics? {
        if varRadius == nil && (innovationsDF != nil || dynamicsChange != nil) {
            throw .invalidDynamics("--innovations-df and --dynamics-change go with --var-radius")
        }
        guard let varRadius else { return nil }
        var change: SerialDynamics.DynamicsChange?
        if let dynamicsChange {
            guard let parsed = SerialDynamics.DynamicsChange(parsing: dynamicsChange) else {
                throw .invalidDynamics("--dynamics-change is '\(dynamicsChange)'; expected transition or mean:SHIFT (e.g. mean:0.5)")
            }
            change = parsed
        }
        return try SerialDynamics(spectralRadius: varRadius, innovationDegreesOfFreedom: innovationsDF, change: change)
    }

    static func parseLengths(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        return try parts.enumerated().map { k, part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let n = Int(trimmed), n >= 1 else {
                throw ValidationError("segment length \(k + 1) is '\(trimmed)'; expected a positive integer (e.g. 400,300,500).")
            }
            return n
        }
    }
}

extension GraphKind: ExpressibleByArgument {}
extension ChangeKind: ExpressibleByArgument {}
