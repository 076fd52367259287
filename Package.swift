// swift-tools-version: 6.1
//
// sverka: the nightly closing job of a B2B grocery seller.
// Data flows one way: Ingest → Ledger → Reconcile → Documents → EDO → Reports,
// tied together by Job and driven by the thin `sverka` executable.
// C libraries stay in bridge targets: libxml2 behind CXMLBridge (opaque handles,
// so Foundation's ICU never meets libxml2's), libcurl behind CCurl's typed shims.
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode, strict
/// concurrency, explicit `any`, and imports that must be declared where used.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
// SQLite's C API as GRDB links it: the ledger binds and steps its bulk inserts directly.
let grdbSQLite: Target.Dependency = .product(name: "GRDBSQLite", package: "GRDB.swift")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")

let package = Package(
    name: "sverka",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sverka", targets: ["sverka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // MARK: C bridges
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "CXMLBridge",
            dependencies: ["CLibXML2"]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // SHA-256 blocks with the processor's SHA instructions (Domain's SHA256 falls back to Swift).
        .target(name: "CSHA256"),
        // glibc's malloc_trim (malloc.h is not in Swift's Glibc module).
        .systemLibrary(name: "CMalloc"),
        // jemalloc, the executables' allocator, and its compiled-in configuration (libraries and
        // tests keep glibc's malloc; Job finds at run time which one serves).
        .target(name: "CJemalloc", linkerSettings: [.linkedLibrary("jemalloc")]),

        // MARK: Libraries, one per stage
        .target(name: "XML", dependencies: ["CXMLBridge"], swiftSettings: swiftSettings),
        .target(name: "HTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        .target(name: "Domain", dependencies: ["CSHA256"], swiftSettings: swiftSettings),
        .target(name: "Ledger", dependencies: ["Domain", grdb, grdbSQLite], swiftSettings: swiftSettings),
        .target(name: "Ingest", dependencies: ["Domain", "XML", "HTTP"], swiftSettings: swiftSettings),
        .target(name: "Reconcile", dependencies: ["Domain"], swiftSettings: swiftSettings),
        .target(name: "Documents", dependencies: ["Domain", "XML"], swiftSettings: swiftSettings),
        .target(name: "EDO", dependencies: ["Domain"], swiftSettings: swiftSettings),
        .target(
            name: "Reports",
            dependencies: ["Domain", "XML", mustache],
            resources: [.copy("Templates")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Generator", dependencies: ["Domain"], swiftSettings: swiftSettings),
        .target(
            name: "Job",
            dependencies: ["CMalloc", "Domain", "XML", "HTTP", "Ledger", "Ingest", "Reconcile", "Documents", "EDO", "Reports", logging, yams],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sverka",
            dependencies: ["CJemalloc", "Job", "Documents", "XML", "Reports", "Ledger", "Generator", argumentParser, logging],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sverka-bench",
            dependencies: ["CJemalloc", "Job", "Ingest", "Documents", "XML", "Reconcile", "Domain", "Generator", logging],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["Domain"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XMLTests", dependencies: ["XML", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "TestSupport", propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Domain", "Generator", "TestSupport", grdb, propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Domain", "HTTP", "XML", "Generator", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReconcileTests", dependencies: ["Reconcile", "Domain", "Job", "Ledger", "TestSupport", propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents", "Domain", "XML", "Generator", "TestSupport"], exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(name: "EDOTests", dependencies: ["EDO", "Domain", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Domain", "XML", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "JobTests", dependencies: ["Job", "Domain", "Ledger", "HTTP", "Ingest", "Reports", "EDO", "Documents", "Generator", "TestSupport", logging, grdb], swiftSettings: swiftSettings),
        .testTarget(name: "GeneratorTests", dependencies: ["Generator", "Domain", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Domain", grdb], swiftSettings: swiftSettings),
    ]
)
