import Domain
import Foundation
import GRDB
import Testing
import TestSupport

/// A private copy of `samples/` (the two days and `sverka.yaml`) in a fresh temporary folder,
/// with the job's output and ledger inside it: every test has its own, so tests are
/// independent and can run in parallel.
struct Workspace: Sendable {
    /// The temporary folder.
    let root: URL
    /// `<root>/samples/sverka.yaml`.
    let config: URL
    /// `<root>/out`: day folders.
    let output: URL
    /// `<root>/out/ledger.sqlite`.
    let ledger: URL

    static let firstDay = "2026-11-26"
    static let secondDay = "2026-11-27"

    /// A fresh copy of the samples.
    static func make(_ label: String) throws -> Workspace {
        let root = try Paths.temporaryDirectory("sverka-e2e-\(label)")
        try FileManager.default.copyItem(at: Paths.samples, to: root.appendingPathComponent("samples", isDirectory: true))
        let output = root.appendingPathComponent("out", isDirectory: true)
        return Workspace(root: root, config: root.appendingPathComponent("samples/sverka.yaml"), output: output,
                         ledger: output.appendingPathComponent("ledger.sqlite"))
    }

    /// Deletes the workspace (kept when `SVERKA_E2E_KEEP` is set, to look at after a failure).
    func remove() {
        guard ProcessInfo.processInfo.environment["SVERKA_E2E_KEEP"] == nil else { return }
        try? FileManager.default.removeItem(at: root)
    }

    /// Where the job writes, as environment overrides (the configuration's own `../out` is not used).
    var environment: [String: String] {
        ["SVERKA_OUTPUT_DIR": output.path, "SVERKA_LEDGER": ledger.path]
    }

    /// Runs the built `sverka` in the workspace with its environment (plus `extra`).
    func sverka(_ arguments: [String], environment extra: [String: String] = [:],
                timeout: Duration = .seconds(120)) async throws -> BinaryRunner.Outcome {
        try await BinaryRunner.run(arguments, in: root, environment: environment.merging(extra) { _, new in new },
                                   timeout: timeout)
    }

    /// Starts the built `sverka` in the workspace without waiting.
    func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> BinaryRunner.Running {
        try BinaryRunner.start(arguments, in: root, environment: environment.merging(extra) { _, new in new })
    }

    /// `rerun --from 2026-11-26 --to 2026-11-27 --config <samples/sverka.yaml>`, as the issue runs it.
    var rerunBothDays: [String] {
        ["rerun", "--from", Self.firstDay, "--to", Self.secondDay, "--config", config.path]
    }

    func day(_ iso: String) -> URL { output.appendingPathComponent(iso, isDirectory: true) }

    /// The day's `run.json`, decoded by the documented keys (docs/run-json.md).
    func runJSON(_ iso: String) throws -> RunJSON {
        try JSONDecoder().decode(RunJSON.self, from: Data(contentsOf: day(iso).appendingPathComponent("run.json")))
    }

    /// The day's `manifest.json`.
    func manifest(_ iso: String) throws -> ManifestJSON {
        try JSONDecoder().decode(ManifestJSON.self, from: Data(contentsOf: day(iso).appendingPathComponent("manifest.json")))
    }

    /// Every file under the output folder except the ledger's own files, by relative path,
    /// with the workspace's path in the content replaced by `<workspace>` (run.json and the
    /// report name the source URLs, which differ between workspaces).
    func outputTree() throws -> FileTree { try FileTree(folder: output, normalising: root.path) }

    /// The ledger's content (see `LedgerDump`).
    func ledgerDump(ignoringColumns ignored: Set<String> = []) throws -> [String] {
        try LedgerDump.rows(of: ledger, ignoringColumns: ignored)
    }
}

/// The files of a folder tree: relative path → SHA-256 of the (normalised) bytes.
struct FileTree: Equatable, Sendable, CustomStringConvertible {
    var files: [String: String]

    /// Ledger files are not part of the tree: they are compared by content (`LedgerDump`).
    static func isLedgerFile(_ relative: String) -> Bool {
        let name = (relative as NSString).lastPathComponent
        return name.hasPrefix("ledger.sqlite")
    }

    /// Hidden temporary files of `AtomicFile` (`.NAME.tmp-PID`).
    /// A temporary file (`.NAME.tmp-PID`), or a file in a folder staged whole under such a name.
    static func isTemporary(_ relative: String) -> Bool {
        relative.split(separator: "/").contains { $0.hasPrefix(".") && $0.contains(".tmp-") }
    }

