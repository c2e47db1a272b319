// swift-tools-version: 6.0
import PackageDescription

/// The numerical modules are compiled with optimization even in debug builds, so that
/// `swift test` runs the statistical test suites (tens of thousands of windows) in seconds.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "ggmwatch",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GGMWatch", targets: ["GGMCore", "GGMData", "GGMEstimation", "GGMDetection", "GGMSimulation", "GGMEvaluation", "GGMExperiments"]),
        .executable(name: "ggmwatch", targets: ["ggmwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Numerics: dense and sparse matrices, Cholesky, special functions, seeded RNG.
        .target(name: "GGMCore", swiftSettings: optimized),
        // Observations in: CSV reading with located errors, returns preprocessing, embedded S&P 500.
        .target(name: "GGMData", dependencies: ["GGMCore"], resources: [.copy("Resources/sp500")], swiftSettings: optimized),
        // Sparse precision estimation: node-wise lasso, graphical lasso, lambda selection.
        .target(name: "GGMEstimation", dependencies: ["GGMCore"], swiftSettings: optimized),
        // Window statistics, the online monitor, thresholds and calibration.
        .target(name: "GGMDetection", dependencies: ["GGMCore", "GGMEstimation"], swiftSettings: optimized),
        // Piecewise Gaussian graphical model streams with ground truth.
        .target(name: "GGMSimulation", dependencies: ["GGMCore"], swiftSettings: optimized),
        // Evaluation: matching alarms to true changes, false-alarm rate, ARL, delays, localization.
        .target(name: "GGMEvaluation", dependencies: ["GGMCore"], swiftSettings: optimized),
        // The evaluation harness: simulated scenario grids, baselines and the monitor scored alike.
        .target(name: "GGMExperiments", dependencies: ["GGMCore", "GGMDetection", "GGMSimulation", "GGMEvaluation"],
                swiftSettings: optimized),
        // SVG/HTML report (the library modules never depend on it).
        .target(name: "GGMReport", dependencies: ["GGMCore"]),
        .executableTarget(
            name: "ggmwatch",
            dependencies: [
                "GGMCore", "GGMData", "GGMEstimation", "GGMDetection", "GGMSimulation", "GGMEvaluation", "GGMExperiments", "GGMReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "GGMCoreTests", dependencies: ["GGMCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMDataTests", dependencies: ["GGMData"]),
        .testTarget(name: "GGMEstimationTests", dependencies: ["GGMEstimation", "GGMData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMDetectionTests", dependencies: ["GGMDetection", "GGMSimulation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMSimulationTests", dependencies: ["GGMSimulation", "GGMEstimation"]),
        .testTarget(name: "GGMEvaluationTests", dependencies: ["GGMEvaluation"]),
        .testTarget(name: "GGMExperimentsTests", dependencies: ["GGMExperiments"]),
        .testTarget(name: "GGMReportTests", dependencies: ["GGMReport"]),
    ]
)
