import Domain
import Foundation
@testable import Ingest
import Testing

@Suite("1CClientBankExchange")
struct ClientBankExchangeTests {
    let ours: Set<String> = [Fixture.mainAccount]

    func read27(_ transform: (String) throws -> String = { $0 }) throws -> BankStatementReading {
        let text = try transform(Fixture.oneCText(Fixture.day27))
        return try ClientBankExchange.read(Fixture.cp1251(text), ourAccounts: ours)
    }

    // MARK: The samples

    @Test func the26thHasOneIncomingPaymentAndOneOutgoingIgnored() throws {
        let bytes = try Fixture.sample(Fixture.day26, Fixture.oneCName(Fixture.day26))
        #expect(bytes.contains(0xD1)) // cp1251 «С», not UTF-8
        let reading = try ClientBankExchange.read(bytes, ourAccounts: ours)
        #expect(reading.documentCount == 2)
        #expect(reading.incomingCount == 1 && reading.outgoingCount == 1)
        #expect(reading.diagnostics.isEmpty && reading.quarantined.isEmpty)
        let payment = try #require(reading.payments.first)
        #expect(payment.source == .bank1C)
        #expect(payment.amount == Money(exactString: "8608.20")!)
        #expect(payment.receivedOn == Fixture.day26)
        #expect(payment.payerINN == "7733015829")
        #expect(payment.payerName == "ООО «Лавка у дома»")
        #expect(payment.purpose.hasPrefix("Оплата по счету № СЧ-000119 от 25.11.2026"))
        #expect(payment.documentNumber == "417" && payment.documentDate == Fixture.day26)
        #expect(payment.id == "bank:40702810938000012345:2026-11-26:417:40702810100000012398:8608.20")
        #expect(payment.raw.hasPrefix("СекцияДокумент=Платежное поручение") && payment.raw.hasSuffix("КонецДокумента"))
        let (statement, _) = try ClientBankExchange.parse(bytes)
        #expect(statement.encoding == .cp1251 && statement.declaredEncoding == "Windows")
        #expect(statement.accounts == [Fixture.mainAccount])
        #expect(statement.balances.first?.value("КонечныйОстаток") == "1108608.20")
    }

    @Test func the27thHasSixIncomingPayments() throws {
        let reading = try read27()
        #expect(reading.documentCount == 7)
        #expect(reading.incomingCount == 6 && reading.outgoingCount == 1)
        #expect(reading.quarantined.isEmpty && reading.diagnostics.isEmpty)
        let amounts = reading.payments.map(\.amount.description)
        #expect(amounts == ["1000.00", "5000.00", "5547.60", "9264.31", "3500.00", "6418.91"])
        #expect(reading.payments[0].purpose == "Оплата по счету № СЧ-000125 от 26.11.2026 г. Сумма 1 000-00, в т.ч. НДС 22%")
        #expect(reading.payments[1].purpose == "опл. сч.126")
        // The payout's purpose is split over НазначениеПлатежа1…3 with an empty НазначениеПлатежа.
        let payout = reading.payments[5]
        #expect(payout.payerINN == "7708051171")
        #expect(payout.purpose == "Перечисление денежных средств по договору № ИБ-2025/0457 от 10.03.2025 за 26.11.2026 за вычетом вознаграждения 164.59 руб. НДС не облагается")
        // Unknown keys are kept in the raw record.
        #expect(reading.payments[1].raw.contains("ИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D"))
    }

