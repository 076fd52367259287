import Documents
import Domain
import EDO
import Foundation
import Ingest
import Ledger
import Reconcile
import Reports
import Synchronization

/// Places the day's files and writes its results, from what the ledger holds:
/// `edo/` (for the EDO operator), `archive/` (paper-only buyers, with printable forms),
/// `manifest.json`, `reports/`, `stop-list.json`, and `run.json` last.
struct DayOutputs {
    let day: CivilDate
    let folder: URL
    let loaded: LoadedConfiguration
    let environment: JobEnvironment

    var configuration: Configuration { loaded.configuration }

    /// - Parameters:
    ///   - ingested: the sources' quarantined records, diagnostics and outcomes (its payments are not used).
    ///   - returning: the day's orders that have returns (the report lists the returns).
    func write(ingested: IngestResult, returning: ReturningOrders, facts: DayFacts,
               sources: [RunResult.SourceEntry], ledger: Ledger,
               started: Date) throws -> (RunResult, URL?) {
        // What the rest of the outputs read back (payments, balances, names, returns) is read on
        // another core while the documents are placed; the documents need it only for a buyer's name
        // their details lack, and it is in hand before anything is placed.
        let businessDay = day
        let providerINN = configuration.sources.invoicebox?.providerINN
        let folder = self.folder
        // The report's registers of documents and payments: with the bundled day template their rows
        // are rendered as they come and set aside on disk (`ReportRegister`); an operator's templates
        // take them all at once.
        let templatesDirectory = configuration.reports.templates.map { loaded.resolve($0) }
        let csv = CSVOptions(decimalSeparator: configuration.reports.csvDecimalSeparator == "." ? .point : .comma)
        let reportTemplates = try? ReportTemplates(overrideDirectory: templatesDirectory)
        let register = try reportTemplates.flatMap { $0.writesDayDirectly ? try ReportRegister(folder: folder, csv: csv) : nil }
        let paymentRegister = register?.payments
        let snapshotRead = Background {
            Result {
                try ledger.read { reader in
                    let snapshot = try LedgerSnapshot(reader: reader, day: businessDay, facts: facts,
                                                      providerINN: providerINN, register: paymentRegister, returning: returning,
                                                      entriesFolder: folder)
                    try reader.releaseMemory() // (the pages of every touched customer's balance)
                    return snapshot
                }
            }
        }
        var snapshotTaken: Result<LedgerSnapshot, any Error>?
        defer { if snapshotTaken == nil { _ = snapshotRead.wait() } }
        func readSnapshot() throws -> LedgerSnapshot {
            let taken = snapshotTaken ?? snapshotRead.wait()
            snapshotTaken = taken
            return try taken.get()
        }

        // 1. Documents, placed atomically: read from the ledger a batch at a time (a day's XML is
        // never in memory all at once); each batch's details decoded and XML hashed on all cores,
        // its files written and made durable together (`AtomicFile.write(batch:)`), then signed
        // and listed in recording order.
        let folderPath = folder.path
        let manifest = try ManifestWriter(businessDate: day, url: folder.appendingPathComponent("manifest.json"))
        // run.json's documents and payments are kept aside in the day's folder as they are listed
        // (`RunEntries`, spilled: 8 bytes a document in memory), and run.json copies their bytes.
        var documentEntries = try RunEntries<RunResult.DocumentEntry>(spillingIn: folder, name: "run-documents")
        var documentRows: [DocumentRow] = []
        var held: [HeldDocument] = []
        let signer = configuration.edo.signCommand.map { DocumentSigner(arguments: $0) }
        // Without a signer, the day's files are staged batch after batch — each batch written in the
        // background while the next is read from the ledger (at most one batch waits: the day's XML is
        // never all in memory) — and placed together every `ParallelFiles.commitEvery` files and at
        // the end (one wait for the disk each); a signer signs files in place, so each batch is placed first.
        // A new day's `edo/` and `archive/` are staged whole and renamed into place at the end.
        let staging = AtomicFile.Staging(threads: ParallelFiles.writers, durability: ParallelFiles.durability, freshFolders: true)
        let background = signer == nil ? BackgroundStaging(staging, commitEvery: ParallelFiles.commitEvery) : nil
        // The documents are read from the ledger on another core, a batch ahead of this thread's
        // listing them (the manifest, run.json, the report's register) and handing their files over.
        let documents = Prefetched<[LedgerReader.PlacedDocument]>(ahead: 1) { yield in
            try ledger.read { reader in
                try reader.forEachPlacedDocumentBatch(businessDate: businessDay, detailPaths: OutputDocument.detailPaths) {
                    try yield($0)
                }
            }
        }
        defer { documents.cancel() }
        do {
            while let batch = try documents.next() {
                held += batch.lazy.map(\.record).filter { $0.status == .held }.map(HeldDocument.init)
                let placed = batch.compactMap { OutputDocument($0, folderPath: folderPath) }
                if let background {
                    try background.stage(placed.flatMap(\.files))
                } else {
                    try staging.stage(placed.flatMap(\.files))
                    try staging.commit()
                }
                for document in placed {
                    let record = document.record
                    guard let number = record.number else { continue }
                    let paperOnly = document.paperOnly
                    let relative = document.relativePath
                    var signature: String?
                    if let signer {
                        let signed = try signer.sign(folder.appendingPathComponent(relative))
                        signature = (paperOnly ? "archive/" : "edo/") + signed.lastPathComponent
                    }
                    let kind: DocumentKind = record.kind == .upd && record.correctionNumber > 0 ? .updCorrection : record.kind
                    let numberText = (configuration.numbering.prefix ?? "") + String(number)
                    try manifest.append(ManifestEntry(
                        file: relative, kind: kind, number: numberText, date: record.date, buyerINN: record.customerINN,
                        totalWithoutVAT: record.totals.withoutVAT, vat: record.totals.vat, total: record.totals.withVAT,
                        sha256: document.sha256, signature: signature, paperOnly: paperOnly,
                        printForm: document.printFormPath))
                    try documentEntries.append(RunResult.DocumentEntry(
                        file: relative, kind: kind, number: numberText, date: record.date, orderID: record.orderID,
                        shipmentID: record.shipmentID, customerINN: record.customerINN, totalWithoutVAT: record.totals.withoutVAT,
                        vat: record.totals.vat, total: record.totals.withVAT, paperOnly: paperOnly))
                    let row = DocumentRow(
                        kind: kind, number: DocumentNumber(numberText), date: record.date,
                        correctionNumber: record.correctionNumber > 0 ? record.correctionNumber : nil, orderID: record.orderID,
                        buyerName: try document.buyerName ?? readSnapshot().name(of: record.customerINN), buyerINN: record.customerINN,
                        totalWithoutVAT: record.totals.withoutVAT, vat: record.totals.vat, total: record.totals.withVAT,
                        fileName: relative, paperOnly: paperOnly)
                    if let register { try register.append(row) } else { documentRows.append(row) }
                }
            }
            try background?.finish()
            _ = try readSnapshot() // nothing is placed unless the rest of the outputs can be written
            try staging.commit()
        } catch {
            // Nothing half-done stays: queued batches are drained, staged temporaries removed.
            _ = try? background?.finish()
            staging.discard()
            throw error
        }
        // The manifest's sorted runs are merged into place on another thread meanwhile; the day
        // waits for it before run.json, and on any failure before leaving.
        let manifestWriter = UncheckedSendable(manifest)
        let manifestCommit = Background { Result { () throws -> Void in _ = try manifestWriter.value.commit() } }
        var manifestDone = false
        defer { if !manifestDone { _ = manifestCommit.wait() } }

        FreedMemory.release() // the batches of documents read and written are gone
        let snapshot = try readSnapshot()

        // 2. Held documents.
        let heldEntries = held.map {
            RunResult.HeldEntry(orderID: $0.orderID, shipmentID: $0.shipmentID, reason: $0.holdReason ?? "held")
        }

        // 3. Payments: read from the ledger a block at a time with the snapshot (`LedgerSnapshot`).
        let paymentEntries = snapshot.paymentEntries
        let paymentRows = snapshot.paymentRows

        // 4. Exceptions for the accountant.
        var exceptions: [RunResult.ExceptionEntry] = []
        var exceptionRows: [ExceptionRow] = []
        let matchingExceptions = facts.matchingExceptions + (facts.payouts?.exceptions ?? [])
        // The amount at stake in a payment's exception is the payment (a payout's, the difference).
        let exceptionPayments = snapshot.exceptionPayments
        for exception in matchingExceptions where exception.kind != .partialPayment && exception.kind != .overpayment {
            let ref = exception.paymentID?.rawValue ?? exception.billNumbers.map(\.rawValue).joined(separator: ", ")
            exceptions.append(RunResult.ExceptionEntry(kind: exception.kind.rawValue, ref: ref, message: exception.message))
            let payment = exception.paymentID.flatMap { id in exceptionPayments[id]?.0 }
            exceptionRows.append(ExceptionRow(
                kind: RussianMessages.kind(exception.kind), reference: ref,
                amount: exception.difference ?? payment.map { p in
                    p.amount - (exceptionPayments[p.id]?.1.map(\.amount).sum() ?? .zero)
                },
                message: RussianMessages.message(for: exception, payment: payment),
                candidates: exception.candidates.map {
                    ExceptionCandidate(billNumber: $0.billNumber, orderID: $0.orderID,
                                       customerName: snapshot.name(of: $0.customerINN), amount: $0.outstanding, note: $0.reason)
                }))
        }
        for record in snapshot.quarantined {
            exceptions.append(RunResult.ExceptionEntry(kind: "quarantined", ref: record.key, message: record.diagnostic.description))
        }
        for record in held {
            exceptions.append(RunResult.ExceptionEntry(kind: "held-document", ref: record.identity,
                                                       message: record.holdReason ?? "held"))
        }
        for change in facts.customerChanges {
            let message = "\(change.field.rawValue): «\(change.oldValue ?? "—")» → «\(change.newValue ?? "—")» (order \(change.orderID))"
            exceptions.append(RunResult.ExceptionEntry(kind: "customer-changed", ref: change.customerINN, message: message))
            exceptionRows.append(ExceptionRow(kind: .customerChanged, reference: change.customerINN,
                                              message: "Изменились реквизиты покупателя: " + message))
        }
        for diagnostic in ingested.diagnostics where diagnostic.severity >= .warning && diagnostic.kind != "missing-vsd" {
            exceptions.append(RunResult.ExceptionEntry(kind: diagnostic.kind, ref: diagnostic.record, message: diagnostic.description))
        }

        // 5. Customers: balance, credit limit, overdue, stop list.
        let stopped = Dictionary((facts.stopList?.customers ?? []).map { ($0.customerINN, $0) }, uniquingKeysWith: { a, _ in a })
        let ageing = Dictionary(facts.ageing.map { ($0.customerINN, $0) }, uniquingKeysWith: { a, _ in a })
        var customers: [RunResult.CustomerEntry] = []
        var receivables: [ReceivableRow] = []
        for inn in facts.customersTouched.sorted() {
            let balance = snapshot.balances[inn] ?? .zero
            let buckets = ageing[inn]?.buckets ?? AgeingBuckets()
            let entry = stopped[inn]
            let reasons = entry.map { stop in
                stop.reasons.map { reason -> String in
                    switch reason {
                    case .overCreditLimit: "долг и открытые заказы \((stop.debt + stop.openOrders).formatted(grouping: " ")) ₽ превышают лимит \((stop.creditLimit ?? .zero).formatted(grouping: " ")) ₽"
                    case .overdue: "просрочено \(stop.overdue.formatted(grouping: " ")) ₽, до \(stop.maxDaysOverdue) дн."
                    }
                }
            } ?? []
            let limit = facts.creditLimits[inn] ?? .zero
            customers.append(RunResult.CustomerEntry(
                inn: inn, name: facts.customerNames[inn] ?? snapshot.name(of: inn), balance: balance, creditLimit: limit,
                overdue: buckets.overdue, onStopList: entry != nil, reasons: reasons))
            receivables.append(ReceivableRow(
                customerName: facts.customerNames[inn] ?? snapshot.name(of: inn), customerINN: inn, creditLimit: limit,
                balance: balance, notDue: buckets.notDue, overdue1to30: buckets.days1to30, overdue31to60: buckets.days31to60,
                overdue61to90: buckets.days61to90, overdueOver90: buckets.over90,
                stopListReason: reasons.isEmpty ? nil : reasons.joined(separator: "; ")))
        }
        if let stopList = facts.stopList {
            let data = try stopList.jsonData()
            try AtomicFile.write(Array(data), to: folder.appendingPathComponent("stop-list.json"))
            let global = loaded.outputDirectory.appendingPathComponent("stop-list.json")
            let existing = (try? Data(contentsOf: global)).flatMap { try? StopList.decode($0) }
            if existing.map({ $0.asOf <= day }) ?? true { try AtomicFile.write(Array(data), to: global) }
        }

        let status: RunResult.Status = exceptions.isEmpty && heldEntries.isEmpty ? .ok : .exceptions
        let result = RunResult(businessDate: day, status: status, sources: sources, payments: paymentEntries,
                               documents: documentEntries, held: heldEntries, customers: customers, exceptions: exceptions)

        // 6. The accountant's report, written on another thread while run.json is (its name last).
        // The report's rows and bytes are let go before the day ends (the day's largest texts).
        let input = DayReportInput(
            businessDate: day, generatedAt: nil,
            seller: ReportParty(name: configuration.seller.name, inn: configuration.seller.inn, kpp: configuration.seller.kpp),
            sources: ingested.outcomes.map { outcome in
                let quarantined = ingested.quarantined.filter { $0.diagnostic.source == outcome.source }.count
                return SourceSummary(source: outcome.source, origin: outcome.location, state: outcome.isOK ? (quarantined > 0 ? .partial : (outcome.records == 0 ? .empty : .ok)) : .failed,
                                     recordsRead: outcome.records, recordsQuarantined: quarantined)
            },
            payments: paymentRows, exceptions: exceptionRows, documents: documentRows,
            held: held.map {
                HeldRow(kind: $0.kind, orderID: $0.orderID, reference: $0.shipmentID?.rawValue ?? $0.identity,
                        buyerName: snapshot.name(of: $0.customerINN), buyerINN: $0.customerINN, amount: nil,
                        reason: $0.holdReason ?? "")
            },
            weighedCorrections: (facts.settlements?.orders ?? []).map { settlement in
                WeighedRow(orderID: settlement.orderID, billNumber: settlement.billNumber,
                           customerName: snapshot.name(of: settlement.customerINN), customerINN: settlement.customerINN,
                           billAmount: settlement.paid, shippedValue: settlement.shippedValue,
                           treatment: settlement.treatment == .refund ? .refund : settlement.difference.isNegative ? .surcharge : .credit)
            },
            returns: snapshot.returns,
            receivables: receivables,
            quarantined: snapshot.quarantined,
            runStatus: RunStatus(outcome: status == .ok ? .completed : .completedWithProblems))
        let reportParts = UncheckedSendable((input, register, reportTemplates))
        let report = Background {
            Result { () throws -> URL? in
                let (input, register, reportTemplates) = reportParts.value
                if let register, let reportTemplates {
                    try register.write(input, templates: reportTemplates, to: folder.appendingPathComponent("reports"))
                    return folder.appendingPathComponent("reports/day-\(businessDay.iso).html")
                }
                let report = try DayReport.render(input, options: DayReportOptions(csv: csv, templatesDirectory: templatesDirectory))
                try AtomicFile.write(batch: report.files.map {
                    AtomicFile.BatchFile(url: folder.appendingPathComponent("reports/" + $0.name), bytes: $0.bytes)
                }, threads: 1, durability: ParallelFiles.durability)
                return folder.appendingPathComponent("reports/" + report.html.name)
            }
        }
        var reportDone = false
        defer { if !reportDone { _ = report.wait() } }

        // 7. run.json last: its presence says the day's files are all in place. Its bytes are
        // written meanwhile; it gets its name once the manifest and the report are in place.
        let runJSON = try result.staged(to: folder.appendingPathComponent("run.json"))
        let reportURL: URL?
        do {
            let written = report.wait()
            reportDone = true
            let merged = manifestCommit.wait()
            manifestDone = true
            try merged.get()
            reportURL = try written.get()
            FreedMemory.release()
            try runJSON.commit()
        } catch {
            runJSON.discard()
            throw error
        }
        return (result, reportURL)
    }
}

