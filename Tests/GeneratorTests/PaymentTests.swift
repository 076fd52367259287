import Domain
import Foundation
import Generator
import Testing
import TestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Payments")
struct PaymentTests {
    let day1 = Fixture.firstDay
    let day2 = Fixture.firstDay.adding(days: 1)

    @Test("the 1C statement is Windows-1251 with Кодировка=Windows, CR LF lines and balanced sections")
    func clientBankStructure() throws {
        for day in [day1, day2] {
            let data = try Fixture.bytes(day, Generator.fileNames(for: day).bank1C)
            #expect(!data.contains(0x98), "a byte undefined in Windows-1251")
            #expect(String(data: data, encoding: .utf8) == nil, "the statement must not be UTF-8")
            // Cyrillic is single-byte: «Кодировка=Windows» is 17 bytes.
            #expect(data.range(of: Data([0xCA, 0xEE, 0xE4, 0xE8, 0xF0, 0xEE, 0xE2, 0xEA, 0xE0]) + Data("=Windows".utf8)) != nil)
            let lines = try Fixture.statementLines(day)
            #expect(lines.first == "1CClientBankExchange")
            #expect(lines.contains("Кодировка=Windows"))
            #expect(lines.dropLast().last == "КонецФайла" && lines.last == "")
            #expect(!lines.contains { $0.contains("\n") || $0.contains("\r") })
            var open: String?
            var documents = 0
            for line in lines {
                if line.hasPrefix("СекцияДокумент=") || line == "СекцияРасчСчет" {
                    #expect(open == nil, "a section opens inside another")
                    open = line
                } else if line == "КонецДокумента" {
                    #expect(open?.hasPrefix("СекцияДокумент=") == true)
                    open = nil
                    documents += 1
                } else if line == "КонецРасчСчет" {
                    #expect(open == "СекцияРасчСчет")
                    open = nil
                }
            }
            #expect(open == nil)
            #expect(documents > 100)
        }
    }

    @Test("the 1C balances add up and every ИНН and account in it is valid")
    func clientBankBalances() throws {
        let lines = try Fixture.statementLines(day1)
        func value(_ key: String) -> Money? {
            lines.first { $0.hasPrefix(key + "=") }.flatMap { Money(exactString: String($0.dropFirst(key.count + 1))) }
        }
        let opening = try #require(value("НачальныйОстаток"))
        let credits = try #require(value("ВсегоПоступило"))
        let debits = try #require(value("ВсегоСписано"))
        #expect(value("КонечныйОстаток") == opening + credits - debits)
        let account = lines.first { $0.hasPrefix("РасчСчет=") }.map { String($0.dropFirst(9)) }
        let documents = Fixture.documents(lines)
        var incoming = Money.zero
        var outgoing = Money.zero
        for document in documents {
            let amount = try #require(document["Сумма"].flatMap(Money.init(lenientString:)))
            if document["ДатаПоступило"]?.isEmpty == false {
                #expect(document["ПолучательСчет"] == account)
                incoming += amount
            } else {
                #expect(document["ДатаСписано"] == day1.russian)
                outgoing += amount
            }
            for side in ["Плательщик", "Получатель"] {
                let inn = try #require(document[side + "ИНН"])
                #expect(throws: Never.self) { try INN.check(inn) }
                let bik = document[side + "БИК"] ?? ""
                if document[side + "Счет"]?.hasPrefix("70601") != true {
                    #expect(throws: Never.self) { try Requisites.checkAccount(document[side + "Счет"] ?? "", bik: bik) }
                }
            }
        }
        #expect(incoming == credits)
        #expect(outgoing == debits)
        #expect(outgoing.isPositive)
    }