    init(files: [String: String]) { self.files = files }

    init(folder: URL, normalising prefix: String) throws {
        var files: [String: String] = [:]
        let base = folder.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: base) else {
            self.files = [:]
            return
        }
        let needle = Array(prefix.utf8)
        let replacement = Array("<workspace>".utf8)
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = base + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !Self.isLedgerFile(relative) else { continue }
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            if !needle.isEmpty {
                var start = bytes.startIndex
                while let range = bytes[start...].firstRange(of: needle) {
                    bytes.replaceSubrange(range, with: replacement)
                    start = range.lowerBound + replacement.count
                }
            }
            files[relative] = SHA256.hex(bytes)
        }
        self.files = files
    }

    var temporaryFiles: [String] { files.keys.filter(Self.isTemporary).sorted() }

    /// What differs from `other`, one line per path (empty when equal).
    func differences(from other: FileTree) -> [String] {
        Set(files.keys).union(other.files.keys).sorted().compactMap { path in
            switch (files[path], other.files[path]) {
            case let (mine?, theirs?) where mine != theirs: "changed: \(path)"
            case (nil, _?): "missing: \(path)"
            case (_?, nil): "extra: \(path)"
            default: nil
            }
        }
    }

    var description: String { files.keys.sorted().joined(separator: "\n") }
}