/// `AtomicFile.Staging` driven from one background queue: `stage` hands a batch over and returns
/// once the previous batch is written, so reading the next batch overlaps writing this one and at
/// most one batch waits. `finish()` waits for the last and reports the first failure.
///
/// Once `commitEvery` files or more wait, they are committed (placed under their final names,
/// one wait for the disk) before the next batch, so the staged files' names never pile up for a
/// whole day (folders staged whole stay staged: their files keep no name in memory); the caller
/// commits the rest, and places those folders, after `finish()`.
///
/// `@unchecked Sendable`: the staging is touched only on the serial queue until `finish()` has
/// drained it; the failure is behind a mutex.
final class BackgroundStaging: @unchecked Sendable {
    private let staging: AtomicFile.Staging
    private let queue = DispatchQueue(label: "sverka.outputs.staging")
    private let slot = DispatchSemaphore(value: 1)
    private let failure = Mutex<EDOError?>(nil)

    private let commitEvery: Int

    init(_ staging: AtomicFile.Staging, commitEvery: Int = .max) {
        self.staging = staging
        self.commitEvery = max(1, commitEvery)
    }

    /// Queues `files` for staging after waiting for the batch before (throws that batch's failure).
    func stage(_ files: [AtomicFile.BatchFile]) throws(EDOError) {
        slot.wait()
        if let error = failure.withLock({ $0 }) {
            slot.signal()
            throw error
        }
        queue.async { [self] in
            defer { slot.signal() }
            do throws(EDOError) {
                try staging.stage(files)
                if staging.count >= commitEvery { try staging.commit(placingFreshFolders: false) }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
    }

    /// Waits until every queued batch is staged; throws the first failure.
    func finish() throws(EDOError) {
        queue.sync {}
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// The report's registers as the day's documents are placed and its payments read: each row
/// rendered at once (`DocumentRegister`, `PaymentRegister`) and its HTML and CSV bytes set aside in
/// spill files beside the day's files, so the day's rows are never all in memory; `write` streams the
/// report's files into place.
final class ReportRegister {
    private(set) var documents: DocumentRegister
    /// Filled on the thread that reads the day's payments.
    let payments: PaymentSpill
    private let html: SpillFile
    private let csv: SpillFile
    private let options: CSVOptions
    private var htmlBytes: [UInt8] = []
    private var csvBytes: [UInt8] = []

    init(folder: URL, csv options: CSVOptions) throws(EDOError) {
        documents = DocumentRegister(csv: options)
        payments = try PaymentSpill(folder: folder, csv: options)
        html = try SpillFile(in: folder, name: "report-documents.html")
        csv = try SpillFile(in: folder, name: "report-documents.csv")
        self.options = options
    }

    /// Adds one issued document.
    func append(_ row: DocumentRow) throws(EDOError) {
        documents.append(row, html: &htmlBytes, csv: &csvBytes)
        try html.append(htmlBytes)
        try csv.append(csvBytes)
        htmlBytes.removeAll(keepingCapacity: true)
        csvBytes.removeAll(keepingCapacity: true)
    }

    /// Writes the report (`DayReport.write`: `input` without its documents and payments, the
    /// registers' rows in their place) into `reports`, every file made durable, then all placed together.
    func write(_ input: DayReportInput, templates: ReportTemplates, to reports: URL) throws {
        var streams: [AtomicFile.Stream] = []
        do {
            try DayReport.write(input, documents: documents, payments: payments.register, templates: templates, csv: options,
                                open: { name in
                let stream = try AtomicFile.Stream(url: reports.appendingPathComponent(name))
                streams.append(stream)
                return StreamSink(stream)
            }, rows: { part, sink in
                let rows: SpillFile = switch part {
                case .documentsHTML: html
                case .documentsCSV: csv
                case .paymentsHTML: payments.html
                case .paymentsCSV: payments.paymentsCSV
                case .allocationsCSV: payments.allocationsCSV
                }
                try rows.forEachChunk { chunk throws(EDOError) in
                    do { try sink.write(chunk) } catch let error as EDOError { throw error } catch {
                        throw EDOError(path: reports.path, operation: "write report", reason: "\(error)")
                    }
                }
            })
            try AtomicFile.Stream.commit(streams)
        } catch {
            for stream in streams { stream.discard() }
            throw error
        }
    }
}

/// The report's payments register (`PaymentRegister`), its rows' HTML and CSV bytes set aside in
/// three spill files.
///
/// `@unchecked Sendable`: made with the report's registers, then filled by the one thread that reads
/// the day's payments (`LedgerSnapshot`) and read by the report's writer only after that thread is
/// waited for.
final class PaymentSpill: @unchecked Sendable {
    private(set) var register: PaymentRegister
    let html: SpillFile
    let paymentsCSV: SpillFile
    let allocationsCSV: SpillFile
    private var htmlBytes: [UInt8] = []
    private var paymentsBytes: [UInt8] = []
    private var allocationsBytes: [UInt8] = []

    init(folder: URL, csv options: CSVOptions) throws(EDOError) {
        register = PaymentRegister(csv: options)
        html = try SpillFile(in: folder, name: "report-payments.html")
        paymentsCSV = try SpillFile(in: folder, name: "report-payments.csv")
        allocationsCSV = try SpillFile(in: folder, name: "report-allocations.csv")
    }

    /// Adds one payment.
    func append(_ row: PaymentRow) throws(EDOError) {
        register.append(row, html: &htmlBytes, paymentsCSV: &paymentsBytes, allocationsCSV: &allocationsBytes)
        try html.append(htmlBytes)
        try paymentsCSV.append(paymentsBytes)
        try allocationsCSV.append(allocationsBytes)
        htmlBytes.removeAll(keepingCapacity: true)
        paymentsBytes.removeAll(keepingCapacity: true)
        allocationsBytes.removeAll(keepingCapacity: true)
    }
}

/// A report file written straight into its `AtomicFile.Stream`.
final class StreamSink: ReportSink {
    let stream: AtomicFile.Stream

    init(_ stream: AtomicFile.Stream) { self.stream = stream }

    func write(_ bytes: [UInt8]) throws { try stream.write(bytes) }
}

/// What the outputs read back from the ledger after the day's write.
struct LedgerSnapshot: Sendable {
    /// run.json's payments (the day's and those this run looked at), in the order of receipt, spilled
    /// into `entriesFolder` as they are listed.
    var paymentEntries: RunEntries<RunResult.PaymentEntry>
    /// The report's payment rows, in the same order (empty when they went to the report's register).
    var paymentRows: [PaymentRow]
    /// The payments an exception of the matcher or of the payout check names, with their allocations.
    var exceptionPayments: [PaymentID: (Payment, [Allocation])]
    var balances: [String: Money]
    var names: [String: String]
    var quarantined: [QuarantinedRecord]
    var returns: [ReturnRow]

    /// How many payments are read from the ledger at once (the day's are never all in memory whole).
    static let paymentBlock = 1_024

    /// - Parameters:
    ///   - register: where the report's payment rows go as they are made (else `paymentRows`).
    ///   - entriesFolder: where run.json's payments are kept aside as they are listed (the day's folder).
    init(reader: LedgerReader, day: CivilDate, facts: DayFacts, providerINN: String?,
         register: PaymentSpill?, returning: ReturningOrders, entriesFolder: URL) throws {
        let knownCustomers = try reader.customerINNs()
        // The payments the day touched, each once, in the order of receipt, a block at a time, each block
        // read whole (without their records as the sources gave them: the outputs list payments, never
        // those). Every one of the day's own is among them (the reconciliation either matches it again or
        // keeps what the ledger holds for it). Their ids go from their file to SQLite, which puts them in
        // order: neither the ids, a set of them nor their days are held here.
        let named = Set((facts.matchingExceptions + (facts.payouts?.exceptions ?? [])).compactMap(\.paymentID))
        var entries = try RunEntries<RunResult.PaymentEntry>(spillingIn: entriesFolder, name: "run-payments")
        var rows: [PaymentRow] = []
        var exceptionPayments: [PaymentID: (Payment, [Allocation])] = [:]
        let listed = facts.touchedPayments
        try reader.forEachPaymentBlockInReceiptOrder(listing: { list in try listed.forEach(block: Self.paymentBlock, list) },
                                                     size: Self.paymentBlock) { block in
            let stored = try reader.paymentsReadDirectly(ids: block, includingRecords: false)
            let allocated = try reader.allocations(payments: block)
            for id in block {
                guard let payment = stored[id] else { continue }
                let allocations = (allocated[id] ?? []).map(\.allocation)
                let (entry, row) = Self.listed(payment, allocations, providerINN: providerINN, known: knownCustomers)
                try entries.append(entry)
                if let register { try register.append(row) } else { rows.append(row) }
                if named.contains(id) { exceptionPayments[id] = (payment, allocations) }
            }
        }
        paymentEntries = entries
        paymentRows = rows
        self.exceptionPayments = exceptionPayments
        var names = facts.customerNames
        var balances: [String: Money] = [:]
        // Each customer's movements are read once (its balance): a small page cache.
        try reader.withPageCache(kibibytes: LedgerReader.onePassCacheKiB) {
            for inn in facts.customersTouched {
                balances[inn] = try reader.balance(customerINN: inn, at: day, knownOn: day)
                if names[inn] == nil, let customer = try reader.customer(inn: inn) { names[inn] = customer.party.name }
            }
        }
        self.balances = balances
        self.names = names
        quarantined = try reader.quarantined(on: day)
        var returns: [ReturnRow] = []
        try returning.forEach { order in
            for ret in order.returns.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) }) where ret.at.moscowDate <= day {
                let identity = ret.stage == .afterDelivery ? "UKD:\(ret.id)" : "UPD:\(ret.shipmentID)"
                let document = try reader.document(identity: identity)
                let amount = DayComputation.value(of: ret.lines.map { ($0.lineNo, $0.quantity) }, in: order)
                let label: String? = document.flatMap { doc in
                    doc.number.map { "\(doc.kind == .ukd ? "УКД" : "УПД") № \($0) от \(doc.date.russian)" + (doc.correctionNumber > 0 ? ", испр. \(doc.correctionNumber)" : "") }
                }
                returns.append(ReturnRow(orderID: order.id, returnID: ret.id, stage: ret.stage, date: ret.at.moscowDate,
                                         customerName: order.customer.name, reason: ret.reason, amount: amount,
                                         document: label, documentFile: document?.fileName))
            }
        }
        self.returns = returns
    }

    /// A payment as run.json and the report list it: its allocations, what is left and its state
    /// (a payout is checked, never allocated; what a known customer leaves over is its credit).
    static func listed(_ payment: Payment, _ allocations: [Allocation], providerINN: String?,
                       known: Set<String>) -> (RunResult.PaymentEntry, PaymentRow) {
        let allocated = allocations.map(\.amount).sum()
        let unallocated = payment.amount - allocated
        let payout = payment.isPayout(providerINN: providerINN)
        let state: RunResult.PaymentEntry.State = payout ? .payout
            : unallocated.isZero ? .allocated : allocated.isPositive ? .partial : .unallocated
        let entry = RunResult.PaymentEntry(
            id: payment.id, source: payment.source.rawValue, receivedOn: payment.receivedOn, amount: payment.amount,
            payerINN: payment.payerINN,
            allocations: allocations.map {
                .init(orderID: $0.orderID, billNumber: $0.billNumber, amount: $0.amount, method: $0.method)
            },
            unallocated: payout ? .zero : unallocated, status: state)
        let isKnown = payment.payerINN.map { known.contains($0) } ?? false
        let rowStatus: PaymentStatus = payout ? .payout
            : unallocated.isZero ? .allocated
            : isKnown ? .credit : allocated.isPositive ? .partial : .unmatched
        let row = PaymentRow(
            id: payment.id, source: payment.source, receivedOn: payment.receivedOn, documentNumber: payment.documentNumber,
            payerName: payment.payerName, payerINN: payment.payerINN, amount: payment.amount, purpose: payment.purpose,
            allocations: allocations, unallocated: payout ? .zero : unallocated, status: rowStatus)
        return (entry, row)
    }

    func name(of inn: String) -> String { names[inn] ?? inn }
}

/// How the outputs place the day's files (`AtomicFile.Staging`): this many writer threads (the
/// bytes go to the page cache; the disk is waited for once, at commit) and one `syncfs` per commit.
/// Creating files in one folder takes the folder's lock, so a second writer mostly spins on it
/// while the first creates (100 000 orders, 2 cores: the outputs stage 20.9 s with 4 writers, 17.9 s
/// with 2 in round 4; in round 7, runs taken in turn: 12.32 / 11.39 s with 1, 12.36 / 12.34 s with 2,
/// and 11.8–12.0 s with 1 against 13.9–16.3 s with 2 on a file system that had just deleted a
/// million files, where ext4's inode allocation is slow and the second writer spun on the lock).
enum ParallelFiles {
    static let writers = 1
    static let durability: AtomicFile.BatchDurability = .fileSystem
    /// The staged files are placed once this many wait (about 8 000 documents), so the names of a
    /// day's staged files are never all held at once (each commit is one more wait for the disk).
    static let commitEvery = 8_192
}

/// A held document, as the outputs list it (without its details).
struct HeldDocument: Sendable {
    var identity: String
    var kind: DocumentKind
    var orderID: OrderID
    var shipmentID: ShipmentID?
    var customerINN: String
    var holdReason: String?

