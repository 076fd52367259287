import Domain
import Foundation
@testable import Ingest
import Testing

@Suite("Orders feed")
struct OrdersFeedTests {
    let day = Fixture.day27

    func feed27() throws -> String { try Fixture.sampleText(day, "orders.json") }

    func read(_ text: String, day: CivilDate? = nil) throws -> OrdersFeedReading {
        try OrdersFeed.read(Array(text.utf8), day: day ?? self.day)
    }

    // MARK: The samples

    @Test func the26thReadsCleanly() throws {
        let reading = try OrdersFeed.read(Fixture.sample(Fixture.day26, "orders.json"), day: Fixture.day26)
        #expect(reading.quarantined.isEmpty)
        #expect(reading.diagnostics.isEmpty)
        #expect(reading.orders.map(\.order.id.rawValue) == ["ORD-2026-000118", "ORD-2026-000119", "ORD-2026-000120"])
        let o118 = try #require(reading.orders.first?.order)
        #expect(o118.terms == Terms(payment: .postpaid, deferralDays: 14, creditLimit: Money(rubles: 150_000)))
        #expect(o118.customer.edoID != nil)
        let mince = try #require(o118.line(1))
        #expect(mince.weighed && mince.mercury)
        #expect(o118.shipments.first?.lines.first?.vsd.count == 1)
        #expect(o118.shipments.first?.warehouse.kpp == "500345001")
        let o119 = reading.orders[1].order
        #expect(o119.status == .shipped)
        #expect(o119.shipments.first?.lines.map(\.quantity) == o119.lines.map(\.quantity))
    }

    @Test func the27thReadsCleanlyWithTheHeldBackVSDAsAWarningOnly() throws {
        let reading = try read(feed27())
        #expect(reading.quarantined.isEmpty)
        #expect(reading.orders.count == 10)
        let warning = try #require(reading.diagnostics.first)
        #expect(reading.diagnostics.count == 1)
        #expect(warning.severity == .warning)
        #expect(warning.kind == "missing-vsd")
        #expect(warning.record == "page 1, order ORD-2026-000129")
        #expect(warning.field == "shipments[0].lines[0].vsd")
        #expect(reading.orders.contains { $0.order.id == "ORD-2026-000129" })
    }

    @Test func theContractExampleOrderIsReadExactly() throws {
        let reading = try read(feed27())
        let order = try #require(reading.orders.first { $0.order.id == "ORD-2026-000123" }?.order)
        #expect(order.number == "123")
        #expect(order.bill == Bill(number: "СЧ-000123", date: Fixture.day26, amount: Money(exactString: "2429.73")!))
        #expect(order.providerOrderID == "0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11")
        #expect(order.customer.inn.value == "7701234560")
        #expect(order.customer.kpp == "770101001")
        #expect(order.createdAt == Timestamp(rfc3339: "2026-11-26T14:03:00+03:00"))
        let cheese = try #require(order.line(1))
        #expect(cheese.quantity == ExactDecimal("1.500")!)
        #expect(cheese.price == Money(exactString: "659.90")!)
        #expect(cheese.vatRate == .reduced10)
        #expect(cheese.unit == MeasureUnit(okei: "166", name: "кг"))
        let shipment = try #require(order.shipments.first)
        #expect(shipment.id == "SH-9001")
        #expect(shipment.lines[0].quantity == ExactDecimal("1.436")!)
        #expect(shipment.lines[0].vsd == ["6f1c2e7a-3b0d-4f7e-9a51-0c2d3e4f5a6b"])
        #expect(shipment.date == Fixture.day27)
        // A valid order keeps no JSON (only a quarantined copy needs it: see the duplicates below).
        #expect(reading.orders.allSatisfy { $0.raw.isEmpty })
    }

    /// The JSON of the order `id` in a feed's text, verbatim.
    static func orderJSON(_ feed: String, id: String) throws -> String {
        let bytes = Array(feed.utf8)
        let orders = try #require(try JSONParser.parse(bytes)["orders"]?.arrayValue)
        let order = try #require(orders.first { $0["id"]?.stringValue == id })
        return String(decoding: bytes[order.range], as: UTF8.self)
    }

