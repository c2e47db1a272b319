import GGMCore

/// The kinds of network change a simulated stream can contain (ALGORITHMS.md section 10 and the detector test scenarios).
///
/// * `global`: a fresh network of the same family with relabeled nodes (``GlobalChange``).
/// * `local`: a handful of existing edges perturbed (``LocalChange`` with target `.edges`).
/// * `perturbHub`: every edge of the highest-degree node perturbed (``LocalChange`` with target `.hub`).
/// * `flipEdges`: two edges with partial correlation 0.4 flip to -0.4, nothing else changes (``EdgeFlip``).
/// * `rewireKeepingVariances`: a fresh network rescaled so every node keeps its marginal variance (``VarianceKeepingRewire``).
public enum ChangeKind: String, CaseIterable, Codable, Sendable {
    case global
    case local
    case flipEdges = "flip-edges"
    case perturbHub = "perturb-hub"
    case rewireKeepingVariances = "rewire-keeping-variances"
}
