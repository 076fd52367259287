import Foundation
import GRDB
import Testing
import TestSupport
@testable import Ledger

/// Migration v4 rebuilds `documents` with `xml` as its last column: every row, id, constraint,
/// index and the AUTOINCREMENT counter survive, and a ledger written before it reads the same.
@Suite("Ledger: v4 moves the documents' XML to the end of the row")
struct DocumentsXMLLastTests {
    /// A v3 ledger file with an issued document (large XML), a held one, and an id counter above
    /// the rows (the last document was deleted, as a rolled-back day leaves it).
    static func v3Ledger() throws -> (directory: URL, path: String) {
        let directory = try Paths.temporaryDirectory("ledger-v3")
        let path = directory.appendingPathComponent("sverka.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try LedgerSchema.migrator.migrate(queue, upTo: "v3-lookup-indexes")
        try queue.write { db in
            let xml = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try db.execute(sql: """
                INSERT INTO documents (identity, correction_number, kind, series, number, date, order_id, shipment_id,
                    customer_inn, file_name, file_id, content_sha256, xml, total_without_vat, total_vat, total, status,
                    hold_reason, business_date, details)
                VALUES ('UPD:SH-1', 0, 'upd', '7701', 1, '2026-11-27', 'ORD-1', 'SH-1', '7707083893', 'ON_NSCHFDOPPR_1.xml',
                    'ON_NSCHFDOPPR_1', 'abc', ?, 10000, 2000, 12000, 'issued', NULL, '2026-11-27', ?)
                """, arguments: [xml, Data(#"{"lines":[]}"#.utf8)])
            try db.execute(sql: """
                INSERT INTO documents (identity, correction_number, kind, series, number, date, order_id, shipment_id,
                    customer_inn, file_name, file_id, content_sha256, xml, total_without_vat, total_vat, total, status,
                    hold_reason, business_date, details)
                VALUES ('UPD:SH-2', 0, 'upd', NULL, NULL, '2026-11-27', 'ORD-2', 'SH-2', '7707083893', NULL, NULL, NULL, NULL,
                    500, 100, 600, 'held', 'no ВСД', '2026-11-27', NULL)
                """)
            try db.execute(sql: """
                INSERT INTO documents (identity, correction_number, kind, series, number, date, order_id, shipment_id,
                    customer_inn, file_name, file_id, content_sha256, xml, total_without_vat, total_vat, total, status,
                    hold_reason, business_date, details)
                VALUES ('UPD:SH-3', 0, 'upd', '7701', 2, '2026-11-27', 'ORD-3', 'SH-3', '7707083893', 'ON_NSCHFDOPPR_2.xml',
                    'ON_NSCHFDOPPR_2', 'def', x'00', 1, 0, 1, 'issued', NULL, '2026-11-27', NULL)
                """)
            try db.execute(sql: "DELETE FROM documents WHERE identity = 'UPD:SH-3'")
        }
        return (directory, path)
    }

    static func rows(_ path: String) throws -> [[String: DatabaseValue]] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM documents ORDER BY id").map { row in
                Dictionary(uniqueKeysWithValues: row.map { ($0.0, $0.1) })
            }
        }
    }

    @Test("rows, ids, the id counter, indexes and constraints survive; xml is the last column")
    func migratesInPlace() throws {
        let (directory, path) = try Self.v3Ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try Self.rows(path)
        #expect(before.count == 2)

        let ledger = try Ledger(path: path)
        #expect(try ledger.appliedMigrations().suffix(2) == ["v4-documents-xml-last", "v5-covering-indexes"])
        #expect(try Self.rows(path) == before)

        try DatabaseQueue(path: path).write { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(documents)").map { $0["name"] as String }
            #expect(columns.last == "xml")
            #expect(columns.count == 21)
            #expect(Set(columns) == Set(before[0].keys))
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents'")
            #expect(Set(indexes).isSuperset(of: ["documents_by_business_date", "documents_by_order", "documents_by_shipment"]))
            #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name LIKE 'documents_v4%'").isEmpty)
            // The counter stays above the deleted document's id: ids are never reused.
            #expect(try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'documents'") == 3)
            try db.execute(sql: """
                INSERT INTO documents (identity, correction_number, kind, date, order_id, customer_inn, total_without_vat,
                    total_vat, total, status, business_date)
                VALUES ('UPD:SH-4', 0, 'upd', '2026-11-28', 'ORD-4', '7707083893', 1, 0, 1, 'held', '2026-11-28')
                """)
            #expect(try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE identity = 'UPD:SH-4'") == 4)
            // The constraints came along: a duplicate identity and an issued document without XML are refused.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: """
                    INSERT INTO documents (identity, correction_number, kind, date, order_id, customer_inn, total_without_vat,
                        total_vat, total, status, business_date)
                    VALUES ('UPD:SH-4', 0, 'upd', '2026-11-28', 'ORD-4', '7707083893', 1, 0, 1, 'held', '2026-11-28')
                    """)
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: """
                    INSERT INTO documents (identity, correction_number, kind, series, number, date, order_id, customer_inn,
                        file_name, content_sha256, total_without_vat, total_vat, total, status, business_date)
                    VALUES ('UPD:SH-5', 0, 'upd', '7701', 5, '2026-11-28', 'ORD-5', '7707083893', 'f.xml', 'x', 1, 0, 1,
                        'issued', '2026-11-28')
                    """)
            }
        }
    }

    @Test("a ledger whose documents table never held a row migrates and numbers from 1")
    func emptyLedger() throws {
        let directory = try Paths.temporaryDirectory("ledger-v3-empty")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sverka.sqlite").path
        try LedgerSchema.migrator.migrate(try DatabaseQueue(path: path), upTo: "v3-lookup-indexes")
        _ = try Ledger(path: path)
        let id = try DatabaseQueue(path: path).write { db -> Int64? in
            try db.execute(sql: """
                INSERT INTO documents (identity, correction_number, kind, date, order_id, customer_inn, total_without_vat,
                    total_vat, total, status, business_date)
                VALUES ('UPD:SH-1', 0, 'upd', '2026-11-28', 'ORD-1', '7707083893', 1, 0, 1, 'held', '2026-11-28')
                """)
            return try Int64.fetchOne(db, sql: "SELECT id FROM documents")
        }
        #expect(id == 1)
    }
}