    @Test("the provider list is the v3 envelope; completed orders are paid on the day; one merchantOrderId clashes")
    func invoicebox() throws {
        let list = try Fixture.json(day1, "invoicebox.json")
        let data = list.array("data")
        let meta = try #require(list.object("metaData"))
        #expect(meta["totalCount"] as? Int == data.count)
        #expect((meta["pageSize"] as? Int ?? 0) >= data.count)
        var completedByMerchant: [String: Int] = [:]
        var statuses: Set<String> = []
        let feedIDs = Set(Fixture.firstDayInMemory.orders.map(\.id.rawValue))
        for record in data {
            let status = try #require(record.string("status"))
            statuses.insert(status)
            #expect(record.string("currencyId") == "RUB")
            #expect(record["amount"] is NSNumber)
            let inn = try #require(record.object("customer")?.string("vatNumber"))
            #expect(throws: Never.self) { try INN.check(inn) }
            if status == "completed" {
                let paidAt = try #require(record.string("paidAt").flatMap(Timestamp.init(rfc3339:)))
                #expect(paidAt.moscowDate == day1)
                completedByMerchant[record.string("merchantOrderId") ?? "", default: 0] += 1
            } else {
                #expect(record["paidAt"] == nil)
            }
        }
        #expect(statuses.isSuperset(of: ["completed", "expired", "created"]))
        let clashes = completedByMerchant.filter { $0.value > 1 }
        #expect(clashes.count == 1)
        #expect(clashes.keys.allSatisfy { !feedIDs.contains($0) })
        // Every provider-paid order in the feed has its provider id in the list.
        let listIDs = Set(data.compactMap { $0.string("id") })
        for order in Fixture.firstDayInMemory.orders {
            if let id = order.providerOrderID { #expect(listIDs.contains(id.rawValue)) }
        }
    }

    @Test("the next day's statement carries the provider's payout of the previous day less 2.5 %")
    func payout() throws {
        let list = try Fixture.json(day1, "invoicebox.json")
        var total = Money.zero
        for record in list.array("data") where record.string("status") == "completed" {
            let number = try #require(record["amount"] as? NSNumber)
            total += try #require(Money(lenientString: number.stringValue))
        }
        let commission = Money(kopecks: (total.kopecks * 25 + 500) / 1_000)
        let documents = Fixture.documents(try Fixture.statementLines(day2))
        let provider = Simulation(Fixture.settings).provider
        let payouts = documents.filter { $0["ПлательщикИНН"] == provider.inn }
        #expect(payouts.count == 1)
        #expect(payouts.first?["Сумма"] == (total - commission).description)
        #expect(payouts.first?["НазначениеПлатежа2"]?.contains("\(commission) руб.") == true)
        #expect(payouts.first?["НазначениеПлатежа2"]?.contains(day1.russian) == true)
        // The first day has no payout: nothing was paid the day before.
        #expect(!Fixture.documents(try Fixture.statementLines(day1)).contains { $0["ПлательщикИНН"] == provider.inn })
    }

    @Test("later days pay earlier postpaid bills and bring earlier orders back with returns")
    func continuity() throws {
        var simulation = Simulation(Fixture.settings)
        let first = simulation.nextDay { _ in }
        var reissued: [Order] = []
        let second = simulation.nextDay { order in
            let returnedToday = order.returns.contains { $0.stage == .afterDelivery && $0.at.moscowDate == Fixture.firstDay.adding(days: 1) }
            if returnedToday, order.shipments.first?.departedAt.moscowDate == Fixture.firstDay {
                reissued.append(order)
            }
        }
        #expect(!reissued.isEmpty)
        #expect(reissued.count == second.counts.reissuedOrders)
        let firstIDs = Set(first.bills.map(\.orderID))
        #expect(reissued.allSatisfy { firstIDs.contains($0.id) })

        let postpaid = first.bills.filter { $0.channel == .deferred && !$0.cancelled }
        let purposes = second.payments().map(\.purpose)
        let paid = postpaid.filter { bill in purposes.contains { $0.contains(bill.number.rawValue) } }
        #expect(!paid.isEmpty, "no postpaid bill of the first day is paid on the second")
        // Bill numbers continue across days.
        #expect(Set(second.bills.map(\.number)).isDisjoint(with: first.bills.map(\.number)))
    }

    @Test("in-memory payments carry the readers' ids, unique and positive")
    func inMemoryPayments() throws {
        let payments = Fixture.firstDayInMemory.day.payments()
        #expect(Set(payments.map(\.id)).count == payments.count)
        #expect(payments.allSatisfy { $0.amount.isPositive && $0.receivedOn == Fixture.firstDay && !$0.raw.isEmpty })
        let sources = Dictionary(grouping: payments, by: \.source).mapValues(\.count)
        #expect((sources[.invoicebox] ?? 0) > 0 && (sources[.bank1C] ?? 0) > 0 && (sources[.camt053] ?? 0) > 0)
        #expect((sources[.camt053] ?? 0) * 5 < (sources[.bank1C] ?? 0), "the second account is a small share")
        let light = Generator.payments(day: Fixture.firstDay, count: Fixture.settings.ordersPerDay, seed: 42, rawRecords: false)
        #expect(light.map(\.id) == payments.map(\.id))
        #expect(light.allSatisfy { $0.raw.isEmpty })
        // 1C ids as the reader builds them: bank:<our account>:<date>:<number>:<payer account>:<amount>.
        let bank = try #require(payments.first { $0.source == .bank1C })
        let parts = bank.id.rawValue.split(separator: ":")
        #expect(parts.count == 6 && parts[0] == "bank" && parts[2] == "2026-11-27" && parts[5] == Substring(bank.amount.description))
        #expect(bank.raw.hasPrefix("СекцияДокумент=Платежное поручение\n") && bank.raw.hasSuffix("\nКонецДокумента"))
        let bills = Generator.bills(day: Fixture.firstDay, count: Fixture.settings.ordersPerDay, seed: 42)
        #expect(bills == Fixture.firstDayInMemory.day.bills)
    }

    @Test("the camt.053 statement parses, books its credits and keeps a pending entry and a debit")
    func camt() throws {
        let data = try Fixture.bytes(day1, Generator.fileNames(for: day1).camt053)
        let collector = ElementCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        #expect(parser.parse(), "camt.053 is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.rootNamespace == "urn:iso:std:iso:20022:tech:xsd:camt.053.001.05")
        #expect(collector.texts["Sts"]?.contains("PDNG") == true)
        #expect(collector.texts["Sts"]?.filter { $0 == "BOOK" }.count ?? 0 > 1)
        #expect(collector.texts["CdtDbtInd"]?.contains("DBIT") == true)
        #expect(collector.texts["Ustrd"]?.isEmpty == false)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("<Cd>OPBD</Cd>") && text.contains("<Cd>CLBD</Cd>"))
    }

    @Test("the configuration points file:// sources at the generated days")
    func configuration() throws {
        let yaml = try String(contentsOf: Fixture.written.report.configuration, encoding: .utf8)
        let simulation = Simulation(Fixture.settings)
        for needle in [
            "url: \"file://{config_dir}/days/{date}/orders.json\"",
            "url: \"file://{config_dir}/days/{date}/invoicebox.json\"",
            "url: \"file://{config_dir}/days/{date}/kl_to_1c_{ddMMyyyy}.txt\"",
            "url: \"file://{config_dir}/days/{date}/camt053_{yyyyMMdd}.xml\"",
            "provider_inn: \"\(simulation.provider.inn)\"",
            "accounts: [\"\(simulation.seller.bank.account)\"]",
            "accounts: [\"\(simulation.seller.secondBank.account)\"]",
            "inn: \"\(simulation.seller.inn)\"",
            "commission_percent: \"2.5\"",
            "settlement_lag_days: 1",
        ] {
            #expect(yaml.contains(needle), "sverka.yaml lacks \(needle)")
        }
        #expect(throws: Never.self) { try INN.check(simulation.seller.inn) }
        #expect(throws: Never.self) { try Requisites.checkOGRN(simulation.seller.ogrn) }
        #expect(throws: Never.self) { try Requisites.checkAccount(simulation.seller.bank.account, bik: simulation.seller.bank.bik) }
        #expect(throws: Never.self) {
            try Requisites.checkAccount(simulation.seller.secondBank.account, bik: simulation.seller.secondBank.bik)
        }
        #expect(simulation.seller.edoID.count <= 46)
    }

    @Test("Windows-1251 round-trips every character the generator writes")
    func codePage() {
        let text = "Оплата по счёту № СЧ-000123 «Ёлка» ЁёЖжЯя"
        #expect(CP1251.canEncode(text))
        #expect(!CP1251.canEncode("emoji 🍏"))
        let lines = (try? Fixture.statementLines(day1)) ?? []
        #expect(!lines.joined().contains("\u{FFFD}") && !lines.joined().contains("?"))
    }
}

/// Collects element texts by name and the root's namespace.
final class ElementCollector: NSObject, XMLParserDelegate {
    var texts: [String: [String]] = [:]
    var rootNamespace: String?
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if rootNamespace == nil { rootNamespace = attributes["xmlns"] }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        texts[elementName, default: []].append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        current = ""
    }
}
