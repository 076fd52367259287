import Domain
import Foundation

/// How the day's report is rendered.
public struct DayReportOptions: Sendable, Hashable {
    /// CSV conventions (decimal comma by default).
    public var csv: CSVOptions
    /// An operator's templates directory; its `*.mustache` files replace the bundled ones of the same name.
    public var templatesDirectory: URL?

    public init(csv: CSVOptions = .excel, templatesDirectory: URL? = nil) {
        self.csv = csv
        self.templatesDirectory = templatesDirectory
    }
}

/// The day's report: one HTML file and one CSV file per register.
public struct DayReportOutput: Sendable, Hashable {
    /// `day-YYYY-MM-DD.html`: self-contained (inline CSS and SVG), Russian, printable on A4.
    public var html: ReportFile
    /// `payments-…`, `allocations-…`, `exceptions-…`, `documents-…`, `weighed-…`, `returns-…`,
    /// `receivables-…` `.csv`, in that order.
    public var csv: [ReportFile]
    /// The totals the report shows.
    public var totals: DayReportTotals

    /// The HTML file, then the CSV files.
    public var files: [ReportFile] { [html] + csv }
}

/// Renders the day's report from a `DayReportInput`. Pure: no database, no clock, no disk
/// except the templates.
public enum DayReport {
    /// Renders the HTML and every CSV register.
    public static func render(_ input: DayReportInput, options: DayReportOptions = DayReportOptions())
        throws(ReportError) -> DayReportOutput {
        let templates = try ReportTemplates(overrideDirectory: options.templatesDirectory)
        return try render(input, templates: templates, csv: options.csv)
    }

    /// Renders with already loaded templates (load once, render many days).
    public static func render(_ input: DayReportInput, templates: ReportTemplates, csv options: CSVOptions = .excel)
        throws(ReportError) -> DayReportOutput {
        let totals = DayReportTotals(input)
        let html = try htmlBytes(DayView(input, totals: totals), templates: templates)
        let date = input.businessDate.iso
        let tables = csvTables(input, options: options)
        return DayReportOutput(
            html: ReportFile(name: "day-\(date).html", bytes: html),
            csv: tables.map { ReportFile(name: "\($0.name)-\(date).csv", bytes: $0.table.bytes) },
            totals: totals)
    }

    /// The day's HTML: written directly when the day's templates are the bundled ones, else by mustache.
    static func htmlBytes(_ view: DayView, templates: ReportTemplates) throws(ReportError) -> [UInt8] {
        if let style = templates.directDayStyle { return DayHTML.render(view, style: style) }
        return try mustacheHTML(view, templates: templates)
    }

    /// The day's HTML rendered by mustache, whatever the templates (the reference for the direct writer).
    static func mustacheHTML(_ view: DayView, templates: ReportTemplates) throws(ReportError) -> [UInt8] {
        Array(try templates.render(view, template: "day").utf8)
    }

    /// The CSV registers by name (`payments`, `allocations`, `exceptions`, `documents`, `weighed`,
    /// `returns`, `receivables`).
    public static func csvTables(_ input: DayReportInput, options: CSVOptions = .excel) -> [(name: String, table: CSVTable)] {
        csvRegisters.map { ($0.name, $0.table(input, options)) }
    }

    /// One CSV register: its header (a table without rows, whose options format the fields) and its
    /// rows, each handed over as it is made (so `write` never holds a register's rows at once).
    struct CSVRegister: Sendable {
        let name: String
        let header: @Sendable (CSVOptions) -> CSVTable
        let rows: @Sendable (DayReportInput, CSVTable, ([String]) throws -> Void) throws -> Void

        /// The whole register as a table.
        func table(_ input: DayReportInput, _ options: CSVOptions) -> CSVTable {
            let format = header(options)
            var table = format
            // (`rows` throws only what the handler throws: appending does not.)
            try? rows(input, format) { table.append($0) }
            return table
        }
    }

