import Domain
import Foundation
import Generator
import GRDB
@testable import Job
import Ledger
import Testing
import TestSupport

/// The day's write prepares the next block of orders while it writes one, and renders the next
/// window of documents (with forecast numbers) while it records one. The parts and the forecast
/// change only what runs when: tiny parts, or a forecast started again from the ledger for every
/// window, give the same ledger and the same files as the standard parts.
@Suite("Pipelined day write")
struct PipelineTests {
    static let first = CivilDate(iso: "2026-11-26")!

    /// Generates two days of `orders` orders and runs them (and the second again) with `batching`.
    static func run(_ batching: DayBatching, orders: Int = 160) async throws
        -> (folder: URL, loaded: LoadedConfiguration, log: LogCapture) {
        let folder = try Paths.temporaryDirectory("sverka-pipeline")
        _ = try Generator.write(GeneratorSettings(firstDay: first, ordersPerDay: orders, seed: 11, days: 2), to: folder)
        let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path, environment: [:])
        try FileManager.default.createDirectory(at: loaded.outputDirectory, withIntermediateDirectories: true)
        let log = LogCapture()
        var runner = DayRunner(loaded: loaded, environment: testEnvironment(logger: log.logger()),
                               ledger: try Ledger(path: loaded.ledgerPath.path))
        runner.batching = batching
        for day in [first, first.adding(days: 1), first.adding(days: 1)] {
            let outcome = await runner.run(day: day, command: "pipeline test")
            #expect(outcome.exitStatus != .failure, "\(outcome.result.exceptions.map(\.message))")
        }
        return (folder, loaded, log)
    }

    /// Every document version the ledger holds: identity, version, number, status, bytes, details.
    static func documents(_ loaded: LoadedConfiguration) throws -> [String] {
        let ledger = try Ledger(path: loaded.ledgerPath.path)
        return try ledger.read { reader in
            try [first, first.adding(days: 1)].flatMap { day in
                try reader.documents(businessDate: day).map { record in
                    "\(record.identity)#\(record.correctionNumber) № \(record.number.map(String.init) ?? "-") \(record.status) "
                        + "\(record.xml.map { SHA256.hex([UInt8]($0)) } ?? "-") \(record.details.map { SHA256.hex([UInt8]($0)) } ?? "-")"
                }
            }
        }.sorted()
    }

    /// The files of the days' output folders (edo/, archive/, manifest.json) with their SHA-256.
    static func placedFiles(_ loaded: LoadedConfiguration) throws -> [String] {
        var result: [String] = []
        for day in [first, first.adding(days: 1)] {
            let dayFolder = loaded.outputDirectory.appendingPathComponent(day.iso)
            for sub in ["edo", "archive"] {
                for name in files(in: dayFolder.appendingPathComponent(sub)) {
                    let bytes = try Data(contentsOf: dayFolder.appendingPathComponent(sub).appendingPathComponent(name))
                    result.append("\(day.iso)/\(sub)/\(name) \(SHA256.hex([UInt8](bytes)))")
                }
            }
            let manifest = try Data(contentsOf: dayFolder.appendingPathComponent("manifest.json"))
            result.append("\(day.iso)/manifest.json \(SHA256.hex([UInt8](manifest)))")
        }
        return result
    }

    /// Every balance movement the ledger holds, in the order written (rowid), with every column.
    static func movements(_ loaded: LoadedConfiguration) throws -> [String] {
        try DatabaseQueue(path: loaded.ledgerPath.path).read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, * FROM balance_movements ORDER BY rowid").map(\.description)
        }
    }

    @Test("tiny blocks and windows, and a forecast started again for every window, give the standard run's ledger and files")
    func partsChangeNothing() async throws {
        let standard = try await Self.run(.standard)
        defer { try? FileManager.default.removeItem(at: standard.folder) }
        let expectedDocuments = try Self.documents(standard.loaded)
        let expectedFiles = try Self.placedFiles(standard.loaded)
        let expectedMovements = try Self.movements(standard.loaded)
        #expect(expectedMovements.count > 100)
        #expect(expectedMovements.contains { $0.contains("payment:") })
        // Enough documents for many windows of 5, some held, some numbered on each day.
        #expect(expectedDocuments.count > 60)
        #expect(expectedDocuments.contains { $0.contains(" held ") })
        #expect(expectedDocuments.contains { $0.contains(" issued ") })

        for batching in [DayBatching(upsertBlock: 3, renderWindow: 5, paymentMovementsBlock: 2),
                         DayBatching(upsertBlock: 7, renderWindow: 4, reforecastEveryWindow: true, paymentMovementsAhead: false)] {
            let tiny = try await Self.run(batching)
            defer { try? FileManager.default.removeItem(at: tiny.folder) }
            #expect(try Self.documents(tiny.loaded) == expectedDocuments, "\(batching)")
            #expect(try Self.placedFiles(tiny.loaded) == expectedFiles, "\(batching)")
            #expect(try Self.movements(tiny.loaded) == expectedMovements, "\(batching)")
            // Every document was rendered ahead with the number it got: none had to be rendered
            // again while recorded (the log line of each of the three runs says so).
            let counts = tiny.log.lines.filter { $0.contains("rendered_while_recording") }
            #expect(counts.count == 3)
            #expect(counts.allSatisfy { $0.contains("\"rendered_while_recording\":\"0\"") }, "\(counts)")
        }
    }
}
