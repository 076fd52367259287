import Documents
import Domain
import Foundation
import Ingest
import Ledger
import Reconcile
import Synchronization

/// What the documents stage keeps beside each document in the ledger (opaque to the ledger).
struct StoredDocumentDetails: Codable, Equatable {
    var lines: [DocumentLineRecord]
    var correctionDate: CivilDate?
    var paperOnly: Bool
    var printForm: String?
    var printFormName: String?
    var buyerName: String

    static func decode(_ data: Data?) -> StoredDocumentDetails? {
        guard let data else { return nil }
        return try? JSONDecoder().decode(StoredDocumentDetails.self, from: data)
    }

    /// The bytes `JSONEncoder` writes with `.sortedKeys` (the ledger's stored form), written
    /// directly (``DirectJSONEncodable``, no Codable containers).
    func encoded() throws -> Data {
        var json = JSONBytes(escapesSlashes: true, capacity: 256 + 256 * lines.count + (printForm?.utf8.count ?? 0))
        writeJSON(to: &json)
        return Data(json.bytes)
    }
}

/// What one day's write decided, for the day's outputs (reports, run.json).
struct DayFacts: Sendable {
    var customerChanges: [CustomerChange] = []
    /// What the matcher could not decide alone (the rest of its result is in the ledger).
    var matchingExceptions: [ReconcileException] = []
    var payouts: PayoutReport?
    /// Payments this run looked at (every one of the day's, and earlier ones still open).
    var touchedPayments = PaymentIDList([])
    var settlements: PrepaidSettlementReport?
    /// Each customer touched, aged, without its open debits (`CustomerAgeing.withoutOpenDebits`).
    var ageing: [CustomerAgeing] = []
    var stopList: StopList?
    var creditLimits: [String: Money] = [:]
    var customerNames: [String: String] = [:]
    var customersTouched: Set<String> = []
    var documentsIssued: Int = 0
    /// Positions of the day's orders with returns (the report lists their returns).
    var returning: [Int] = []
    /// Wall seconds of each step of the day's write (`orders`, `payments`, `reconcile`,
    /// `documents`, `movements`, `credit`), for the day's log line and the benchmark (a step done in
    /// parts, as `reconcile` around `payments`, is the sum of its parts).
    var stepSeconds: [String: Double] = [:]
    /// The process's peak resident set so far at the end of each step or part of a step, in order.
    var stepPeaks: [StepPeak] = []
    /// When the last step ended (what the write takes after it is the commit).
    var computedAt: ContinuousClock.Instant?
    /// Documents rendered while recorded because no rendering ahead had their number (0 when the
    /// forecast was right; the log shows it).
    var renderedWhileRecording: Int = 0
}

/// How the day's write takes its work in parts. The parts change only how much is in memory and
/// what runs at the same time, never a result (tests run days with tiny parts to show it).
struct DayBatching: Sendable {
    /// How many orders are prepared at once for the ledger (their JSON held at the same time);
    /// the next block is prepared while one is written.
    var upsertBlock: Int
    /// How many documents are rendered ahead of recording (the next window is rendered while one
    /// is recorded): enough to keep every core busy, few enough that their bytes stay a small part
    /// of the memory.
    var renderWindow: Int
    /// Forecast every window again from the ledger after the previous one is recorded, as when a
    /// window was recorded otherwise than forecast (tests use it to take that path on purpose).
    var reforecastEveryWindow = false
    /// How many payments' balance movements are worked out at once.
    var paymentMovementsBlock = DayMovements.readBlock
    /// Work the payments' movements out while waiting for documents being rendered (else all in step 4).
    var paymentMovementsAhead = true

    static let standard = DayBatching(upsertBlock: 1_024, renderWindow: 512)
}

/// One business day's changes to the ledger, computed and written in ONE transaction:
/// orders, payments and quarantine; allocations; documents (numbered, rendered, validated);
/// balance movements. A failure anywhere rolls the whole day back.
struct DayComputation {
    let day: CivilDate
    let runID: Int64
    let loaded: LoadedConfiguration
    /// The quarantined records and diagnostics the sources gave (its `orders` and `payments` are
    /// empty: the day's orders are in `spill`, its payments in `dayPayments`).
    let ingested: IngestResult
    /// The day's payments as the sources gave them (without their records), in a file, in the
    /// sources' order.
    let dayPayments: SpilledPayments
    /// Their ids, by position, in a file of their own.
    let dayPaymentIDs: PaymentIDList
    /// The day's valid orders, in the feed's order, read back a block at a time.
    let spill: any OrderSpill
    /// The records of `dayPayments` as their sources gave them, by position (the payments
    /// themselves carry none: the ledger alone keeps them).
    let paymentRecords: SpilledTexts
    let renderer: DocumentRenderer
    let documentsConfiguration: DocumentsConfiguration
    var batching = DayBatching.standard

    var configuration: Configuration { loaded.configuration }
    var series: String { configuration.numbering.series ?? configuration.seller.inn }
    var prefix: String { configuration.numbering.prefix ?? "" }
    var providerINN: String? { configuration.sources.invoicebox?.providerINN }

    /// How many orders' (or payments', customers') rows the writing thread reads with one batch of queries.
    static let readBlock = 1_024

