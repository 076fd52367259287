import Domain
import Testing

@Suite("Identifiers made compact")
struct IdentifierTests {
    @Test("an id made compact is the id made from the same text: equal, same hash, same order, same bytes",
          arguments: ["", "P-1", "СЧ-000123", "invoicebox:61814e9e-0630-4d03-a339-c34ad6b0a031",
                      "bank:40702810500000012345:2026-11-27:12345:40702810900000054321:12345.67",
                      "Й\u{306}-" + String(repeating: "ё", count: 300)])
    func sameIdentifier(text: String) {
        // (Built by interpolation, as the readers build them: room to grow is left in the text.)
        let interpolated = "\(text.prefix(3))\(text.dropFirst(3))"
        let compact = PaymentID(compacting: interpolated)
        let plain = PaymentID(interpolated)
        #expect(compact == plain)
        #expect(compact.hashValue == plain.hashValue)
        #expect(Array(compact.rawValue.utf8) == Array(text.utf8))
        #expect(!(compact < plain) && !(plain < compact))
        #expect(Set([compact, plain]).count == 1)
    }
}