    @Test func soleTraderWithTwoShipmentsReturnsAndCancellation() throws {
        let orders = try read(feed27()).orders.map(\.order)
        let o124 = try #require(orders.first { $0.id == "ORD-2026-000124" })
        #expect(o124.customer.kind == .soleTrader)
        #expect(o124.customer.kpp == nil && o124.customer.edoID == nil)
        #expect(o124.customer.inn.value.count == 12)
        #expect(o124.shipments.map(\.warehouse.id) == ["WH-VNK", "WH-LOB"])
        let o118 = try #require(orders.first { $0.id == "ORD-2026-000118" })
        #expect(o118.returns.map(\.stage) == [.afterDelivery])
        #expect(o118.returns.first?.lines == [ReturnLine(lineNo: 2, quantity: ExactDecimal(2))])
        let o119 = try #require(orders.first { $0.id == "ORD-2026-000119" })
        #expect(o119.returns.map(\.stage) == [.beforeDeparture])
        #expect(try #require(o119.returns.first).at < o119.shipments[0].departedAt)
        let o130 = try #require(orders.first { $0.id == "ORD-2026-000130" })
        #expect(o130.status == .cancelled && o130.shipments.isEmpty)
    }

    // MARK: Quarantine: one bad order does not stop the others

    @Test func anInvalidINNQuarantinesThatOrderOnly() throws {
        // ООО «Лавка у дома» (ORD-2026-000119): last digit changed.
        let text = try feed27().replacingOnce("\"inn\": \"7733015829\"", with: "\"inn\": \"7733015821\"")
        let reading = try read(text)
        #expect(reading.orders.count == 9)
        #expect(!reading.orders.contains { $0.order.id == "ORD-2026-000119" })
        let record = try #require(reading.quarantined.first)
        #expect(reading.quarantined.count == 1)
        #expect(record.diagnostic.source == "orders-feed")
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000119")
        #expect(record.diagnostic.field == "customer.inn")
        #expect(record.diagnostic.message.contains("check digit"))
        #expect(record.raw.contains("7733015821") && record.raw.hasPrefix("{"))
        #expect(record.key.hasPrefix("orders-feed:2026-11-27:ORD-2026-000119:"))
        // Reading again quarantines it under the same key.
        #expect(try read(text).quarantined.map(\.key) == [record.key])
    }

    @Test func everyProblemOfAnOrderIsReported() throws {
        let text = try feed27()
            .replacingOnce("\"inn\": \"7733015829\"", with: "\"inn\": \"77330158\"")
            .replacingOnce("\"kpp\": \"773301001\"", with: "\"kpp\": \"7733\"")
            .replacingOnce("\"created_at\": \"2026-11-25T11:05:00+03:00\"", with: "\"created_at\": \"2026-11-25T11:05:00\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "created_at")
        #expect(record.diagnostic.message.contains("3 problems"))
        #expect(record.diagnostic.message.contains("customer.inn"))
        #expect(record.diagnostic.message.contains("customer.kpp"))
    }

    @Test func aShipmentExceedingTheOrderIsQuarantined() throws {
        // ORD-2026-000126 ordered 40 spaghetti; ship 41.
        let text = try feed27().replacingOnce(
            "\"id\": \"SH-9005\"", with: "\"id\": \"SH-9005\"")
            .replacingOnce("\"lines\": [\n            {\n              \"line_no\": 1,\n              \"quantity\": \"40\"\n            },\n            {\n              \"line_no\": 2,\n              \"quantity\": \"16\"",
                           with: "\"lines\": [\n            {\n              \"line_no\": 1,\n              \"quantity\": \"41\"\n            },\n            {\n              \"line_no\": 2,\n              \"quantity\": \"16\"")
        let reading = try read(text)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000126")
        #expect(record.diagnostic.field == "shipments[0].lines[0].quantity")
        #expect(record.diagnostic.message.contains("41") && record.diagnostic.message.contains("40"))
        #expect(reading.orders.count == 9)
    }

    @Test func twoShipmentsTogetherMayNotExceedTheOrder() throws {
        // ORD-2026-000124 line 3: 6 from each warehouse of 12 ordered; make the second 7.
        let text = try feed27().replacingOnce(
            "\"line_no\": 3,\n              \"quantity\": \"6\"\n            }\n          ]\n        }\n      ],",
            with: "\"line_no\": 3,\n              \"quantity\": \"7\"\n            }\n          ]\n        }\n      ],")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "shipments[1].lines[1].quantity")
        #expect(record.diagnostic.message.contains("13"))
    }

