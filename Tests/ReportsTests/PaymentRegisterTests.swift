import Domain
import Foundation
import Reports
import Testing
import TestSupport

/// The rows registers set aside, by part, as the job keeps them in spill files (a row's bytes
/// rendered into buffers of their own, then added to its parts).
private struct SetAside {
    var parts: [RegisterPart: [UInt8]] = [:]

    mutating func add(_ row: PaymentRow, to register: inout PaymentRegister) {
        var html: [UInt8] = [], paymentsCSV: [UInt8] = [], allocationsCSV: [UInt8] = []
        register.append(row, html: &html, paymentsCSV: &paymentsCSV, allocationsCSV: &allocationsCSV)
        parts[.paymentsHTML, default: []] += html
        parts[.paymentsCSV, default: []] += paymentsCSV
        parts[.allocationsCSV, default: []] += allocationsCSV
    }

    mutating func add(_ row: DocumentRow, to register: inout DocumentRegister) {
        var html: [UInt8] = [], csv: [UInt8] = []
        register.append(row, html: &html, csv: &csv)
        parts[.documentsHTML, default: []] += html
        parts[.documentsCSV, default: []] += csv
    }
}

@Suite("The payments register written a row at a time")
struct PaymentRegisterTests {
    struct Written {
        var files: [(name: String, bytes: [UInt8])]
        var totals: DayReportTotals
        /// The parts `rows` was asked for, in order.
        var asked: [RegisterPart]
        var register: PaymentRegister
    }

    /// `input`'s report written with its payments (and, with `documentsToo`, its documents) taken
    /// through registers, their rows kept apart.
    static func streamed(_ input: DayReportInput, csv: CSVOptions, documentsToo: Bool) throws -> Written {
        var aside = SetAside()
        var payments = PaymentRegister(csv: csv)
        for row in input.payments { aside.add(row, to: &payments) }
        var rest = input
        rest.payments = []
        var documents: DocumentRegister?
        if documentsToo {
            var register = DocumentRegister(csv: csv)
            for row in input.documents { aside.add(row, to: &register) }
            documents = register
            rest.documents = []
        }
        var opened: [(String, MemorySink)] = []
        var asked: [RegisterPart] = []
        let totals = try DayReport.write(rest, documents: documents, payments: payments, templates: try ReportTemplates(),
                                         csv: csv, open: { name in
            let sink = MemorySink()
            opened.append((name, sink))
            return sink
        }, rows: { part, sink in
            asked.append(part)
            try sink.write(aside.parts[part] ?? [])
        })
        return Written(files: opened.map { ($0.0, $0.1.bytes) }, totals: totals, asked: asked, register: payments)
    }

    static let day = CivilDate(year: 2026, month: 11, day: 27)!

    /// A day of `count` payments of every kind (statuses in turn: allocated, partial, credit,
    /// refund, unmatched, payout), from `sources` in turn, with none to four allocations, every
    /// optional both set and absent, and the report's nasty strings in every text.
    static func paymentDay(_ count: Int, sources: [Payment.Source] = Payment.Source.allCases) -> DayReportInput {
        let methods: [AllocationMethod] = [.pin, .provider, .reference, .innExactAmount, .innSubset, .innOldestFirst]
        var payments: [PaymentRow] = []
        for i in 0..<count {
            let pick = { (salt: Int) in DirectRenderTests.pick(i, salt) }
            let status = PaymentStatus.allCases[i % PaymentStatus.allCases.count]
            let id = PaymentID("pay-\(i)-\(pick(1))")
            let allocationCount = status == .unmatched || status == .payout ? 0 : (i / 6) % 5
            let allocations = (0..<allocationCount).map { n in
                Allocation(paymentID: id, orderID: OrderID("ORD-\(i)-\(n)"), billNumber: BillNumber(pick(n + 2)),
                           amount: Money(kopecks: Int64(i * 1_000 + n * 37 + 1)), method: methods[(i + n) % methods.count])
            }
            let allocated = allocations.map(\.amount).sum()
            let left = status == .allocated ? Money.zero : Money(kopecks: Int64(i % 7) * 9_999 + 1)
            payments.append(PaymentRow(
                id: id, source: sources[i % sources.count],
                receivedOn: CivilDate(year: 2026, month: 11, day: 20 + i % 8)!,
                documentNumber: i % 4 == 0 ? nil : (i % 4 == 1 ? "" : "\(i)"),
                payerName: i % 5 == 0 ? nil : pick(3), payerINN: i % 3 == 0 ? nil : (i % 3 == 1 ? "" : pick(4)),
                amount: allocated + left, purpose: pick(5), allocations: allocations, unallocated: left, status: status))
        }
        var input = Fixtures.input
        input.payments = payments
        return input
    }

