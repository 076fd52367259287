import Domain
import Foundation
import Reports
import Testing

enum ActFixtures {
    static func d(_ day: Int, month: Int = 11) -> CivilDate { CivilDate(year: 2026, month: month, day: day)! }

    static let seller = ActOfReconciliation.Party(
        name: "ООО «Свежие продукты»", inn: "7707083893", kpp: "770701001", ogrn: "1027700132195",
        email: "buh@fresh.example", edoID: "2BM-7707083893-770701001-201801010000000000000",
        signer: .init(name: .init(surname: "Смирнова", givenName: "Анна", patronymic: "Павловна"),
                      position: "Главный бухгалтер"))

    static let customer = ActOfReconciliation.Party(
        name: "ООО «Ромашка»", inn: "7736207543", kpp: "773601001", ogrn: "1027700229193",
        edoID: "2BM-7736207543-773601001-201905050000000000000")

    static let entries: [ActOfReconciliation.Entry] = [
        .init(date: d(3), kind: .sale, documentNumber: "1001", amount: Money(rubles: 25000)),
        .init(date: d(10), kind: .payment, documentNumber: "451", documentDate: d(9), amount: -Money(rubles: 25000)),
        .init(date: d(20), kind: .sale, documentNumber: "1015", amount: Money(rubles: 20000)),
        .init(date: d(27), kind: .sale, documentNumber: "12", amount: Money(kopecks: 1_234_567)),
        .init(date: d(27), kind: .payment, documentNumber: "482", amount: -Money(rubles: 8000)),
        .init(date: d(28), kind: .correction, documentNumber: "12-К", amount: -Money(rubles: 1000)),
    ]

    static var act: ActOfReconciliation {
        ActOfReconciliation(number: "АС-7736207543-202611", date: d(30), seller: seller, customer: customer,
                            periodFrom: d(1), periodTo: d(30), openingBalance: Money(rubles: 1000),
                            entries: entries,
                            contract: .init(number: "П-15/2025", date: CivilDate(year: 2025, month: 1, day: 15)!))
    }
}

@Suite("Act of reconciliation")
struct ActTests {
    let act = ActFixtures.act

    @Test("documents are described as accountants write them")
    func descriptions() {
        #expect(act.entries[0].description == "Реализация (УПД) № 1001 от 03.11.2026")
        #expect(act.entries[1].description == "Оплата (п/п № 451 от 09.11.2026)")
        #expect(act.entries[5].description == "Корректировка реализации (УКД) № 12-К от 28.11.2026")
        #expect(act.entries[1].credit == Money(rubles: 25000) && act.entries[1].debit == .zero)
        #expect(act.entries[0].debit == Money(rubles: 25000) && act.entries[0].credit == .zero)
    }

