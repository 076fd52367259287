import Domain
import Foundation
import Testing
import TestSupport

// The direct writer (DirectJSONEncodable) against the Codable path: SortedJSONEncoder and
// Foundation's JSONEncoder with sorted keys, in both slash modes.

/// Foundation's compact bytes for `value` with sorted keys (and unescaped slashes unless `escapesSlashes`).
private func foundationBytes<T: Encodable>(_ value: T, escapesSlashes: Bool) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = escapesSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(value))
}

/// Expects the direct bytes of `value` to be SortedJSONEncoder's (and, with `foundation`,
/// JSONEncoder's) in both slash modes.
private func expectSameBytes<T: Encodable & DirectJSONEncodable>(_ value: T, foundation: Bool = true,
                                                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    for escapesSlashes in [true, false] {
        let direct = value.jsonBytes(escapesSlashes: escapesSlashes)
        let sorted = try SortedJSONEncoder(escapesSlashes: escapesSlashes).encode(value)
        #expect(String(decoding: direct, as: UTF8.self) == String(decoding: sorted, as: UTF8.self),
                "\(T.self), escapesSlashes: \(escapesSlashes)", sourceLocation: sourceLocation)
        #expect(direct == sorted, "\(T.self), escapesSlashes: \(escapesSlashes)", sourceLocation: sourceLocation)
        #expect(value.jsonString(escapesSlashes: escapesSlashes) == String(decoding: sorted, as: UTF8.self),
                sourceLocation: sourceLocation)
        if foundation {
            #expect(direct == (try foundationBytes(value, escapesSlashes: escapesSlashes)),
                    "\(T.self) vs JSONEncoder, escapesSlashes: \(escapesSlashes)", sourceLocation: sourceLocation)
        }
    }
}

/// The keys of the JSON object `bytes` holds.
private func objectKeys(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], sourceLocation: sourceLocation)
    return Set(object.keys)
}

/// Expects the keys the direct writer writes for `value` (every optional set) to be its stored
/// properties, and the keys its Codable conformance writes: a property added to the type without
/// updating its writer fails here.
private func expectKeySet<T: Encodable & DirectJSONEncodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let properties = Set(Mirror(reflecting: value).children.compactMap(\.label))
    let codable = try objectKeys(try SortedJSONEncoder().encode(value), sourceLocation: sourceLocation)
    let direct = try objectKeys(value.jsonBytes(), sourceLocation: sourceLocation)
    #expect(!properties.isEmpty, sourceLocation: sourceLocation)
    #expect(codable == properties, "\(T.self): Codable keys vs stored properties", sourceLocation: sourceLocation)
    #expect(direct == properties, "\(T.self): direct keys vs stored properties", sourceLocation: sourceLocation)
    try expectSameBytes(value, sourceLocation: sourceLocation)
}

// MARK: - Values

/// Strings the escaping must get right.
private let awkwardStrings: [String] = [
    "", "plain", "ООО «Ромашка» — молочная продукция", "quote \" inside", "back\\slash", "a/b/c", "</script>",
    "\u{0}\u{1}\u{7}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1B}\u{1F}\u{7F}", "line\u{2028}separator\u{2029}paragraph",
    "emoji 🧀🥛👩‍👩‍👧", "e\u{301} combining", "\u{FEFF}bom", "tab\tand\nnewline\r", "\\\"/\\u0000", "22/122",
]

// (Shared with the binary form's tests.)
let inn10 = try! INN(Requisites.innWithCheckDigits("770708389"))
let inn12 = try! INN(Requisites.innWithCheckDigits("7707083893"))

/// An address with every part (`full`) or only the required ones.
func address(full: Bool, text: String = "г. Москва, ул. Тверская, д. 1") -> Address {
    full
        ? Address(regionCode: "77", region: "Москва", postalCode: "125009", city: "Москва", street: "ул. Тверская",
                  house: "1/2", flat: "кв. \"5\"", text: text)
        : Address(regionCode: "50", region: "Московская область", text: text)
}

