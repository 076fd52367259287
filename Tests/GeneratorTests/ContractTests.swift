import Domain
import Foundation
import Generator
import Testing
import TestSupport

@Suite("Orders feed")
struct OrdersFeedTests {
    let orders = Fixture.firstDayInMemory.orders

    @Test("the envelope is one page of the business day and every order is valid JSON")
    func envelope() throws {
        for index in 0..<Fixture.settings.days {
            let day = Fixture.firstDay.adding(days: index)
            let feed = try Fixture.json(day, "orders.json")
            #expect(feed.string("business_date") == day.iso)
            #expect(feed["page"] as? Int == 1)
            #expect(feed["pages"] as? Int == 1)
            #expect(feed.array("orders").count >= Fixture.settings.ordersPerDay)
        }
    }

    @Test("bill amounts are the sums of the ordered lines rounded per line")
    func billAmounts() throws {
        for order in orders {
            let sum = order.lines.reduce(Money.zero) { $0 + Money.multiply($1.price, by: $1.quantity) }
            #expect(sum == order.bill.amount, "\(order.id)")
        }
        // And in the file, from the strings as written.
        let feed = try Fixture.json(Fixture.firstDay, "orders.json")
        for order in feed.array("orders") {
            var sum = Money.zero
            for line in order.array("lines") {
                let price = try #require(line.string("price").flatMap(Money.init(exactString:)))
                let quantity = try #require(line.string("quantity").flatMap(ExactDecimal.init))
                sum += Money.multiply(price, by: quantity)
            }
            #expect(order.object("bill")?.string("amount") == sum.description)
        }
    }

