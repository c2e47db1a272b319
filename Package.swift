// swift-tools-version: 6.2
import PackageDescription

// No unsafe flags anywhere: SwiftPM refuses a dependency (by URL and version) that has them.
// Debug builds are therefore unoptimized; the heavy statistical test suites run in release
// (`swift test -c release`, see .ci/run) or with GGMWATCH_HEAVY_TESTS=1.

let package = Package(
    name: "ggmwatch",
    platforms: [.macOS(.v14)],
    products: [
        // `import GGMWatch`: numerics, data, estimation, detection and segmentation (the umbrella re-exports them).
        .library(name: "GGMWatch", targets: ["GGMWatch"]),
        // Simulated streams with ground truth, scoring of alarms, and the evaluation harness.
        .library(name: "GGMSimulation", targets: ["GGMSimulation"]),
        .library(name: "GGMEvaluation", targets: ["GGMEvaluation"]),
        .library(name: "GGMExperiments", targets: ["GGMExperiments"]),
        // Offline segmentation: every network change of a recorded stream and each segment's network.
        .library(name: "GGMSegmentation", targets: ["GGMSegmentation"]),
        // The service: many named streams over HTTP, durable state (SQLite or PostgreSQL), live events, a dashboard.
        .library(name: "GGMServer", targets: ["GGMServer"]),
        .executable(name: "ggmwatch", targets: ["ggmwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target GGMWatch` (the DocC catalog in Sources/GGMWatch).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The service (GGMServer only; the library modules depend on none of these).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Numerics: dense and sparse matrices, Cholesky, special functions, seeded RNG.
        .target(name: "GGMCore"),
        // Observations in: CSV reading with located errors, returns preprocessing, embedded S&P 500.
        .target(name: "GGMData", dependencies: ["GGMCore"], resources: [.copy("Resources/sp500")]),
        // Sparse precision estimation: node-wise lasso, graphical lasso, lambda selection.
        .target(name: "GGMEstimation", dependencies: ["GGMCore"]),
        // Window statistics, the online monitor, thresholds and calibration.
        .target(name: "GGMDetection", dependencies: ["GGMCore", "GGMEstimation"]),
        // The umbrella module: `@_exported import` of GGMCore, GGMData, GGMEstimation, GGMDetection, GGMSegmentation.
        .target(name: "GGMWatch", dependencies: ["GGMCore", "GGMData", "GGMEstimation", "GGMDetection", "GGMSegmentation"]),
        // Piecewise Gaussian graphical model streams with ground truth.
        .target(name: "GGMSimulation", dependencies: ["GGMCore"]),
        // Evaluation: matching alarms to true changes, false-alarm rate, ARL, delays, localization.
        .target(name: "GGMEvaluation", dependencies: ["GGMCore"]),
        // The evaluation harness: simulated scenario grids, baselines and the monitor scored alike.
        .target(name: "GGMExperiments", dependencies: ["GGMCore", "GGMEstimation", "GGMDetection", "GGMSimulation", "GGMEvaluation"]),
        // Offline segmentation (seeded / binary segmentation, exact dynamic programming) over segment Gram matrices.
        .target(name: "GGMSegmentation", dependencies: ["GGMCore", "GGMEstimation", "GGMDetection"]),
        // SVG/HTML report (the library modules never depend on it).
        .target(name: "GGMReport", dependencies: ["GGMCore"]),
        // The service: HTTP API under /v1, storage (SQLite through GRDB, PostgreSQL with leases), SSE, dashboard, metrics.
        .target(
            name: "GGMServer",
            dependencies: [
                "GGMCore", "GGMData", "GGMEstimation", "GGMDetection", "GGMReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/dashboard.js")]
        ),
        .executableTarget(
            name: "ggmwatch",
            dependencies: [
                "GGMCore", "GGMData", "GGMEstimation", "GGMDetection", "GGMSimulation", "GGMEvaluation", "GGMExperiments", "GGMSegmentation", "GGMReport", "GGMServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "GGMCoreTests", dependencies: ["GGMCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMDataTests", dependencies: ["GGMData"]),
        .testTarget(name: "GGMEstimationTests", dependencies: ["GGMEstimation", "GGMData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMDetectionTests", dependencies: ["GGMDetection", "GGMSimulation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGMSimulationTests", dependencies: ["GGMSimulation", "GGMEstimation"]),
        .testTarget(name: "GGMEvaluationTests", dependencies: ["GGMEvaluation"]),
        .testTarget(name: "GGMExperimentsTests", dependencies: ["GGMExperiments"]),
        .testTarget(name: "GGMSegmentationTests", dependencies: ["GGMSegmentation", "GGMSimulation", "GGMEvaluation"]),
        .testTarget(name: "GGMReportTests", dependencies: ["GGMReport"]),
        .testTarget(name: "GGMServerTests", dependencies: [
            "GGMServer", "GGMCore", "GGMDetection", "GGMSimulation",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