    /// The CSV registers in order, each made when asked (so they need not all be in memory at once).
    static let csvRegisters: [CSVRegister] = [
        CSVRegister(name: "payments", header: paymentsHeader) { input, table, emit in
            for payment in input.payments { try emit(paymentFields(payment, table)) }
        },
        CSVRegister(name: "allocations", header: allocationsHeader) { input, table, emit in
            for payment in input.payments {
                for allocation in payment.allocations { try emit(allocationFields(allocation, of: payment, table)) }
            }
        },
        CSVRegister(name: "exceptions", header: exceptionsHeader, rows: exceptionsRows),
        CSVRegister(name: "documents", header: documentsHeader) { input, table, emit in
            for doc in input.documents { try emit(documentFields(doc, table)) }
        },
        CSVRegister(name: "weighed", header: weighedHeader, rows: weighedRows),
        CSVRegister(name: "returns", header: returnsHeader, rows: returnsRows),
        CSVRegister(name: "receivables", header: receivablesHeader, rows: receivablesRows),
    ]

    // MARK: CSV registers

    /// The payments register without rows.
    static func paymentsHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Платёж", "Источник", "Дата поступления", "Номер п/п", "Плательщик",
                          "ИНН плательщика", "Сумма", "Назначение", "Разнесено", "Куда разнесено",
                          "Не разнесено", "Статус"], options: options)
    }

    /// One row of the payments register.
    static func paymentFields(_ payment: PaymentRow, _ table: CSVTable) -> [String] {
        let destinations = payment.allocations.map {
            "счёт \($0.billNumber) (заказ \($0.orderID)): \(table.money($0.amount)) — \($0.method.russianDescription)"
        }
        return [payment.id.rawValue, payment.source.russianDescription, table.date(payment.receivedOn),
                payment.documentNumber ?? "", payment.payerName ?? "", payment.payerINN ?? "",
                table.money(payment.amount), payment.purpose,
                table.money(payment.allocations.map(\.amount).sum()), destinations.joined(separator: "\n"),
                table.money(payment.unallocated), payment.status.russianDescription]
    }

    /// The allocations register without rows.
    static func allocationsHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Платёж", "Дата поступления", "Плательщик", "ИНН плательщика", "Заказ", "Счёт",
                          "Сумма", "Правило"], options: options)
    }

    /// One row of the allocations register: one of `payment`'s allocations.
    static func allocationFields(_ allocation: Allocation, of payment: PaymentRow, _ table: CSVTable) -> [String] {
        [payment.id.rawValue, table.date(payment.receivedOn), payment.payerName ?? "",
         payment.payerINN ?? "", allocation.orderID.rawValue, allocation.billNumber.rawValue,
         table.money(allocation.amount), allocation.method.russianDescription]
    }

    static func exceptionsHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Вид", "Ссылка", "Сумма", "Описание", "Варианты"], options: options)
    }

    static func exceptionsRows(_ input: DayReportInput, _ table: CSVTable, _ emit: ([String]) throws -> Void) throws {
        for row in input.exceptions {
            try emit([row.kind.russianDescription, row.reference, table.money(row.amount), row.message,
                      row.candidates.map { candidateText($0, money: table.money) }.joined(separator: "\n")])
        }
        for held in input.held {
            try emit(["Документ задержан: \(held.kind.russianDescription)", "заказ \(held.orderID), \(held.reference)",
                      table.money(held.amount), held.reason, ""])
        }
        for record in input.quarantined {
            try emit(["Запись в карантине", "\(record.diagnostic.source) \(record.diagnostic.record)", "",
                      quarantineMessage(record), ""])
        }
    }

    /// The documents register without rows.
    static func documentsHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Вид", "Номер", "Дата", "Исправление", "Заказ", "Покупатель", "ИНН покупателя",
                          "Сумма без НДС", "НДС", "Сумма с НДС", "Файл", "Только на бумаге"],
                 options: options)
    }

    /// One row of the documents register.
    static func documentFields(_ doc: DocumentRow, _ table: CSVTable) -> [String] {
        [doc.kind.russianDescription, doc.number.rawValue, table.date(doc.date),
         doc.correctionNumber.map(String.init) ?? "", doc.orderID?.rawValue ?? "", doc.buyerName,
         doc.buyerINN, table.money(doc.totalWithoutVAT), table.money(doc.vat), table.money(doc.total),
         doc.fileName, doc.paperOnly ? "да" : "нет"]
    }

    static func weighedHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Заказ", "Счёт", "Покупатель", "ИНН покупателя", "Сумма счёта",
                          "Стоимость отгруженного", "Разница", "Как учтено"], options: options)
    }

    static func weighedRows(_ input: DayReportInput, _ table: CSVTable, _ emit: ([String]) throws -> Void) throws {
        for row in input.weighedCorrections {
            try emit([row.orderID.rawValue, row.billNumber.rawValue, row.customerName, row.customerINN,
                      table.money(row.billAmount), table.money(row.shippedValue), table.money(row.difference),
                      row.treatment.russianDescription])
        }
    }

    static func returnsHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Заказ", "Возврат", "Этап", "Дата", "Покупатель", "Причина", "Сумма", "Документ",
                          "Файл"], options: options)
    }

    static func returnsRows(_ input: DayReportInput, _ table: CSVTable, _ emit: ([String]) throws -> Void) throws {
        for row in input.returns {
            try emit([row.orderID.rawValue, row.returnID.rawValue, row.stage.russianDescription, table.date(row.date),
                      row.customerName, row.reason, table.money(row.amount), row.document ?? "",
                      row.documentFile ?? ""])
        }
    }

    static func receivablesHeader(_ options: CSVOptions) -> CSVTable {
        CSVTable(header: ["Покупатель", "ИНН", "Кредитный лимит", "Сальдо", "Срок не наступил",
                          "Просрочено 1–30 дн.", "Просрочено 31–60 дн.", "Просрочено 61–90 дн.",
                          "Просрочено более 90 дн.", "Просрочено всего", "Стоп-лист"], options: options)
    }

    static func receivablesRows(_ input: DayReportInput, _ table: CSVTable, _ emit: ([String]) throws -> Void) throws {
        for row in input.receivables {
            try emit([row.customerName, row.customerINN, table.money(row.creditLimit), table.money(row.balance),
                      table.money(row.notDue), table.money(row.overdue1to30), table.money(row.overdue31to60),
                      table.money(row.overdue61to90), table.money(row.overdueOver90), table.money(row.overdue),
                      row.stopListReason ?? ""])
        }
    }

    static func candidateText(_ candidate: ExceptionCandidate, money: (Money?) -> String) -> String {
        var parts: [String] = []
        if let bill = candidate.billNumber { parts.append("счёт \(bill)") }
        if let order = candidate.orderID { parts.append("заказ \(order)") }
        if let name = candidate.customerName { parts.append(name) }
        if let amount = candidate.amount { parts.append(money(amount)) }
        var text = parts.joined(separator: ", ")
        if let note = candidate.note { text += text.isEmpty ? note : " — \(note)" }
        return text
    }

    static func quarantineMessage(_ record: QuarantinedRecord) -> String {
        record.diagnostic.field.map { "\($0): \(record.diagnostic.message)" } ?? record.diagnostic.message
    }
}

