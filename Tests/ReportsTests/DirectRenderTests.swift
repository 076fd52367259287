import Domain
import Foundation
@testable import Reports
import Testing

/// The day report written directly (bundled templates) must be byte for byte what mustache renders
/// from the same templates, and the CSV bytes what the String-built CSV was.
@Suite("Direct day report")
struct DirectRenderTests {
    static let nasty: [String] = [
        "ООО «Ромашка»", "He said \"hi\" & left", "<>&'\"", "<script>alert('x')</script>",
        "=HYPERLINK(\"http://x\")", "+7 999 123-45-67", "-abc", "-42,23", "@user", "\tTab first", "\rCR first",
        "\r\nCRLF first", "Кириллица: ёЁ, «ёлка»", "emoji 👩‍👩‍👧 🇷🇺 ✓", "line1\nline2\r\nline3", "a;b;c", "a,b",
        "<\u{0338} combined", "\"\u{0301} quote with accent", "&\u{20DD}", "'", "", " ", "=", "-", "-\u{0301}1",
        "=\u{0301}x", ";\u{0301}", "1\u{0301}", "e\u{0301}", "&amp; already", "{{mustache}}", "x\u{0000}y",
        "ИП Петров Пётр Петрович", "Оплата <b>счёт</b> & \"прочее\"; без номера",
    ]

    static func pick(_ index: Int, _ salt: Int = 0) -> String { nasty[(index &* 7 &+ salt) % nasty.count] }

    static func money(_ kopecks: Int64) -> Money { Money(kopecks: kopecks) }