    func perform(_ tx: LedgerTransaction) throws -> DayFacts {
        var facts = DayFacts()
        let clock = ContinuousClock()
        var stepStart = clock.now
        func endStep(_ name: String) {
            let now = clock.now
            let elapsed = now - stepStart
            facts.stepSeconds[name, default: 0] += elapsed.inSeconds
            if let peak = ProcessMemory.peakKilobytes { facts.stepPeaks.append(StepPeak(step: name, kilobytes: peak)) }
            stepStart = now
        }

        // 1. What the sources said, idempotently.
        // The orders are read back a block at a time and their stored forms (JSON) encoded on all
        // cores, then written in order; the next block is prepared while this one is written. Their
        // index (ids, bills, returns) is made as they pass.
        var dayOrders = DayOrders(spill: spill)
        let blocks = dayOrders.blocks(of: batching.upsertBlock)
        func preparing(_ range: Range<Int>) -> Background<Result<(orders: [Order], prepared: [PreparedOrder]), any Error>> {
            Background { [spill] in
                Result {
                    let block = try spill.orders(in: range)
                    return (block, try Self.prepare(block))
                }
            }
        }
        var next = blocks.first.map(preparing)
        for index in blocks.indices {
            guard let current = next else { break }
            let (block, prepared) = try current.wait().get()
            next = index + 1 < blocks.count ? preparing(blocks[index + 1]) : nil
            dayOrders.index(block, from: blocks[index].lowerBound)
            for upsert in try tx.upsertOrders(prepared, businessDate: day) {
                facts.customerChanges += upsert.customerChanges
            }
        }
        facts.returning = dayOrders.returning
        endStep("orders")
        // 2. Payments to bills. What the matcher needs does not depend on the day's payment and
        // quarantine rows: it is read first, and the matcher runs on another core while they are written.
        do {
            // (The day's index hands its bills over to the matcher's input: they are never held twice.)
            let reconciliation = try startReconciliation(tx, orders: &dayOrders)
            endStep("reconcile")
            try upsertPayments(tx)
            for record in ingested.quarantined { _ = try tx.quarantine(record, businessDate: day) }
            endStep("payments")
            try finishReconciliation(tx, reconciliation, facts: &facts)
        }
        // The payments are in the ledger and reconciled: the rest of the day reads them from there, and
        // goes through the ids of those touched in their file.
        try dayPayments.removeAll()
        FreedMemory.release()
        endStep("reconcile")

        // 3. Documents. The payments' balance movements (step 4) read nothing the documents write:
        // the writing thread works them out while it waits for documents being rendered.
        // (Those worked out wait for step 4 in a file: a day's are tens of megabytes.)
        let paymentMovements = PaymentMovements(
            dayMovements, payments: facts.touchedPayments, block: batching.paymentMovementsBlock,
            keptIn: try RecordSpill(directory: loaded.outputDirectory, name: "payment-movements",
                                    contents: "payments' balance movements"))
        try issueDocuments(tx, orders: dayOrders, meanwhile: batching.paymentMovementsAhead ? paymentMovements : nil,
                           facts: &facts)
        endStep("documents")

        // 4. Balance movements, weighed goods, credit control.
        try recordMovements(tx, orders: dayOrders, payments: paymentMovements, facts: &facts)
        endStep("movements")
        try creditControl(tx, facts: &facts)
        endStep("credit")
        facts.computedAt = stepStart
        return facts
    }


    /// Writes the day's payments, a block at a time, each with its record as its source gave it.
    private func upsertPayments(_ tx: LedgerTransaction) throws {
        for start in stride(from: 0, to: dayPayments.count, by: Self.readBlock) {
            let range = start..<min(dayPayments.count, start + Self.readBlock)
            var block = try dayPayments.payments(in: range).map(\.payment)
            for (offset, raw) in try paymentRecords.texts(in: range).enumerated() { block[offset].raw = raw }
            try tx.upsertPayments(block, businessDate: day)
        }
    }

    /// The ledger's stored forms of `orders`, made over all cores, in the orders' order.
    static func prepare(_ orders: [Order]) throws -> [PreparedOrder] {
        guard !orders.isEmpty else { return [] }
        let chunks = min(orders.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 4)
        let results = Mutex<[Int: Result<[PreparedOrder], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (orders.count * chunk / chunks)..<(orders.count * (chunk + 1) / chunks)
            let prepared = Result { try orders[range].map { try PreparedOrder($0) } }
            results.withLock { $0[chunk] = prepared }
        }
        let all = results.withLock { $0 }
        return try (0..<chunks).flatMap { chunk in try all[chunk]?.get() ?? [] }
    }

    // MARK: Reconciliation (DayReconciliation.swift)

    func isPayout(_ payment: Payment) -> Bool { payment.isPayout(providerINN: providerINN) }

    // MARK: Documents

