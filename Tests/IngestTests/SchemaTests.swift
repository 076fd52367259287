import Foundation
import Testing
import TestSupport

/// The sample feeds satisfy schemas/orders-feed.schema.json (checked with Python's `jsonschema`
/// when it is installed; skipped otherwise).
@Suite("Orders feed JSON Schema")
struct SchemaTests {
    static let schema = Paths.schemas.appendingPathComponent("orders-feed.schema.json")

    /// Runs a small Python validator; returns its exit status and output.
    static func python(_ script: String, _ arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let available: Bool = python("import jsonschema", [])?.status == 0

    static let validator = """
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1], encoding='utf-8'))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(json.load(open(sys.argv[2], encoding='utf-8'))))
    for error in errors:
        print('/'.join(str(p) for p in error.absolute_path) + ': ' + error.message)
    sys.exit(1 if errors else 0)
    """

    @Test(.enabled(if: available), arguments: ["2026-11-26", "2026-11-27"])
    func sampleFeedsSatisfyTheSchema(_ day: String) throws {
        let feed = Paths.samples.appendingPathComponent("days/\(day)/orders.json")
        let result = try #require(Self.python(Self.validator, [Self.schema.path, feed.path]))
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(.enabled(if: available))
    func brokenFeedsDoNot() throws {
        let folder = try Paths.temporaryDirectory("sverka-schema")
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try String(contentsOf: Paths.samples.appendingPathComponent("days/2026-11-27/orders.json"), encoding: .utf8)
        let variants = [
            ("money-as-number", original.replacingOccurrences(of: "\"amount\": \"2429.73\"", with: "\"amount\": 2429.73"), "bill/amount"),
            ("sole-trader-kpp", original.replacingOccurrences(of: "\"kind\": \"sole_trader\",", with: "\"kind\": \"sole_trader\", \"kpp\": \"500101001\","), "customer"),
            ("no-offset", original.replacingOccurrences(of: "\"departed_at\": \"2026-11-27T06:10:00+03:00\"", with: "\"departed_at\": \"2026-11-27T06:10:00\""), "departed_at"),
        ]
        for (name, text, path) in variants {
            #expect(text != original)
            let file = folder.appendingPathComponent("\(name).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let result = try #require(Self.python(Self.validator, [Self.schema.path, file.path]))
            #expect(result.status == 1, "\(name) passed the schema")
            #expect(result.output.contains(path), "\(name): \(result.output)")
        }
    }
}
