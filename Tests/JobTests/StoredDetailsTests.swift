import Documents
import Domain
import Foundation
import Generator
@testable import Job
import Testing

/// The details the ledger keeps beside each document are written by `SortedJSONEncoder`: the bytes
/// must be `JSONEncoder`'s with `.sortedKeys` (ledgers written before keep comparing equal).
@Suite("Stored document details")
struct StoredDetailsTests {
    @Test("a generated day's document details encode to JSONEncoder's exact bytes and decode back")
    func sameBytesAsJSONEncoder() throws {
        let day = CivilDate(iso: "2026-11-27")!
        let orders = Generator.orders(day: day, count: 300, seed: 5)
        let plan = DocumentPlanner.plan(DocumentsInput(businessDay: day, orders: orders,
                                                       configuration: BlockPlanningTests.configuration))
        #expect(plan.documents.count > 300)
        let reference = JSONEncoder()
        reference.outputFormatting = [.sortedKeys]
        for (index, document) in plan.documents.enumerated() {
            let details = StoredDocumentDetails(
                lines: document.lineRecords, correctionDate: index % 3 == 0 ? day : nil, paperOnly: index % 2 == 0,
                printForm: index % 4 == 0 ? "<html>«\(index)» \"quoted\" / \\ \u{1}</html>" : nil,
                printFormName: index % 4 == 0 ? "form-\(index).html" : nil, buyerName: "ООО «Покупатель \(index)»")
            let bytes = try details.encoded()
            #expect(bytes == (try reference.encode(details)), "\(document.identityKey)")
            #expect(StoredDocumentDetails.decode(bytes) == details)
        }
    }
}
