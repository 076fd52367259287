import Testing
import TestSupport
@testable import Domain

// The binary form of an order (Order.appendBinary / Order(binary:)): exact round trips (equal
// orders AND equal direct-JSON bytes, which also compare what `==` does not: decimal scales and
// timestamp offsets), several orders in one buffer, and malformed bytes refused with an
// OrderBinaryError instead of a trap.

private let longText = String(repeating: "Ж🧀a\u{0}", count: 10_000) // 80 000 bytes of UTF-8
private let moment = Timestamp(epochSeconds: 1_795_000_000, offsetSeconds: 10_800)

/// Decodes the one order `bytes` must hold.
private func decodeOne(_ bytes: [UInt8]) throws(OrderBinaryError) -> Order {
    let orders = try Order.decodeBinary(bytes)
    guard orders.count == 1 else {
        throw OrderBinaryError(field: "test", offset: 0, reason: .outOfRange("expected one order, got \(orders.count)"))
    }
    return orders[0]
}

/// Expects `order` to come back `==` and with the same direct-JSON bytes.
private func expectRoundTrip(_ order: Order, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bytes = order.binary
    #expect(bytes.first == Order.binaryFormatVersion, sourceLocation: sourceLocation)
    let decoded = try decodeOne(bytes)
    #expect(decoded == order, sourceLocation: sourceLocation)
    #expect(decoded.jsonBytes() == order.jsonBytes(), sourceLocation: sourceLocation)
    #expect(decoded.jsonBytes(escapesSlashes: false) == order.jsonBytes(escapesSlashes: false), sourceLocation: sourceLocation)
    // Written again, the decoded order gives the same bytes.
    #expect(decoded.binary == bytes, sourceLocation: sourceLocation)
}

/// The error reading one order from the start of `bytes` throws, or `nil` when it reads one.
private func decodingError(_ bytes: [UInt8]) -> OrderBinaryError? {
    bytes.withUnsafeBytes { buffer in
        var reader = BinaryReader(buffer)
        do throws(OrderBinaryError) {
            _ = try Order(binary: &reader)
            return nil
        } catch {
            #expect(reader.offset == 0, "a failed read moved the reader")
            return error
        }
    }
}

