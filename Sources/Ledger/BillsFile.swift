import Domain
import Foundation
import GRDB

/// A bill as ``BillsFile`` keeps it: the texts the matcher reads, and what it starts from.
public struct BillsFileRow: Sendable, Equatable {
    public var number: String
    public var orderID: String
    public var orderNumber: String
    public var customerINN: String
    public var date: CivilDate
    public var amount: Int64
    /// What earlier runs allocated to it (kopecks).
    public var allocated: Int64
    public var providerOrderID: String?
    /// The number's normalised form, as the reconciliation normalises a quoted number.
    public var normalizedNumber: String

    public init(number: String, orderID: String, orderNumber: String, customerINN: String, date: CivilDate,
                amount: Int64, allocated: Int64, providerOrderID: String?, normalizedNumber: String) {
        self.number = number
        self.orderID = orderID
        self.orderNumber = orderNumber
        self.customerINN = customerINN
        self.date = date
        self.amount = amount
        self.allocated = allocated
        self.providerOrderID = providerOrderID
        self.normalizedNumber = normalizedNumber
    }
}

/// A matcher's bills in a SQLite file of their own, not the ledger: written once in the order given
/// (``append(_:)``), put in the matcher's canonical order (``arrange(ordering:)``: by date, number as UTF-8
/// bytes — numbers that are the same text in another Unicode form being the same number —, order id as
/// UTF-8 bytes, then the order given), then read by position (``read(_:)``): each bill's texts, and the bills
/// whose number, normalised number, order id, order number or provider order id is a given text.
///
/// A day's bills are what the matcher would otherwise hold beside what it decides (~120 bytes a bill
/// with their indexes): here they cost SQLite's page cache (8 MiB, fixed) whatever their number.
/// Lookups go through an index of each text's hash and compare the texts found with `==` (Unicode
/// canonical equivalence, as `String`s compare), so they give exactly the bills a dictionary keyed by
/// the text would. The hashes are this process's (`String.hashValue`): the file is read by the process
/// that wrote it, and removed by it (``remove()``).
///
/// Not for concurrent use: one thread writes it, then reads it.
public final class BillsFile {
    /// The database file.
    public let path: String
    private let queue: DatabaseQueue
    private var given = 0
    /// Whether every number is text whose bytes alone decide `==` (ASCII and precomposed Cyrillic):
    /// then the canonical order is SQLite's byte order.
    private var numbersArePlain = true
    private var arranged = false

    /// The page cache of the file's connection, in KiB.
    static let pageCacheKiB = 8_192