    /// - Parameter meanwhile: work the writing thread does a block at a time while it waits for a
    ///   window of documents being rendered.
    private func issueDocuments(_ tx: LedgerTransaction, orders dayOrders: DayOrders, meanwhile: PaymentMovements?,
                                facts: inout DayFacts) throws {
        let planning = try blockPlanning(tx, orders: dayOrders)
        // The whole day's plan never exists at once (it is most of the day's memory): the planner
        // decides each order on its own, so the orders are planned a block at a time to learn which
        // documents there are and in which order, and each window is planned again for its documents.
        // Numbers strictly increase with the document date: number in date order. The documents are
        // rendered and checked in parallel, a window at a time (the numbers they will get are worked
        // out beforehand, see `NumberForecast`), then recorded one by one in date order exactly as a
        // sequential run would: a document whose number turned out other than forecast is rendered
        // again, so the forecast only saves time and never changes a result.
        var plannedKeys: [BlockPlanning.Key]
        let holds: [DocumentHold]
        (plannedKeys, holds) = try planning.keysAndHolds()
        // The keys in date, identity and correction order (their positions sorted: no sorted copy of the
        // keys), those of the day's orders, wait in a file in this order and are read back a window at a time.
        let order = plannedKeys.indices.sorted { i, j in
            let (a, b) = (plannedKeys[i], plannedKeys[j])
            if (a.date, a.identityKey, a.correctionNumber) != (b.date, b.identityKey, b.correctionNumber) {
                return (a.date, a.identityKey, a.correctionNumber) < (b.date, b.identityKey, b.correctionNumber)
            }
            return i < j
        }
        let keys = try SpilledDocumentKeys(directory: loaded.outputDirectory)
        for start in stride(from: 0, to: order.count, by: Self.readBlock) {
            try keys.append(order[start..<min(order.count, start + Self.readBlock)].lazy.map { plannedKeys[$0] }
                .filter { dayOrders.contains($0.orderID) })
        }
        plannedKeys = []
        // Pipelined: while window k is recorded on this thread, window k + 1 is rendered on the other
        // cores with the numbers the forecast expects (the forecast carries the numbers it gave from
        // one window to the next, so it does not need window k in the ledger to forecast k + 1).
        let windows = stride(from: 0, to: keys.count, by: batching.renderWindow).map {
            $0..<min(keys.count, $0 + batching.renderWindow)
        }
        var forecast = NumberForecast(series: series)
        var current: PreparedWindow? = nil
        if let first = windows.first {
            let started = try startRendering(tx, try keys.keys(in: first), planning: planning, forecast: &forecast)
            current = try finishRendering(tx, started, base: nil, forecast: &forecast)
        }
        for index in windows.indices {
            guard let window = current else { break }
            // Only the window being recorded holds it: once recorded, its documents' bytes go while the
            // next window renders (otherwise two whole windows would be in memory while waiting for it).
            current = nil
            let expected = forecast // what the ledger should say once this window is recorded
            var next: StartedWindow?
            if index + 1 < windows.count {
                next = try startRendering(tx, try keys.keys(in: windows[index + 1]), planning: planning, forecast: &forecast)
            }
            try record(tx, consume window, facts: &facts)
            if let next, let meanwhile {
                while !next.rendering.isDone && !meanwhile.isComplete { try meanwhile.advance(tx) }
            }
            if let next {
                // A window recorded otherwise than forecast (a number refused) leaves the forecast behind:
                // the next window is forecast again from the ledger, and what moved is rendered again.
                let agrees = try expected.agreesWithLedger(tx) && !batching.reforecastEveryWindow
                current = try finishRendering(tx, next, base: agrees ? nil : NumberForecast(series: series), forecast: &forecast)
                // The windows recorded have their numbers in the ledger: the forecast keeps the next one's alone.
                forecast.forgetRecorded()
            }
        }
        // The held documents' orders are read back a block of holds at a time (a day may hold thousands).
        for start in stride(from: 0, to: holds.count, by: Self.readBlock) {
            let block = holds[start..<min(holds.count, start + Self.readBlock)]
            let heldOrders = try dayOrders.orders(ids: block.map(\.orderID))
            for held in block {
                guard let order = heldOrders[held.orderID] else { continue }
                let (shipmentID, date) = holdTarget(held.identityKey, order: order)
                try hold(tx, kind: held.kind, identity: held.identityKey, order: order, shipmentID: shipmentID, date: date,
                         reasons: held.reasons)
            }
        }
    }