private func party(full: Bool) -> Party {
    full
        ? Party(id: "C-1", kind: .legal, name: "ООО «Ромашка»", inn: inn10, kpp: "770701001", address: address(full: true),
                bank: BankDetails(bik: "044525225", account: "40702810938000000001", correspondentAccount: "30101810400000000225",
                                  name: "ПАО Сбербанк"),
                email: "buh@romashka.example", edoID: "2BM-7707083893-770701001")
        : Party(id: "C-2", kind: .soleTrader, name: "ИП Иванов Иван Иванович", inn: inn12, kpp: nil, address: address(full: false))
}

private func warehouse(full: Bool) -> Warehouse {
    Warehouse(id: full ? "W-1" : "W-2", name: "Склад №1", address: address(full: full), kpp: full ? "770745001" : nil)
}

private let moment = Timestamp(rfc3339: "2026-11-27T06:10:00+03:00")!

private func order(full: Bool) -> Order {
    let line = OrderLine(lineNo: 1, sku: "SKU-1", name: "Сыр «Российский» 45%", gtin: full ? "04600000000017" : nil,
                         unit: MeasureUnit(okei: "166", name: "кг"), quantity: ExactDecimal("1.436")!,
                         price: Money(kopecks: 65_990), vatRate: .reduced10, weighed: true, mercury: true)
    let second = OrderLine(lineNo: 2, sku: "SKU-2", name: "Вода", unit: MeasureUnit(okei: "796", name: "шт"),
                           quantity: ExactDecimal(12), price: Money(kopecks: 4_500), vatRate: .calculated22, weighed: false,
                           mercury: false)
    let shipment = Shipment(id: "S-1", warehouse: warehouse(full: full), departedAt: moment,
                            deliveredAt: full ? Timestamp(epochSeconds: moment.epochSeconds + 7200, offsetSeconds: 0) : nil,
                            lines: [ShipmentLine(lineNo: 1, quantity: ExactDecimal("1.44")!, vsd: ["a1b2", "c3/d4"]),
                                    ShipmentLine(lineNo: 2, quantity: ExactDecimal(12))])
    let other = Shipment(id: "S-2", warehouse: warehouse(full: !full), departedAt: moment, deliveredAt: nil, lines: [])
    let returned = Return(id: "R-1", shipmentID: "S-1", stage: .afterDelivery, at: moment, reason: "брак \"упаковки\"",
                          lines: [ReturnLine(lineNo: 1, quantity: ExactDecimal("-0.005")!)])
    return Order(id: "O-1", number: "№ 1/27", createdAt: moment, status: full ? .delivered : .shipped,
                 bill: Bill(number: "СЧ-1", date: CivilDate(year: 2026, month: 11, day: 27)!, amount: Money(kopecks: -123_456)),
                 providerOrderID: full ? "8c5f0e7e-1d2b-4c3a-9f00-000000000001" : nil,
                 customer: party(full: full), consignee: full ? party(full: false) : nil,
                 terms: Terms(payment: full ? .postpaid : .prepaid, deferralDays: full ? 14 : 0, creditLimit: Money(rubles: 100_000)),
                 lines: [line, second], shipments: [shipment, other], returns: full ? [returned] : [])
}

/// Random text from characters the escaping treats differently.
private func randomString(_ random: inout SplitMix64) -> String {
    let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}",
                                  "\u{7F}", "\u{80}", "\u{2028}", "\u{2029}", "ж", "Ё", "«", "№", "€", "🧀", "\u{301}", "\u{FFFD}"]
    var text = String.UnicodeScalarView()
    for _ in 0..<Int(random.next() % 12) { text.append(pool[Int(random.next() % UInt64(pool.count))]) }
    return String(text)
}

private func randomMoney(_ random: inout SplitMix64) -> Money {
    switch random.next() % 4 {
    case 0: Money(kopecks: Int64(bitPattern: random.next()))
    case 1: Money(kopecks: Int64(random.next() % 2000) - 1000)
    case 2: Money(kopecks: [Int64.min, Int64.max, 0, -1, 1, -100, 99][Int(random.next() % 7)])
    default: Money(kopecks: Int64(random.next() % 100_000_000))
    }
}