    /// A new, empty file at `path` (one left there by an earlier process is replaced).
    public init(path: String) throws {
        self.path = path
        Self.removeFiles(at: path)
        var configuration = Configuration()
        configuration.label = "sverka-bills-file"
        configuration.publicStatementArguments = false
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKiB)")
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            // (no other connection ever opens it: the file is locked once, not for each read, which
            // took a lock, an unlock and a look at the file by path every statement)
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            db.add(function: Self.hashFunction)
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.inDatabase { db in
                try db.execute(sql: """
                    CREATE TABLE given (number TEXT NOT NULL, order_id TEXT NOT NULL, order_number TEXT NOT NULL,
                        customer_inn TEXT NOT NULL, date INTEGER NOT NULL, amount INTEGER NOT NULL,
                        allocated INTEGER NOT NULL, provider_order_id TEXT, normalized TEXT NOT NULL,
                        normalized_hash INTEGER NOT NULL, provider_hash INTEGER)
                    """)
            }
        } catch {
            Self.removeFiles(at: path)
            throw LedgerError(operation: "create the matcher's bills file", reason: "cannot write \(path)", underlying: error)
        }
    }

    /// Adds `rows` after those given before (not once ``arrange(ordering:)`` has run).
    public func append(_ rows: [BillsFileRow]) throws {
        precondition(!arranged, "bills are given before they are arranged")
        guard !rows.isEmpty else { return }
        do {
            try queue.inDatabase { db in
                try db.inTransaction {
                    let insert = try DirectInsert(db, sql: "INSERT INTO given VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    for row in rows {
                        insert.bind(row.number)
                        insert.bind(row.orderID)
                        insert.bind(row.orderNumber)
                        insert.bind(row.customerINN)
                        insert.bind(row.date.daysSinceEpoch)
                        insert.bind(row.amount)
                        insert.bind(row.allocated)
                        insert.bind(row.providerOrderID)
                        insert.bind(row.normalizedNumber)
                        insert.bind(Self.hash(row.normalizedNumber))
                        if let provider = row.providerOrderID { insert.bind(Self.hash(provider)) } else { insert.bind(nil as String?) }
                        try insert.step()
                        if numbersArePlain && !Self.isPlain(row.number) { numbersArePlain = false }
                    }
                    return .commit
                }
            }
        } catch {
            throw LedgerError(operation: "write the matcher's bills file", reason: "cannot write \(path)", underlying: error)
        }
        given += rows.count
    }

    /// Puts the bills in their canonical order (their positions from then on) and indexes them by the
    /// hashes of their normalised number and provider order id (the other lookups index on first use).
    ///
    /// When every number is plain text (ASCII and precomposed Cyrillic: the job's) SQLite sorts them, by
    /// their bytes, and nothing is held. Otherwise two forms of one number compare equal while their bytes
    /// do not, a comparison no sort gives the same answer for as another (it can be circular): the dates,
    /// numbers and order ids are then read and given to `ordering`, the matcher's own sort
    /// (`CanonicalBillOrder`), which returns the positions in order, and the bills are placed as it says.
    public func arrange(ordering: ([CivilDate], [String], [String]) -> [Int]) throws {
        precondition(!arranged, "bills are arranged once")
        do {
            try queue.inDatabase { db in
                // (Rows inserted in order get places 1, 2, … in that order: a bill's place is its position + 1.)
                var order = "date, number, order_id, given.rowid"
                var placed = ""
                if !numbersArePlain {
                    try place(db, ordering: ordering)
                    (order, placed) = ("placed.position", "JOIN placed ON placed.given = given.rowid")
                }
                try db.execute(sql: """
                    CREATE TABLE bills (place INTEGER PRIMARY KEY, number TEXT NOT NULL, order_id TEXT NOT NULL,
                        order_number TEXT NOT NULL, customer_inn TEXT NOT NULL, date INTEGER NOT NULL,
                        amount INTEGER NOT NULL, allocated INTEGER NOT NULL, provider_order_id TEXT,
                        normalized TEXT NOT NULL, normalized_hash INTEGER NOT NULL, provider_hash INTEGER);
                    INSERT INTO bills (number, order_id, order_number, customer_inn, date, amount, allocated,
                                       provider_order_id, normalized, normalized_hash, provider_hash)
                        SELECT number, order_id, order_number, customer_inn, date, amount, allocated,
                               provider_order_id, normalized, normalized_hash, provider_hash
                        FROM given \(placed) ORDER BY \(order);
                    DROP TABLE given;
                    DROP TABLE IF EXISTS placed;
                    CREATE INDEX bills_by_normalized ON bills(normalized_hash);
                    CREATE INDEX bills_by_provider ON bills(provider_hash) WHERE provider_hash IS NOT NULL;
                    """)
            }
        } catch {
            throw LedgerError(operation: "arrange the matcher's bills file", reason: "cannot write \(path)", underlying: error)
        }
        arranged = true
    }

    /// Fills the table `placed` (each given bill's rowid and its position) from `ordering`.
    private func place(_ db: Database, ordering: ([CivilDate], [String], [String]) -> [Int]) throws {
        var (dates, numbers, orderIDs) = ([CivilDate](), [String](), [String]())
        let query = try RawQuery(db, sql: "SELECT date, number, order_id FROM given ORDER BY rowid")
        try query.bind([String]())
        while try query.step() {
            dates.append(CivilDate(daysSinceEpoch: Int(try query.int64(0, "date"))))
            numbers.append(try query.wholeText(1, "number"))
            orderIDs.append(try query.wholeText(2, "order_id"))
        }
        let order = ordering(dates, numbers, orderIDs)
        precondition(order.count == dates.count, "a position for each bill")
        (dates, numbers, orderIDs) = ([], [], [])
        try db.execute(sql: "CREATE TABLE placed (given INTEGER PRIMARY KEY, position INTEGER NOT NULL)")
        let insert = try db.makeStatement(sql: "INSERT INTO placed VALUES (?, ?)")
        for (position, given) in order.enumerated() {
            try insert.execute(arguments: [given + 1, position])
        }
    }

    /// `body` with the file's reader (valid only inside `body`).
    public func read<T>(_ body: (Reader) throws -> T) throws -> T {
        precondition(arranged, "bills are read once arranged")
        return try queue.inDatabase { db in try body(Reader(db, count: given)) }
    }

    /// Closes the file and removes it.
    public func remove() {
        try? queue.close()
        Self.removeFiles(at: path)
    }

    private static func removeFiles(at path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Whether `==` on `text` is `==` on its bytes: ASCII and the Cyrillic block's letters (precomposed,
    /// no combining marks, none with another form), the text of every bill number the job has seen.
    static func isPlain(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar.value < 0x80 || (0x400...0x482).contains(scalar.value) || (0x48A...0x4FF).contains(scalar.value)
        }
    }

    /// `String.hashValue` of a text (this process's: `==` texts hash alike), NULL for NULL.
    static let hashFunction = DatabaseFunction("sverka_hash", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(hash)
    }

    /// The hash a text is looked up by.
    static func hash(_ text: String) -> Int64 { Int64(truncatingIfNeeded: text.hashValue) }

    /// Reads the bills by position (``BillsFile/read(_:)``).
    public final class Reader {
        private let db: Database
        /// How many bills (positions `0..<count`).
        public let count: Int
        private var indexed: Set<String> = []

        init(_ db: Database, count: Int) {
            self.db = db
            self.count = count
        }

        /// Calls `body` with each bill's date, amount, allocated kopecks and customer ИНН, by position.
        public func forEachSummary(_ body: (CivilDate, Int64, Int64, String) throws -> Void) throws {
            let query = try RawQuery(db, sql: "SELECT date, amount, allocated, customer_inn FROM bills ORDER BY place")
            try query.bind([String]())
            while try query.step() {
                try body(CivilDate(daysSinceEpoch: Int(query.int64(0, "date"))), query.int64(1, "amount"),
                         query.int64(2, "allocated"), query.wholeText(3, "customer_inn"))
            }
        }

        /// The bill at `position`.
        public func row(at position: Int) throws -> BillsFileRow {
            let query = try prepared(.row, """
                SELECT number, order_id, order_number, customer_inn, date, amount, allocated, provider_order_id, normalized
                FROM bills WHERE place = ?
                """)
            defer { query.reset() }
            try query.bind([.integer(Int64(position) + 1)])
            guard try query.step() else { throw CorruptValue(column: "bill at position \(position)") }
            return try BillsFileRow(
                number: query.wholeText(0, "number"), orderID: query.wholeText(1, "order_id"),
                orderNumber: query.wholeText(2, "order_number"), customerINN: query.wholeText(3, "customer_inn"),
                date: CivilDate(daysSinceEpoch: Int(query.int64(4, "date"))), amount: query.int64(5, "amount"),
                allocated: query.int64(6, "allocated"),
                providerOrderID: query.isNull(7) ? nil : query.wholeText(7, "provider_order_id"),
                normalizedNumber: query.wholeText(8, "normalized"))
        }

        /// The number, order id and customer ИНН of the bill at `position`.
        public func texts(at position: Int) throws -> BillsFileTexts {
            let query = try prepared(.texts, "SELECT number, order_id, customer_inn FROM bills WHERE place = ?")
            defer { query.reset() }
            try query.bind([.integer(Int64(position) + 1)])
            guard try query.step() else { throw CorruptValue(column: "bill at position \(position)") }
            return try Self.texts(query, from: 0)
        }

        /// The bills, by position ascending, whose `key` is `text` (`==`), each with its texts.
        public func bills(where key: BillsFileKey, is text: String) throws -> [(position: Int32, texts: BillsFileTexts)] {
            if let index = key.lazyIndex, !indexed.contains(index.name) {
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(index.name) ON bills(\(index.expression))")
                indexed.insert(index.name)
            }
            let query = try prepared(.lookup(key), """
                SELECT place - 1, \(key.text), number, order_id, customer_inn FROM bills WHERE \(key.hash) = ? ORDER BY place
                """)
            defer { query.reset() }
            try query.bind([.integer(BillsFile.hash(text))])
            var found: [(position: Int32, texts: BillsFileTexts)] = []
            while try query.step() {
                if try query.wholeText(1, key.text) == text {
                    found.append((Int32(try query.int64(0, "position")), try Self.texts(query, from: 2)))
                }
            }
            return found
        }

        private static func texts(_ query: RawQuery, from column: CInt) throws -> BillsFileTexts {
            try BillsFileTexts(number: query.wholeText(column, "number"), orderID: query.wholeText(column + 1, "order_id"),
                               customerINN: query.wholeText(column + 2, "customer_inn"))
        }

        /// The reads made again and again, each prepared once.
        private enum Read: Hashable {
            case row, texts
            case lookup(BillsFileKey)
        }

        private var statements: [Read: RawQuery] = [:]

        private func prepared(_ read: Read, _ sql: @autoclosure () -> String) throws -> RawQuery {
            if let query = statements[read] { return query }
            let query = try RawQuery(db, sql: sql())
            statements[read] = query
            return query
        }
    }
}