    init(_ record: DocumentRecord) {
        identity = record.identity
        kind = record.kind
        orderID = record.orderID
        shipmentID = record.shipmentID
        customerINN = record.customerINN
        holdReason = record.holdReason
    }
}

/// One issued document ready to be placed: its files, its path and the hash of its XML.
struct OutputDocument: Sendable {
    /// What the outputs read of a document's details (`StoredDocumentDetails`): the rest
    /// (its lines) is never decoded.
    static let detailPaths = ["$.paperOnly", "$.printForm", "$.printFormName", "$.buyerName"]

    var record: DocumentRecord
    var paperOnly: Bool
    var buyerName: String?
    /// `edo/NAME.xml` or `archive/NAME.xml`.
    var relativePath: String
    /// `archive/NAME.html` for a paper-only buyer's printable form.
    var printFormPath: String?
    /// Lower-case hex SHA-256 of the XML (the one stored with it in the ledger).
    var sha256: String
    var files: [AtomicFile.BatchFile]

    /// `nil` for a held version, or one without its XML, file name or number.
    init?(_ placed: LedgerReader.PlacedDocument, folderPath: String) {
        let record = placed.record
        guard record.status != .held, let bytes = placed.xml, let fileName = record.fileName, record.number != nil else {
            return nil
        }
        let values = placed.detailValues
        func value(_ index: Int) -> String? { index < values.count ? values[index] : nil }
        paperOnly = value(0) == "1"
        buyerName = value(3)
        relativePath = (paperOnly ? "archive/" : "edo/") + fileName
        sha256 = placed.contentSHA256 ?? SHA256.hex(bytes)
        files = [AtomicFile.BatchFile(path: folderPath + "/" + relativePath, bytes: bytes)]
        if let html = value(1), let name = value(2) {
            printFormPath = "archive/" + name
            files.append(AtomicFile.BatchFile(path: folderPath + "/archive/" + name, bytes: Array(html.utf8)))
        }
        self.record = record // (without its XML: that is in `files`)
    }
}

/// A value handed to one other thread (`Background`) and used there alone until the handing
/// thread has waited for it: what the compiler cannot see, said once.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
