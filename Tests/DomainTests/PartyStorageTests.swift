import Foundation
import Testing
@testable import Domain

/// `Party` keeps its fields in a shared copy-on-write box: it must still behave as a plain value.
@Suite("Party: a value with shared storage")
struct PartyStorageTests {
    static func party(name: String = "ООО «Ромашка»", kpp: String? = "770101001") throws -> Party {
        Party(id: CustomerID("C-1"), kind: .legal, name: name, inn: try INN("7707083893"), kpp: kpp,
              address: Address(regionCode: "77", region: "г. Москва", text: "г. Москва, ул. Тверская, д. 1"),
              bank: BankDetails(bik: "044525225", account: "40702810938000012345", correspondentAccount: "30101810400000000225",
                                name: "ПАО СБЕРБАНК"),
              email: "buh@example.com", edoID: "2BM-1")
    }

    @Test("a copy changed does not change the original, field by field")
    func copiesAreIndependent() throws {
        let original = try Self.party()
        var copy = original
        #expect(copy == original)
        copy.name = "ООО «Лютик»"
        copy.kpp = nil
        copy.address.text = "иной адрес"
        copy.bank = nil
        copy.edoID = nil
        #expect(original.name == "ООО «Ромашка»")
        #expect(original.kpp == "770101001")
        #expect(original.address.text == "г. Москва, ул. Тверская, д. 1")
        #expect(original.bank != nil)
        #expect(original.edoID == "2BM-1")
        #expect(copy != original)
        var again = copy
        again.name = "ООО «Ромашка»"
        #expect(copy.name == "ООО «Лютик»")
    }

    @Test("equal fields in different boxes: equal, same hash, one member of a set")
    func equalityAndHashing() throws {
        let a = try Self.party()
        let b = try Self.party()
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(try Self.party(kpp: nil) != a)
        #expect(Set([a, try Self.party(name: "ИП Иванов")]).count == 2)
    }

    @Test("JSON: the synthesized form (optional fields left out when nil) and back")
    func codable() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bare = try Self.party(kpp: nil)
        var minimal = bare
        minimal.bank = nil
        minimal.email = nil
        minimal.edoID = nil
        let text = String(decoding: try encoder.encode(minimal), as: UTF8.self)
        #expect(text == #"{"address":{"region":"г. Москва","regionCode":"77","text":"г. Москва, ул. Тверская, д. 1"},"id":"C-1","inn":"7707083893","kind":"legal","name":"ООО «Ромашка»"}"#)
        for value in [minimal, try Self.party()] {
            #expect(try JSONDecoder().decode(Party.self, from: try encoder.encode(value)) == value)
        }
        #expect(Set(Mirror(reflecting: minimal).children.compactMap(\.label))
            == ["id", "kind", "name", "inn", "kpp", "address", "bank", "email", "edoID"])
    }

    @Test("an order holds its parties by reference: a few words, not their fields")
    func layout() {
        #expect(MemoryLayout<Party>.size == MemoryLayout<AnyObject>.size)
        #expect(MemoryLayout<Order>.size < 300)
    }
}