// MARK: Written a piece at a time

/// A place in the day's report where rows a register set aside go (a `PaymentRegister`'s or a
/// `DocumentRegister`'s), in the order `DayReport.write` asks for them.
public enum RegisterPart: Sendable, Hashable, CaseIterable {
    /// The rows of the HTML page's "Реестр платежей" table (`PaymentRegister`, `html:`).
    case paymentsHTML
    /// The rows of the HTML page's "Выпущенные документы" table (`DocumentRegister`, `html:`).
    case documentsHTML
    /// The lines of `payments-DATE.csv` after its header (`PaymentRegister`, `paymentsCSV:`).
    case paymentsCSV
    /// The lines of `allocations-DATE.csv` after its header (`PaymentRegister`, `allocationsCSV:`).
    case allocationsCSV
    /// The lines of `documents-DATE.csv` after its header (`DocumentRegister`, `csv:`).
    case documentsCSV
}

extension DayReport {
    /// Writes the day's report a piece at a time: the same files, with the same bytes, as
    /// `render(_:templates:csv:)` of `input` with the registers' rows as its payments and documents,
    /// but never a whole file in memory.
    ///
    /// With a register given, `input`'s rows of that register must be empty (`input.payments` for
    /// `payments`, `input.documents` for `documents`): its rows are the ones the caller set aside,
    /// written when asked (`rows(part, sink)`, after anything already written to `sink`). A register's
    /// HTML part is asked only when its table is shown (it has rows); its CSV parts always, once each.
    /// Without a register, that register's rows come from `input` and its parts are never asked.
    /// Each file is opened with `open(name)` in `render`'s order (the HTML, then the CSV files) and
    /// written to its end; placing them is the caller's.
    ///
    /// - Parameter templates: must write the day directly (`ReportTemplates.writesDayDirectly`:
    ///   the bundled day template); an operator's templates need `render` (mustache takes every row at once).
    /// - Returns: the totals the report shows.
    /// - Throws: `ReportError` for templates that cannot stream, or rows given both in `input` and in a
    ///   register; any error of `open`, a sink or `rows`.
    @discardableResult
    public static func write(_ input: DayReportInput, documents: DocumentRegister? = nil, payments: PaymentRegister? = nil,
                             templates: ReportTemplates, csv options: CSVOptions, open: (String) throws -> any ReportSink,
                             rows: (RegisterPart, any ReportSink) throws -> Void) throws -> DayReportTotals {
        guard let style = templates.directDayStyle else {
            throw ReportError(item: "day report", reason: "an operator's day template cannot be written a row at a time")
        }
        if documents != nil, !input.documents.isEmpty {
            throw ReportError(item: "day report", reason: "the documents are given twice (in the input and in the register)")
        }
        if payments != nil, !input.payments.isEmpty {
            throw ReportError(item: "day report", reason: "the payments are given twice (in the input and in the register)")
        }
        var totals = DayReportTotals(input)
        if let documents { totals = documents.counted(in: totals) }
        if let payments { totals = payments.counted(in: totals) }
        /// Whether `part`'s rows come from a register (else they are `input`'s, already written).
        func registered(_ part: RegisterPart) -> Bool {
            switch part {
            case .paymentsHTML, .paymentsCSV, .allocationsCSV: payments != nil
            case .documentsHTML, .documentsCSV: documents != nil
            }
        }
        let date = input.businessDate.iso

        let page = try open("day-\(date).html")
        var w = ByteBuffer(sink: page)
        var rowsFailure: (any Error)?
        let view = DayView(input, totals: totals, registeredDocuments: documents?.count ?? 0)
        DayHTML.write(view, style: style, into: &w) { part, w in
            guard registered(part) else { return }
            w.flush()
            guard w.failure == nil else { return }
            do {
                try rows(part, page)
            } catch {
                rowsFailure = error
                w.failure = error
            }
        }
        w.flush()
        if let failure = rowsFailure ?? w.failure { throw failure }

        let csvParts: [String: RegisterPart] = ["payments": .paymentsCSV, "allocations": .allocationsCSV,
                                                "documents": .documentsCSV]
        for register in csvRegisters {
            let sink = try open("\(register.name)-\(date).csv")
            // The BOM and the header, then the rows a few dozen kilobytes at a time.
            let format = register.header(options)
            var bytes = format.bytes
            try register.rows(input, format) { fields in
                format.appendRow(fields, into: &bytes)
                if bytes.count >= 1 << 16 {
                    try sink.write(bytes)
                    bytes.removeAll(keepingCapacity: true)
                }
            }
            if !bytes.isEmpty { try sink.write(bytes) }
            if let part = csvParts[register.name], registered(part) { try rows(part, sink) }
        }
        return totals
    }
}