    @Test("every ИНН, КПП and bank account in the feed is valid")
    func requisites() throws {
        let feed = try Fixture.json(Fixture.firstDay, "orders.json")
        var parties = 0
        for order in feed.array("orders") {
            for key in ["customer", "consignee"] {
                guard let party = order.object(key) else { continue }
                parties += 1
                let inn = try #require(party.string("inn"))
                #expect(throws: Never.self) { try INN.check(inn) }
                switch party.string("kind") {
                case "legal":
                    #expect(inn.count == 10)
                    let kpp = try #require(party.string("kpp"))
                    #expect(throws: Never.self) { try Requisites.checkKPP(kpp) }
                    #expect(kpp.hasPrefix(String(inn.prefix(4))))
                case "sole_trader":
                    #expect(inn.count == 12)
                    #expect(party["kpp"] == nil)
                default:
                    Issue.record("unknown kind \(party.string("kind") ?? "nil")")
                }
                if let bank = party.object("bank") {
                    let bik = try #require(bank.string("bik"))
                    #expect(throws: Never.self) { try Requisites.checkAccount(bank.string("account") ?? "", bik: bik) }
                    #expect(throws: Never.self) { try Requisites.checkCorrespondentAccount(bank.string("corr_account") ?? "", bik: bik) }
                }
                if let edo = party.string("edo_id") { #expect(edo.count <= 46 && !edo.contains(" ")) }
                let address = try #require(party.object("address"))
                #expect(address.string("postal_code")?.count == 6)
                #expect(address.string("region_code")?.count == 2)
            }
        }
        #expect(parties >= Fixture.settings.ordersPerDay)
    }

    @Test("lines, shipments and returns keep the contract's rules")
    func shipmentsAndReturns() throws {
        var lighter = 0
        for order in orders {
            #expect((1...30).contains(order.lines.count))
            #expect(Set(order.lines.map(\.lineNo)).count == order.lines.count)
            for line in order.lines {
                #expect(line.vatRate.isValid(on: order.bill.date))
                if line.weighed { #expect(line.quantity.scale == 3 && line.unit.okei == "166") }
                else { #expect(line.quantity.normalized.scale == 0) }
            }
            switch order.status {
            case .cancelled:
                #expect(order.shipments.isEmpty)
            case .delivered:
                #expect(!order.shipments.isEmpty && order.shipments.allSatisfy { $0.deliveredAt != nil })
            case .shipped:
                #expect(!order.shipments.isEmpty && order.shipments.allSatisfy { $0.deliveredAt == nil })
            }
            #expect(order.shipments.count <= 2)
            #expect(Set(order.shipments.map(\.warehouse.id)).count == order.shipments.count)
            let takenOff = Dictionary(grouping: order.returns.filter { $0.stage == .beforeDeparture }.flatMap(\.lines), by: \.lineNo)
            for shipment in order.shipments {
                #expect(shipment.departedAt.moscowDate == Fixture.firstDay)
                if let delivered = shipment.deliveredAt { #expect(delivered > shipment.departedAt) }
                for shipped in shipment.lines {
                    let line = try #require(order.line(shipped.lineNo))
                    if line.weighed {
                        // 1–5 % lighter than ordered.
                        #expect(shipped.quantity < line.quantity)
                        #expect(shipped.quantity.units * 100 >= line.quantity.units * 95)
                        lighter += 1
                    } else {
                        let removed = takenOff[line.lineNo]?.reduce(ExactDecimal.zero) { $0 + $1.quantity } ?? .zero
                        #expect(shipped.quantity + removed == line.quantity)
                    }
                }
            }
            for back in order.returns {
                let shipment = try #require(order.shipments.first { $0.id == back.shipmentID })
                switch back.stage {
                case .beforeDeparture: #expect(back.at < shipment.departedAt)
                case .afterDelivery: #expect(back.at >= (shipment.deliveredAt ?? shipment.departedAt))
                }
                for line in back.lines {
                    let shipped = try #require(shipment.lines.first { $0.lineNo == line.lineNo })
                    if back.stage == .afterDelivery { #expect(line.quantity <= shipped.quantity && line.quantity.isPositive) }
                }
            }
        }
        #expect(lighter > 0)
    }

    @Test("the weighed difference per order is mostly tens of roubles")
    func weighedDifference() {
        let differences = orders.compactMap { order -> Money? in
            guard order.lines.contains(where: \.weighed), order.returns.isEmpty, order.status != .cancelled else { return nil }
            let shipped = order.shipments.flatMap(\.lines).reduce(Money.zero) { sum, shipped in
                sum + Money.multiply(order.line(shipped.lineNo)?.price ?? .zero, by: shipped.quantity)
            }
            return order.bill.amount - shipped
        }
        #expect(differences.allSatisfy { $0.isPositive })
        let typical = differences.filter { (Money(rubles: 5)...Money(rubles: 300)).contains($0) }.count
        #expect(typical * 2 > differences.count, "most weighed differences should be a few tens of roubles")
    }

    @Test("the scenarios appear in roughly their designed shares")
    func proportions() {
        let counts = Fixture.firstDayInMemory.day.counts
        let n = Double(counts.orders)
        #expect(counts.orders == Fixture.settings.ordersPerDay)
        #expect((0.005...0.04).contains(Double(counts.cancelled) / n))
        #expect((6.0...10.0).contains(Double(counts.lines) / n), "mean lines per order \(Double(counts.lines) / n)")
        #expect((0.35...0.85).contains(Double(counts.prepaid) / n))
        #expect(counts.prepaid + counts.postpaid == counts.orders)
        let shipped = counts.orders - counts.cancelled
        #expect((0.05...0.25).contains(Double(counts.shipments - shipped) / Double(shipped)), "two-warehouse share")
        #expect(counts.beforeDepartureReturns > 0 && Double(counts.beforeDepartureReturns) / n < 0.05)
        #expect(counts.afterDeliveryReturns > 0 && Double(counts.afterDeliveryReturns) / n < 0.08)
        #expect(counts.mercuryWithoutVSD > 0 && Double(counts.mercuryWithoutVSD) / n < 0.03)
        let orders = Fixture.firstDayInMemory.orders
        #expect(orders.contains { $0.customer.edoID == nil })
        #expect(orders.contains { $0.customer.kind == .soleTrader })
        #expect(orders.contains { $0.consignee != nil })
        #expect(Set(orders.map(\.customer.id)).count <= max(10, Fixture.settings.ordersPerDay / 20))
        let rates = Set(orders.flatMap(\.lines).map(\.vatRate))
        #expect(rates == [.standard22, .reduced10, .zero, .exempt])
        let kinds = counts.paymentKinds
        for kind in ["exact", "partial", "over", "multi-bill", "unreferenced", "unknown-payer", "wrong-bill", "postpaid"] {
            #expect((kinds[kind] ?? 0) > 0, "no \(kind) payment")
        }
        #expect((kinds["exact"] ?? 0) > (kinds["partial"] ?? 0) * 5)
    }

    @Test("bills dated before 2026 carry the standard rate of 20 %, later ones 22 %")
    func standardRateByDate() {
        let old = Generator.orders(day: CivilDate(year: 2026, month: 1, day: 1)!, count: 40, seed: 1)
        let rates = Set(old.flatMap(\.lines).map(\.vatRate))
        #expect(rates.contains(.standard20) && !rates.contains(.standard22))
        #expect(old.allSatisfy { order in order.lines.allSatisfy { $0.vatRate.isValid(on: order.bill.date) } })
        let new = Generator.orders(day: CivilDate(year: 2026, month: 1, day: 2)!, count: 40, seed: 1)
        #expect(Set(new.flatMap(\.lines).map(\.vatRate)).contains(.standard22))
    }

    @Test("the catalogue has about two hundred distinct articles")
    func catalogue() {
        let products = Catalogue.products
        #expect((180...220).contains(products.count))
        #expect(Set(products.map(\.sku)).count == products.count)
        #expect(products.contains { $0.weighed && $0.mercury })
        #expect(Set(products.map(\.unit.okei)) == ["796", "166", "778", "868"])
        for product in products {
            if let gtin = product.gtin { #expect(gtin.count == 13 && gtin.allSatisfy(\.isASCIIDigit)) }
            #expect(product.price.isPositive)
        }
    }
}
