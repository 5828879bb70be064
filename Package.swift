// swift-tools-version: 6.1
import PackageDescription

// The data libraries are compiled with optimisation in debug builds too: their tests push whole
// files and the 482-ticker market panel through them, which unoptimised code makes 5-20x slower.
// (Preconditions and overflow checks stay on; only `assert` is compiled out.)
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // libyaml from Debian's libyaml-dev: we read YAML events directly to keep exact marks.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Codecs for Parquet pages, from Debian's -dev packages.
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // XGBoost's C API from Debian's libxgboost-dev (1.7).
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        // Typed columns with validity bitmaps, schemas and record batches.
        .target(name: "Columnar", swiftSettings: optimisedInDebug),
        // Parquet reader and writer: Thrift compact metadata, encodings, codecs.
        .target(name: "Parquet", dependencies: ["Columnar", "CSnappy", "CZstd", "CZlib", "CSluiceSystem"], swiftSettings: optimisedInDebug),
        // Delta Lake tables: transaction log, snapshots, time travel, writes.
        .target(name: "DeltaLake", dependencies: ["Parquet", "Columnar", "CSluiceSystem"], swiftSettings: optimisedInDebug),
        // Factor expressions (Qlib's language), their compiler and rolling/cross-sectional kernels.
        .target(name: "Factors", dependencies: ["Columnar", "Parquet", "DeltaLake", "SluiceCore"], swiftSettings: optimisedInDebug),
        // Gradient-boosted models (XGBoost, LightGBM), metrics, walk-forward cross-validation, grid search.
        .target(name: "Learning", dependencies: ["Columnar", "CXGBoost"], swiftSettings: optimisedInDebug),
        // Experiment tracking and the model registry: embedded (SQLite + artifact folder) or a real MLflow server.
        .target(name: "Tracking", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The quant pipeline's operators (generate, ingest, features, gold, train, promote, infer, report).
        .target(name: "SluiceOperators", dependencies: ["SluiceCore", "Columnar", "Parquet", "DeltaLake", "Factors", "Learning", "Tracking", "CSluiceSystem"]),
        // The few glibc calls Swift's Glibc module hides behind _GNU_SOURCE.
        .target(name: "CSluiceSystem"),
        .target(
            name: "SluiceCore",
            dependencies: ["CYAML", "CSluiceSystem"]
        ),
        // SQLite metadata: DAGs, runs, task instances, tries, XCom, pools, backfills.
        .target(
            name: "SluiceMetadata",
            dependencies: ["SluiceCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Run creation, dependency evaluation, queueing, executors, recovery.
        .target(
            name: "SluiceScheduler",
            dependencies: ["SluiceCore", "SluiceMetadata"]
        ),
        // The HTTP API (REST, the remote-worker protocol, Prometheus metrics), on Hummingbird.
        .target(
            name: "SluiceServer",
            dependencies: ["SluiceCore", "SluiceMetadata", "SluiceScheduler", "Columnar", "DeltaLake", "Tracking",
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // `sluice worker`: leases tries over HTTP and runs each in a child process; never opens the database.
        .target(name: "SluiceWorker", dependencies: ["SluiceCore", "SluiceScheduler", "CSluiceSystem"]),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceCore",
                "Parquet",
                "DeltaLake",
                "Factors",
                "Learning",
                "Tracking",
                "SluiceOperators",
                "Columnar",
                "SluiceMetadata",
                "SluiceScheduler",
                "SluiceServer",
                "SluiceWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "ColumnarTests", dependencies: ["Columnar"]),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "Columnar"]),
        .testTarget(name: "DeltaLakeTests", dependencies: ["DeltaLake", "Parquet", "Columnar"]),
        .testTarget(name: "FactorsTests", dependencies: ["Factors", "Columnar", "Parquet"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Factors", "Columnar", "Tracking"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "SluiceOperatorsTests", dependencies: ["SluiceOperators", "SluiceCore", "Columnar", "Parquet", "Factors", "DeltaLake", "Learning", "Tracking"]),
        .testTarget(name: "SluiceMetadataTests", dependencies: ["SluiceMetadata", "SluiceCore"]),
        .testTarget(name: "SluiceSchedulerTests", dependencies: ["SluiceScheduler", "SluiceMetadata", "SluiceCore"], exclude: ["Fixtures"]),
        .testTarget(name: "SluiceServerTests", dependencies: ["SluiceServer", "SluiceMetadata", "SluiceScheduler", "SluiceCore"]),
        // Runs the built `sluice` binary the way users and scripts do.
        .testTarget(
            name: "SluiceCLITests",
            dependencies: ["sluice", "SluiceCore", "Columnar", "DeltaLake", "Tracking"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
