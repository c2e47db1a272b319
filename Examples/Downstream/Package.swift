// swift-tools-version: 6.0
import PackageDescription

// An application using ggmwatch as any other would: by URL and version. A package with unsafe
// flags is refused in this form (SwiftPM allows them only for path and root packages), so
// building this proves the library is usable as a dependency. `.ci/run` points GGMWATCH_URL at a
// tagged clone of the repository under test (file://...), so the check runs offline.
let ggmwatchURL = Context.environment["GGMWATCH_URL"] ?? "https://github.com/ggmwatch/ggmwatch"

let package = Package(
    name: "Downstream",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: ggmwatchURL, from: "0.16.0"),
    ],
    targets: [
        .executableTarget(name: "Downstream", dependencies: [.product(name: "GGMWatch", package: "ggmwatch")]),
    ]
)