    /// A day with many rows of every kind, built from the nasty strings, with every optional both set and absent.
    static func generated(rows count: Int, sellerKPP: String?, generated: Bool) -> DayReportInput {
        let day = CivilDate(year: 2026, month: 11, day: 27)!
        let sources: [Payment.Source] = [.bank1C, .camt053, .invoicebox]
        let methods: [AllocationMethod] = [.pin, .provider, .reference, .innExactAmount, .innSubset, .innOldestFirst]
        let statuses: [PaymentStatus] = [.allocated, .partial, .credit, .refund, .unmatched, .payout]
        let kinds: [DocumentKind] = [.upd, .updCorrection, .ukd, .advanceInvoice]
        var payments: [PaymentRow] = []
        var exceptions: [ExceptionRow] = []
        var documents: [DocumentRow] = []
        var held: [HeldRow] = []
        var weighed: [WeighedRow] = []
        var returns: [ReturnRow] = []
        var receivables: [ReceivableRow] = []
        var quarantined: [QuarantinedRecord] = []
        var summaries: [SourceSummary] = []
        for i in 0..<count {
            let id = PaymentID("p-\(i)-\(pick(i, 1))")
            let allocations = (0..<(i % 3)).map { n in
                Allocation(paymentID: id, orderID: OrderID("ORD-\(pick(i, n + 2))"), billNumber: BillNumber(pick(i, n + 3)),
                           amount: money(Int64(i * 100 + n)), method: methods[(i + n) % methods.count])
            }
            payments.append(PaymentRow(
                id: id, source: sources[i % 3], receivedOn: day,
                documentNumber: i % 4 == 0 ? nil : (i % 4 == 1 ? "" : pick(i, 4)),
                payerName: i % 5 == 0 ? nil : pick(i, 5), payerINN: i % 3 == 0 ? nil : (i % 3 == 1 ? "" : pick(i, 6)),
                amount: money(Int64(i) * 12_345 - 50_000), purpose: pick(i, 7), allocations: allocations,
                unallocated: money(Int64(i % 2) * Int64(i) - 3), status: statuses[i % statuses.count]))
            exceptions.append(ExceptionRow(
                kind: [.unmatchedPayment, .ambiguousProviderID, .payoutDifference, .other][i % 4], reference: pick(i, 8),
                amount: i % 2 == 0 ? nil : money(Int64(-i)), message: pick(i, 9),
                candidates: (0..<(i % 3)).map { n in
                    ExceptionCandidate(billNumber: n == 0 ? BillNumber(pick(i, 10)) : nil, orderID: OrderID(pick(i, 11)),
                                       customerName: pick(i, n + 12), amount: money(Int64(i)), note: n == 1 ? pick(i, 13) : nil)
                }))
            documents.append(DocumentRow(
                kind: kinds[i % 4], number: DocumentNumber(pick(i, 14)), date: day,
                correctionNumber: i % 3 == 0 ? i : nil, orderID: i % 2 == 0 ? nil : OrderID(pick(i, 15)),
                buyerName: pick(i, 16), buyerINN: pick(i, 17), totalWithoutVAT: money(Int64(i) * 100),
                vat: money(Int64(i) * 20), total: money(Int64(i) * 120), fileName: pick(i, 18), paperOnly: i % 2 == 0))
            held.append(HeldRow(kind: kinds[i % 4], orderID: OrderID(pick(i, 19)), reference: pick(i, 20),
                                buyerName: i % 2 == 0 ? nil : pick(i, 21), buyerINN: i % 3 == 0 ? nil : pick(i, 22),
                                amount: i % 4 == 0 ? nil : money(Int64(i)), reason: pick(i, 23)))
            weighed.append(WeighedRow(orderID: OrderID(pick(i, 24)), billNumber: BillNumber(pick(i, 25)),
                                      customerName: pick(i, 26), customerINN: pick(i, 27), billAmount: money(Int64(i) * 90),
                                      shippedValue: money(Int64(i) * 91), treatment: [.credit, .refund, .surcharge][i % 3]))
            returns.append(ReturnRow(orderID: OrderID(pick(i, 28)), returnID: ReturnID(pick(i, 29)),
                                     stage: i % 2 == 0 ? .beforeDeparture : .afterDelivery, date: day, customerName: pick(i, 30),
                                     reason: pick(i, 31), amount: money(Int64(i)), document: i % 3 == 0 ? nil : pick(i, 32),
                                     documentFile: i % 4 == 0 ? nil : (i % 4 == 1 ? "" : pick(i, 33))))
            receivables.append(ReceivableRow(customerName: pick(i, 34), customerINN: pick(i, 35),
                                             creditLimit: money(Int64(i % 3) * 1000), balance: money(Int64(i) * 700 - 900),
                                             notDue: money(Int64(i)), overdue1to30: money(1), overdue31to60: money(-2),
                                             overdue61to90: .zero, overdueOver90: money(Int64(i % 5)),
                                             stopListReason: i % 3 == 0 ? nil : pick(i, 36)))
            quarantined.append(QuarantinedRecord(
                diagnostic: Diagnostic(kind: "quarantined", source: pick(i, 37), record: pick(i, 38),
                                       field: i % 2 == 0 ? nil : pick(i, 39), message: pick(i, 40)),
                key: "k-\(i)", raw: String(repeating: pick(i, 41), count: i % 700)))
            if i < 12 {
                summaries.append(SourceSummary(source: pick(i, 42), origin: pick(i, 43), state: [.ok, .partial, .failed, .empty][i % 4],
                                               recordsRead: i, recordsQuarantined: i % 2, message: i % 2 == 0 ? nil : pick(i, 44)))
            }
        }
        return DayReportInput(
            businessDate: day, generatedAt: generated ? Timestamp(rfc3339: "2026-11-28T03:12:40+03:00") : nil,
            seller: ReportParty(name: "ООО «Свежие <продукты> & Ко»", inn: "7707083893", kpp: sellerKPP),
            sources: summaries, payments: payments, exceptions: exceptions, documents: documents, held: held,
            weighedCorrections: weighed, returns: returns, receivables: receivables, quarantined: quarantined,
            runStatus: RunStatus(outcome: .completedWithProblems,
                                 startedAt: generated ? Timestamp(rfc3339: "2026-11-28T03:00:00+03:00") : nil,
                                 finishedAt: Timestamp(rfc3339: "2026-11-28T03:12:40+03:00"),
                                 notes: count > 0 ? [pick(1), pick(2), pick(3)] : []))
    }

    static var inputs: [(String, DayReportInput)] {
        [("sample day", Fixtures.input), ("empty day", Fixtures.emptyInput),
         ("generated 600 rows", generated(rows: 600, sellerKPP: "", generated: true)),
         ("generated 37 rows, no KPP, no times", generated(rows: 37, sellerKPP: nil, generated: false)),
         ("generated 1 row", generated(rows: 1, sellerKPP: "770701001", generated: true))]
    }