    static var inputs: [(String, DayReportInput)] {
        var noPayments = Fixtures.input
        noPayments.payments = []
        return [("sample day", Fixtures.input), ("empty day", Fixtures.emptyInput), ("sample day without payments", noPayments),
                ("generated 3 000 rows", DirectRenderTests.generated(rows: 3_000, sellerKPP: "", generated: true)),
                ("generated 37 rows, no KPP, no times", DirectRenderTests.generated(rows: 37, sellerKPP: nil, generated: false)),
                ("generated 1 row", DirectRenderTests.generated(rows: 1, sellerKPP: "770701001", generated: true)),
                ("2 000 payments of every kind", paymentDay(2_000)),
                ("one payment", paymentDay(1)),
                ("ИнвойсБокс only", paymentDay(50, sources: [.invoicebox])),
                ("camt.053 and ИнвойсБокс, no 1С", paymentDay(61, sources: [.camt053, .invoicebox]))]
    }

    @Test("the files and totals are render()'s, byte for byte, for every input and CSV convention, with or without the documents register",
          arguments: [CSVOptions.excel, CSVOptions(decimalSeparator: .point, fieldSeparator: ",", byteOrderMark: false)],
          [false, true])
    func sameBytes(csv: CSVOptions, documentsToo: Bool) throws {
        for (label, input) in Self.inputs {
            let whole = try DayReport.render(input, templates: try ReportTemplates(), csv: csv)
            let written = try Self.streamed(input, csv: csv, documentsToo: documentsToo)
            #expect(written.files.map(\.name) == whole.files.map(\.name), "\(label)")
            for (file, (name, bytes)) in zip(whole.files, written.files) {
                let same = bytes == file.bytes
                let at = (0..<min(bytes.count, file.bytes.count)).first { bytes[$0] != file.bytes[$0] } ?? min(bytes.count, file.bytes.count)
                #expect(same, "\(label): \(name) differs at byte \(at) (written \(bytes.count), rendered \(file.bytes.count))")
            }
            #expect(written.totals == whole.totals, "\(label)")
            #expect(written.register.count == input.payments.count, "\(label)")
        }
    }

    @Test("the registers the input holds are written a few dozen kilobytes at a time, with render()'s bytes")
    func longRegistersInPieces() throws {
        let input = DirectRenderTests.generated(rows: 3_000, sellerKPP: "", generated: true)
        let whole = try DayReport.render(input, templates: try ReportTemplates(), csv: .excel)
        var opened: [(name: String, sink: MemorySink)] = []
        try DayReport.write(input, templates: try ReportTemplates(), csv: .excel, open: { name in
            let sink = MemorySink()
            opened.append((name, sink))
            return sink
        }, rows: { _, _ in })
        #expect(opened.map(\.name) == whole.files.map(\.name))
        for (file, written) in zip(whole.files, opened) {
            #expect(written.sink.bytes == file.bytes, "\(file.name)")
            // (No write holds much more than 64 KiB of rows: the rows are not all held at once.)
            if file.name.hasSuffix(".csv") {
                #expect(written.sink.pieces >= file.bytes.count / (1 << 16), "\(file.name): \(written.sink.pieces) pieces")
            }
        }
        let long = opened.filter { $0.name.hasSuffix(".csv") && $0.sink.bytes.count > 3 << 16 }
        #expect(long.count >= 3, "\(opened.map { "\($0.name) \($0.sink.bytes.count)" })")
    }

    @Test("the register's totals are the sample day's, counted by hand")
    func sampleTotals() throws {
        var aside = SetAside()
        var register = PaymentRegister()
        for row in Fixtures.payments { aside.add(row, to: &register) }
        let money = Fixtures.money
        #expect(register.count == 9)
        #expect(register.moneyIn == money("177616.06"))
        #expect(register.allocationCount == 10)
        #expect(register.allocated == money("151216.07"))
        #expect(register.unallocated == money("26399.99"))
        #expect(register.unmatchedCount == 1)
        #expect(register.unmatchedAmount == money("9999.99"))
        #expect(register.overpaymentCredit == money("15000.00"))
        #expect(register.overpaymentRefund == money("200.00"))
        #expect(register.moneyInBySource.map(\.source) == [.invoicebox, .bank1C, .camt053])
        #expect(register.moneyInBySource.map(\.count) == [2, 5, 2])
        #expect(register.moneyInBySource.map(\.amount) == [money("12520.40"), money("95095.67"), money("69999.99")])
        // Nine rows in the table, nine payment lines, ten allocation lines (the unmatched payment has none).
        let html = String(decoding: aside.parts[.paymentsHTML] ?? [], as: UTF8.self)
        #expect(html.components(separatedBy: "      <tr").count - 1 == 9)
        #expect(html.components(separatedBy: "<li>счёт ").count - 1 == 10)
        #expect(html.contains(#"<tr class="alert">"#))
        #expect(html.contains("&lt;script&gt;alert(&#39;payer&#39;)&lt;/script&gt;"))
        let paymentLines = String(decoding: aside.parts[.paymentsCSV] ?? [], as: UTF8.self)
        #expect(paymentLines.components(separatedBy: "\r\n").count - 1 == 9)
        #expect(paymentLines.hasPrefix("bank-1c:482;Банк (1С);27.11.2026;482;ООО «Ромашка»;7736207543;48250,00;"))
        let allocationLines = String(decoding: aside.parts[.allocationsCSV] ?? [], as: UTF8.self)
        #expect(allocationLines.components(separatedBy: "\r\n").count - 1 == 10)
        #expect(!allocationLines.contains("NTRY-78"))
    }

