import Domain
import Foundation
import GRDB
import GRDBSQLite

extension LedgerReader {
    /// A document version as the day's outputs place it.
    public struct PlacedDocument: Sendable {
        /// The version; its `xml` (in ``xml``) and `details` (see ``detailValues``) are left `nil`.
        public var record: DocumentRecord
        /// The XML bytes as emitted (windows-1251); `nil` when the version has none.
        public var xml: [UInt8]?
        /// The lower-case hex SHA-256 of ``xml`` stored with it (`nil` for a held version).
        public var contentSHA256: String?
        /// The values at the JSON paths asked for, read from the stored details, in the order asked
        /// (text as is, numbers and booleans as decimal text: `true` is `"1"`). `nil` where the path
        /// is missing, `null`, or the details are not valid JSON.
        public var detailValues: [String?]
    }

    /// The page cache, in KiB, while ``forEachPlacedDocumentBatch(businessDate:detailPaths:batchSize:_:)`` reads.
    static let sequentialScanCacheKiB = 2_048

    /// Like ``forEachDocumentBatch(businessDate:batchSize:_:)``, but each version comes with its
    /// stored SHA-256 and only the values at `detailPaths` (SQLite JSON paths such as
    /// `$.paperOnly`) of its details, picked out by SQLite: the rest of the details is never read.
    ///
    /// The day's whole output is read here (a 100 000-order day: 1.3 GB of XML), so the columns are
    /// taken from SQLite by position, each XML straight into its byte array, with the checks
    /// ``documentValue(_:)`` makes (a kind, status or date that does not read is a corrupt value).
    public func forEachPlacedDocumentBatch(businessDate: CivilDate, detailPaths: [String], batchSize: Int = 512,
                                           _ body: ([PlacedDocument]) throws -> Void) throws {
        try guarded("read documents", record: "business date \(businessDate)") {
            let picked = detailPaths.indices.map { "CASE WHEN json_valid(details) THEN json_extract(details, ?) END AS detail\($0)" }
            let sql = "SELECT " + ([PlacedColumn.list] + picked).joined(separator: ", ")
                + " FROM documents WHERE business_date = ? ORDER BY id"
            let arguments = StatementArguments(detailPaths + [businessDate.iso])
            // One pass over the day's documents in id order: a page is read once, so a large
            // cache only fills with pages never read again (up to 64 MB for a large day). The
            // connection's own size comes back afterwards.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.sequentialScanCacheKiB)")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
            let statement = try db.cachedStatement(sql: sql)
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            let columns = PlacedColumns(statement.sqliteStatement)
            var batch: [PlacedDocument] = []
            batch.reserveCapacity(max(1, batchSize))
            // The cursor steps the statement; each row is read from it by position.
            while try rows.next() != nil {
                batch.append(try columns.document(detailCount: detailPaths.count))
                if batch.count >= max(1, batchSize) {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }
}

/// The columns `forEachPlacedDocumentBatch` selects, in order (the picked details follow).
private enum PlacedColumn: CInt {
    case id, identity, correctionNumber, kind, series, number, date, orderID, shipmentID, customerINN, fileName
    case fileID, contentSHA256, xml, totalWithoutVAT, totalVAT, total, status, holdReason, businessDate

    static let list = """
        id, identity, correction_number, kind, series, number, date, order_id, shipment_id, customer_inn, file_name,
        file_id, content_sha256, xml, total_without_vat, total_vat, total, status, hold_reason, business_date
        """
    static let detailsStart = businessDate.rawValue + 1
}

/// The current row of a stepped statement over ``PlacedColumn``, read through SQLite's C API.
private struct PlacedColumns {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    func isNull(_ column: CInt) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: PlacedColumn) -> String? { text(at: column.rawValue) }

    func text(at column: CInt) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// A `TEXT NOT NULL` column's text; NULL there is a corrupt value.
    func required(_ column: PlacedColumn) throws -> String {
        guard let value = text(column) else { throw CorruptValue(column: "documents." + column.name) }
        return value
    }

    func integer(_ column: PlacedColumn) -> Int64 { sqlite3_column_int64(handle, column.rawValue) }

    func optionalInteger(_ column: PlacedColumn) -> Int64? { isNull(column.rawValue) ? nil : integer(column) }

    func date(_ column: PlacedColumn) throws -> CivilDate {
        guard let text = text(column), let date = CivilDate(iso: text) else { throw CorruptValue(column: column.name) }
        return date
    }

    func bytes(_ column: PlacedColumn) -> [UInt8]? {
        guard !isNull(column.rawValue) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column.rawValue))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column.rawValue) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// A detail picked by SQLite: text as is, numbers as decimal text, nothing for NULL or a blob.
    func detail(at column: CInt) -> String? {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: String(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: String(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: text(at: column)
        default: nil
        }
    }

    func document(detailCount: Int) throws -> LedgerReader.PlacedDocument {
        guard let kind = text(.kind).flatMap(DocumentKind.init(rawValue:)) else { throw CorruptValue(column: "documents.kind") }
        guard let status = text(.status).flatMap(DocumentStatus.init(rawValue:)) else {
            throw CorruptValue(column: "documents.status")
        }
        let record = DocumentRecord(
            identity: try required(.identity), correctionNumber: Int(integer(.correctionNumber)), kind: kind,
            series: text(.series), number: optionalInteger(.number).map { Int($0) }, date: try date(.date),
            orderID: OrderID(try required(.orderID)), shipmentID: text(.shipmentID).map { ShipmentID($0) },
            customerINN: try required(.customerINN), fileName: text(.fileName), fileID: text(.fileID), xml: nil, details: nil,
            totals: DocumentTotals(withoutVAT: Money(kopecks: integer(.totalWithoutVAT)), vat: Money(kopecks: integer(.totalVAT)),
                                   withVAT: Money(kopecks: integer(.total))),
            status: status, holdReason: text(.holdReason), businessDate: try date(.businessDate))
        let details = (0..<CInt(detailCount)).map { detail(at: PlacedColumn.detailsStart + $0) }
        return LedgerReader.PlacedDocument(record: record, xml: bytes(.xml), contentSHA256: text(.contentSHA256),
                                           detailValues: details)
    }
}

extension PlacedColumn {
    /// The column's name in `documents`.
    var name: String {
        switch self {
        case .id: "id"
        case .identity: "identity"
        case .correctionNumber: "correction_number"
        case .kind: "kind"
        case .series: "series"
        case .number: "number"
        case .date: "date"
        case .orderID: "order_id"
        case .shipmentID: "shipment_id"
        case .customerINN: "customer_inn"
        case .fileName: "file_name"
        case .fileID: "file_id"
        case .contentSHA256: "content_sha256"
        case .xml: "xml"
        case .totalWithoutVAT: "total_without_vat"
        case .totalVAT: "total_vat"
        case .total: "total"
        case .status: "status"
        case .holdReason: "hold_reason"
        case .businessDate: "business_date"
        }
    }
}
