import Domain
import Foundation
import GRDB
@testable import Ledger
import Testing

/// The outputs' one pass over the day's documents reads with a small page cache, and the
/// connection gets its own size back afterwards.
@Suite("Ledger: the day's documents read in one pass with a small cache")
struct ScanCacheTests {
    @Test("the scan runs with the small cache, gives every version, and the usual cache comes back")
    func smallCacheDuringTheScan() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-03")
            try ledger.write { tx in
                for index in 1...3 {
                    let number = try tx.number(for: "UPD:SH-\(index)", date: day, series: "7701000010").number
                    _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-\(index)", number: number, date: "2026-03-03",
                                                               shipmentID: "SH-\(index)"))
                }
                _ = try tx.recordDocument(Fixture.document(identity: "UKD:R-1", number: nil, date: "2026-03-03", status: .held))
            }
            ledger.releaseMemory()
            let (seen, during, after) = try ledger.read { reader -> ([String], [Int], Int?) in
                var seen: [String] = []
                var during: [Int] = []
                try reader.forEachPlacedDocumentBatch(businessDate: day, detailPaths: [], batchSize: 2) { batch in
                    seen += batch.map(\.record.identity)
                    during.append(try Int.fetchOne(reader.db, sql: "PRAGMA cache_size") ?? 0)
                }
                return (seen, during, try Int.fetchOne(reader.db, sql: "PRAGMA cache_size"))
            }
            #expect(seen == ["UPD:SH-1", "UPD:SH-2", "UPD:SH-3", "UKD:R-1"])
            #expect(during == [-LedgerReader.sequentialScanCacheKiB, -LedgerReader.sequentialScanCacheKiB])
            #expect(after == -Ledger.pageCacheKiB)
        }
    }
}