    @Test("a row's bytes depend on that row only, not on the rows before it")
    func rowsStandAlone() throws {
        let rows = Self.paymentDay(300).payments
        for csv in [CSVOptions.excel, CSVOptions(decimalSeparator: .point, fieldSeparator: ",", byteOrderMark: false)] {
            var running = PaymentRegister(csv: csv)
            var html: [UInt8] = [], payments: [UInt8] = [], allocations: [UInt8] = []
            for row in rows {
                let before = (html.count, payments.count, allocations.count)
                running.append(row, html: &html, paymentsCSV: &payments, allocationsCSV: &allocations)
                var fresh = PaymentRegister(csv: csv)
                var alone: (html: [UInt8], payments: [UInt8], allocations: [UInt8]) = ([], [], [])
                fresh.append(row, html: &alone.html, paymentsCSV: &alone.payments, allocationsCSV: &alone.allocations)
                #expect(Array(html[before.0...]) == alone.html, "\(row.id)")
                #expect(Array(payments[before.1...]) == alone.payments, "\(row.id)")
                #expect(Array(allocations[before.2...]) == alone.allocations, "\(row.id)")
                #expect(alone.allocations.isEmpty == row.allocations.isEmpty, "\(row.id)")
            }
            #expect(running.count == rows.count)
            #expect(running.allocationCount == rows.map(\.allocations.count).reduce(0, +))
        }
    }

    @Test("the parts are asked in the report's order, each once, only where a register gives them")
    func partsAsked() throws {
        let both = try Self.streamed(Fixtures.input, csv: .excel, documentsToo: true)
        #expect(both.asked == [.paymentsHTML, .documentsHTML, .paymentsCSV, .allocationsCSV, .documentsCSV])
        let paymentsOnly = try Self.streamed(Fixtures.input, csv: .excel, documentsToo: false)
        #expect(paymentsOnly.asked == [.paymentsHTML, .paymentsCSV, .allocationsCSV])
        // An empty register: no table, so no HTML rows; the CSV files still get their (empty) rows.
        var noPayments = Fixtures.input
        noPayments.payments = []
        let empty = try Self.streamed(noPayments, csv: .excel, documentsToo: false)
        #expect(empty.asked == [.paymentsCSV, .allocationsCSV])
        let page = String(decoding: try #require(empty.files.first).bytes, as: UTF8.self)
        #expect(page.contains("Платежей за день нет."))
        #expect(page.contains(#"<div class="detail">разнесений: 0</div>"#))
    }

    @Test("operator templates, payments given twice, or a failing sink or rows writer are errors")
    func refusals() throws {
        let folder = try Paths.temporaryDirectory("sverka-payreg")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "<html>{{title}}</html>".write(to: folder.appendingPathComponent("day.mustache"), atomically: true, encoding: .utf8)
        var input = Fixtures.input
        input.payments = []
        #expect(throws: ReportError.self) {
            try DayReport.write(input, payments: PaymentRegister(), templates: try ReportTemplates(overrideDirectory: folder),
                                csv: .excel, open: { _ in MemorySink() }, rows: { _, _ in })
        }
        #expect(throws: ReportError.self) {
            try DayReport.write(Fixtures.input, payments: PaymentRegister(), templates: try ReportTemplates(), csv: .excel,
                                open: { _ in MemorySink() }, rows: { _, _ in })
        }
        // Without a payments register the input's payments are fine.
        try DayReport.write(Fixtures.input, templates: try ReportTemplates(), csv: .excel,
                            open: { _ in MemorySink() }, rows: { part, _ in Issue.record("asked for \(part)") })

        var register = PaymentRegister()
        var aside = SetAside()
        for row in Fixtures.payments { aside.add(row, to: &register) }
        for failing in [RegisterPart.paymentsHTML, .paymentsCSV, .allocationsCSV] {
            var asked: [RegisterPart] = []
            #expect(throws: SinkFailure.self, "\(failing)") {
                try DayReport.write(input, payments: register, templates: try ReportTemplates(), csv: .excel,
                                    open: { _ in MemorySink() }, rows: { part, _ in
                    asked.append(part)
                    if part == failing { throw SinkFailure() }
                })
            }
            #expect(asked.last == failing)
        }
        let big = Self.paymentDay(3_000)
        register = PaymentRegister()
        aside = SetAside()
        for row in big.payments { aside.add(row, to: &register) }
        var rest = big
        rest.payments = []
        #expect(throws: SinkFailure.self) {
            try DayReport.write(rest, payments: register, templates: try ReportTemplates(), csv: .excel,
                                open: { _ in FailingSink(limit: 1 << 20) }, rows: { part, sink in try sink.write(aside.parts[part] ?? []) })
        }
    }
}