    /// What the planner needs besides the day's orders: the earlier documents of the day's orders,
    /// the payments applied to them and their prepayments, read a block of orders at a time.
    private func blockPlanning(_ tx: LedgerTransaction, orders dayOrders: DayOrders) throws -> BlockPlanning {
        var prior: [PriorDocument] = []
        // The payments applied to each order go to a file a block of orders at a time (one group an order).
        let applied = try SpilledApplied(directory: loaded.outputDirectory)
        var blockApplied: [[AppliedPayment]] = []
        // Read a block of orders at a time: their documents, allocations and the allocations' payments
        // (what is asked of each order is in the day's index: its id and terms).
        var blockVersions: [OrderID: [DocumentRecord]] = [:]
        var blockAllocations: [OrderID: [AllocationRecord]] = [:]
        var blockPayments: [PaymentID: Payment] = [:]
        for position in dayOrders.ids.indices {
            let orderID = dayOrders.ids[position]
            if position % Self.readBlock == 0 {
                try applied.append(blockApplied)
                blockApplied = []
                let ids = Array(dayOrders.ids[position..<min(dayOrders.count, position + Self.readBlock)])
                blockVersions = try tx.documentVersions(orders: ids)
                blockAllocations = try tx.allocations(orders: ids)
                blockPayments = try tx.paymentsReadDirectly(ids: blockAllocations.values.flatMap { $0.map(\.allocation.paymentID) },
                                                            includingRecords: false)
            }
            let versions = (blockVersions[orderID] ?? []).filter { $0.businessDate <= day && $0.status != .held }
            var latest: [String: DocumentRecord] = [:]
            for version in versions where (latest[version.identity]?.correctionNumber ?? -1) < version.correctionNumber {
                latest[version.identity] = version
            }
            for record in latest.values.sorted(by: { $0.identity < $1.identity }) {
                guard let number = record.number else { continue }
                let details = StoredDocumentDetails.decode(record.details)
                prior.append(PriorDocument(
                    kind: record.kind, identityKey: record.identity, orderID: record.orderID, shipmentID: record.shipmentID,
                    number: DocumentNumber(prefix + String(number)), date: record.date,
                    correctionNumber: record.correctionNumber, correctionDate: details?.correctionDate,
                    status: record.status, lines: details?.lines ?? []))
            }
            var group: [AppliedPayment] = []
            for allocation in blockAllocations[orderID] ?? [] {
                guard let payment = blockPayments[allocation.allocation.paymentID] else { continue }
                let number = paymentDocumentNumber(payment)
                // (A payment applied to a prepaid order is also its prepayment: the planner works those
                // out from these, see `BlockPlanning`.)
                group.append(AppliedPayment(orderID: orderID, paymentID: payment.id, number: number,
                                            date: payment.receivedOn, amount: allocation.allocation.amount))
            }
            blockApplied.append(group)
        }
        try applied.append(blockApplied)
        return BlockPlanning(day: day, orders: dayOrders, prior: prior, applied: .kept(applied),
                             configuration: documentsConfiguration)
    }


    /// A window of documents whose planning and rendering run in the background with forecast numbers.
    struct StartedWindow {
        var keys: [BlockPlanning.Key]
        var first: [Int: Int]
        var forecastBefore: NumberForecast
        var rendering: Background<Result<RenderedWindow, any Error>>
    }

    /// A window's documents planned, with their buyers' names and what rendering with forecast numbers gave.
    struct RenderedWindow: Sendable {
        var documents: [PlannedDocument]
        /// The documents' orders, by id.
        var orders: [OrderID: Order]
        var buyerNames: [String]
        /// By position in `documents`; `nil`: not rendered.
        var outcomes: [RenderedWithDetails?]
    }

    /// A window ready to record: each document's forecast number and what rendering gave with it
    /// (`nil`: not rendered ahead, it will be held for its number or rendered while recorded).
    struct PreparedWindow {
        var documents: [PlannedDocument]
        /// The documents' orders, by id.
        var orders: [OrderID: Order]
        /// By position in `documents`: the number each was rendered with, and what that gave.
        var numbers: [Int: Int]
        var outcomes: [RenderedWithDetails?]

        /// What rendering ahead gave document `offset` if it was rendered as number `number`.
        func prerendered(_ offset: Int, number: Int) -> RenderedWithDetails? {
            numbers[offset] == number ? outcomes[offset] : nil
        }
    }

    /// Forecasts the numbers of the window `keys` as if every document passed and starts planning
    /// and rendering it on the other cores; `forecast` moves past the window.
    private func startRendering(_ tx: LedgerTransaction, _ keys: [BlockPlanning.Key], planning: BlockPlanning,
                                forecast: inout NumberForecast) throws -> StartedWindow {
        let before = forecast
        let first = try forecast.numbers(for: keys, held: [], tx)
        return StartedWindow(keys: keys, first: first, forecastBefore: before,
                             rendering: Background { [prefix, self] in
                                 Result {
                                     let (window, orders) = try planning.documents(for: keys)
                                     let names = window.map { orders[$0.orderID]?.customer.name ?? "" }
                                     let jobs = window.indices.compactMap { index in
                                         first[index].map {
                                             RenderJob(index: index, number: DocumentNumber(prefix + String($0)),
                                                       buyerName: names[index])
                                         }
                                     }
                                     var outcomes = [RenderedWithDetails?](repeating: nil, count: window.count)
                                     ParallelRendering.render(jobs, of: window, into: &outcomes, computation: self)
                                     return RenderedWindow(documents: window, orders: orders, buyerNames: names, outcomes: outcomes)
                                 }
                             })
    }