private func randomDecimal(_ random: inout SplitMix64) -> ExactDecimal {
    let scale = Int(random.next() % 12)
    let units: Int64 = switch random.next() % 3 {
    case 0: Int64(bitPattern: random.next())
    case 1: Int64(random.next() % 20_000) - 10_000
    default: [Int64.min, Int64.max, 0, -1, 1][Int(random.next() % 5)]
    }
    return ExactDecimal(units: units, scale: scale)
}

private func randomTimestamp(_ random: inout SplitMix64) -> Timestamp {
    let epoch = Int64(random.next() % 8_000_000_000) - 3_000_000_000
    let offsets: [Int32] = [0, 10_800, -18_000, 19_800, 20_700, 50_400, -43_200, 3_601, -59, 360_000]
    return Timestamp(epochSeconds: epoch, offsetSeconds: offsets[Int(random.next() % UInt64(offsets.count))])
}

private func randomOrder(_ random: inout SplitMix64) -> Order {
    var base = order(full: random.next() % 2 == 0)
    func maybe(_ value: String) -> String? { random.next() % 3 == 0 ? nil : value }
    base.number = randomString(&random)
    base.createdAt = randomTimestamp(&random)
    base.bill.amount = randomMoney(&random)
    base.bill.date = CivilDate(daysSinceEpoch: Int(random.next() % 60_000) - 30_000)
    base.bill.number = BillNumber(randomString(&random))
    base.customer.name = randomString(&random)
    base.customer.email = maybe(randomString(&random))
    base.customer.address.text = randomString(&random)
    base.customer.address.city = maybe(randomString(&random))
    base.terms.creditLimit = randomMoney(&random)
    base.terms.deferralDays = Int(Int64(bitPattern: random.next()) >> Int64(random.next() % 64))
    for index in base.lines.indices {
        base.lines[index].name = randomString(&random)
        base.lines[index].gtin = maybe(randomString(&random))
        base.lines[index].price = randomMoney(&random)
        base.lines[index].quantity = randomDecimal(&random)
        base.lines[index].lineNo = Int(Int64(bitPattern: random.next()))
        base.lines[index].vatRate = VATRate.allCases[Int(random.next() % UInt64(VATRate.allCases.count))]
    }
    for index in base.shipments.indices {
        base.shipments[index].departedAt = randomTimestamp(&random)
        base.shipments[index].deliveredAt = random.next() % 2 == 0 ? nil : randomTimestamp(&random)
        base.shipments[index].warehouse.name = randomString(&random)
        base.shipments[index].lines = (0..<Int(random.next() % 3)).map { lineNo in
            ShipmentLine(lineNo: lineNo, quantity: randomDecimal(&random), vsd: (0..<Int(random.next() % 3)).map { _ in randomString(&random) })
        }
    }
    for index in base.returns.indices {
        base.returns[index].reason = randomString(&random)
        base.returns[index].at = randomTimestamp(&random)
    }
    return base
}

// MARK: - Tests

