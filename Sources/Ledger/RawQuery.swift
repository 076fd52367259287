import Domain
import Foundation
import GRDB
import GRDBSQLite

/// A `SELECT` prepared once and stepped through SQLite's C API: keys bound as text directly, columns
/// read by index (no `Row`, no column lookup by name, dates parsed from the column's bytes).
/// For the hot reads of the day's writing thread; every other read goes through GRDB's `Row`.
final class RawQuery {
    private let statement: Statement
    private let handle: OpaquePointer

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
    }

    /// `sql` through the connection's cache of prepared statements (GRDB's `cachedStatement`): for a
    /// read made again and again, once per document. Leave it with ``reset()`` after the rows read.
    init(cached db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
    }

    /// Binds `values` in order, text or integer (after a reset: an earlier binding's rows are let go).
    func bind(_ values: [RawValue]) throws {
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let code: CInt = switch value {
            case .text(let text): bindText(handle, CInt(offset + 1), text)
            case .integer(let integer): sqlite3_bind_int64(handle, CInt(offset + 1), integer)
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "a value could not be bound", sql: statement.sql)
            }
        }
    }

    /// Lets the statement go (its read of the database ends) when its rows were not all stepped through.
    func reset() { sqlite3_reset(handle) }

    /// Binds `values` as text to the parameters from 1 on, after resetting the statement.
    func bind(_ values: [String]) throws {
        try bind(values.map(RawValue.text))
    }

    /// The next row: `true` when there is one, `false` at the end (the statement is then reset).
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        let message = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        return false
    }

    /// Whether the column of the current row is NULL.
    func isNull(_ column: CInt) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as text (`nil` for NULL), up to its first NUL as GRDB reads text.
    func text(_ column: CInt) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }

    /// The column's whole text, NULs included (its bytes as UTF-8); a NULL is a corrupt value of `name`.
    func wholeText(_ column: CInt, _ name: String) throws -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { throw CorruptValue(column: name) }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column as text; a NULL is a corrupt value of `name`.
    func requiredText(_ column: CInt, _ name: String) throws -> String {
        guard let text = text(column) else { throw CorruptValue(column: name) }
        return text
    }

    /// The column as an integer; a NULL is a corrupt value of `name`.
    func int64(_ column: CInt, _ name: String) throws -> Int64 {
        guard !isNull(column) else { throw CorruptValue(column: name) }
        return sqlite3_column_int64(handle, column)
    }

    /// The column as an optional integer.
    func optionalInt64(_ column: CInt) -> Int64? { isNull(column) ? nil : sqlite3_column_int64(handle, column) }

    /// The column as a `YYYY-MM-DD` day (what `Row.date` reads); NULL or anything else is a corrupt value of `name`.
    func date(_ column: CInt, _ name: String) throws -> CivilDate {
        guard let pointer = sqlite3_column_text(handle, column),
              let date = CivilDate(isoUTF8: UnsafeBufferPointer(start: pointer, count: strlen(pointer))) else {
            throw CorruptValue(column: name)
        }
        return date
    }

    /// The column's bytes (`nil` for NULL), copied once into the array.
    func bytes(_ column: CInt) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column as text whatever its type: text as is, numbers in decimal (`Row`'s
    /// `DatabaseValue` printed), `nil` for NULL and blobs.
    func valueText(_ column: CInt) -> String? {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: String(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: String(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: text(column)
        default: nil
        }
    }

    /// Whether the column's text equals `text` byte for byte (a NULL equals nothing).
    func textEquals(_ column: CInt, _ text: String) -> Bool {
        guard let pointer = sqlite3_column_text(handle, column) else { return false }
        var text = text
        return text.withUTF8 { bytes in
            let length = strlen(pointer)
            guard length == bytes.count else { return false }
            guard let base = bytes.baseAddress else { return true }
            return memcmp(pointer, base, length) == 0
        }
    }
}

/// A value bound to a ``RawQuery``.
enum RawValue {
    case text(String)
    case integer(Int64)
}

extension LedgerReader {
    /// `body` of the first row `sql` gives with `arguments`, through a statement prepared once per
    /// connection; `nil` when there is none.
    func firstRawRow<T>(_ sql: String, _ arguments: [RawValue], _ body: (RawQuery) throws -> T) throws -> T? {
        let query = try RawQuery(cached: db, sql: sql)
        defer { query.reset() }
        try query.bind(arguments)
        guard try query.step() else { return nil }
        return try body(query)
    }

    /// Runs `sql`, in which `{keys}` stands for the placeholders of one chunk of `keys` (each key once,
    /// in first-seen order), once per chunk of at most ``batchChunk`` keys, through ``RawQuery``.
    /// `extra`: text arguments bound after the keys.
    func forEachRawRow(_ sql: String, keys: [String], extra: [String] = [], _ body: (RawQuery) throws -> Void) throws {
        var seen = Set<String>()
        seen.reserveCapacity(keys.count)
        let unique = keys.filter { seen.insert($0).inserted }
        var queries: [Int: RawQuery] = [:]
        var start = 0
        while start < unique.count {
            let end = min(unique.count, start + Self.batchChunk)
            let count = end - start
            let query: RawQuery
            if let made = queries[count] {
                query = made
            } else {
                query = try RawQuery(db, sql: sql.replacingOccurrences(of: "{keys}", with: placeholders(count)))
                queries[count] = query
            }
            try query.bind(Array(unique[start..<end]) + extra)
            while try query.step() { try body(query) }
            start = end
        }
    }
}

/// Byte-by-byte order of two strings' UTF-8 (SQLite's `BINARY` collation, what `ORDER BY id` gives).
func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
    var lhs = lhs, rhs = rhs
    return lhs.withUTF8 { a in
        rhs.withUTF8 { b in
            let common = min(a.count, b.count)
            if common > 0, let pa = a.baseAddress, let pb = b.baseAddress {
                let order = memcmp(pa, pb, common)
                if order != 0 { return order < 0 }
            }
            return a.count < b.count
        }
    }
}

/// Binds `value` as text to parameter `index` of `handle`; SQLite copies the bytes before it returns
/// (`SQLITE_TRANSIENT`). An empty string may have no buffer address, and SQLite reads a NULL pointer
/// as NULL: it is bound as "" then.
func bindText(_ handle: OpaquePointer, _ index: CInt, _ value: String) -> CInt {
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    var value = value
    return value.withUTF8 { bytes -> CInt in
        guard let base = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text(handle, index, $0, CInt(bytes.count), transient)
        }
    }
}
