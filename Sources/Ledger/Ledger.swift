import Domain
import Foundation
import GRDB

/// The memory of the nightly job across days and reruns: one SQLite database file.
///
/// The ledger holds everything the job has read (orders, payments, quarantined records),
/// decided (allocations, balance movements) and emitted (documents with their bytes, their
/// numbers), plus the journal of runs and the accountant's pins.
///
/// - The database is opened as a `DatabasePool` in WAL mode with a busy timeout, and
///   brought up to date by forward-only named migrations (see ``Ledger/migrationNames``).
/// - Every write of a day goes through ``write(_:)``: one SQLite transaction, committed
///   whole or rolled back whole.
/// - Every record is keyed by its source's stable id, so writing the same input twice
///   changes nothing.
/// - Only one writing run at a time: take a ``RunLock`` (``lockPath``) before writing.
public final class Ledger: Sendable {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// The page cache of each connection, in KiB: 32 MiB. (64 MiB took the same time for a day of
    /// 100 000 orders and 35–40 MiB more memory at its peak; 16 MiB ~7 % more CPU: docs/performance.md.)
    static let pageCacheKiB = 32_768

    /// The names of all migrations this build knows, in the order they apply.
    public static var migrationNames: [String] { LedgerSchema.migrationNames }

    /// Opens (creating when absent) the ledger at `path` and applies pending migrations.
    ///
    /// - Parameters:
    ///   - path: the database file; its directory must exist.
    ///   - busyTimeout: how long a connection waits for another connection's lock before failing.
    /// - Throws: ``LedgerError`` when the file cannot be opened, a migration fails, or the
    ///   database was written by a newer build (it has migrations this build does not know).
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "sverka-ledger"
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.publicStatementArguments = false
        // A day's write touches the indexes of every order, shipment, payment and document; with
        // SQLite's default 2 MB page cache a large day reads the same pages from the file again
        // and again. 32 MiB per connection (a bound, not a reservation).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKiB)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw LedgerError(operation: "open ledger", reason: "cannot open the database file", underlying: error)
        }
        let migrator = LedgerSchema.migrator
        let superseded: Bool
        do {
            superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        } catch {
            throw LedgerError(operation: "open ledger", reason: "cannot read the applied migrations", underlying: error)
        }
        if superseded {
            throw LedgerError(operation: "open ledger",
                              reason: "the database has migrations this build does not know; it was written by a newer sverka")
        }
        do {
            try migrator.migrate(pool)
        } catch {
            throw LedgerError(operation: "migrate ledger", reason: "a migration failed", underlying: error)
        }
    }

    /// The lock file that guards writing runs: `<database>.lock` (see ``RunLock``).
    public var lockPath: String { RunLock.lockPath(forDatabase: path) }

    /// The names of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        do {
            return try pool.read { db in try LedgerSchema.migrator.appliedMigrations(db) }
        } catch {
            throw LedgerError(operation: "read applied migrations", reason: "query failed", underlying: error)
        }
    }

    /// Gives back the memory SQLite's connections hold but do not need now (their page caches'
    /// unused pages): the day's write fills the writing connection's cache, and the outputs that
    /// follow only read.
    public func releaseMemory() {
        pool.releaseMemory()
    }

    /// The schema version (`PRAGMA user_version`): the number of migrations applied.
    public func schemaVersion() throws -> Int {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        } catch {
            throw LedgerError(operation: "read schema version", reason: "query failed", underlying: error)
        }
    }

    /// Runs `body` in one SQLite transaction and commits it; any error thrown by `body`
    /// (or by a write inside it) rolls back everything `body` wrote, and is rethrown as is.
    ///
    /// The ``LedgerTransaction`` is valid only inside `body`; do not keep it.
    public func write<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(LedgerTransaction(db)) }
        } catch let error as DatabaseError {
            throw LedgerError(operation: "write transaction", reason: "the transaction failed", underlying: error)
        }
    }

    /// Runs `body` on a consistent snapshot of the ledger (it sees only committed writes).
    ///
    /// The ``LedgerReader`` is valid only inside `body`; do not keep it.
    public func read<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(LedgerReader(db)) }
        } catch let error as DatabaseError {
            throw LedgerError(operation: "read", reason: "the read failed", underlying: error)
        }
    }

    /// The number of rows of each ledger table (for `sverka status` and tests).
    public func tableCounts() throws -> [String: Int] {
        do {
            return try pool.read { db in
                var counts: [String: Int] = [:]
                for table in try Ledger.tables(db) {
                    counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
                }
                return counts
            }
        } catch {
            throw LedgerError(operation: "count rows", reason: "query failed", underlying: error)
        }
    }

    /// A SHA-256 over the whole content of every ledger table (rows in any physical order,
    /// row ids included): equal digests mean nothing was written. Meant for tests and
    /// diagnostics ("the rerun changed nothing"), not for hot paths.
    public func contentDigest() throws -> String {
        do {
            return try pool.read { db in
                var hasher = SHA256()
                for table in try Ledger.tables(db) {
                    hasher.update(Array("table \(table)\n".utf8))
                    var rows: [[UInt8]] = []
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)") {
                        var bytes: [UInt8] = []
                        for (column, value) in row {
                            bytes += Array("\(column)=".utf8)
                            switch value.storage {
                            case .null: bytes += Array("N;".utf8)
                            case .int64(let number): bytes += Array("I\(number);".utf8)
                            case .double(let number): bytes += Array("D\(number);".utf8)
                            case .string(let text): bytes += Array("S\(text.utf8.count):\(text);".utf8)
                            case .blob(let data): bytes += Array("B\(data.count):".utf8) + Array(data) + [59]
                            }
                        }
                        rows.append(bytes)
                    }
                    for row in rows.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                        hasher.update(row)
                        hasher.update([10])
                    }
                }
                return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        } catch {
            throw LedgerError(operation: "digest content", reason: "query failed", underlying: error)
        }
    }

    private static func tables(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
            ORDER BY name
            """)
    }

    /// ``write(_:)`` for a transaction of a whole day: without SQLite's automatic checkpoint at its
    /// commit. A day writes gigabytes; committing it would copy them all from the write-ahead log
    /// into the database file on the committing thread before returning. Call
    /// ``checkpoint(waitingForReaders:)`` after it (on another thread, so the copy runs while the day's
    /// files are written).
    /// The commit is as durable either way (the log holds it).
    public func writeWithoutAutomaticCheckpoint<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        try setAutomaticCheckpoint(pages: 0)
        defer { try? setAutomaticCheckpoint(pages: Self.automaticCheckpointPages) }
        return try write(body)
    }

    /// SQLite's default: a committing connection checkpoints once the log passes this many pages.
    static let automaticCheckpointPages = 1_000

    private func setAutomaticCheckpoint(pages: Int) throws {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)") }
        } catch {
            throw LedgerError(operation: "set the automatic checkpoint", reason: "the pragma failed", underlying: error)
        }
    }

    /// Checkpoints the write-ahead log into the database file (e.g. before a backup copy).
    ///
    /// `waitingForReaders` false: a passive checkpoint, which copies what it can while readers go on
    /// reading (the day's job runs it on another thread while the day's files are written, after
    /// ``writeWithoutAutomaticCheckpoint(_:)``); true: it waits for them and empties the log.
    public func checkpoint(waitingForReaders: Bool = true) throws {
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(waitingForReaders ? .truncate : .passive) }
        } catch {
            throw LedgerError(operation: "checkpoint", reason: "the WAL checkpoint failed", underlying: error)
        }
    }
}

/// A ledger operation that failed, with the operation, why, and the underlying database error.
///
/// Messages never contain bound values (bank details, amounts, purposes): the underlying
/// GRDB error is described without its statement arguments.
public struct LedgerError: Error, CustomStringConvertible {
    /// What the ledger was doing (`upsert order`, `record document`, …).
    public var operation: String
    /// The record concerned, when there is one (`order ORD-17`, `payment bank-1c:482`).
    public var record: String?
    /// Why, in plain words.
    public var reason: String
    /// The underlying error (usually a GRDB `DatabaseError`).
    public var underlying: (any Error)?

    public init(operation: String, record: String? = nil, reason: String, underlying: (any Error)? = nil) {
        self.operation = operation
        self.record = record
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        var text = "ledger: \(operation)"
        if let record { text += ", \(record)" }
        text += ": \(reason)"
        if let underlying {
            // DatabaseError.description omits statement arguments unless the connection
            // was configured with publicStatementArguments, which the ledger never does.
            text += " (\(String(describing: underlying)))"
        }
        return text
    }
}