    @Test func weighedLinesMayDifferButNotBeZero() throws {
        let heavier = try feed27().replacingOnce("\"quantity\": \"1.436\"", with: "\"quantity\": \"1.612\"")
        #expect(try read(heavier).quarantined.isEmpty)
        let zero = try feed27().replacingOnce("\"quantity\": \"1.436\"", with: "\"quantity\": \"0.000\"")
        let record = try #require(try read(zero).quarantined.first)
        #expect(record.diagnostic.field == "shipments[0].lines[0].quantity")
    }

    @Test func aReturnExceedingItsShipmentIsQuarantined() throws {
        // ORD-2026-000118 returns 2 of 10 coffees; return 11.
        let text = try feed27().replacingOnce(
            "\"line_no\": 2,\n              \"quantity\": \"2\"", with: "\"line_no\": 2,\n              \"quantity\": \"11\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000118")
        #expect(record.diagnostic.field == "returns[0].lines[0].quantity")
        #expect(record.diagnostic.message.contains("shipped 10"))
    }

    @Test func aReturnOfAnotherOrdersShipmentIsQuarantined() throws {
        let text = try feed27().replacingOnce("\"shipment_id\": \"SH-8801\"", with: "\"shipment_id\": \"SH-9001\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "returns[0].shipment_id")
    }

    @Test func aBeforeDepartureReturnAfterDepartureIsQuarantined() throws {
        let text = try feed27().replacingOnce("\"at\": \"2026-11-26T08:40:00+03:00\"", with: "\"at\": \"2026-11-26T09:40:00+03:00\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "returns[0].at")
    }

    @Test func takenOffPlusShippedMayNotExceedTheOrder() throws {
        // ORD-2026-000119: 40 water shipped + 8 taken off = 48 ordered; 9 taken off is too many.
        let text = try feed27().replacingOnce(
            "\"line_no\": 3,\n              \"quantity\": \"8\"", with: "\"line_no\": 3,\n              \"quantity\": \"9\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "returns[0].lines[0].quantity")
    }

    @Test func aBillThatDiffersFromItsLinesIsQuarantinedWithTheNumbers() throws {
        let text = try feed27().replacingOnce("\"amount\": \"2429.73\"", with: "\"amount\": \"2429.70\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.field == "bill.amount")
        #expect(record.diagnostic.message.contains("2429.70"))
        #expect(record.diagnostic.message.contains("2429.73"))
        #expect(record.diagnostic.message.contains("1.500 × 659.90 = 989.85"))
    }

    @Test func moneyMustBeAStringWithTwoDecimals() throws {
        let number = try feed27().replacingOnce("\"amount\": \"2429.73\"", with: "\"amount\": 2429.73")
        #expect(try #require(try read(number).quarantined.first).diagnostic.field == "bill.amount")
        let oneDecimal = try feed27().replacingOnce("\"price\": \"659.90\"", with: "\"price\": \"659.9\"")
        #expect(try #require(try read(oneDecimal).quarantined.first).diagnostic.field == "lines[0].price")
    }

    @Test func enumsAndRequiredFields() throws {
        let status = try feed27().replacingOnce("\"status\": \"cancelled\"", with: "\"status\": \"canceled\"")
        #expect(try #require(try read(status).quarantined.first).diagnostic.field == "status")
        let noNumber = try feed27().replacingOnce("\"number\": \"123\",", with: "")
        let record = try #require(try read(noNumber).quarantined.first)
        #expect(record.diagnostic.field == "number")
        #expect(record.diagnostic.message == "is required")
        let rate = try feed27().replacingOnce("\"price\": \"899.00\",\n          \"vat_rate\": \"22%\"",
                                              with: "\"price\": \"899.00\",\n          \"vat_rate\": \"18%\"")
        #expect(try #require(try read(rate).quarantined.first).diagnostic.field?.hasSuffix(".vat_rate") == true)
        let oldRate = try feed27().replacingOnce("\"price\": \"899.00\",\n          \"vat_rate\": \"22%\"",
                                                 with: "\"price\": \"899.00\",\n          \"vat_rate\": \"20%\"")
        #expect(try #require(try read(oldRate).quarantined.first).diagnostic.message.contains("not valid"))
    }

    @Test func lineNumbersAreUniqueAndShipmentsReferToThem() throws {
        let duplicate = try feed27().replacingOnce(
            "\"line_no\": 2,\n          \"sku\": \"200511\"", with: "\"line_no\": 1,\n          \"sku\": \"200511\"")
        let record = try #require(try read(duplicate).quarantined.first)
        #expect(record.diagnostic.field == "lines[1].line_no")
        #expect(record.diagnostic.message.contains("line_no 1 repeats lines[0]"), "\(record.diagnostic.message)")
        let unknown = try feed27().replacingOnce(
            "\"line_no\": 3,\n              \"quantity\": \"6\"\n            }\n          ]\n        }\n      ],",
            with: "\"line_no\": 4,\n              \"quantity\": \"6\"\n            }\n          ]\n        }\n      ],")
        #expect(try #require(try read(unknown).quarantined.first).diagnostic.field == "shipments[1].lines[1].line_no")
    }

    @Test func aShipmentIdTwiceInOneOrderAndANonObjectLineAreQuarantinedWithTheirPaths() throws {
        // ORD-2026-000124 ships from two warehouses: give the second shipment the first one's id.
        let twice = try feed27().replacingOnce("\"id\": \"SH-9003\"", with: "\"id\": \"SH-9002\"")
        let reading = try read(twice)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000124")
        #expect(reading.quarantined.count == 1 && reading.orders.count == 9)
        let all = reading.diagnostics.map(\.description) + [record.diagnostic.description]
        #expect(all.contains { $0.contains("shipments[1].id") && $0.contains("shipment id SH-9002 repeats shipments[0]") },
                "\(all)")

        // A line that is not an object is named by its index, and the order is quarantined.
        let bareLine = try feed27().replacingOnce(
            "{\n          \"line_no\": 2,\n          \"sku\": \"200511\"", with: "42, {\n          \"line_no\": 2,\n          \"sku\": \"200511\"")
        let bare = try #require(try read(bareLine).quarantined.first)
        #expect(bare.diagnostic.description.contains("lines[1]") && bare.diagnostic.description.contains("must be an object, got"),
                "\(bare.diagnostic.description)")
    }

    @Test func aSoleTraderHasATwelveDigitINNAndNoKPP() throws {
        let text = try feed27().replacingOnce("\"kind\": \"sole_trader\"", with: "\"kind\": \"legal\"")
        let record = try #require(try read(text).quarantined.first)
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000124")
        #expect(record.diagnostic.field == "customer.inn")
        #expect(record.diagnostic.message.contains("problems") && record.diagnostic.message.contains("customer.kpp"))
    }

    @Test func bankRequisitesAreCheckedWhenPresent() throws {
        // Customer A's account with a wrong control key, in both of A's orders.
        let text = try feed27().replacingOccurrences(of: "\"account\": \"40702810938000045671\"",
                                                     with: "\"account\": \"40702810038000045671\"")
        let quarantined = try read(text).quarantined
        #expect(quarantined.map(\.diagnostic.record) == ["page 1, order ORD-2026-000118", "page 1, order ORD-2026-000129"])
        #expect(quarantined.allSatisfy { $0.diagnostic.field == "customer.bank.account" })
    }

    @Test func anOrderThatIsNotAnObjectIsQuarantinedByIndex() throws {
        let text = try feed27().replacingOnce("\"orders\": [", with: "\"orders\": [\n    42,")
        let reading = try read(text)
        #expect(reading.orders.count == 10)
        #expect(try #require(reading.quarantined.first).diagnostic.record == "page 1, order #1 (no id)")
    }

    // MARK: The source fails

    @Test func aPageThatIsNotJSONFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try OrdersFeed.read(Array("<html><body>502 Bad Gateway</body></html>".utf8), day: day)
        }
        #expect(error?.source == "orders-feed")
        #expect(error?.reason.contains("not valid JSON") == true)
    }