/// The ledger's content as sorted text rows, one per table row (`table|column=value|…`), read
/// from a COPY of the database (and its WAL) so the job's file is never touched. The run journal
/// (`runs`) and SQLite's bookkeeping are left out: they record when runs happened, not what the
/// books hold. `ignoringColumns` drops columns by name (e.g. `run_id`, which numbers runs).
enum LedgerDump {
    static func rows(of ledger: URL, ignoringColumns ignored: Set<String> = []) throws -> [String] {
        let copy = try Paths.temporaryDirectory("sverka-ledger-copy")
        defer { try? FileManager.default.removeItem(at: copy) }
        let target = copy.appendingPathComponent("ledger.sqlite")
        for suffix in ["", "-wal", "-shm"] {
            let source = URL(fileURLWithPath: ledger.path + suffix)
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: URL(fileURLWithPath: target.path + suffix))
            }
        }
        let queue = try DatabaseQueue(path: target.path)
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('runs', 'grdb_migrations')
                ORDER BY name
                """)
            var lines: [String] = []
            for table in tables {
                var rows: [String] = []
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)") {
                    var fields: [String] = [table]
                    for (column, value) in row where !ignored.contains(column) {
                        let text: String = switch value.storage {
                        case .null: "NULL"
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .string(let string): string
                        case .blob(let data): "blob:" + SHA256.hex(data)
                        }
                        fields.append("\(column)=\(text)")
                    }
                    rows.append(fields.joined(separator: "|"))
                }
                lines += rows.sorted()
            }
            return lines
        }
    }

    /// The run journal: (business date, outcome or nil while unfinished), oldest first.
    static func runs(of ledger: URL) throws -> [(day: String, outcome: String?, message: String)] {
        let copy = try Paths.temporaryDirectory("sverka-ledger-copy")
        defer { try? FileManager.default.removeItem(at: copy) }
        let target = copy.appendingPathComponent("ledger.sqlite")
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: ledger.path + suffix) {
            try FileManager.default.copyItem(atPath: ledger.path + suffix, toPath: target.path + suffix)
        }
        let queue = try DatabaseQueue(path: target.path)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT business_date, outcome, message FROM runs ORDER BY id").map {
                (day: $0["business_date"], outcome: $0["outcome"], message: $0["message"])
            }
        }
    }

    /// Lines present in one dump and not the other (empty when the dumps are equal), for failure messages.
    static func differences(_ a: [String], _ b: [String], limit: Int = 10) -> String {
        let left = Set(a), right = Set(b)
        let onlyA = a.filter { !right.contains($0) }.prefix(limit).map { "- " + String($0.prefix(300)) }
        let onlyB = b.filter { !left.contains($0) }.prefix(limit).map { "+ " + String($0.prefix(300)) }
        let counts = a.count == b.count ? [] : ["row counts differ: \(a.count) vs \(b.count)"]
        return (counts + onlyA + onlyB).joined(separator: "\n")
    }
}

// MARK: - run.json and manifest.json, by their documented keys

/// `run.json` (docs/run-json.md), decoded independently of the job's own types.
struct RunJSON: Decodable, Sendable {
    struct Source: Decodable, Sendable {
        let name: String
        let status: String
        let url: String
        let records: Int
        let error: String?
    }

    struct Allocation: Decodable, Sendable, Equatable {
        let orderID: String
        let billNumber: String
        let amount: String
        let method: String

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", billNumber = "bill_number", amount, method
        }
    }

    struct Payment: Decodable, Sendable {
        let id: String
        let source: String
        let receivedOn: String
        let amount: String
        let payerINN: String?
        let allocations: [Allocation]
        let unallocated: String
        let status: String

        enum CodingKeys: String, CodingKey {
            case id, source, amount, allocations, unallocated, status
            case receivedOn = "received_on", payerINN = "payer_inn"
        }
    }

    struct Document: Decodable, Sendable {
        let file: String
        let kind: String
        let number: String
        let date: String
        let orderID: String?
        let shipmentID: String?
        let customerINN: String
        let totalWithoutVAT: String
        let vat: String
        let total: String
        let paperOnly: Bool

        enum CodingKeys: String, CodingKey {
            case file, kind, number, date, vat, total
            case orderID = "order_id", shipmentID = "shipment_id", customerINN = "customer_inn"
            case totalWithoutVAT = "total_without_vat", paperOnly = "paper_only"
        }
    }

    struct Held: Decodable, Sendable {
        let orderID: String
        let shipmentID: String?
        let reason: String

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", shipmentID = "shipment_id", reason
        }
    }

    struct Customer: Decodable, Sendable {
        let inn: String
        let name: String
        let balance: String
        let creditLimit: String
        let overdue: String
        let onStopList: Bool
        let reasons: [String]

        enum CodingKeys: String, CodingKey {
            case inn, name, balance, overdue, reasons
            case creditLimit = "credit_limit", onStopList = "on_stop_list"
        }
    }

    struct Exception: Decodable, Sendable {
        let kind: String
        let ref: String
        let message: String
    }

    let version: Int
    let businessDate: String
    let status: String
    let sources: [Source]
    let payments: [Payment]
    let documents: [Document]
    let held: [Held]
    let customers: [Customer]
    let exceptions: [Exception]

    enum CodingKeys: String, CodingKey {
        case version, status, sources, payments, documents, held, customers, exceptions
        case businessDate = "business_date"
    }

    func payment(_ suffix: String) -> Payment? { payments.first { $0.id.hasSuffix(suffix) || $0.id.contains(suffix) } }
    func document(shipment: String, kind: String = "UPD") -> Document? {
        documents.first { $0.shipmentID == shipment && $0.kind == kind }
    }
    func customer(_ inn: String) -> Customer? { customers.first { $0.inn == inn } }
}

/// `manifest.json`: every document file placed for the day.
struct ManifestJSON: Decodable, Sendable {
    struct File: Decodable, Sendable {
        let file: String
        let kind: String
        let number: String
        let date: String
        let sha256: String
        let paperOnly: Bool
        let printForm: String?
        let total: String

        enum CodingKeys: String, CodingKey {
            case file, kind, number, date, sha256, total
            case paperOnly = "paper_only", printForm = "print_form"
        }
    }

    let businessDate: String
    let files: [File]

    enum CodingKeys: String, CodingKey {
        case files
        case businessDate = "business_date"
    }
}

/// The uninterrupted reference run of both sample days, made once and shared by the tests that
/// compare against it (kill, failed source, HTTP).
enum Reference {
    struct Run: Sendable {
        let workspace: Workspace
        let outcome: BinaryRunner.Outcome
        let tree: FileTree
        let ledger: [String]
        /// The same without `run_id` columns (a killed run leaves extra runs in the journal).
        let ledgerWithoutRunIDs: [String]
    }

    static let bothDays = Task<Run, any Error> {
        let workspace = try Workspace.make("reference")
        let outcome = try await workspace.sverka(workspace.rerunBothDays)
        guard outcome.status == 1 else {
            throw BinaryRunner.RunError(message: "the reference run did not end with exceptions (1):\n\(outcome.transcript)")
        }
        return Run(workspace: workspace, outcome: outcome, tree: try workspace.outputTree(),
                   ledger: try workspace.ledgerDump(), ledgerWithoutRunIDs: try workspace.ledgerDump(ignoringColumns: ["run_id"]))
    }
}