    /// Waits for a window's rendering. When some documents are held (a held document takes no
    /// number), or the forecast must start again from `base` (the ledger), the window is forecast
    /// again and the documents whose number moved are rendered again.
    private func finishRendering(_ tx: LedgerTransaction, _ started: StartedWindow, base: NumberForecast?,
                                 forecast: inout NumberForecast) throws -> PreparedWindow {
        var rendered = try started.rendering.wait().get()
        var outcomes = rendered.outcomes
        rendered.outcomes = []
        let held = Set(outcomes.indices.filter { index in
            if case .held? = outcomes[index]?.outcome { return true } else { return false }
        })
        var numbers = started.first
        if !held.isEmpty || base != nil {
            forecast = base ?? started.forecastBefore
            numbers = try forecast.numbers(for: started.keys, held: held, tx)
            ParallelRendering.render(rendered.documents.indices.compactMap { index in
                guard let number = numbers[index], number != started.first[index] else { return nil }
                return RenderJob(index: index, number: DocumentNumber(prefix + String(number)), buyerName: rendered.buyerNames[index])
            }, of: rendered.documents, into: &outcomes, computation: self)
        }
        return PreparedWindow(documents: rendered.documents, orders: rendered.orders, numbers: numbers, outcomes: outcomes)
    }

    /// Records a window one document at a time in date order, exactly as a sequential run would:
    /// a document whose number turns out other than forecast is rendered again here.
    private func record(_ tx: LedgerTransaction, _ window: consuming PreparedWindow, facts: inout DayFacts) throws {
        for offset in window.documents.indices {
            let document = window.documents[offset]
            guard let order = window.orders[document.orderID] else { continue }
            let number: Int
            if document.correctionNumber > 0 {
                guard let original = try tx.assignedNumber(for: document.identityKey, series: series) else {
                    try hold(tx, kind: document.kind, identity: document.identityKey, order: order,
                             shipmentID: document.shipmentID, date: document.date,
                             reasons: ["the corrected document's original has no number in series \(series)"])
                    continue
                }
                number = original.number
            } else {
                do {
                    number = try tx.number(for: document.identityKey, date: document.date, series: series).number
                } catch let error as NumberingError {
                    try hold(tx, kind: document.kind, identity: document.identityKey, order: order,
                             shipmentID: document.shipmentID, date: document.date, reasons: [error.description])
                    continue
                }
            }
            let ahead = window.prerendered(offset, number: number)
            if ahead == nil { facts.renderedWhileRecording += 1 }
            let outcome = ahead
                ?? renderWithDetails(document, number: DocumentNumber(prefix + String(number)), buyerName: order.customer.name)
            switch outcome.outcome {
            case .emitted(let rendered):
                // (details not encoded ahead are encoded here, where an error stops the day)
                let details = try outcome.details ?? storedDetails(document, rendered, buyerName: order.customer.name).encoded()
                let record = DocumentRecord(
                    identity: document.identityKey, correctionNumber: document.correctionNumber, kind: document.kind,
                    series: series, number: number, date: document.date, orderID: document.orderID,
                    shipmentID: document.shipmentID, customerINN: order.customer.inn.value, fileName: rendered.fileName,
                    fileID: rendered.fileID, xml: Data(rendered.xml), details: details,
                    totals: totals(of: document), status: .issued, businessDate: day)
                _ = try tx.recordDocument(record, xmlSHA256: outcome.xmlSHA256)
                if document.correctionNumber > 0 {
                    try tx.markCorrected(identity: document.identityKey, correctionNumber: document.correctionNumber - 1)
                }
                facts.documentsIssued += 1
            case .held(let held):
                try hold(tx, kind: document.kind, identity: document.identityKey, order: order,
                         shipmentID: document.shipmentID, date: document.date, reasons: held.reasons,
                         correctionNumber: document.correctionNumber)
            }
        }
    }

    /// Renders one document and, when emitted, encodes the details the ledger keeps beside it
    /// (`nil` if they cannot be encoded: the recording step encodes them again and reports why).
    func renderWithDetails(_ document: PlannedDocument, number: DocumentNumber, buyerName: String) -> RenderedWithDetails {
        let outcome = renderer.render(document, number: number)
        guard case .emitted(let rendered) = outcome else { return RenderedWithDetails(outcome: outcome, details: nil) }
        return RenderedWithDetails(outcome: outcome, details: try? storedDetails(document, rendered, buyerName: buyerName).encoded(),
                                   xmlSHA256: SHA256.hex(rendered.xml))
    }

    /// What the ledger keeps beside an emitted document.
    func storedDetails(_ document: PlannedDocument, _ rendered: RenderedDocument, buyerName: String) -> StoredDocumentDetails {
        StoredDocumentDetails(
            lines: document.lineRecords, correctionDate: correctionDate(of: document), paperOnly: document.paperOnly,
            printForm: rendered.printForm, printFormName: rendered.printForm == nil ? nil : rendered.printFormName,
            buyerName: buyerName)
    }

    private func paymentDocumentNumber(_ payment: Payment) -> String {
        if let number = payment.documentNumber, !number.isEmpty { return number }
        if let provider = payment.providerOrderID { return String(provider.rawValue.prefix(8)) }
        return String(payment.id.rawValue.suffix(12))
    }

    private func correctionDate(of document: PlannedDocument) -> CivilDate? {
        if case .invoice(let draft) = document.content { return draft.correction?.date }
        return nil
    }

