/// `import GGMWatch` is the whole library API in one import: the numerics (`GGMCore`: matrices,
/// Cholesky, `SeededGenerator`, `GaussianSampler`), observations in (`GGMData`: CSV reading,
/// returns preprocessing, the embedded S&P 500), sparse network estimation (`GGMEstimation`),
/// online change detection (`GGMDetection`: `OnlineMonitor`, thresholds, calibration, diagnostics)
/// and offline segmentation of recorded streams (`GGMSegmentation`: `Segmenter`).
///
/// Simulation, evaluation and the experiment harness are separate products
/// (`GGMSimulation`, `GGMEvaluation`, `GGMExperiments`).
@_exported import GGMCore
@_exported import GGMData
@_exported import GGMEstimation
@_exported import GGMDetection
@_exported import GGMSegmentation
