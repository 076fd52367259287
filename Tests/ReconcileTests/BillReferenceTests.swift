import Foundation
import TestSupport
import Testing
@testable import Reconcile

@Suite("Bill numbers in payment purposes")
struct BillReferenceTests {
    private func quoted(_ purpose: String) -> [String] { BillReference.quotes(in: purpose).map(\.text) }
    private func normalized(_ purpose: String) -> [String] { BillReference.quotes(in: purpose).map(\.normalizedKey) }

    @Test("the forms people really type", arguments: [
        ("Оплата по счету № СЧ-000123 от 26.11.2026 г. Сумма 2429-73, в т.ч. НДС", ["123"]),
        ("опл. сч.123", ["123"]),
        ("счет N 000123", ["123"]),
        ("по сч №123 и №124", ["123", "124"]),
        ("Счёт-000123", ["123"]),
        ("СЧ000123", ["123"]),
        ("оплата счетов 130, 131", ["130", "131"]),
        ("Оплата по счёту 123 от 2026-11-26, НДС 22% 438-15", ["123"]),
        ("Оплата счета на оплату № 77 от 26 ноября 2026 г.", ["77"]),
        ("Оплата по счетам №№ 12; 13 и 14 за товар", ["12", "13", "14"]),
        ("invoice #4512", ["4512"]),
        ("Оплата по сч. СЧ-000130, СЧ-000131 НДС 22%", ["130", "131"]),
    ])
    func realForms(purpose: String, expected: [String]) {
        #expect(normalized(purpose) == expected)
    }

    @Test("dates, amounts, ИНН, КПП, accounts, phones and VAT rates are not bill numbers", arguments: [
        "Оплата по договору. Сумма 12354-00 без налога (НДС)",
        "Расчет по договору N 0320 от 21.06.2021 за проведение экспертизы. Не облагается НДС",
        "Оплата за товар 26.11.2026, сумма 2 429,73, в т.ч. НДС 22% 438,15",
        "ИНН 7701234560 КПП 770101001 р/с 40702810900000012345 тел. +7 (495) 123-45-67",
        "Оплата по счету 26.11.2026",
        "Оплата по счету на 5000 руб.",
        "Оплата по счету 7701234560",
        "Оплата по счету 22%",
        "Оплата по счет-фактуре № 55 от 26.11.2026",
        "Оплата по сч-ф 55",
        "Перевод на расчетный счет 40702810900000012345",
        "Оплата заказа № 123",
    ])
    func notBillNumbers(purpose: String) {
        #expect(quoted(purpose).isEmpty, "in \(purpose)")
    }

    @Test("the quote keeps its written form and both keys")
    func keys() throws {
        let quote = try #require(BillReference.quotes(in: "Оплата по счету № СЧ-000123 от 26.11.2026 г.").first)
        #expect(quote.text == "СЧ-000123")
        #expect(quote.exactKey == "СЧ000123")
        #expect(quote.normalizedKey == "123")
        let glued = try #require(BillReference.quotes(in: "СЧ000123").first)
        #expect(glued.exactKey == quote.exactKey)
        let bare = try #require(BillReference.quotes(in: "счет N 000123").first)
        #expect(bare.exactKey == "000123")
        #expect(bare.normalizedKey == "123")
        #expect(BillReference.normalizedKey("СЧ-000000") == "0")
    }

    @Test("a number repeated in the purpose is quoted once")
    func repeats() {
        #expect(quoted("Оплата по счету 123. Счет 123") == ["123"])
    }
}

@Suite("Bill numbers in real bank purposes")
struct RealPurposeTests {
    @Test("real 1C exports quote contracts, taxes and amounts, never a bill",
          .enabled(if: Paths.realInputs != nil, "../shared/real-inputs is not present"))
    func realPurposes() throws {
        let folder = try #require(Paths.realInputs).appendingPathComponent("1c")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".txt") }
        var purposes: [String] = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("НазначениеПлатежа=") {
                purposes.append(String(line.dropFirst("НазначениеПлатежа=".count)))
            }
        }
        #expect(purposes.count >= 5)
        #expect(purposes.contains { $0.contains("договору N 0320 от 21.06.2021") })
        for purpose in purposes {
            #expect(BillReference.quotes(in: purpose).isEmpty, "in \(purpose)")
        }
    }
}