    /// Totals as `run.json` and the manifest show them; for a УКД, the change (negative for a decrease).
    func totals(of document: PlannedDocument) -> DocumentTotals {
        switch document.content {
        case .invoice(let draft):
            let withoutVAT = draft.isAdvance ? draft.total - draft.vat : draft.totalWithoutVAT
            return DocumentTotals(withoutVAT: withoutVAT, vat: draft.vat, withVAT: draft.total)
        case .correction(let draft):
            return DocumentTotals(withoutVAT: -draft.totalWithoutVATDecrease, vat: -draft.vatDecrease,
                                  withVAT: -draft.totalDecrease)
        }
    }

    private func holdTarget(_ identity: String, order: Order) -> (ShipmentID?, CivilDate) {
        if identity.hasPrefix("UPD:"), let shipment = order.shipments.first(where: { "UPD:\($0.id)" == identity }) {
            return (shipment.id, shipment.date)
        }
        if identity.hasPrefix("UKD:"), let ret = order.returns.first(where: { "UKD:\($0.id)" == identity }) {
            return (ret.shipmentID, ret.at.moscowDate)
        }
        return (nil, day)
    }

    private func hold(_ tx: LedgerTransaction, kind: DocumentKind, identity: String, order: Order, shipmentID: ShipmentID?,
                      date: CivilDate, reasons: [String], correctionNumber: Int = 0) throws {
        var version = correctionNumber
        if let existing = try tx.document(identity: identity), existing.status != .held {
            version = max(version, existing.correctionNumber + 1)
        }
        let record = DocumentRecord(
            identity: identity, correctionNumber: version, kind: kind, series: nil, number: nil, date: date,
            orderID: order.id, shipmentID: shipmentID, customerINN: order.customer.inn.value, fileName: nil, fileID: nil,
            xml: nil, totals: DocumentTotals(withoutVAT: .zero, vat: .zero, withVAT: .zero), status: .held,
            holdReason: reasons.joined(separator: "; "), businessDate: day)
        _ = try tx.recordDocument(record)
    }
}

/// The day's document plan a part at a time (`DocumentPlanner.plan` decides each order from the
/// order, its prior documents, its applied payments and its prepayments alone, so planning some
/// orders gives exactly their documents and holds of the whole plan).
struct BlockPlanning {
    /// What places a planned document in the day's order, and finds it again.
    struct Key {
        var date: CivilDate
        var identityKey: String
        var correctionNumber: Int
        var orderID: OrderID
    }

    let day: CivilDate
    let configuration: DocumentsConfiguration
    private let dayOrders: DayOrders
    /// Positions of the day's orders (the first of each id), in id order.
    private let sortedPositions: [Int]
    private let priorByOrder: OrderGroups<PriorDocument>
    private let applied: PlanningApplied

    /// How many orders are planned at once to learn the keys.
    static let block = 1_024

    init(day: CivilDate, orders: [Order], prior: [PriorDocument], applied: [AppliedPayment],
         configuration: DocumentsConfiguration) {
        let dayOrders = DayOrders(orders)
        self.init(day: day, orders: dayOrders, prior: prior,
                  applied: .held(OrderGroups(applied, by: \.orderID, in: dayOrders)), configuration: configuration)
    }

    /// A prepaid order's prepayments are its applied payments (the day's rule): they are worked out
    /// when the order is planned rather than held a second time.
    init(day: CivilDate, orders: DayOrders, prior: [PriorDocument], applied: PlanningApplied,
         configuration: DocumentsConfiguration) {
        self.day = day
        self.configuration = configuration
        dayOrders = orders
        sortedPositions = orders.positionsInIDOrder
        priorByOrder = OrderGroups(prior, by: \.orderID, in: orders)
        self.applied = applied
    }

    /// Where each advance of `identities` stands among all the day's prepayments as the planner takes
    /// them (by date received, payment, order): the first of its prepayments in that order, which the
    /// keys' order follows (two advances never share it: an advance is one payment for one order).
    /// Worked out only for the day's held advances, so the whole day's ranks are never held (the
    /// planner holds no advance today: this keeps the plan's order if it ever does).
    private func advancePlaces(of identities: Set<String>) throws -> [String: (CivilDate, PaymentID, OrderID)] {
        var places: [String: (CivilDate, PaymentID, OrderID)] = [:]
        guard !identities.isEmpty else { return places }
        // Every prepayment of the day's orders (an order's applied payments when it is prepaid).
        try applied.forEachGroup(of: dayOrders) { group in
            for applied in group where dayOrders.position(of: applied.orderID).map(dayOrders.isPrepaid(at:)) ?? false {
                let prepayment = Prepayment(applied: applied)
                let key = DocumentPlanner.advanceKey(payment: prepayment.paymentID, order: prepayment.orderID)
                guard identities.contains(key) else { continue }
                let place = (prepayment.receivedOn, prepayment.paymentID, prepayment.orderID)
                if let known = places[key], known <= place { continue }
                places[key] = place
            }
        }
        return places
    }

    /// The plan of `orders` alone (each order once): their applied payments read for them, and a
    /// prepaid order's prepayments worked out from its applied payments.
    private func plan(_ orders: [Order]) throws -> DocumentPlan {
        let positions = orders.map { dayOrders.position(of: $0.id) }
        let groups = try applied.groups(at: positions, of: dayOrders)
        var prepayments: [Prepayment] = []
        for (position, group) in zip(positions, groups) {
            guard let position, dayOrders.isPrepaid(at: position) else { continue }
            prepayments += group.map(Prepayment.init(applied:))
        }
        return DocumentPlanner.plan(DocumentsInput(
            businessDay: day, orders: orders, priorDocuments: orders.flatMap { priorByOrder[order: $0.id] },
            appliedPayments: groups.flatMap { $0 }, prepayments: prepayments, configuration: configuration))
    }