/// What the matcher reads of a bill most: its number, order id and customer ИНН.
public struct BillsFileTexts: Sendable, Equatable {
    public var number: String
    public var orderID: String
    public var customerINN: String

    public init(number: String, orderID: String, customerINN: String) {
        self.number = number
        self.orderID = orderID
        self.customerINN = customerINN
    }
}

/// The texts ``BillsFile/Reader/bills(where:is:)`` looks bills up by.
public enum BillsFileKey: Sendable, Hashable {
    case normalizedNumber, providerOrderID, number, orderID, orderNumber

    var text: String {
        switch self {
        case .normalizedNumber: "normalized"
        case .providerOrderID: "provider_order_id"
        case .number: "number"
        case .orderID: "order_id"
        case .orderNumber: "order_number"
        }
    }

    /// The column or expression the lookup compares with the text's hash.
    var hash: String {
        switch self {
        case .normalizedNumber: "normalized_hash"
        case .providerOrderID: "provider_hash"
        default: "sverka_hash(\(text))"
        }
    }

    /// The index made the first time the key is looked up (`nil`: made by ``BillsFile/arrange()``).
    var lazyIndex: (name: String, expression: String)? {
        switch self {
        case .normalizedNumber, .providerOrderID: nil
        default: ("bills_by_\(text)_hash", hash)
        }
    }
}