    @Test("the bundled templates are written directly")
    func bundledIsDirect() throws {
        let templates = try ReportTemplates()
        #expect(templates.writesDayDirectly, """
            day.mustache or bar-chart.mustache changed: the report now goes through mustache; bring DayHTML \
            in line with the template and update DayHTML.dayFingerprint / barChartFingerprint
            """)
    }

    @Test("the direct HTML equals mustache's byte for byte")
    func htmlIdentical() throws {
        let templates = try ReportTemplates()
        try #require(templates.writesDayDirectly)
        for (name, input) in Self.inputs {
            let view = DayView(input, totals: DayReportTotals(input))
            let direct = try DayReport.htmlBytes(view, templates: templates)
            let mustache = try DayReport.mustacheHTML(view, templates: templates)
            let firstDifference = (0..<min(direct.count, mustache.count)).first { direct[$0] != mustache[$0] } ?? min(direct.count, mustache.count)
            let same = direct == mustache
            #expect(same, """
                \(name): differs at byte \(firstDifference) (direct \(direct.count), mustache \(mustache.count)): \
                direct …\(String(decoding: direct.dropFirst(max(firstDifference - 80, 0)).prefix(160), as: UTF8.self))… \
                mustache …\(String(decoding: mustache.dropFirst(max(firstDifference - 80, 0)).prefix(160), as: UTF8.self))…
                """)
            let rendered = try DayReport.render(input, templates: templates)
            let renderedSame = rendered.html.bytes == mustache
            #expect(renderedSame, "\(name): DayReport.render's HTML is not mustache's")
        }
    }

    @Test("an override folder's day template goes through mustache")
    func overrideUsesMustache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundled = try #require(ReportTemplates.bundledDirectory)
        let day = try String(contentsOf: bundled.appendingPathComponent("day.mustache"), encoding: .utf8)
        try (day.replacingOccurrences(of: "<footer>", with: "<footer>Своя форма. "))
            .write(to: folder.appendingPathComponent("day.mustache"), atomically: true, encoding: .utf8)
        let templates = try ReportTemplates(overrideDirectory: folder)
        #expect(!templates.writesDayDirectly)
        let output = try DayReport.render(Fixtures.input, options: DayReportOptions(templatesDirectory: folder))
        let html = String(decoding: output.html.bytes, as: UTF8.self)
        #expect(html.contains("<footer>Своя форма. ООО «Свежие продукты»"))

        // The bundled text under an override path is still mustache's, and the same bytes.
        try day.write(to: folder.appendingPathComponent("day.mustache"), atomically: true, encoding: .utf8)
        let same = try ReportTemplates(overrideDirectory: folder)
        #expect(!same.writesDayDirectly)
        #expect(try DayReport.render(Fixtures.input, templates: same).html.bytes
                == DayReport.render(Fixtures.input, templates: ReportTemplates()).html.bytes)
    }

    @Test("an override of the chart partial alone also goes through mustache")
    func overridePartial() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "<p>{{title}}</p>".write(to: folder.appendingPathComponent("bar-chart.mustache"), atomically: true, encoding: .utf8)
        let templates = try ReportTemplates(overrideDirectory: folder)
        #expect(!templates.writesDayDirectly)
        let html = String(decoding: try DayReport.render(Fixtures.input, templates: templates).html.bytes, as: UTF8.self)
        #expect(html.contains("<p>Поступления по источникам</p>"))
        #expect(!html.contains("<figure class=\"chart\">"))
    }

    /// The CSV text as `CSVTable` built it before it wrote bytes (String per field, joined).
    static func referenceText(_ table: CSVTable) -> String {
        func quote(_ raw: String) -> String {
            let field = CSVTable.neutraliseFormula(raw)
            let needsQuotes = field.contains(table.options.fieldSeparator) || field.contains("\"")
                || field.unicodeScalars.contains { $0 == "\n" || $0 == "\r" }
            guard needsQuotes else { return field }
            var out = "\""
            for ch in field {
                if ch == "\"" { out += "\"\"" } else { out.append(ch) }
            }
            return out + "\""
        }
        var out = ""
        for row in [table.header] + table.rows {
            out += row.map(quote).joined(separator: String(table.options.fieldSeparator))
            out += "\r\n"
        }
        return out
    }

    @Test("CSV bytes equal the String-built CSV, for every register and option")
    func csvIdentical() {
        let options = [CSVOptions.excel, CSVOptions(decimalSeparator: .point, fieldSeparator: ",", byteOrderMark: false),
                       CSVOptions(decimalSeparator: .point, fieldSeparator: ";", byteOrderMark: true)]
        for option in options {
            for (name, input) in Self.inputs {
                for (register, table) in DayReport.csvTables(input, options: option) {
                    let reference = Self.referenceText(table)
                    let sameText = table.text == reference
                    let sameBytes = table.bytes == (option.byteOrderMark ? [0xEF, 0xBB, 0xBF] : []) + Array(reference.utf8)
                    #expect(sameText, "\(name) \(register): text differs")
                    #expect(sameBytes, "\(name) \(register): bytes differ")
                }
            }
            var table = CSVTable(header: ["a", "b"], options: option)
            for (i, text) in Self.nasty.enumerated() { table.append([text, Self.pick(i, 1)]) }
            #expect(table.text == Self.referenceText(table))
        }
    }

    @Test("a field that needs quoting or neutralising is written as before")
    func csvSpecials() {
        var table = CSVTable(header: ["x"], options: .excel)
        for text in ["=1+1", "-x", "-12,50", "a;b", "say \"hi\"", "two\nlines", "plain"] { table.append([text]) }
        #expect(table.text == "x\r\n'=1+1\r\n'-x\r\n-12,50\r\n\"a;b\"\r\n\"say \"\"hi\"\"\"\r\n\"two\nlines\"\r\nplain\r\n")
    }
}