@Suite("Direct JSON writer: SortedJSONEncoder's bytes without Codable")
struct DirectJSONTests {
    @Test("every stored type writes exactly its stored properties as keys, with every optional set")
    func keySets() throws {
        let full = order(full: true)
        try expectKeySet(full)
        try expectKeySet(full.bill)
        try expectKeySet(full.terms)
        try expectKeySet(full.customer)
        try expectKeySet(full.customer.address)
        try expectKeySet(try #require(full.customer.bank))
        try expectKeySet(full.lines[0])
        try expectKeySet(full.lines[0].unit)
        try expectKeySet(full.shipments[0])
        try expectKeySet(full.shipments[0].lines[0])
        try expectKeySet(full.shipments[0].warehouse)
        try expectKeySet(full.returns[0])
        try expectKeySet(full.returns[0].lines[0])
        try expectKeySet(LineAmounts(quantity: ExactDecimal("1.436")!, unitPriceWithVAT: Money(kopecks: 65_990), rate: .reduced10))
    }

    @Test("orders with every optional set and with none set")
    func handMadeOrders() throws {
        for full in [true, false] {
            let value = order(full: full)
            try expectSameBytes(value)
            try expectSameBytes(value.customer)
            try expectSameBytes(value.shipments)
            try expectSameBytes(value.returns)
            try expectSameBytes(value.lines)
        }
        // The unset optionals are left out, not written as null.
        let bare = order(full: false).jsonString()
        #expect(!bare.contains("null"))
        #expect(!bare.contains("\"consignee\""))
        #expect(!bare.contains("\"providerOrderID\""))
        #expect(bare.contains("\"returns\":[]"))
        #expect(bare.contains("\"vsd\":[]"))
    }

    @Test("strings with quotes, backslashes, slashes, control characters, U+2028, emoji, Cyrillic")
    func awkwardText() throws {
        for text in awkwardStrings {
            try expectSameBytes(text)
            try expectSameBytes([text, text])
            var value = order(full: true)
            value.number = text
            value.customer.name = text
            value.customer.address.flat = text
            value.lines[0].name = text
            value.shipments[0].lines[0].vsd = [text]
            value.returns[0].reason = text
            try expectSameBytes(value)
        }
        #expect("</script>".jsonString() == "\"<\\/script>\"")
        #expect("</script>".jsonString(escapesSlashes: false) == "\"</script>\"")
        #expect(VATRate.calculated22.jsonString() == "\"22\\/122\"")
    }

    @Test("money, decimals, dates and timestamps at their edges")
    func scalars() throws {
        for kopecks: Int64 in [0, 1, -1, 5, -5, 99, -99, 100, -100, 123_456, -123_456, .max, .min, .max - 1, .min + 1] {
            try expectSameBytes(Money(kopecks: kopecks))
        }
        for scale in 0...ExactDecimal.maximumScale {
            for units: Int64 in [0, 1, -1, 7, -7, 10, 1_500, -1_500, 123_456_789_012, .max, .min] {
                try expectSameBytes(ExactDecimal(units: units, scale: scale))
            }
        }
        #expect(ExactDecimal(units: -5, scale: 3).jsonString() == "\"-0.005\"")
        #expect(Money(kopecks: -7).jsonString() == "\"-0.07\"")
        for days in [-800_000, -719_468, -1, 0, 1, 20_000, 2_932_896, 3_000_000] {
            try expectSameBytes(CivilDate(daysSinceEpoch: days))
        }
        try expectSameBytes(CivilDate(year: 5, month: 1, day: 9)!)
        for offset: Int32 in [0, 10_800, -10_800, 19_800, -34_200, 3_601, -59, 59, 360_000, -360_000, .max, .min + 1] {
            for epoch: Int64 in [0, -1, 1_790_000_000, -86_400 * 800_000, 86_400 * 3_000_000 + 3_599] {
                try expectSameBytes(Timestamp(epochSeconds: epoch, offsetSeconds: offset))
            }
        }
        for rate in VATRate.allCases { try expectSameBytes(rate) }
        try expectSameBytes([Int.min, -1, 0, 1, Int.max])
        try expectSameBytes([true, false])
        try expectSameBytes([String]())
        try expectSameBytes([[String]]([[], ["a"], []]))
    }

    @Test("randomly filled orders", arguments: [UInt64(1), 2, 3, 2026])
    func randomOrders(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for index in 0..<300 {
            let value = randomOrder(&random)
            try expectSameBytes(value, foundation: index % 5 == 0)
        }
    }

    @Test("the layout points at the customer's, each warehouse's and each ВСД list's own JSON")
    func layout() throws {
        var random = SplitMix64(seed: 77)
        var values = [order(full: true), order(full: false)]
        for _ in 0..<200 { values.append(randomOrder(&random)) }
        for value in values {
            for escapesSlashes in [false, true] {
                var json = JSONBytes(escapesSlashes: escapesSlashes)
                var layout = OrderJSONLayout()
                value.writeJSON(to: &json, layout: &layout)
                #expect(json.bytes == value.jsonBytes(escapesSlashes: escapesSlashes))
                #expect(Array(json.bytes[layout.customer]) == value.customer.jsonBytes(escapesSlashes: escapesSlashes))
                #expect(layout.warehouses.count == value.shipments.count)
                #expect(layout.vsd.count == value.shipments.count)
                for (index, shipment) in value.shipments.enumerated() {
                    #expect(Array(json.bytes[layout.warehouses[index]]) == shipment.warehouse.jsonBytes(escapesSlashes: escapesSlashes))
                    #expect(layout.vsd[index].count == shipment.lines.count)
                    for (lineIndex, line) in shipment.lines.enumerated() where lineIndex < layout.vsd[index].count {
                        #expect(Array(json.bytes[layout.vsd[index][lineIndex]]) == line.vsd.jsonBytes(escapesSlashes: escapesSlashes))
                    }
                }
            }
        }
    }

    @Test("pretty-printed: JSONEncoder's .prettyPrinted bytes for nested objects, arrays and empty containers")
    func prettyPrinted() throws {
        var random = SplitMix64(seed: 77)
        let orders = [order(full: true), order(full: false)] + (0..<200).map { _ in randomOrder(&random) }
        for value in orders {
            for escapesSlashes in [true, false] {
                var json = JSONBytes(escapesSlashes: escapesSlashes, prettyPrinted: true)
                value.writeJSON(to: &json)
                let sorted = try SortedJSONEncoder(escapesSlashes: escapesSlashes, prettyPrinted: true).encode(value)
                #expect(String(decoding: json.bytes, as: UTF8.self) == String(decoding: sorted, as: UTF8.self))
                let encoder = JSONEncoder()
                encoder.outputFormatting = escapesSlashes ? [.sortedKeys, .prettyPrinted] : [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                #expect(json.bytes == Array(try encoder.encode(value)))
            }
        }
    }

    @Test("pretty-printed at a depth: every line after the first indented two spaces per level, blank lines blank")
    func prettyPrintedAtDepth() throws {
        let value = order(full: true)
        var top = JSONBytes(prettyPrinted: true)
        value.writeJSON(to: &top)
        var nested = JSONBytes(prettyPrinted: true, depth: 2)
        value.writeJSON(to: &nested)
        // (an empty container's blank line stays blank, as JSONEncoder writes it nested)
        let indented = String(decoding: top.bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "\n    ")
            .replacingOccurrences(of: "\n    \n", with: "\n\n")
        #expect(indented.contains("[\n\n"))
        #expect(String(decoding: nested.bytes, as: UTF8.self) == indented)
        var empty = JSONBytes(prettyPrinted: true, depth: 1)
        empty.beginObject()
        empty.key("a")
        empty.beginArray()
        empty.endArray()
        empty.key("b")
        empty.beginObject()
        empty.endObject()
        empty.endObject()
        #expect(String(decoding: empty.bytes, as: UTF8.self) == "{\n    \"a\" : [\n\n    ],\n    \"b\" : {\n\n    }\n  }")
    }

    @Test("a buffer that already holds bytes gets the value after them; members after a nested container get a comma")
    func appendsAfterExistingBytes() throws {
        var json = JSONBytes(escapesSlashes: false, capacity: 8)
        json.beginArray()
        json.separator()
        Money(kopecks: 150).writeJSON(to: &json)
        json.separator()
        json.beginObject()
        json.member("a", [String]())
        json.member("b", ifPresent: Optional<String>.none)
        json.member("c", ifPresent: Optional("x/y"))
        json.endObject()
        json.endArray()
        #expect(String(decoding: json.bytes, as: UTF8.self) == #"["1.50",{"a":[],"c":"x/y"}]"#)
        #expect(json.count == json.bytes.count)
    }
}
