import Documents
import Domain
import Foundation
import Testing

/// `PlannedDocument` keeps its content in a shared box: it must still behave as a plain value
/// (equality, hashing, coding, and a change to one copy never seen by another).
@Suite("PlannedDocument as a value")
struct PlannedDocumentValueTests {
    typealias F = Fixture

    func document() throws -> PlannedDocument {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]))
        return try #require(plan.documents.first)
    }

    @Test("a copy whose content is set apart leaves the original as it was")
    func copyIsIndependent() throws {
        let original = try document()
        var copy = original
        #expect(copy == original && copy.hashValue == original.hashValue)
        guard case .invoice(var draft) = copy.content else { Issue.record("not an invoice"); return }
        draft.formationTime = "23.59.59"
        copy.content = .invoice(draft)
        #expect(copy != original)
        guard case .invoice(let kept) = original.content, case .invoice(let changed) = copy.content else {
            Issue.record("not an invoice"); return
        }
        #expect(kept.formationTime == "06.10.00" && changed.formationTime == "23.59.59")
        // Equal content in another box is equal, and hashes equal.
        var rebuilt = copy
        rebuilt.content = .invoice(kept)
        #expect(rebuilt == original && rebuilt.hashValue == original.hashValue)
        #expect(Set([original, rebuilt, copy]).count == 2)
    }

    @Test("coding keeps the memberwise form: every field, content included, round-trips")
    func codingRoundTrips() throws {
        let original = try document()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(original)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["kind", "identityKey", "orderID", "shipmentID", "correctionNumber", "paperOnly", "content",
                                     "lineRecords"])
        let decoded = try JSONDecoder().decode(PlannedDocument.self, from: data)
        #expect(decoded == original)
        #expect(try encoder.encode(decoded) == data)
    }
}