    @Test func unknownKeysAndEmptyValuesAreKeptWithLineNumbers() throws {
        let (statement, _) = try ClientBankExchange.parse(Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27)))
        let document = statement.documents[1]
        #expect(document.kind == "Платежное поручение")
        let unknown = try #require(document.fields.first { $0.key == "ИдентификаторПлатежа" })
        #expect(statement.lines[unknown.line - 1] == "ИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D")
        let empty = try #require(document.fields.first { $0.key == "ДатаСписано" })
        #expect(empty.value == "")
        #expect(document.value("ДатаСписано") == nil)
    }

    @Test func readingTwiceOrOverlappingStatementsGivesTheSameIds() throws {
        let first = try read27().payments.map(\.id)
        #expect(try read27().payments.map(\.id) == first)
        // A statement of the 26th–27th holding the 27th's documents again: same ids.
        let text27 = try Fixture.oneCText(Fixture.day27)
        let documents = try #require(text27.range(of: "СекцияДокумент=")).lowerBound
        let end = try #require(text27.range(of: "КонецФайла")).lowerBound
        let text26 = try Fixture.oneCText(Fixture.day26)
        let merged = try text26.replacingOnce("КонецФайла", with: String(text27[documents..<end]) + "КонецФайла")
        let overlapping = try ClientBankExchange.read(Fixture.cp1251(merged), ourAccounts: ours)
        #expect(overlapping.payments.count == 7)
        #expect(Set(first).isSubset(of: Set(overlapping.payments.map(\.id))))
    }

    @Test func theSamePaymentTwiceInOneFileIsReadOnce() throws {
        let reading = try read27 { text in
            let start = try #require(text.range(of: "СекцияДокумент=")).lowerBound
            let end = try #require(text.range(of: "КонецДокумента\r\n")).upperBound
            return try text.replacingOnce("КонецФайла", with: String(text[start..<end]) + "КонецФайла")
        }
        #expect(reading.payments.count == 6)
        #expect(reading.diagnostics.map(\.kind) == ["duplicate-record"])
        #expect(reading.diagnostics.first?.severity == .warning)
    }

    @Test func ourAccountsComeFromTheStatementWhenNoneAreConfigured() throws {
        let reading = try ClientBankExchange.read(Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27)))
        #expect(reading.payments.count == 6)
        let other = try ClientBankExchange.read(Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27)),
                                                ourAccounts: [Fixture.secondAccount])
        #expect(other.payments.isEmpty)
        #expect(other.otherCount == 7)
        #expect(other.diagnostics.allSatisfy { $0.kind == "foreign-document" })
    }

    // MARK: Encodings

    /// cp866 has no «»: the sample with plain quotes.
    func withoutGuillemets(_ text: String) -> String {
        text.replacingOccurrences(of: "«", with: "\"").replacingOccurrences(of: "»", with: "\"")
    }

    @Test func cp866DeclaredAsDOSReadsTheSame() throws {
        let text = withoutGuillemets(try Fixture.oneCText(Fixture.day27).replacingOnce("Кодировка=Windows", with: "Кодировка=DOS"))
        let bytes = try #require(CyrillicCodePage.cp866.encode(text))
        let reading = try ClientBankExchange.read(bytes, ourAccounts: ours)
        let expected = try read27 { withoutGuillemets($0) }.payments
        #expect(reading.payments.map(\.id) == expected.map(\.id))
        #expect(reading.payments.map(\.payerName) == expected.map(\.payerName))
        #expect(reading.payments.first?.payerName == "ООО \"Продсервис\"")
        #expect(try ClientBankExchange.parse(bytes).statement.encoding == .cp866)
    }

    @Test func cp866BytesDeclaredWindowsFailTheSource() throws {
        let text = withoutGuillemets(try Fixture.oneCText(Fixture.day27))
        let bytes = try #require(CyrillicCodePage.cp866.encode(text))
        let error = #expect(throws: SourceError.self) { try ClientBankExchange.read(bytes, ourAccounts: ours) }
        #expect(error?.source == "bank-1c")
        #expect(error?.line == 3)
        #expect(error?.reason.contains("declares Кодировка=Windows") == true)
        #expect(error?.reason.contains("cp866") == true)
    }

    @Test func cp1251BytesDeclaredDOSFailTheSource() throws {
        let text = try Fixture.oneCText(Fixture.day27).replacingOnce("Кодировка=Windows", with: "Кодировка=DOS")
        let error = #expect(throws: SourceError.self) { try ClientBankExchange.read(Fixture.cp1251(text), ourAccounts: ours) }
        #expect(error?.reason.contains("windows-1251") == true)
    }

    @Test func utf8DespiteWindowsIsReadWithANote() throws {
        let text = try Fixture.oneCText(Fixture.day27)
        let reading = try ClientBankExchange.read(Array(text.utf8), ourAccounts: ours)
        #expect(reading.payments == (try read27().payments))
        #expect(reading.diagnostics.map(\.kind) == ["statement-encoding"])
        #expect(reading.diagnostics.first?.severity == .info)
    }

    @Test func codePageTablesRoundTripCyrillic() throws {
        let text = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№"
        for page in CyrillicCodePage.allCases {
            let bytes = try #require(page.encode(text))
            #expect(bytes.count == text.count)
            #expect(page.decode(bytes) == text)
        }
        #expect(CyrillicCodePage.cp1251.encode("«»") == [0xAB, 0xBB])
        #expect(CyrillicCodePage.cp866.encode("«»") == nil)
        #expect(CyrillicCodePage.cp866.decode([0x80, 0xA0, 0xE0, 0xF0]) == "АарЁ")
    }

    // MARK: Broken files

    @Test func aFileWithoutKonecFailaFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try read27 { try $0.replacingOnce("КонецФайла\r\n", with: "") }
        }
        #expect(error?.reason.contains("КонецФайла") == true)
    }

    @Test func aFileCutInsideADocumentFailsTheSource() throws {
        let text = try Fixture.oneCText(Fixture.day27)
        let cut = String(text[..<(try #require(text.range(of: "Сумма=5000")).lowerBound)])
        let error = #expect(throws: SourceError.self) { try ClientBankExchange.read(Fixture.cp1251(cut), ourAccounts: ours) }
        // The line of the section left open: the second document.
        let opening = cut.components(separatedBy: "\r\n").lastIndex { $0.hasPrefix("СекцияДокумент=") }.map { $0 + 1 }
        #expect(error?.line == opening)
        #expect(error?.reason.contains("truncated") == true)
    }

    @Test func anUnclosedSectionFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try read27 { try $0.replacingOnce("Очередность=5\r\nНазначениеПлатежа=опл. сч.126\r\nИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D\r\nКонецДокумента\r\n",
                                              with: "Очередность=5\r\nНазначениеПлатежа=опл. сч.126\r\n") }
        }
        #expect(error?.reason.contains("not closed") == true)
    }

    @Test func aBadAmountQuarantinesThatDocumentWithItsLine() throws {
        let text = try Fixture.oneCText(Fixture.day27).replacingOnce("Сумма=5000", with: "Сумма=5 000 руб")
        let reading = try ClientBankExchange.read(Fixture.cp1251(text), ourAccounts: ours)
        #expect(reading.payments.count == 5)
        let record = try #require(reading.quarantined.first)
        let line = try #require(text.components(separatedBy: "\r\n").firstIndex(of: "Сумма=5 000 руб")) + 1
        #expect(record.diagnostic.source == "bank-1c")
        #expect(record.diagnostic.record == "line \(line), document №905")
        #expect(record.diagnostic.field == "Сумма")
        #expect(record.raw.contains("Сумма=5 000 руб"))
    }

    @Test func aMissingKeyOrBadDateQuarantinesWithEveryProblem() throws {
        let text = try Fixture.oneCText(Fixture.day27)
            .replacingOnce("Номер=2231\r\nДата=27.11.2026\r\nСумма=1000.00\r\n", with: "Номер=2231\r\nДата=27.13.2026\r\n")
        let reading = try ClientBankExchange.read(Fixture.cp1251(text), ourAccounts: ours)
        #expect(reading.payments.count == 5)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.field == "Дата")
        #expect(record.diagnostic.message.contains("2 problems"))
        #expect(record.diagnostic.message.contains("Сумма: the document has no amount"))
    }

    /// Applies `transform` to the one document whose `Номер` is `number`.
    func editing(document number: String, in text: String, _ transform: (String) throws -> String) throws -> String {
        let marker = "СекцияДокумент="
        var parts = text.components(separatedBy: marker)
        let index = try #require(parts.firstIndex { $0.contains("\r\nНомер=\(number)\r\n") })
        parts[index] = try transform(parts[index])
        return parts.joined(separator: marker)
    }

    @Test func anIncomingDocumentWithoutDatePostupiloIsNotAPayment() throws {
        let reading = try read27 { text in
            try editing(document: "77", in: text) { try $0.replacingOnce("ДатаПоступило=27.11.2026", with: "ДатаПоступило=") }
        }
        #expect(reading.payments.count == 5)
        #expect(reading.incomingCount == 5 && reading.otherCount == 1)
        #expect(reading.diagnostics.map(\.kind) == ["not-credited"])
    }

    @Test func aTransferBetweenOurAccountsIsNotAPayment() throws {
        let reading = try ClientBankExchange.read(
            Fixture.cp1251(try editing(document: "77", in: Fixture.oneCText(Fixture.day27)) {
                try $0.replacingOnce("ПлательщикСчет=40702810300000031234", with: "ПлательщикСчет=\(Fixture.secondAccount)")
            }),
            ourAccounts: [Fixture.mainAccount, Fixture.secondAccount])
        #expect(reading.payments.count == 5)
        #expect(reading.internalCount == 1)
    }

    @Test func notAStatementFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try ClientBankExchange.read(Array("<html>login</html>".utf8), ourAccounts: ours)
        }
        #expect(error?.source == "bank-1c")
    }

    // MARK: Real exports (../shared/real-inputs/1c)

    struct RealFile: Sendable, CustomStringConvertible {
        var name: String
        var documents: Int
        var amounts: [String]
        var description: String { name }
    }

    static let realFiles: [RealFile] = [
        RealFile(name: "xini1-1CClientBankExchange.txt", documents: 1, amounts: ["12354.00"]),
        RealFile(name: "xini1-sample.txt", documents: 2, amounts: ["10.10", "10.10"]),
        RealFile(name: "xini1-sample2.txt", documents: 1, amounts: ["0.01"]),
        RealFile(name: "xini1-sample3.txt", documents: 1, amounts: ["0.01"]),
        RealFile(name: "xini1-sample4.txt", documents: 1, amounts: ["0.01"]),
        RealFile(name: "xini1-sample5.txt", documents: 6, amounts: Array(repeating: "0.01", count: 6)),
    ]

    @Test(.enabled(if: Fixture.hasRealInputs), arguments: realFiles)
    func realExportsAreRead(_ file: RealFile) throws {
        let url = try #require(Fixture.realInputs).appendingPathComponent("1c").appendingPathComponent(file.name)
        let bytes = Array(try Data(contentsOf: url))
        let (statement, diagnostics) = try ClientBankExchange.parse(bytes)
        #expect(statement.encoding == .utf8)
        #expect(diagnostics.contains { $0.kind == "statement-encoding" && $0.severity == .info })
        #expect(statement.documents.count == file.documents)
        #expect(statement.documents.map { Money(lenientString: $0.value("Сумма") ?? "")?.description } == file.amounts)
        #expect(statement.documents.allSatisfy { $0.kind.hasPrefix("Платежн") })
        // None is an incoming payment to our (the sample seller's) account.
        let reading = try ClientBankExchange.read(bytes, ourAccounts: ours)
        #expect(reading.payments.isEmpty && reading.quarantined.isEmpty)
        #expect(reading.documentCount == file.documents)
        // Against the statement's own accounts they are the payer's (outgoing) or transfers to itself.
        let own = try ClientBankExchange.read(bytes)
        #expect(own.outgoingCount + own.internalCount == file.documents)
        #expect(own.payments.isEmpty)
    }

    @Test(.enabled(if: Fixture.hasRealInputs))
    func realPurposeVariants() throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("1c")
        let (first, _) = try ClientBankExchange.parse(Array(try Data(contentsOf: folder.appendingPathComponent("xini1-1CClientBankExchange.txt"))))
        #expect(first.documents[0].value("НазначениеПлатежа") == "Оплата по договору. Сумма 12354-00 без налога (НДС)")
        #expect(first.documents[0].value("ПлательщикИНН") == "7719617469")
        #expect(ClientBankExchange.stripINNPrefix(first.documents[0].value("Плательщик") ?? "") == "ОАО Крокус")
        let (fifth, _) = try ClientBankExchange.parse(Array(try Data(contentsOf: folder.appendingPathComponent("xini1-sample5.txt"))))
        #expect(fifth.declaredEncoding == "windows")
        #expect(fifth.documents.map { $0.value("Номер") ?? "" } == ["2335", "2322", "2991", "2349", "2451", "2930"])
    }
}
