import Domain
import Foundation
import Reports
import Testing
import TestSupport

@Suite("Day report")
struct DayReportTests {
    let input = Fixtures.input

    func render(_ input: DayReportInput, _ options: DayReportOptions = DayReportOptions()) throws -> DayReportOutput {
        try DayReport.render(input, options: options)
    }

    func html(_ output: DayReportOutput) -> String { String(decoding: output.html.bytes, as: UTF8.self) }

    /// The text of the element with `id` (the template marks every total with an id).
    func element(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\">") else { return nil }
        guard let end = html[start.upperBound...].range(of: "<") else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }

    @Test("totals are the sums of the input rows, in kopecks")
    func totals() {
        let totals = DayReportTotals(input)
        let payments = Fixtures.payments
        #expect(totals.moneyIn == Money(kopecks: payments.reduce(0) { $0 + $1.amount.kopecks }))
        #expect(totals.moneyIn == Fixtures.money("177616.06"))
        #expect(totals.allocated == Fixtures.money("151216.07"))
        #expect(totals.unallocated == Fixtures.money("26399.99"))
        // Every kopeck of the fixture's payments is either allocated or left unallocated.
        #expect(totals.allocated + totals.unallocated == totals.moneyIn)
        #expect(totals.unmatchedCount == 1 && totals.unmatchedAmount == Fixtures.money("9999.99"))
        #expect(totals.overpaymentCredit == Fixtures.money("15000.00"))
        #expect(totals.overpaymentRefund == Fixtures.money("200.00"))
        #expect(totals.moneyInBySource.map(\.source) == [.invoicebox, .bank1C, .camt053])
        #expect(totals.moneyInBySource.map(\.amount).sum() == totals.moneyIn)
        #expect(totals.documentsTotal == Fixtures.money("94095.67"))
        #expect(totals.documentsWithoutVAT + totals.documentsVAT == totals.documentsTotal)
        #expect(totals.documentCountByKind == [.upd: 2, .updCorrection: 1, .ukd: 1, .advanceInvoice: 1])
        #expect(totals.weighedDifference == Fixtures.money("-492.18"))
        #expect(totals.weighedCredit == Fixtures.money("337.85"))
        #expect(totals.weighedRefund == Fixtures.money("200.00"))
        #expect(totals.weighedSurcharge == Fixtures.money("45.67"))
        #expect(totals.balance == Fixtures.money("512705.87"))
        #expect(totals.overdue == totals.overdue1to30 + totals.overdue31to60 + totals.overdue61to90 + totals.overdueOver90)
        #expect(totals.stopListCount == 2)
        #expect(totals.exceptionCount == 3 + 1 + 2)
    }

    @Test("the HTML shows each total computed from the rows")
    func htmlTotals() throws {
        let output = try render(input)
        let page = html(output)
        let t = output.totals
        let expected: [String: Money] = [
            "total-payments": t.moneyIn, "total-allocated": t.allocated, "total-unallocated": t.unallocated,
            "total-exceptions": t.exceptionAmount, "total-held": t.heldAmount,
            "total-documents-net": t.documentsWithoutVAT, "total-documents-vat": t.documentsVAT,
            "total-documents": t.documentsTotal, "total-weighed-bills": t.weighedBillAmount,
            "total-weighed-shipped": t.weighedShippedValue, "total-weighed-difference": t.weighedDifference,
            "total-returns": t.returnsAmount, "total-credit-limit": t.creditLimit, "total-balance": t.balance,
            "total-not-due": t.notDue, "total-overdue": t.overdue,
        ]
        for (id, money) in expected {
            let shown = try #require(element(id, in: page), "no element \(id)")
            #expect(Money(lenientString: shown.replacingOccurrences(of: "\u{00A0}", with: "")) == money, "\(id): \(shown)")
        }
        #expect(element("total-payments", in: page) == "177\u{00A0}616,06")
        #expect(output.html.name == "day-2026-11-27.html")
    }

    @Test("the HTML is self-contained, Russian and printable")
    func selfContained() throws {
        let page = html(try render(input))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<html lang=\"ru\">"))
        #expect(page.contains("@page"))
        #expect(page.contains("break-before: page"))
        #expect(page.contains("<svg"))
        for external in ["<script", "<link", "src=\"http", "href=\"http", "@import", "url("] {
            #expect(!page.contains(external), "found \(external)")
        }
        // Rules in Russian words, statuses, sections.
        for text in ["по номеру счёта в назначении", "ИНН и точная сумма", "ИНН и набор счетов на точную сумму",
                     "ИНН, сначала старые счета", "по номеру заказа ИнвойсБокс", "закреплено бухгалтером",
                     "Реестр платежей", "К разбору", "Выпущенные документы", "Весовой товар", "Возвраты",
                     "Дебиторская задолженность", "Записи в карантине", "Задержанные документы",
                     "без ВСД", "Поступления по источникам", "Стоп-лист", "на бумаге"] {
            #expect(page.contains(text), "missing \(text)")
        }
    }

    @Test("names and purposes with markup show as text")
    func escaping() throws {
        let page = html(try render(input))
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("<img src=x"))
        #expect(!page.contains("<b>счёт</b>"))
        #expect(page.contains("&lt;script&gt;alert(&#39;payer&#39;)&lt;/script&gt; ООО «Хакер»"))
        #expect(page.contains("&lt;script&gt;alert(&#39;buyer&#39;)&lt;/script&gt;"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("Оплата &lt;b&gt;счёт&lt;/b&gt; &amp; &quot;прочее&quot;; без номера"))
    }

    @Test("a product name with markup in a held document's reason is text in HTML and verbatim in CSV")
    func productNameEscaping() throws {
        var day = input
        day.held[0].reason = "Строка 2 «<script>document.title='x'</script> Говядина» без ВСД"
        let output = try render(day)
        let page = html(output)
        #expect(!page.contains("<script>document"))
        #expect(page.contains("«&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt; Говядина» без ВСД"))
        let exceptions = parseCSV(try #require(output.csv.first { $0.name.hasPrefix("exceptions-") }).bytes)
        #expect(exceptions.contains { $0[3] == day.held[0].reason })
    }

    @Test("bar charts are scaled with integer arithmetic: the largest bar is full width")
    func charts() throws {
        let page = html(try render(input))
        // Money in by source: bank-1c is the largest (95 095,67) → 300 px; camt 69 999,99 → 220 px; invoicebox 12 520,40 → 39 px.
        #expect(page.contains("width=\"300\" height=\"18\""))
        #expect(page.contains("width=\"220\" height=\"18\""))
        #expect(page.contains("width=\"39\" height=\"18\""))
        #expect(page.contains(">95\u{00A0}095,67</text>"))
    }

    @Test("an empty day renders with empty-section notes and zero totals")
    func emptyDay() throws {
        let output = try render(Fixtures.emptyInput)
        let page = html(output)
        #expect(page.contains("Платежей за день нет."))
        #expect(page.contains("Разбирать нечего"))
        #expect(page.contains("Нет данных"))
        #expect(output.csv.count == 7)
        for file in output.csv { #expect(parseCSV(file.bytes).count == 1, "\(file.name) has only its header") }
    }

    @Test("CSV registers: headers in Russian, one row per record, sums equal the input's")
    func csvSums() throws {
        let output = try render(input)
        let files = Dictionary(uniqueKeysWithValues: output.csv.map { ($0.name, parseCSV($0.bytes)) })
        #expect(output.csv.map(\.name) == ["payments", "allocations", "exceptions", "documents", "weighed", "returns",
                                           "receivables"].map { "\($0)-2026-11-27.csv" })
        func column(_ file: String, _ header: String) throws -> [Money?] {
            let rows = try #require(files["\(file)-2026-11-27.csv"])
            let index = try #require(rows[0].firstIndex(of: header), "\(file): no column \(header) in \(rows[0])")
            return rows.dropFirst().map { csvMoney($0[index]) }
        }
        func sum(_ file: String, _ header: String) throws -> Money { try column(file, header).compactMap { $0 }.sum() }

        #expect(try sum("payments", "Сумма") == Fixtures.payments.map(\.amount).sum())
        #expect(try sum("payments", "Разнесено") == Fixtures.payments.flatMap(\.allocations).map(\.amount).sum())
        #expect(try sum("payments", "Не разнесено") == Fixtures.payments.map(\.unallocated).sum())
        #expect(try sum("allocations", "Сумма") == Fixtures.payments.flatMap(\.allocations).map(\.amount).sum())
        #expect(try column("allocations", "Сумма").count == 10)
        #expect(try sum("documents", "Сумма без НДС") == Fixtures.documents.map(\.totalWithoutVAT).sum())
        #expect(try sum("documents", "НДС") == Fixtures.documents.map(\.vat).sum())
        #expect(try sum("documents", "Сумма с НДС") == Fixtures.documents.map(\.total).sum())
        #expect(try sum("weighed", "Разница") == Fixtures.weighed.map(\.difference).sum())
        #expect(try sum("returns", "Сумма") == Fixtures.returns.map(\.amount).sum())
        #expect(try sum("receivables", "Сальдо") == Fixtures.receivables.map(\.balance).sum())
        #expect(try sum("receivables", "Просрочено всего") == Fixtures.receivables.map(\.overdue).sum())
        #expect(try sum("exceptions", "Сумма")
            == Fixtures.exceptions.compactMap(\.amount).sum() + Fixtures.held.compactMap(\.amount).sum())
        #expect(try column("exceptions", "Сумма").count == 3 + 1 + 2)

        let payments = try #require(files["payments-2026-11-27.csv"])
        #expect(payments[0] == ["Платёж", "Источник", "Дата поступления", "Номер п/п", "Плательщик", "ИНН плательщика",
                                "Сумма", "Назначение", "Разнесено", "Куда разнесено", "Не разнесено", "Статус"])
        #expect(payments[2][2] == "27.11.2026")
        #expect(payments[2][6] == "12345,67")
        // A purpose with a semicolon and quotes survives the round trip.
        #expect(payments.contains { $0[7] == "Оплата <b>счёт</b> & \"прочее\"; без номера" })
        // Two allocations of one payment are two lines of one cell.
        #expect(payments[3][9].split(separator: "\n").count == 2)
        #expect(payments[3][9].contains("ИНН и набор счетов на точную сумму"))
    }

    @Test("CSV with a decimal point")
    func csvDecimalPoint() throws {
        let output = try render(input, DayReportOptions(csv: CSVOptions(decimalSeparator: .point)))
        let rows = parseCSV(try #require(output.csv.first).bytes)
        #expect(rows[2][6] == "12345.67")
        #expect(rows.dropFirst().compactMap { csvMoney($0[6]) }.sum() == Fixtures.payments.map(\.amount).sum())
    }

    @Test("an operator's templates directory replaces bundled templates by name, the rest stay bundled")
    func templateOverride() throws {
        let directory = try Paths.temporaryDirectory("reports-templates")
        defer { try? FileManager.default.removeItem(at: directory) }
        try "<p class=\"custom\">{{title}}: {{totals.moneyIn}} {{#payments}}[{{payer}}]{{/payments}}</p>{{> day-style}}"
            .write(to: directory.appendingPathComponent("day.mustache"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let output = try render(input, DayReportOptions(templatesDirectory: directory))
        let page = html(output)
        #expect(page.hasPrefix("<p class=\"custom\">Отчёт за день 27.11.2026: 177\u{00A0}616,06 "))
        #expect(page.contains("[&lt;script&gt;alert(&#39;payer&#39;)&lt;/script&gt; ООО «Хакер»]"))
        #expect(page.contains("@page"), "the bundled style partial is still used")

        let templates = try ReportTemplates(overrideDirectory: directory)
        #expect(templates.origins["day"] == directory.appendingPathComponent("day.mustache").path)
        #expect(templates.origins["act"] == "bundled")
    }

    @Test("the bundled templates are found without Bundle.module; a full override directory stands alone")
    func bundledLookup() throws {
        let bundled = try #require(ReportTemplates.bundledDirectory)
        for name in ReportTemplates.names {
            #expect(FileManager.default.fileExists(atPath: bundled.appendingPathComponent("\(name).mustache").path))
        }
        let directory = try Paths.temporaryDirectory("reports-templates")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ReportTemplates.names {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent("\(name).mustache"),
                                             to: directory.appendingPathComponent("\(name).mustache"))
        }
        let templates = try ReportTemplates(overrideDirectory: directory)
        #expect(ReportTemplates.names.allSatisfy { templates.origins[$0]?.hasPrefix(directory.path) == true })
        let output = try DayReport.render(input, templates: templates)
        #expect(String(decoding: output.html.bytes, as: UTF8.self) == html(try render(input)))
    }

    @Test("a missing templates directory or a broken template is an error with the file named")
    func templateErrors() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/templates-\(UUID().uuidString)")
        #expect(throws: ReportError.self) { try ReportTemplates(overrideDirectory: missing) }
        let directory = try Paths.temporaryDirectory("reports-templates")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("day.mustache")
        try "{{#payments}} unclosed".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try ReportTemplates(overrideDirectory: directory)
            Issue.record("a broken template was accepted")
        } catch {
            #expect(error.item == file.path)
        }
    }
}