    /// The keys of every document of the day's plan, and its holds in the plan's order (the orders'
    /// holds by order id, then the advances' in the order of their prepayments).
    func keysAndHolds() throws -> ([Key], [DocumentHold]) {
        // The blocks are read back and planned on all cores (each plan is dropped once its keys and
        // holds are taken), then taken in order exactly as one block after the other.
        let starts = Array(stride(from: 0, to: sortedPositions.count, by: Self.block))
        let results = Mutex<[Int: Result<(keys: [Key], holds: [DocumentHold]), any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: starts.count) { index in
            let start = starts[index]
            let planned = Result { () throws -> (keys: [Key], holds: [DocumentHold]) in
                let block = try dayOrders.orders(at: Array(sortedPositions[start..<min(sortedPositions.count, start + Self.block)]))
                let plan = try plan(block)
                let keys = plan.documents.map {
                    Key(date: $0.date, identityKey: $0.identityKey, correctionNumber: $0.correctionNumber, orderID: $0.orderID)
                }
                return (keys, plan.holds)
            }
            results.withLock { $0[index] = planned }
        }
        // (Each block's keys and holds are let go as they are taken: the day's are never held twice.)
        var planned = results.withLock { results in
            var taken: [Int: Result<(keys: [Key], holds: [DocumentHold]), any Error>] = [:]
            swap(&taken, &results)
            return taken
        }
        var keys: [Key] = []
        var holds: [DocumentHold] = []
        keys.reserveCapacity(sortedPositions.count)
        for index in starts.indices {
            guard let block = try planned.removeValue(forKey: index)?.get() else { continue }
            keys += block.keys
            holds += block.holds
        }
        let places = try advancePlaces(of: Set(holds.lazy.map(\.identityKey).filter { $0.hasPrefix("ADV:") }))
        var orderHolds: [DocumentHold] = []
        var advanceHolds: [(place: (CivilDate, PaymentID, OrderID), sequence: Int, hold: DocumentHold)] = []
        for hold in holds {
            if let place = places[hold.identityKey] {
                advanceHolds.append((place, advanceHolds.count, hold))
            } else {
                orderHolds.append(hold)
            }
        }
        let advances = advanceHolds.sorted {
            ($0.place.0, $0.place.1, $0.place.2, $0.sequence) < ($1.place.0, $1.place.1, $1.place.2, $1.sequence)
        }.map(\.hold)
        return (keys, orderHolds + advances)
    }

    /// The planned documents of `keys`, in their order, from a plan of their orders, and those orders by id.
    func documents(for keys: [Key]) throws -> (documents: [PlannedDocument], orders: [OrderID: Order]) {
        let involved = try dayOrders.orders(ids: keys.map(\.orderID))
        var byKey: [String: [Int: PlannedDocument]] = [:]
        for document in try plan(involved.values.sorted { $0.id < $1.id }).documents {
            byKey[document.identityKey, default: [:]][document.correctionNumber] = document
        }
        let documents = try keys.map { key in
            guard let document = byKey[key.identityKey]?[key.correctionNumber] else {
                throw PlanningError(identity: key.identityKey, correctionNumber: key.correctionNumber)
            }
            return document
        }
        return (documents, involved)
    }

    /// A document planned in the first pass was not planned again (the planner is not per order).
    struct PlanningError: Error, CustomStringConvertible {
        var identity: String
        var correctionNumber: Int
        var description: String {
            "document \(identity) correction \(correctionNumber) was planned for the day but not when its orders were planned again"
        }
    }
}

/// The numbers the documents of a window will get when recorded in order, worked out from the
/// ledger without writing to it (`LedgerTransaction.number(for:date:series:)` decides for real).
///
/// It carries, from one window to the next, the last number it expects in each year and the
/// numbers it expects identities to get, so the next window can be forecast before the previous one
/// is recorded. `agreesWithLedger` checks that expectation after a window is recorded.
struct NumberForecast {
    let series: String
    /// The numbers identities already hold in the series (looked up once each until forgotten).
    private var assigned: [String: Int?] = [:]
    /// The last number (and its date) expected in each year once the windows forecast so far are recorded.
    private var last: [Int: (number: Int, date: CivilDate)?] = [:]
    /// Numbers expected for identities during the day (not yet in the ledger when forecast): one
    /// table per window forecast, oldest first. The tables of windows already recorded are forgotten
    /// (``forgetRecorded()``): the ledger has their numbers, so the forecast holds a few windows'
    /// numbers, not the whole day's.
    private var given: [[String: Int]] = []

    init(series: String) { self.series = series }

    /// The number expected for `identity` during the day, if one was.
    private func givenNumber(_ identity: String) -> Int? {
        for table in given.reversed() {
            if let number = table[identity] { return number }
        }
        return nil
    }