    @Test("turnovers and balances are sums of the entries")
    func balances() {
        #expect(act.turnoverDebit == Money(kopecks: 5_734_567))
        #expect(act.turnoverCredit == Money(rubles: 34000))
        #expect(act.closingBalance == Money(kopecks: 2_434_567))
        #expect(act.closingSentence == "По данным ООО «Свежие продукты» на 30.11.2026 задолженность в пользу "
            + "ООО «Свежие продукты» составляет 24\u{00A0}345,67 руб. (двадцать четыре тысячи триста сорок пять рублей 67 копеек).")
    }

    @Test("the closing sentence names the creditor, or says there is no debt")
    func closingSentence() {
        var owedToCustomer = act
        owedToCustomer.openingBalance = Money(kopecks: -2_434_567)
        #expect(owedToCustomer.closingBalance == Money(rubles: -1000))
        #expect(owedToCustomer.closingSentence.hasSuffix(
            "задолженность в пользу ООО «Ромашка» составляет 1\u{00A0}000,00 руб. (одна тысяча рублей 00 копеек)."))

        var settled = act
        settled.openingBalance = Money(kopecks: -2_334_567)
        #expect(settled.closingBalance.isZero)
        #expect(settled.closingSentence == "По данным ООО «Свежие продукты» на 30.11.2026 взаимная задолженность отсутствует.")
    }

    @Test("entries from ledger movements keep sign, kind and reference")
    func fromMovements() {
        let movement = BalanceMovement(id: "payment:bank-1c:482", customerINN: "7736207543", date: ActFixtures.d(27),
                                       kind: .payment, amount: -Money(rubles: 8000), orderID: nil, reference: "482")
        let entry = ActOfReconciliation.Entry(movement: movement)
        #expect(entry.kind == .payment && entry.credit == Money(rubles: 8000) && entry.documentID == "payment:bank-1c:482")
        #expect(entry.description == "Оплата (п/п № 482 от 27.11.2026)")
    }

    @Test("HTML: two sides, our side filled, theirs blank, balances, words, signatures")
    func html() throws {
        let page = try act.html()
        #expect(page.contains("Акт сверки взаимных расчётов № АС-7736207543-202611"))
        #expect(page.contains("за период с 01.11.2026 по 30.11.2026"))
        #expect(page.contains("По данным ООО «Свежие продукты», руб."))
        #expect(page.contains("По данным ООО «Ромашка», руб."))
        #expect(page.contains("Реализация (УПД) № 12 от 27.11.2026"))
        #expect(page.contains("Оплата (п/п № 482 от 27.11.2026)"))
        #expect(page.contains("по договору: Договор поставки № П-15/2025 от 15.01.2025"))
        #expect(page.contains("id=\"opening-debit\">1\u{00A0}000,00<"))
        #expect(page.contains("id=\"opening-credit\"><"))
        #expect(page.contains("id=\"turnover-debit\">57\u{00A0}345,67<"))
        #expect(page.contains("id=\"turnover-credit\">34\u{00A0}000,00<"))
        #expect(page.contains("id=\"closing-debit\">24\u{00A0}345,67<"))
        #expect(page.contains("(двадцать четыре тысячи триста сорок пять рублей 67 копеек)"))
        #expect(page.contains("Главный бухгалтер"))
        #expect(page.contains("Смирнова А. П."))
        #expect(page.contains("От ООО «Ромашка»"))
        #expect(page.components(separatedBy: "М.П.").count == 3)
        // The customer's side: four blank cells on every operation row.
        let operationRows = page.components(separatedBy: "<tr><td>").count - 1
        #expect(operationRows == act.entries.count)
        #expect(page.components(separatedBy: "<td class=\"theirs\"></td><td class=\"theirs\"></td><td class=\"theirs\"></td><td class=\"theirs\"></td>").count - 1
            == act.entries.count)
    }

    @Test("a balance in the customer's favour is in the credit column")
    func creditBalances() throws {
        var owed = act
        owed.openingBalance = Money(kopecks: -3_000_000)
        let page = try owed.html()
        #expect(page.contains("id=\"opening-debit\"><"))
        #expect(page.contains("id=\"opening-credit\">30\u{00A0}000,00<"))
        #expect(page.contains("id=\"closing-credit\">6\u{00A0}654,33<"))
        #expect(page.contains("задолженность в пользу ООО «Ромашка» составляет 6\u{00A0}654,33 руб. "
            + "(шесть тысяч шестьсот пятьдесят четыре рубля 33 копейки)."))
        let rows = parseCSV(owed.csv())
        #expect(rows[1] == ["01.11.2026", "Сальдо начальное", "", "30000,00"])
        #expect(rows.last == ["30.11.2026", "Сальдо конечное", "", "6654,33"])
    }

    @Test("HTML escapes the parties' names")
    func escaping() throws {
        var hostile = act
        hostile.customer.name = "<script>alert(1)</script>"
        let page = try hostile.html()
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("CSV: opening balance, operations, turnovers, closing balance")
    func csv() {
        let rows = parseCSV(act.csv())
        #expect(rows.first == ["Дата", "Документ", "Дебет", "Кредит"])
        #expect(rows[1] == ["01.11.2026", "Сальдо начальное", "1000,00", ""])
        #expect(rows[2] == ["03.11.2026", "Реализация (УПД) № 1001 от 03.11.2026", "25000,00", ""])
        #expect(rows[3] == ["10.11.2026", "Оплата (п/п № 451 от 09.11.2026)", "", "25000,00"])
        #expect(rows[rows.count - 2] == ["", "Обороты за период", "57345,67", "34000,00"])
        #expect(rows.last == ["30.11.2026", "Сальдо конечное", "24345,67", ""])
        let operations = rows[2..<(rows.count - 2)]
        #expect(operations.compactMap { csvMoney($0[2]) }.sum() == act.turnoverDebit)
        #expect(operations.compactMap { csvMoney($0[3]) }.sum() == act.turnoverCredit)
    }

    @Test("entries are put in date order, stably")
    func order() {
        var shuffled = act
        shuffled.entries = act.entries.reversed()
        let dates = shuffled.sortedEntries.map(\.date)
        #expect(dates == dates.sorted())
        #expect(shuffled.sortedEntries.filter { $0.date == ActFixtures.d(27) }.map(\.documentNumber) == ["482", "12"])
    }

    @Test("entries outside the period, or a reversed period, are errors")
    func validation() {
        var outside = act
        outside.entries.append(.init(date: ActFixtures.d(1, month: 12), kind: .sale, documentNumber: "1", amount: Money(rubles: 1)))
        #expect(throws: ActError.self) { try outside.validate() }
        #expect(throws: ReportError.self) { try outside.html() }
        var reversed = act
        reversed.periodFrom = ActFixtures.d(30)
        reversed.periodTo = ActFixtures.d(1)
        #expect(throws: ActError.self) { try reversed.validate() }
    }
}
