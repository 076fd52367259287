import Domain
import Foundation
@testable import Ingest
import Testing

@Suite("camt.053")
struct Camt053Tests {
    let name = "camt053_20261127.xml"
    let ours: Set<String> = [Fixture.secondAccount]

    func sampleText() throws -> String { try Fixture.sampleText(Fixture.day27, name) }

    func read(_ text: String) throws -> BankStatementReading {
        try Camt053.read(Array(text.utf8), ourAccounts: ours)
    }

    // MARK: The sample

    @Test func onlyTheBookedCreditIsAPayment() throws {
        let reading = try read(sampleText())
        #expect(reading.documentCount == 3)
        #expect(reading.incomingCount == 1 && reading.outgoingCount == 1 && reading.otherCount == 1)
        #expect(reading.quarantined.isEmpty)
        #expect(reading.diagnostics.map(\.kind) == ["not-booked"])
        let payment = try #require(reading.payments.first)
        #expect(reading.payments.count == 1)
        #expect(payment.id == "bank:40702810901300004567:AB-20261127-000381")
        #expect(payment.source == .camt053)
        #expect(payment.amount == Money(rubles: 7000))
        #expect(payment.receivedOn == Fixture.day27)
        #expect(payment.payerINN == "500112233462")
        #expect(payment.payerName == "ИП Смирнова Ольга Петровна")
        #expect(payment.documentNumber == "58")
        // Two Ustrd pieces joined.
        #expect(payment.purpose == "Оплата по счету СЧ-000124 от 26.11.2026 за продукты питания, частичная оплата. Сумма 7000-00, в т.ч. НДС")
        // The raw record is the entry's XML.
        #expect(payment.raw.hasPrefix("            <Ntry>") && payment.raw.hasSuffix("</Ntry>"))
        #expect(payment.raw.contains("AB-20261127-000381") && !payment.raw.contains("AB-20261127-000402"))
    }

    @Test func theStatementOfAnotherAccountFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try Camt053.read(Array(try sampleText().utf8), ourAccounts: [Fixture.mainAccount])
        }
        #expect(error?.reason.contains("not one of ours") == true)
    }

    @Test func readingTwiceOrTwoOverlappingStatementsGivesOnePayment() throws {
        let text = try sampleText()
        #expect(try read(text).payments == (try read(text).payments))
        // The same message holding the statement twice (an overlapping re-send): one payment.
        let stmtStart = try #require(text.range(of: "        <Stmt>")).lowerBound
        let stmtEnd = try #require(text.range(of: "</Stmt>\n")).upperBound
        let doubled = try text.replacingOnce("    </BkToCstmrStmt>", with: String(text[stmtStart..<stmtEnd]) + "    </BkToCstmrStmt>")
        let reading = try read(doubled)
        #expect(reading.documentCount == 6)
        #expect(reading.payments.count == 1)
    }

    @Test func sts08FormAndDateTimeBookingAreRead() throws {
        let text = try sampleText()
            .replacingOnce("<Sts>BOOK</Sts>\n                <BookgDt>\n                    <Dt>2026-11-27</Dt>\n                </BookgDt>\n                <ValDt>\n                    <Dt>2026-11-27</Dt>\n                </ValDt>\n                <AcctSvcrRef>AB-20261127-000381",
                           with: "<Sts><Cd>BOOK</Cd></Sts>\n                <BookgDt>\n                    <DtTm>2026-11-26T22:30:00Z</DtTm>\n                </BookgDt>\n                <ValDt>\n                    <Dt>2026-11-27</Dt>\n                </ValDt>\n                <AcctSvcrRef>AB-20261127-000381")
        let payment = try #require(try read(text).payments.first)
        #expect(payment.receivedOn == Fixture.day27) // 22:30 UTC is 01:30 in Moscow on the 27th
    }

    @Test func aForeignCurrencyCreditIsQuarantined() throws {
        let text = try sampleText().replacingOnce("<Amt Ccy=\"RUB\">7000.00</Amt>\n                <CdtDbtInd>CRDT",
                                                  with: "<Amt Ccy=\"USD\">7000.00</Amt>\n                <CdtDbtInd>CRDT")
        let reading = try read(text)
        #expect(reading.payments.isEmpty)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.source == "bank-camt053")
        #expect(record.diagnostic.field == "Amt/@Ccy")
        #expect(record.diagnostic.message.contains("only roubles"))
        #expect(record.raw.contains("USD"))
    }

    @Test func anXXEPayloadIsRejectedAndNothingIsRead() throws {
        let text = try sampleText()
            .replacingOnce("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                           with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n")
            .replacingOnce("<Ustrd>Сумма 7000-00, в т.ч. НДС</Ustrd>", with: "<Ustrd>&xxe;</Ustrd>")
        let error = #expect(throws: SourceError.self) { try read(text) }
        #expect(error?.source == "bank-camt053")
        #expect(error?.reason.contains("rejected") == true)
        #expect(error?.reason.contains("root:") == false)
    }

    @Test func entityExpansionIsRejected() throws {
        let laughs = """
        <?xml version="1.0"?>
        <!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.05"><BkToCstmrStmt><Stmt><Id>&b;</Id></Stmt></BkToCstmrStmt></Document>
        """
        let error = #expect(throws: SourceError.self) { try Camt053.read(Array(laughs.utf8)) }
        #expect(error?.reason.contains("rejected") == true)
    }

    @Test func notACamtStatementFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try Camt053.read(Array("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"/>".utf8))
        }
        #expect(error?.reason.contains("not a camt.053") == true)
        let truncated = try sampleText()
        #expect(throws: SourceError.self) { try read(String(truncated.prefix(truncated.count / 2))) }
    }

    @Test func ustrdPiecesCutAtTheLimitJoinWithoutASpace() {
        let long = String(repeating: "а", count: 139) + "б"
        #expect(Camt053.joinUnstructured([long, "в"]) == long + "в")
        #expect(Camt053.joinUnstructured(["Оплата по счету", "СЧ-000124"]) == "Оплата по счету СЧ-000124")
    }

    // MARK: Real statements (../shared/real-inputs/camt) against another parser's reading

    static let realFiles: [String] = [
        "genkgo-camt053.v2.five.decimals", "genkgo-camt053.v2.minimal", "genkgo-camt053.v2.multi.statement",
        "genkgo-camt053.v2.with-party-ids", "genkgo-camt053.v4", "genkgo-camt053.v8", "genkgo-camt53.only-Dt-with-DtTm",
    ]

    static let entriesPerStatement: [String: [Int]] = [
        "genkgo-camt053.v2.five.decimals": [1], "genkgo-camt053.v2.minimal": [1], "genkgo-camt053.v2.multi.statement": [1, 1],
        "genkgo-camt053.v2.with-party-ids": [1], "genkgo-camt053.v4": [1], "genkgo-camt053.v8": [1],
        "genkgo-camt53.only-Dt-with-DtTm": [0],
    ]

    @Test(.enabled(if: Fixture.hasRealInputs), arguments: realFiles)
    func realStatementsMatchTheExpectedReading(_ file: String) throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("camt")
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file + ".xml")))
        let expected = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent(file + ".expected.json"))) as? [String: Any])
        let statements = try Camt053.parse(bytes, fileName: file)
        #expect(statements.map(\.entries.count) == Self.entriesPerStatement[file])
        let entries = statements.flatMap(\.entries)
        let expectedEntries = (expected["getEntries"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        for item in expectedEntries {
            let record = try #require(item["getRecord"] as? [String: Any])
            let statementID = try #require(record["getId"] as? String)
            let index = try #require(item["getIndex"] as? Int)
            let mine = try #require(entries.first { $0.statementID == statementID && $0.index == index })
            let amount = try #require(item["getAmount"] as? [String: Any])
            #expect(mine.minorUnits.map(String.init) == amount["getAmount"] as? String)
            #expect(mine.currency == (amount["getCurrency"] as? [String: Any])?["getCode"] as? String)
            #expect(mine.creditDebit == item["getCreditDebitIndicator"] as? String)
            #expect(mine.status == item["getStatus"] as? String)
            #expect(mine.accountServicerReference == item["getAccountServicerReference"] as? String)
            let booking = try #require((item["getBookingDate"] as? [String: Any])?["0"] as? String)
            #expect(mine.bookingDate?.iso == String(booking.prefix(10)))
            let account = (record["getAccount"] as? [String: Any])?["getIdentification"] as? String
            #expect(mine.account == account)
            if let detail = item["getTransactionDetail"] as? [String: Any] {
                let tx = try #require(mine.transactions.first)
                let reference = detail["getReference"] as? [String: Any]
                #expect(tx.endToEndID == reference?["getEndToEndId"] as? String)
                let message = (detail["getRemittanceInformation"] as? [String: Any])?["getMessage"] as? String
                #expect(tx.purpose == message ?? "")
            }
        }
        #expect(!expectedEntries.isEmpty || entries.isEmpty)
        // They are EUR statements: no rouble payment comes out, and each booked credit is
        // quarantined with a clear message; debits are counted and ignored.
        let reading = try Camt053.read(bytes, fileName: file)
        #expect(reading.payments.isEmpty)
        let bookedCredits = entries.filter { $0.status == "BOOK" && $0.creditDebit == "CRDT" }
        #expect(reading.quarantined.count == bookedCredits.count)
        #expect(reading.quarantined.allSatisfy { $0.diagnostic.message.contains("only roubles") })
        #expect(reading.outgoingCount == entries.filter { $0.status == "BOOK" && $0.creditDebit == "DBIT" }.count)
    }

    @Test(.enabled(if: Fixture.hasRealInputs))
    func fiveDecimalAmountsAreExact() throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("camt")
        let statements = try Camt053.parse(Array(try Data(contentsOf: folder.appendingPathComponent("genkgo-camt053.v2.five.decimals.xml"))))
        #expect(statements.first?.entries.first?.amountText == "8.850")
        #expect(statements.first?.entries.first?.minorUnits == 885)
    }
}