    @Test func aTruncatedPageFailsTheSource() throws {
        let text = try feed27()
        let cut = String(text.prefix(text.count / 2))
        #expect(throws: SourceError.self) { try read(cut) }
    }

    @Test func aBusinessDateMismatchFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try OrdersFeed.read(Fixture.sample(Fixture.day26, "orders.json"), day: Fixture.day27)
        }
        #expect(error?.reason.contains("business_date is 2026-11-26") == true)
    }

    @Test func inconsistentPagesFailTheSource() throws {
        let envelope = #"{"business_date": "2026-11-27", "page": 3, "pages": 2, "orders": []}"#
        #expect(throws: SourceError.self) { try OrdersFeed.readPage(Array(envelope.utf8), day: day) }
        let second = #"{"business_date": "2026-11-27", "page": 2, "pages": 2, "orders": []}"#
        let error = #expect(throws: SourceError.self) { try OrdersFeed.readPage(Array(second.utf8), day: day, expectedPage: 1) }
        #expect(error?.reason.contains("page 1 was requested") == true)
        let one = try OrdersFeed.readPage(Array(#"{"business_date": "2026-11-27", "page": 1, "pages": 2, "orders": []}"#.utf8), day: day)
        let three = try OrdersFeed.readPage(Array(#"{"business_date": "2026-11-27", "page": 2, "pages": 3, "orders": []}"#.utf8), day: day)
        #expect(throws: SourceError.self) { try OrdersFeed.combine([one, three], day: day) }
        #expect(throws: SourceError.self) { try OrdersFeed.combine([one], day: day) }
    }

    @Test func anEnvelopeWithoutOrdersFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try OrdersFeed.readPage(Array(#"{"business_date": "2026-11-27", "page": 1, "pages": 1}"#.utf8), day: day)
        }
        #expect(error?.reason == "envelope: orders: is required")
    }

    // MARK: Duplicates across pages

    @Test func anOrderOnTwoPagesIsReadOnce() throws {
        let o123 = try Self.orderJSON(feed27(), id: "ORD-2026-000123")
        func text(_ number: Int, _ raw: String) -> [UInt8] {
            Array(#"{"business_date": "2026-11-27", "page": \#(number), "pages": 2, "orders": [\#(raw)]}"#.utf8)
        }
        let first = try OrdersFeed.readPage(text(1, o123), day: day, expectedPage: 1)
        #expect(first.orders.map(\.raw) == [""])
        let same = try OrdersFeed.combine(
            [first, OrdersFeed.readPage(text(2, o123), day: day, expectedPage: 2, after: [first])], day: day)
        #expect(same.orders.count == 1)
        #expect(same.quarantined.isEmpty)
        #expect(same.diagnostics.map(\.kind) == ["duplicate-record"])
        let changed = try o123.replacingOnce("\"number\": \"123\"", with: "\"number\": \"123-A\"")
        // Knowing page 1, page 2's reader keeps the JSON of the copy combining will quarantine, only;
        // not knowing it, every order's.
        let second = try OrdersFeed.readPage(text(2, changed), day: day, expectedPage: 2, after: [first])
        #expect(second.orders.map(\.raw) == [changed])
        #expect(try OrdersFeed.readPage(text(2, o123), day: day, expectedPage: 2, after: [first]).orders.map(\.raw) == [""])
        #expect(try OrdersFeed.readPage(text(2, o123), day: day, expectedPage: 2).orders.map(\.raw) == [o123])
        let different = try OrdersFeed.combine([first, second], day: day)
        #expect(different.orders.count == 1)
        #expect(different.orders.allSatisfy { $0.raw.isEmpty })
        let record = try #require(different.quarantined.first)
        #expect(record.diagnostic.field == "id")
        #expect(record.diagnostic.record == "page 2, order ORD-2026-000123")
        // The quarantined copy's JSON is verbatim.
        #expect(record.raw == changed)
        #expect(record.key == "orders-feed:2026-11-27:ORD-2026-000123:\(fingerprint(changed))")
    }

    @Test func aShipmentIdUsedByTwoOrdersQuarantinesTheLater() throws {
        let text = try feed27().replacingOnce("\"id\": \"SH-9007\"", with: "\"id\": \"SH-9006\"")
        let reading = try read(text)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.record == "page 1, order ORD-2026-000128")
        #expect(record.diagnostic.field == "shipments[0].id")
        #expect(record.raw == (try Self.orderJSON(text, id: "ORD-2026-000128")))
    }
}