    /// Forgets what the windows before the last one forecast gave, and the numbers looked up in the
    /// ledger: call it once those windows are recorded and the ledger agrees with the forecast
    /// (``agreesWithLedger(_:)``), when their numbers are the ledger's to give.
    mutating func forgetRecorded() {
        if given.count > 1 { given.removeFirst(given.count - 1) }
        assigned = [:]
    }

    /// For each document of `window` (by position), the number it is expected to be rendered with:
    /// a correction its original's, a document already numbered its own, a new one the next of its
    /// year — unless its date is before the year's last number (it will be held: `nil`). A document
    /// in `held` gets the number it would be rendered with but takes none from the ones after it.
    mutating func numbers(for window: [BlockPlanning.Key], held: Set<Int>, _ tx: LedgerTransaction) throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        // The numbers the window's identities already hold, read at once (the ledger does not change meanwhile).
        given.append([:])
        let unknown = window.map(\.identityKey).filter { givenNumber($0) == nil && assigned[$0] == nil }
        let found = try tx.assignedNumbers(for: unknown, series: series)
        var absent = Set<String>()
        for identity in unknown {
            if let number = found[identity] { assigned[identity] = number.number } else { absent.insert(identity) }
        }
        for (index, document) in window.enumerated() {
            if let number = try givenNumber(document.identityKey)
                ?? (absent.contains(document.identityKey) ? nil : existing(document.identityKey, tx)) {
                result[index] = number
                continue
            }
            if document.correctionNumber > 0 { continue } // no original: held
            let year = document.date.year
            if last[year] == nil {
                last[year] = .some(try tx.lastNumber(series: series, year: year).map { ($0.number, $0.date) })
            }
            let previous = last[year] ?? nil
            if let previous, document.date < previous.date { continue } // held for its date
            let next = (previous?.number ?? 0) + 1
            result[index] = next
            if !held.contains(index) {
                last[year] = .some((next, document.date))
                given[given.count - 1][document.identityKey] = next
            }
        }
        return result
    }

    /// Whether the ledger's last number of every year forecast so far is the one expected.
    func agreesWithLedger(_ tx: LedgerTransaction) throws -> Bool {
        for (year, expected) in last {
            let actual = try tx.lastNumber(series: series, year: year)
            if actual?.number != expected?.number || actual?.date != expected?.date { return false }
        }
        return true
    }

    private mutating func existing(_ identity: String, _ tx: LedgerTransaction) throws -> Int? {
        if let known = assigned[identity] { return known }
        let number = try tx.assignedNumber(for: identity, series: series)?.number
        // Only a number already in the ledger is remembered: one given during the day is in `given`.
        if number != nil { assigned[identity] = number }
        return number
    }
}

/// A document of a window (by position) to render with the number it is expected to get.
struct RenderJob: Sendable {
    var index: Int
    var number: DocumentNumber
    var buyerName: String
}

/// What rendering gave, with the details JSON the ledger keeps beside an emitted document.
struct RenderedWithDetails: Sendable {
    var outcome: RenderOutcome
    var details: Data?
    /// The SHA-256 of an emitted document's XML (the ledger keeps it; the manifest lists it).
    var xmlSHA256: String?
}

/// Renders documents over all cores with the renderer's one compiled schema (each call has its
/// own parser and validation context). The result of each is what `render` gives alone.
enum ParallelRendering {
    /// Renders each job's document of `documents` and sets its place (`job.index`) in `outcomes`
    /// (as long as `documents`); the other places are left as they are.
    static func render(_ jobs: [RenderJob], of documents: [PlannedDocument], into outcomes: inout [RenderedWithDetails?],
                       computation: DayComputation) {
        guard !jobs.isEmpty else { return }
        let chunks = min(jobs.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 8)
        let results = Mutex<[RenderedWithDetails?]>([])
        results.withLock { swap(&$0, &outcomes) }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (jobs.count * chunk / chunks)..<(jobs.count * (chunk + 1) / chunks)
            let rendered = jobs[range].map { job in
                // Details that cannot be encoded are left for the recording step, which reports the error.
                computation.renderWithDetails(documents[job.index], number: job.number, buyerName: job.buyerName)
            }
            results.withLock { all in
                for (job, outcome) in zip(jobs[range], rendered) { all[job.index] = outcome }
            }
        }
        results.withLock { swap(&$0, &outcomes) }
    }
}

/// Work started on a thread of its own (it may itself use every core); `wait()` gives its result.
/// Lets the day's single writer record one block while the next is prepared.
final class Background<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Value?>(nil)

    init(_ work: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Whether the work is done (`wait()` would not block).
    var isDone: Bool { result.withLock { $0 != nil } }

    /// Blocks until the work is done; call once.
    func wait() -> Value {
        done.wait()
        guard let value = result.withLock({ $0.take() }) else { preconditionFailure("Background.wait() called twice") }
        return value
    }
}

extension Prepayment {
    /// A payment applied to a prepaid order, as its prepayment.
    init(applied: AppliedPayment) {
        self.init(paymentID: applied.paymentID, orderID: applied.orderID, number: applied.number,
                  receivedOn: applied.date, amount: applied.amount)
    }
}
