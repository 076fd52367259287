import Foundation

/// Where the tests find the project's own files and the shared reference material.
///
/// The package root is derived from this file's path, so tests work from any
/// working directory. `../shared` (official FNS schemas, real bank files) sits
/// beside the checkout on developer machines and in CI; tests that need it
/// skip themselves when it is absent.
public enum Paths {
    /// The package root (the folder holding `Package.swift`).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        // Tests/TestSupport/Paths.swift → package root
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `samples/` of the project.
    public static var samples: URL { packageRoot.appendingPathComponent("samples", isDirectory: true) }

    /// `schemas/` of the project (schemas written for what sverka emits).
    public static var schemas: URL { packageRoot.appendingPathComponent("schemas", isDirectory: true) }

    /// `../shared` beside the checkout, when it exists.
    public static var shared: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return url
    }

    /// `../shared/fns-xsd` (official FNS schemas and sample documents), when it exists.
    public static var officialSchemas: URL? {
        shared.map { $0.appendingPathComponent("fns-xsd", isDirectory: true) }
    }

    /// `../shared/real-inputs` (real bank files), when it exists.
    public static var realInputs: URL? {
        shared.map { $0.appendingPathComponent("real-inputs", isDirectory: true) }
    }

    /// A fresh temporary directory, unique per call.
    public static func temporaryDirectory(_ label: String = "sverka") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
