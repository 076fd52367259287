import Domain
import Foundation
import GRDB

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
    /// taken from SQLite by position (``RawQuery``), each XML straight into its byte array, with the
    /// checks ``documentValue(_:)`` makes (a kind, status or date that does not read is a corrupt value).
    public func forEachPlacedDocumentBatch(businessDate: CivilDate, detailPaths: [String], batchSize: Int = 512,
                                           _ body: ([PlacedDocument]) throws -> Void) throws {
        try guarded("read documents", record: "business date \(businessDate)") {
            let picked = detailPaths.indices.map { "CASE WHEN json_valid(details) THEN json_extract(details, ?) END AS detail\($0)" }
            let sql = "SELECT " + ([PlacedColumn.list] + picked).joined(separator: ", ")
                + " FROM documents WHERE business_date = ? ORDER BY id"
            // One pass over the day's documents in id order: a page is read once, so a large
            // cache only fills with pages never read again (up to 32 MiB for a large day). The
            // connection's own size comes back afterwards.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.sequentialScanCacheKiB)")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
            let query = try RawQuery(db, sql: sql)
            try query.bind(detailPaths + [businessDate.iso])
            var batch: [PlacedDocument] = []
            batch.reserveCapacity(max(1, batchSize))
            while try query.step() {
                batch.append(try Self.placedDocument(query, detailCount: detailPaths.count))
                if batch.count >= max(1, batchSize) {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }
}

/// The columns `forEachPlacedDocumentBatch` selects, in order (the picked details follow): the
/// SELECT list is spelled from the cases, so a column's position is its raw value.
private enum PlacedColumn: CInt, CaseIterable {
    case id, identity, correctionNumber, kind, series, number, date, orderID, shipmentID, customerINN, fileName
    case fileID, contentSHA256, xml, totalWithoutVAT, totalVAT, total, status, holdReason, businessDate

    static let list = allCases.map(\.name).joined(separator: ", ")
    static let detailsStart = CInt(allCases.count)
}

extension LedgerReader {
    /// The current row of `query` (over ``PlacedColumn``, then `detailCount` picked details), with
    /// ``documentValue(_:)``'s checks.
    fileprivate static func placedDocument(_ query: RawQuery, detailCount: Int) throws -> PlacedDocument {
        func column(_ column: PlacedColumn) -> CInt { column.rawValue }
        guard let kind = query.text(column(.kind)).flatMap(DocumentKind.init(rawValue:)) else {
            throw CorruptValue(column: "documents.kind")
        }
        guard let status = query.text(column(.status)).flatMap(DocumentStatus.init(rawValue:)) else {
            throw CorruptValue(column: "documents.status")
        }
        func required(_ name: PlacedColumn) throws -> String { try query.requiredText(column(name), "documents." + name.name) }
        func integer(_ name: PlacedColumn) throws -> Int64 { try query.int64(column(name), "documents." + name.name) }
        let record = DocumentRecord(
            identity: try required(.identity), correctionNumber: Int(try integer(.correctionNumber)), kind: kind,
            series: query.text(column(.series)), number: query.optionalInt64(column(.number)).map { Int($0) },
            date: try query.date(column(.date), PlacedColumn.date.name),
            orderID: OrderID(try required(.orderID)), shipmentID: query.text(column(.shipmentID)).map { ShipmentID($0) },
            customerINN: try required(.customerINN), fileName: query.text(column(.fileName)), fileID: query.text(column(.fileID)),
            xml: nil, details: nil,
            totals: DocumentTotals(withoutVAT: Money(kopecks: try integer(.totalWithoutVAT)),
                                   vat: Money(kopecks: try integer(.totalVAT)), withVAT: Money(kopecks: try integer(.total))),
            status: status, holdReason: query.text(column(.holdReason)),
            businessDate: try query.date(column(.businessDate), PlacedColumn.businessDate.name))
        let details = (0..<CInt(detailCount)).map { query.valueText(PlacedColumn.detailsStart + $0) }
        return PlacedDocument(record: record, xml: query.bytes(column(.xml)), contentSHA256: query.text(column(.contentSHA256)),
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
