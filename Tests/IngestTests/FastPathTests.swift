import Domain
import Generator
@testable import Ingest
import Testing

/// The byte-level shortcuts of reading give what the definitions they replace give.
@Suite("Ingest fast paths agree with their definitions")
struct FastPathTests {
    /// Random byte strings, biased to the lead and continuation bytes where UTF-8 goes wrong.
    static func byteStrings(count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
                                    0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF, 0xD0, 0xD1]
        var strings: [[UInt8]] = []
        for _ in 0..<count {
            let length = random.int(0...9)
            strings.append((0..<length).map { _ in
                random.int(0...3) == 0 ? UInt8(random.int(0...255)) : interesting[random.int(0...(interesting.count - 1))]
            })
        }
        // Every well-formed boundary case, and each cut short.
        let edges: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], Array("Жёлтый «сыр» 😀".utf8),
        ]
        for edge in edges {
            for cut in 0...edge.count { strings.append(Array(edge[..<cut])) }
            strings.append([0x41] + edge + [0x41])
        }
        return strings
    }

    @Test("isValidUTF8 accepts exactly what String(validating:) accepts")
    func utf8Validation() {
        for bytes in Self.byteStrings(count: 200_000, seed: 7) {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let actual = bytes.withUnsafeBufferPointer { isValidUTF8($0) }
            #expect(actual == expected, "\(bytes)")
            if actual != expected { return }
        }
    }

    @Test("a JSON string is read as before: valid UTF-8 kept, invalid UTF-8 an error at the same place")
    func jsonStrings() throws {
        for bytes in Self.byteStrings(count: 20_000, seed: 9) where !bytes.contains(UInt8(ascii: "\"")) && !bytes.contains(UInt8(ascii: "\\")) {
            let document = Array("{\"k\": \"".utf8) + bytes + Array("\"}".utf8)
            let result = Result { () throws(JSONSyntaxError) in try JSONParser.parse(document) }
            switch result {
            case .success(let value):
                #expect(value["k"]?.stringValue == String(validating: bytes, as: UTF8.self), "\(bytes)")
            case .failure(let error):
                let valid = String(validating: bytes, as: UTF8.self) != nil
                #expect(!valid || bytes.contains { $0 < 0x20 }, "\(bytes): \(error)")
            }
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array("{\"k\": \"a\u{1}\"}".utf8)) }
        let bad = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x5B, 0x22, 0x41, 0xED, 0xA0, 0x80, 0x22, 0x5D]) }
        #expect(bad?.description == "not valid JSON at line 1, column 5: a string is not valid UTF-8")
    }

    @Test("the e-mail and whitespace checks agree with the character-by-character definitions")
    func emailAndWhitespace() {
        func email(_ text: String) -> Bool {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace)
        }
        let pieces = ["a", "@", ".", " ", "\t", "\r\n", "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "ж", "x.y", "\u{301}", "@@", "com", ""]
        var random = SeededRandom(seed: 3)
        var texts = ["info@kofeynyaskazka.example", "a@b", "@b.c", "a@.c", "a@b.", "a b@c.d", "ж@д.рф", "a@b.c\u{301}", "",
                     "2AL-5047679203-504701001-51823074010625284397", "2AL 1", "x\u{85}y"]
        for _ in 0..<20_000 {
            texts.append((0..<random.int(0...6)).map { _ in pieces[random.int(0...(pieces.count - 1))] }.joined())
        }
        for text in texts {
            #expect(isEmailAddress(text) == email(text), "\(Array(text.unicodeScalars))")
            #expect(containsWhitespace(text) == text.contains(where: \.isWhitespace), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("a text position moved over bytes at once or in pieces counts lines and characters as the parser does")
    func textPosition() {
        var random = SeededRandom(seed: 5)
        let pieces: [[UInt8]] = [[0x0A], [0x41], Array("ж".utf8), Array("😀".utf8), [0x0D, 0x0A], [0x80]]
        for _ in 0..<2_000 {
            let bytes = (0..<random.int(0...40)).flatMap { _ in pieces[random.int(0...(pieces.count - 1))] }
            var expected = TextPosition(line: 3, column: 7)
            for byte in bytes {
                if byte == 0x0A {
                    expected.line += 1
                    expected.column = 1
                } else if byte & 0xC0 != 0x80 {
                    expected.column += 1
                }
            }
            var whole = TextPosition(line: 3, column: 7)
            whole.advance(over: bytes[...])
            var split = TextPosition(line: 3, column: 7)
            let cut = random.int(0...bytes.count)
            split.advance(over: bytes[..<cut])
            split.advance(over: bytes[cut...])
            #expect(whole.line == expected.line && whole.column == expected.column)
            #expect(split.line == expected.line && split.column == expected.column)
        }
    }

    @Test("interning gives what the sets alone gave: the first of equal parts, canonically equal names included")
    func interning() throws {
        let composed = "Сыр «Жёлтый»"                                // ё as one scalar
        let decomposed = "Сыр «Же\u{0308}лтый»"                       // е + combining diaeresis
        #expect(composed == decomposed && !composed.utf8.elementsEqual(decomposed.utf8))
        let address = Address(regionCode: "77", region: "г. Москва", text: "Москва")
        let createdAt = try #require(Timestamp(rfc3339: "2026-11-27T06:10:00+03:00"))
        let one = try #require(ExactDecimal("1"))
        func party(_ name: String) throws -> Party {
            Party(id: CustomerID("C-1"), kind: .legal, name: name, inn: try INN("7707083893"), kpp: "770701001", address: address)
        }
        func order(_ id: String, name: String, customer: Party) -> Order {
            Order(id: OrderID(id), number: id, createdAt: createdAt, status: .cancelled,
                  bill: Bill(number: BillNumber(id), date: Fixture.day27, amount: Money(kopecks: 100)), providerOrderID: nil,
                  customer: customer, consignee: nil,
                  terms: Terms(payment: .prepaid, deferralDays: 0, creditLimit: .zero),
                  lines: [OrderLine(lineNo: 1, sku: "1", name: name, unit: MeasureUnit(okei: "796", name: "шт"),
                                    quantity: one, price: Money(kopecks: 100), vatRate: .standard22, weighed: false, mercury: false)],
                  shipments: [], returns: [])
        }
        var interner = OrderInterner()
        func shared(_ order: Order) -> Order {
            var order = order
            interner.share(&order)
            return order
        }
        let first = shared(order("1", name: composed, customer: try party(composed)))
        let second = shared(order("2", name: decomposed, customer: try party(decomposed)))
        let third = shared(order("3", name: decomposed, customer: try party(decomposed)))
        // As the sets did: an equal name or party is replaced by the first one's bytes.
        for shared in [second, third] {
            #expect(shared.lines[0].name.utf8.elementsEqual(composed.utf8))
            #expect(shared.customer.name.utf8.elementsEqual(composed.utf8))
        }
        #expect(first.customer == third.customer)
        let other = shared(order("4", name: "Молоко", customer: try party("ООО «Другое»")))
        #expect(other.lines[0].name == "Молоко" && other.customer.name == "ООО «Другое»")
    }

    @Test("the same bytes in every field of a party or warehouse, and only then")
    func sameBytes() throws {
        let address = Address(regionCode: "77", region: "г. Москва", postalCode: "101000", city: "Москва", street: "ул. Тверская",
                              house: "1", flat: "2", text: "101000, г. Москва, ул. Тверская, д. 1, кв. 2")
        let bank = BankDetails(bik: "044525225", account: "40702810938000012345", correspondentAccount: "30101810400000000225", name: "ПАО СБЕРБАНК")
        func party() throws -> Party {
            // Built from new strings each time: separate storage, the same bytes.
            Party(id: CustomerID(String("C-1".reversed().reversed())), kind: .legal, name: String("ООО «Ромашка»".reversed().reversed()),
                  inn: try INN("7707083893"), kpp: "770701001", address: address, bank: bank, email: "a@b.ru", edoID: "2BM-1")
        }
        let base = try party()
        let again = try party()
        #expect(base.hasSameBytes(as: again) && base == again)
        let otherINN = try INN("500100732259")
        var changes: [(String, (inout Party) -> Void)] = [
            ("id", { $0.id = CustomerID("C-2") }), ("kind", { $0.kind = .soleTrader }), ("name", { $0.name += " " }),
            ("inn", { $0.inn = otherINN }), ("kpp", { $0.kpp = nil }), ("bank", { $0.bank = nil }),
            ("bank.name", { $0.bank?.name = "ПАО" }), ("bank.corr", { $0.bank?.correspondentAccount = nil }),
            ("email", { $0.email = "c@d.ru" }), ("edoID", { $0.edoID = nil }),
        ]
        for keyPath in [\Address.regionCode, \Address.region, \Address.text] {
            changes.append(("address", { $0.address[keyPath: keyPath] += "x" }))
        }
        for keyPath in [\Address.postalCode, \Address.city, \Address.street, \Address.house, \Address.flat] {
            changes.append(("address?", { $0.address[keyPath: keyPath] = nil }))
        }
        for (name, change) in changes {
            var changed = try party()
            change(&changed)
            #expect(!base.hasSameBytes(as: changed) && base != changed, "\(name)")
        }
        let warehouse = Warehouse(id: WarehouseID("WH-1"), name: "РЦ", address: address, kpp: nil)
        #expect(warehouse.hasSameBytes(as: Warehouse(id: WarehouseID("WH-1"), name: String("РЦ".reversed().reversed()), address: address, kpp: nil)))
        #expect(!warehouse.hasSameBytes(as: Warehouse(id: WarehouseID("WH-1"), name: "РЦ", address: address, kpp: "770701001")))
        // Canonically equal, different bytes: not the same bytes, still equal.
        #expect(!"е\u{0308}".hasSameBytes(as: "ё") && "е\u{0308}" == "ё")
    }
}