/// Rewrites the body length (bytes 1…4) after an edit of the body.
private func relength(_ bytes: inout [UInt8]) {
    let length = UInt32(bytes.count - 5)
    for index in 0..<4 { bytes[1 + index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
}

/// The first offset where `needle` occurs in `haystack`.
private func offset(of needle: String, in haystack: [UInt8]) -> Int? {
    let pattern = Array(needle.utf8)
    guard pattern.count <= haystack.count else { return nil }
    return (0...(haystack.count - pattern.count)).first { start in haystack[start..<start + pattern.count].elementsEqual(pattern) }
}

// MARK: - Hand-made orders

private func party(full: Bool) -> Party {
    full
        ? Party(id: "C-1", kind: .legal, name: "ООО «Ромашка» 🧀", inn: inn10, kpp: "770701001", address: address(full: true),
                bank: BankDetails(bik: "044525225", account: "40702810938000000001", correspondentAccount: "30101810400000000225",
                                  name: "ПАО Сбербанк"),
                email: "buh@romashka.example", edoID: "2BM-7707083893-770701001")
        : Party(id: "C-2", kind: .soleTrader, name: "ИП Иванов Иван Иванович", inn: inn12, kpp: nil, address: address(full: false))
}

private func handMade(full: Bool) -> Order {
    let lines = VATRate.allCases.enumerated().map { index, rate in
        OrderLine(lineNo: index + 1, sku: "SKU-\(index)", name: index == 0 ? longText : "Сыр «Российский» 45% №\(index)\u{0}",
                  gtin: full && index % 2 == 0 ? "04600000000017" : nil,
                  unit: index % 2 == 0 ? MeasureUnit(okei: "166", name: "кг") : MeasureUnit(okei: "796", name: "шт"),
                  quantity: ExactDecimal(units: Int64(index * 1_237 - 4_000), scale: index % (ExactDecimal.maximumScale + 1)),
                  price: Money(kopecks: index % 3 == 0 ? -65_990 : 4_500), vatRate: rate, weighed: index % 2 == 0,
                  mercury: index % 3 == 0)
    }
    let vsd = (0..<300).map { "8c5f0e7e-1d2b-4c3a-9f00-\(String(1_000_000_000_000 + $0))" }
    let first = Shipment(id: "S-1", warehouse: Warehouse(id: "W-1", name: "Склад №1", address: address(full: full),
                                                       kpp: full ? "770745001" : nil),
                         departedAt: moment,
                         deliveredAt: full ? Timestamp(epochSeconds: moment.epochSeconds + 7_200, offsetSeconds: -18_000) : nil,
                         lines: [ShipmentLine(lineNo: 1, quantity: ExactDecimal(units: 1_440, scale: 3), vsd: vsd),
                                 ShipmentLine(lineNo: 2, quantity: ExactDecimal(12)),
                                 ShipmentLine(lineNo: 3, quantity: ExactDecimal(units: -5, scale: 11), vsd: ["", "ё"])])
    let second = Shipment(id: "S-2", warehouse: Warehouse(id: "W-2", name: "Склад «Юг»", address: address(full: !full), kpp: nil),
                          departedAt: Timestamp(epochSeconds: -86_400 * 400, offsetSeconds: 19_800), deliveredAt: nil, lines: [])
    let third = Shipment(id: "S-3", warehouse: first.warehouse,
                         departedAt: Timestamp(epochSeconds: 86_400 * 3_000_000 + 3_599, offsetSeconds: 360_000),
                         deliveredAt: Timestamp(epochSeconds: -86_400 * 800_000, offsetSeconds: .min + 1), lines: [])
    let returns = [
        Return(id: "R-1", shipmentID: "S-1", stage: .afterDelivery, at: moment, reason: "брак \"упаковки\" 👎",
               lines: [ReturnLine(lineNo: 1, quantity: ExactDecimal(units: -5, scale: 3)), ReturnLine(lineNo: 2, quantity: ExactDecimal(1))]),
        Return(id: "R-2", shipmentID: "S-2", stage: .beforeDeparture, at: Timestamp(epochSeconds: 0, offsetSeconds: 0),
               reason: "", lines: []),
    ]
    return Order(id: "O-1", number: "№ 1/27", createdAt: Timestamp(epochSeconds: 1_795_000_000, offsetSeconds: 20_700),
                 status: full ? .delivered : .shipped,
                 bill: Bill(number: "СЧ-1", date: CivilDate(year: 2026, month: 11, day: 27)!, amount: Money(kopecks: -123_456)),
                 providerOrderID: full ? "8c5f0e7e-1d2b-4c3a-9f00-000000000001" : nil,
                 customer: party(full: full), consignee: full ? party(full: false) : nil,
                 terms: Terms(payment: full ? .postpaid : .prepaid, deferralDays: full ? 14 : -3, creditLimit: Money(kopecks: .min)),
                 lines: lines, shipments: full ? [first, second, third] : [], returns: full ? returns : [])
}

/// The smallest order: every optional absent, every array empty, empty strings.
private func bare() -> Order {
    Order(id: "", number: "", createdAt: Timestamp(epochSeconds: 0, offsetSeconds: 0), status: .cancelled,
          bill: Bill(number: "", date: CivilDate(daysSinceEpoch: 0), amount: .zero), providerOrderID: nil,
          customer: Party(id: "", kind: .legal, name: "", inn: inn10, kpp: nil,
                          address: Address(regionCode: "", region: "", text: "")),
          consignee: nil, terms: Terms(payment: .prepaid, deferralDays: 0, creditLimit: .zero), lines: [], shipments: [], returns: [])
}

// MARK: - Generated orders

/// Realistic random orders from a seed: 1–8 lines, 0–3 shipments of some of the lines with ВСД
/// ids for animal-origin lines, 0–2 returns, optionals present or not, customers from a small pool
/// (so parties share their boxes, as ingest makes them).
private struct OrderBuilder {
    var random: SplitMix64
    let customers: [Party]

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        var parties: [Party] = []
        for index in 0..<6 {
            var value = party(full: index % 2 == 0)
            value.id = CustomerID("C-\(index)")
            value.name += " \(index)"
            parties.append(value)
        }
        customers = parties
    }

    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    mutating func chance() -> Bool { random.next() % 2 == 0 }

    mutating func text() -> String {
        let words = ["Молоко", "сыр", "«Вкусно»", "🧀", "2,5%", "ж/б", "Ёлка", "a\u{0}b", "\\", "\"", "emoji👩‍👩‍👧", "x"]
        return (0..<1 + below(6)).map { _ in words[below(words.count)] }.joined(separator: " ")
    }

    mutating func timestamp() -> Timestamp {
        let offsets: [Int32] = [10_800, 0, -18_000, 19_800, 20_700, -59]
        return Timestamp(epochSeconds: 1_790_000_000 + Int64(below(10_000_000)), offsetSeconds: offsets[below(offsets.count)])
    }

    mutating func decimal() -> ExactDecimal {
        ExactDecimal(units: Int64(below(2_000_000)) - 100_000, scale: below(ExactDecimal.maximumScale + 1))
    }

    mutating func order(_ index: Int) -> Order {
        let lineCount = 1 + below(8)
        let lines = (1...lineCount).map { lineNo in
            OrderLine(lineNo: lineNo, sku: "SKU-\(below(100_000))", name: text(), gtin: chance() ? "0460\(below(1_000_000_000))" : nil,
                      unit: chance() ? MeasureUnit(okei: "166", name: "кг") : MeasureUnit(okei: "796", name: "шт"),
                      quantity: decimal(), price: Money(kopecks: Int64(below(10_000_000)) - 1_000), vatRate: VATRate.allCases[below(8)],
                      weighed: chance(), mercury: chance())
        }
        let shipments = (0..<below(4)).map { number in
            Shipment(id: ShipmentID("S-\(index)-\(number)"),
                     warehouse: Warehouse(id: WarehouseID("W-\(below(5))"), name: text(), address: address(full: chance(), text: text()),
                                          kpp: chance() ? "770745001" : nil),
                     departedAt: timestamp(), deliveredAt: chance() ? timestamp() : nil,
                     lines: lines.filter { _ in chance() }.map { line in
                         ShipmentLine(lineNo: line.lineNo, quantity: decimal(),
                                      vsd: line.mercury ? (0..<below(5)).map { _ in "vsd-\(random.next())" } : [])
                     })
        }
        let returns = (0..<below(3)).map { number in
            Return(id: ReturnID("R-\(index)-\(number)"), shipmentID: ShipmentID("S-\(index)-0"),
                   stage: chance() ? .beforeDeparture : .afterDelivery, at: timestamp(), reason: text(),
                   lines: (0..<below(3)).map { _ in ReturnLine(lineNo: 1 + below(lineCount), quantity: decimal()) })
        }
        let statuses: [OrderStatus] = [.shipped, .delivered, .cancelled]
        return Order(id: OrderID("O-\(index)"), number: "\(index)/\(below(100))", createdAt: timestamp(), status: statuses[below(3)],
                     bill: Bill(number: BillNumber("СЧ-\(index)"), date: CivilDate(daysSinceEpoch: 20_000 + below(1_000)),
                                amount: Money(kopecks: Int64(below(100_000_000)) - 50_000)),
                     providerOrderID: chance() ? ProviderOrderID("8c5f0e7e-\(random.next())") : nil,
                     customer: customers[below(customers.count)], consignee: chance() ? customers[below(customers.count)] : nil,
                     terms: Terms(payment: chance() ? .prepaid : .postpaid, deferralDays: below(60),
                                  creditLimit: Money(kopecks: Int64(below(1_000_000_000)))),
                     lines: lines, shipments: shipments, returns: returns)
    }
}

// MARK: - Tests

@Suite("Order's binary form: exact round trips, and malformed bytes refused")
struct OrderBinaryTests {
    @Test("hand-made orders: every optional present and absent, every enum case, long and odd strings, edge numbers")
    func handMadeRoundTrips() throws {
        try expectRoundTrip(handMade(full: true))
        try expectRoundTrip(handMade(full: false))
        try expectRoundTrip(bare())
        // The long string (over 64 KiB) and the many ВСД ids survive as they were.
        let decoded = try decodeOne(handMade(full: true).binary)
        #expect(decoded.lines[0].name.utf8.count > 65_536)
        #expect(decoded.lines[0].name == longText)
        #expect(decoded.shipments[0].lines[0].vsd.count == 300)
        #expect(decoded.lines[1].name.contains("\u{0}"))
    }

    @Test("what == does not compare survives: decimal scales and timestamp offsets")
    func scalesAndOffsets() throws {
        for scale in 0...ExactDecimal.maximumScale {
            for units: Int64 in [0, 1, -1, 1_500, -1_500, .max, .min] {
                var order = bare()
                order.lines = [OrderLine(lineNo: .min, sku: "s", name: "n", unit: MeasureUnit(okei: "796", name: "шт"),
                                         quantity: ExactDecimal(units: units, scale: scale), price: Money(kopecks: units),
                                         vatRate: .exempt, weighed: false, mercury: false)]
                let decoded = try decodeOne(order.binary)
                #expect(decoded.lines[0].quantity.scale == scale)
                #expect(decoded.lines[0].quantity.units == units)
                #expect(decoded.lines[0].lineNo == .min)
                try expectRoundTrip(order)
            }
        }
        for offset: Int32 in [0, 10_800, -10_800, 19_800, -34_200, 3_601, -59, .max, .min] {
            for epoch: Int64 in [0, -1, 1_790_000_000, .max, .min] {
                var order = bare()
                order.createdAt = Timestamp(epochSeconds: epoch, offsetSeconds: offset)
                let decoded = try decodeOne(order.binary)
                #expect(decoded.createdAt.epochSeconds == epoch && decoded.createdAt.offsetSeconds == offset)
            }
        }
        for days in [-800_000, -719_468, -1, 0, 1, 20_000, 2_932_896, 3_000_000] {
            var order = bare()
            order.bill.date = CivilDate(daysSinceEpoch: days)
            try expectRoundTrip(order)
        }
    }

    @Test("many generated orders: equal, with equal direct-JSON bytes")
    func generatedRoundTrips() throws {
        var builder = OrderBuilder(seed: 0x5EED)
        for index in 0..<500 {
            try expectRoundTrip(builder.order(index))
        }
    }

    @Test("orders appended one after another come back in order, from an array and from a raw buffer")
    func severalInOneBuffer() throws {
        var builder = OrderBuilder(seed: 7)
        var orders = (0..<200).map { builder.order($0) }
        orders.insert(handMade(full: true), at: 50)
        orders.append(bare())
        var bytes: [UInt8] = []
        for order in orders { order.appendBinary(to: &bytes) }
        #expect(try Order.decodeBinary(bytes) == orders)
        // From a separately allocated raw buffer (as `pread` fills one), order by order.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        var reader = BinaryReader(UnsafeRawBufferPointer(buffer))
        var decoded: [Order] = []
        while !reader.isAtEnd {
            let before = reader.offset
            decoded.append(try Order(binary: &reader))
            #expect(reader.offset > before)
        }
        #expect(decoded == orders)
        #expect(zip(decoded, orders).allSatisfy { $0.jsonBytes() == $1.jsonBytes() })
        #expect(try Order.decodeBinary(UnsafeRawBufferPointer(buffer)).count == orders.count)
        #expect(try Order.decodeBinary([UInt8]()) == [])
    }

    @Test("with a sharing, equal parties and warehouses are decoded once and the orders are the same")
    func sharing() throws {
        var builder = OrderBuilder(seed: 21)
        let orders = (0..<300).map { builder.order($0) }
        var bytes: [UInt8] = []
        for order in orders { order.appendBinary(to: &bytes) }
        let sharing = OrderBinarySharing()
        let first = try Order.decodeBinary(bytes, sharing: sharing)
        #expect(first == orders)
        #expect(zip(first, orders).allSatisfy { $0.jsonBytes() == $1.jsonBytes() })
        let parties = Set(orders.flatMap { [$0.customer] + ($0.consignee.map { [$0] } ?? []) })
        let warehouses = Set(orders.flatMap { $0.shipments.map(\.warehouse) })
        #expect(sharing.storedCount == parties.count + warehouses.count)
        // A second block with the same sharing finds them all and stores nothing new.
        #expect(try Order.decodeBinary(bytes, sharing: sharing) == orders)
        #expect(sharing.storedCount == parties.count + warehouses.count)
        // A full sharing stops storing but still decodes.
        let small = OrderBinarySharing(limit: 2)
        #expect(try Order.decodeBinary(bytes, sharing: small) == orders)
        #expect(small.storedCount == 2)
        // A shared value changed afterwards is copied, not changed in the other orders.
        var changed = first
        changed[0].customer.name = "другое имя"
        #expect(changed[1...] == first[1...])
        #expect(first.filter { $0.customer.name == "другое имя" }.isEmpty)
    }

    @Test("a party whose length prefix disagrees with its fields is refused")
    func partyLength() throws {
        let bytes = bare().binary
        // The customer starts after id, number, createdAt, status, bill (number, date, amount) and providerOrderID.
        let customerAt = 5 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1
        let length = Int(bytes[customerAt])
        #expect(bytes[customerAt + 1] == 0) // the customer's empty id
        var longer = bytes
        longer[customerAt] = UInt8(length + 1)
        longer.insert(0, at: customerAt + 1 + length)
        relength(&longer)
        let error = try #require(decodingError(longer))
        #expect(error.field == "order.customer")
        #expect(error.reason == .lengthMismatch(declared: length + 1, used: length))
    }

    @Test("every truncation of a valid encoding throws, and leaves the reader where it was")
    func truncations() throws {
        var builder = OrderBuilder(seed: 11)
        for order in [handMade(full: false), builder.order(1), builder.order(2)] {
            let bytes = order.binary
            for length in 0..<bytes.count {
                let prefix = Array(bytes[..<length])
                let error = try #require(decodingError(prefix), "prefix of \(length) bytes decoded")
                guard case .truncated = error.reason else {
                    Issue.record("prefix of \(length) bytes: \(error)")
                    continue
                }
            }
        }
    }

    @Test("a body cut anywhere, with its length rewritten to match, throws naming the field it stopped in")
    func truncatedBodies() throws {
        var builder = OrderBuilder(seed: 12)
        for order in [handMade(full: false), bare(), builder.order(1)] {
            let bytes = order.binary
            var fields: Set<String> = []
            for length in 5..<bytes.count {
                var cut = Array(bytes[..<length])
                relength(&cut)
                let error = try #require(decodingError(cut), "body cut at \(length) decoded")
                #expect(error.field.hasPrefix("order."), "\(error)")
                #expect(error.offset >= 5 && error.offset <= length, "\(error)")
                fields.insert(error.field)
            }
            // Many different fields were the one cut.
            #expect(fields.count > 15)
        }
    }

    @Test("a wrong format byte, trailing bytes in a body, a bad tag and a bad boolean throw")
    func wrongBytes() throws {
        let bytes = bare().binary
        for version: UInt8 in [0, 1, Order.binaryFormatVersion &- 1, Order.binaryFormatVersion &+ 1, 0xFF] {
            var other = bytes
            other[0] = version
            let error = try #require(decodingError(other))
            #expect(error.reason == .unsupportedVersion(version))
            #expect(error.description.contains("unsupported format byte"))
        }
        var longer = bytes
        longer.append(0)
        relength(&longer)
        #expect(decodingError(longer)?.reason == .lengthMismatch(declared: bytes.count - 4, used: bytes.count - 5))

        // The status byte follows the id, the number and createdAt (two one-byte varints each here).
        let statusAt = 5 + 1 + 1 + 2
        #expect(bytes[statusAt] == 2) // .cancelled
        var badStatus = bytes
        badStatus[statusAt] = 3
        let error = try #require(decodingError(badStatus))
        #expect(error.reason == .badTag(3))
        #expect(error.field == "order.status")
        #expect(error.offset == statusAt)

        // The last byte is the returns' count; before it the shipments' and lines' counts, before
        // them terms (payment tag, deferral days, credit limit) and the consignee's presence byte.
        var badPresence = bytes
        badPresence[bytes.count - 7] = 2
        #expect(decodingError(badPresence)?.field == "order.consignee")
        #expect(decodingError(badPresence)?.reason == .badTag(2))
    }

    @Test("invalid UTF-8 in a string throws, naming the field; it is never repaired")
    func invalidUTF8() throws {
        var order = handMade(full: true)
        order.lines[2].name = "MARKER-ЖЖ"
        order.shipments[0].lines[1].vsd = ["VSD-MARK"]
        let bytes = order.binary
        let nameAt = try #require(offset(of: "MARKER-ЖЖ", in: bytes))
        for bad: [UInt8] in [[0xFF], [0xC0], [0xED, 0xA0], [0xD0, 0x41], [0x80]] {
            var broken = bytes
            broken.replaceSubrange(nameAt + 7..<nameAt + 7 + bad.count, with: bad)
            let error = try #require(decodingError(broken))
            #expect(error.reason == .invalidUTF8)
            #expect(error.field == "order.lines[2].name")
            #expect(error.offset == nameAt - 1) // at the string's length byte
        }
        let vsdAt = try #require(offset(of: "VSD-MARK", in: bytes))
        var broken = bytes
        broken[vsdAt + 3] = 0xFE
        let error = try #require(decodingError(broken))
        #expect(error.field == "order.shipments[0].lines[1].vsd[0]")
        #expect(error.description.contains("invalid UTF-8"))
    }

    @Test("a count or length too large for the bytes left throws before allocating")
    func hugeCounts() throws {
        var order = bare()
        order.shipments = [Shipment(id: "S", warehouse: Warehouse(id: "W", name: "w", address: address(full: false), kpp: nil),
                                    departedAt: moment, deliveredAt: nil,
                                    lines: [ShipmentLine(lineNo: 1, quantity: ExactDecimal(1), vsd: ["VSD-MARK"])])]
        let bytes = order.binary
        let vsdAt = try #require(offset(of: "VSD-MARK", in: bytes))
        #expect(bytes[vsdAt - 2] == 1 && bytes[vsdAt - 1] == 8) // the count, the length
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] // 2^63 - 1
        for at in [vsdAt - 2, vsdAt - 1] {
            var broken = bytes
            broken.replaceSubrange(at..<at + 1, with: huge)
            relength(&broken)
            let error = try #require(decodingError(broken))
            guard case let .countTooLarge(count, _) = error.reason else {
                Issue.record("\(error)")
                continue
            }
            #expect(count == UInt64(Int64.max))
            #expect(error.field.hasPrefix("order.shipments[0].lines[0].vsd"))
        }
        // The lines count of an order without lines, shipments or returns (the third byte from the end) as 2^32.
        let plain = bare().binary
        #expect(plain.suffix(3) == [0, 0, 0])
        var manyLines = plain
        manyLines.replaceSubrange(plain.count - 3..<plain.count - 2, with: [0x80, 0x80, 0x80, 0x80, 0x10])
        relength(&manyLines)
        #expect(decodingError(manyLines).map { "\($0.reason)" }?.hasPrefix("countTooLarge") == true)
        #expect(decodingError(manyLines)?.field == "order.lines")
        // A varint over 64 bits.
        var overlong = plain
        overlong.replaceSubrange(plain.count - 3..<plain.count - 2, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        relength(&overlong)
        #expect(decodingError(overlong)?.reason == .outOfRange("varint over 64 bits"))
        // A body length larger than the bytes there are.
        var longBody = bytes
        longBody[4] = 0x7F
        guard case .truncated = decodingError(longBody)?.reason else {
            Issue.record("a body length past the end did not report truncation")
            return
        }
    }

    @Test("a bad ИНН, decimal scale or UTC offset is refused, not trapped on")
    func invalidValues() throws {
        var order = bare()
        order.lines = [OrderLine(lineNo: 1, sku: "s", name: "n", unit: MeasureUnit(okei: "796", name: "шт"),
                                 quantity: ExactDecimal(units: 5, scale: 11), price: .zero, vatRate: .zero, weighed: false, mercury: false)]
        let bytes = order.binary
        // The ИНН's last digit changed: its check digit no longer agrees.
        let innAt = try #require(offset(of: inn10.value, in: bytes))
        var badINN = bytes
        badINN[innAt + 9] = badINN[innAt + 9] == 0x30 ? 0x31 : 0x30
        let innError = try #require(decodingError(badINN))
        #expect(innError.field == "order.customer.inn")
        guard case .invalidValue = innError.reason else {
            Issue.record("\(innError)")
            return
        }
        // The scale byte 11 (right after the unit's name "шт") made 12.
        let unitAt = try #require(offset(of: "шт", in: bytes))
        let scaleAt = unitAt + "шт".utf8.count
        #expect(bytes[scaleAt] == 11)
        var badScale = bytes
        badScale[scaleAt] = 12
        #expect(decodingError(badScale)?.reason == .outOfRange("decimal scale 12"))
        #expect(decodingError(badScale)?.field == "order.lines[0].quantity")
        // createdAt's offset (byte 8: after format, length, id, number and epoch) as 2^31.
        var badOffset = bytes
        badOffset.replaceSubrange(8..<9, with: [0x80, 0x80, 0x80, 0x80, 0x10])
        relength(&badOffset)
        #expect(decodingError(badOffset)?.field == "order.createdAt")
        guard case .outOfRange = decodingError(badOffset)?.reason else {
            Issue.record("an offset over Int32 was not refused")
            return
        }
    }

    @Test("random bytes and random corruptions of valid orders never trap")
    func corruptions() throws {
        var random = SplitMix64(seed: 99)
        var builder = OrderBuilder(seed: 13)
        for index in 0..<300 {
            var bytes = builder.order(index).binary
            for _ in 0..<1 + Int(random.next() % 4) {
                let at = 5 + Int(random.next() % UInt64(bytes.count - 5))
                bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
            // Either it decodes to some order or it throws; it must not trap.
            if let orders = try? Order.decodeBinary(bytes) { #expect(orders.count == 1) }
        }
        for _ in 0..<300 {
            var bytes = [Order.binaryFormatVersion]
            let count = Int(random.next() % 200)
            bytes += [UInt8(truncatingIfNeeded: count), 0, 0, 0]
            bytes += (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? Order.decodeBinary(bytes)
        }
    }

    @Test("the codec covers every stored property (a property added to a type fails here until the codec writes it)")
    func storedProperties() throws {
        func labels(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        let order = handMade(full: true)
        #expect(labels(order) == ["id", "number", "createdAt", "status", "bill", "providerOrderID", "customer", "consignee", "terms",
                                  "lines", "shipments", "returns"])
        #expect(labels(order.bill) == ["number", "date", "amount"])
        #expect(labels(order.terms) == ["payment", "deferralDays", "creditLimit"])
        #expect(labels(order.customer) == ["id", "kind", "name", "inn", "kpp", "address", "bank", "email", "edoID"])
        #expect(labels(order.customer.address) == ["regionCode", "region", "postalCode", "city", "street", "house", "flat", "text"])
        #expect(labels(try #require(order.customer.bank)) == ["bik", "account", "correspondentAccount", "name"])
        #expect(labels(order.lines[0]) == ["lineNo", "sku", "name", "gtin", "unit", "quantity", "price", "vatRate", "weighed", "mercury"])
        #expect(labels(order.lines[0].unit) == ["okei", "name"])
        #expect(labels(order.shipments[0]) == ["id", "warehouse", "departedAt", "deliveredAt", "lines"])
        #expect(labels(order.shipments[0].warehouse) == ["id", "name", "address", "kpp"])
        #expect(labels(order.shipments[0].lines[0]) == ["lineNo", "quantity", "vsd"])
        #expect(labels(order.returns[0]) == ["id", "shipmentID", "stage", "at", "reason", "lines"])
        #expect(labels(order.returns[0].lines[0]) == ["lineNo", "quantity"])
        #expect(labels(order.createdAt) == ["epochSeconds", "offsetSeconds"])
        #expect(labels(order.lines[0].quantity) == ["units", "scale"])
        #expect(labels(order.bill.amount) == ["kopecks"])
        #expect(labels(order.bill.date) == ["days"])
    }
}
