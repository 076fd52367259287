import Documents
import Domain
import EDO
import Foundation
import Ingest
import Ledger
import Logging
import Reconcile
import Reports

/// How one business day ended.
public struct DayRunOutcome: Sendable {
    public var result: RunResult
    public var exitStatus: ExitStatus
    /// `<output>/<YYYY-MM-DD>/`.
    public var dayFolder: URL
    /// The day's HTML report, when it was written.
    public var report: URL?
    public var durationSeconds: Double
    /// Wall seconds of each stage (`ingest`, `ledger`, `outputs`) of a day that got that far.
    public var stageSeconds: [String: Double] = [:]
    /// The process's peak resident set so far (`VmHWM`, KiB) at the end of each stage of a day that
    /// got that far (Linux): it only grows, so the stage where it last rose is where the peak was.
    public var stagePeakKilobytes: [String: Int] = [:]
    /// The same at the end of each step of the day's write (`orders`, `reconcile` — the matcher
    /// started —, `payments`, `reconcile` — its decisions written —, `documents`, `movements`,
    /// `credit`), in order: where in the write the peak was.
    public var ledgerStepPeaks: [StepPeak] = []
}

/// The process's peak resident set so far (`VmHWM`, KiB) at the end of a step of the day's write.
public struct StepPeak: Hashable, Sendable {
    public var step: String
    public var kilobytes: Int

    public init(step: String, kilobytes: Int) {
        self.step = step
        self.kilobytes = kilobytes
    }
}

/// Runs the whole job for business days: fetch → ledger → reconcile → documents → EDO → reports.
///
/// A day either completes or changes nothing: everything it decides is written to the ledger in
/// one transaction, and every file is then placed from what the ledger holds (atomically, so a
/// reader never sees half a file). Killed at any point and started again, it ends with exactly
/// what an uninterrupted run gives: the same documents byte for byte, the same numbers.
public struct DayRunner: Sendable {
    public let loaded: LoadedConfiguration
    public let environment: JobEnvironment
    public let ledger: Ledger
    /// The parts the day's write takes its work in (tests make them tiny).
    var batching = DayBatching.standard

    public init(loaded: LoadedConfiguration, environment: JobEnvironment, ledger: Ledger) {
        self.loaded = loaded
        self.environment = environment
        self.ledger = ledger
    }

    var configuration: Configuration { loaded.configuration }
    var logger: Logger { environment.logger }

    /// The documents stage's view of the configuration.
    func documentsConfiguration() throws -> DocumentsConfiguration {
        try loaded.documentsConfiguration()
    }

    /// Runs one business day. Never throws: every failure ends as a `failed` result with why.
    public func run(day: CivilDate, command: String) async -> DayRunOutcome {
        let started = environment.now()
        let dayFolder = loaded.outputDirectory.appendingPathComponent(day.iso, isDirectory: true)
        for sub in ["", "edo", "archive", "reports"] {
            let swept = AtomicFile.sweepTemporaryFiles(in: dayFolder.appendingPathComponent(sub))
            if !swept.isEmpty { logger.notice("removed \(swept.count) half-written file(s) a killed run left in \(day.iso)/\(sub)") }
        }
        // The output folder itself holds the global stop-list.json, written the same way.
        let sweptRoot = AtomicFile.sweepTemporaryFiles(in: loaded.outputDirectory)
        if !sweptRoot.isEmpty { logger.notice("removed \(sweptRoot.count) half-written file(s) a killed run left in the output folder") }
        var runID: Int64 = 0
        do {
            runID = try ledger.write { try $0.startRun(businessDate: day, command: command, at: environment.timestamp()) }
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: nil, sources: [],
                          message: "the ledger cannot record the run: \(error)")
        }
        logger.info("business day \(day.iso): fetching sources", metadata: ["run": "\(runID)"])
        let clock = ContinuousClock()
        var stageStart = clock.now
        var stageSeconds: [String: Double] = [:]
        var stagePeaks: [String: Int] = [:]
        func endStage(_ name: String) {
            let elapsed = clock.now - stageStart
            stageSeconds[name] = elapsed.inSeconds
            stagePeaks[name] = ProcessMemory.peakKilobytes
            stageStart = clock.now
        }

        let sources: DaySources
        do {
            sources = try loaded.daySources(environment: environment.environment)
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: [],
                          message: "configuration: \(error)")
        }
        // The day's orders are kept aside in a temporary file beside the outputs and read back a block
        // at a time by each step: the day's size is not held in memory.
        // The payments go, each with its record as its source gave it, to a file of their own as the
        // sources' readers read them (ingest holds only each one's id and place), and from there, merged, to
        // the day's files below.
        let spill: SpilledOrders
        let paymentsAsRead: PaymentsAsRead
        do {
            spill = try SpilledOrders(directory: loaded.outputDirectory)
            paymentsAsRead = try PaymentsAsRead(directory: loaded.outputDirectory, name: "payments-read")
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: [],
                          message: "\(error)")
        }
        // A 1C statement is written to an unlinked file there too as it arrives, and read back a piece at a time.
        var ingested = await ingest(day: day, sources: sources, client: environment.httpClient, spill: spill,
                                    spoolDirectory: loaded.outputDirectory.path, keeper: paymentsAsRead)
        let orderCount = ingested.spilledOrders
        let paymentRecords: SpilledTexts
        // The day's payments go to a file too (their records to one of their own, their ids to another), in
        // the order the sources were merged: the day's write reads them back a block at a time, and nothing
        // of them stays in memory.
        let spilledPayments: SpilledPayments
        var dayPayments: PaymentIDList
        // (Every reader was given the keeper: a payment ingest gave back in memory would be one the day's
        // files would not hold.)
        guard ingested.payments.isEmpty else {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: [],
                          message: "ingest: \(ingested.payments.count) payments were read without being kept aside; nothing was written")
        }
        do {
            paymentRecords = try SpilledTexts(directory: loaded.outputDirectory, name: "payment-records",
                                              contents: "payments' records")
            spilledPayments = try SpilledPayments(directory: loaded.outputDirectory, name: "payments",
                                                  contents: "day's payments")
            dayPayments = try PaymentIDList(in: loaded.outputDirectory, name: "payment-ids", contents: "day's payment ids")
            for start in stride(from: 0, to: ingested.kept.count, by: DayComputation.readBlock) {
                let range = start..<min(ingested.kept.count, start + DayComputation.readBlock)
                var payments = try paymentsAsRead.payments(at: ingested.kept[range].map(\.place))
                try paymentRecords.append(payments.lazy.map(\.raw))
                for index in payments.indices { payments[index].raw = "" }
                try spilledPayments.append(payments.lazy.map { OpenPayment($0) })
                try dayPayments.append(payments.lazy.map(\.id))
            }
            ingested.kept = []
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: [],
                          message: "\(error)")
        }
        _ = consume paymentsAsRead // (every payment is in the day's files now: the file of those as read goes)
        FreedMemory.release()
        endStage("ingest")
        let sourceEntries = ingested.outcomes.map(Self.sourceEntry)
        for outcome in ingested.outcomes { logger.info("\(outcome.description)") }
        guard ingested.isComplete else {
            let message = ingested.failures.map(\.description).joined(separator: "; ")
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: sourceEntries,
                          message: "the day is incomplete, nothing was written: \(message)")
        }

        let facts: DayFacts
        do {
            let renderer = try DocumentRenderer(
                configuration: try documentsConfiguration(), schemas: environment.schemasDirectory,
                officialSchemas: configuration.edo.officialSchemas.map { loaded.resolve($0) })
            // The outputs read the payments back from the ledger.
            let computation = DayComputation(day: day, runID: runID, loaded: loaded, ingested: ingested,
                                             dayPayments: spilledPayments, dayPaymentIDs: dayPayments, spill: spill,
                                             paymentRecords: paymentRecords, renderer: renderer,
                                             documentsConfiguration: renderer.configuration, batching: batching)
            facts = try ledger.writeWithoutAutomaticCheckpoint { tx in try computation.perform(tx) }
            for (step, seconds) in facts.stepSeconds { stageSeconds["ledger." + step] = seconds }
            if let computed = facts.computedAt {
                // The commit (SQLite's checkpoint of the day runs after it, beside the outputs).
                let elapsed = clock.now - computed
                stageSeconds["ledger.commit"] = elapsed.inSeconds
            }
            endStage("ledger")
            ledger.releaseMemory()
            FreedMemory.release()
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: sourceEntries,
                          message: "the day's write was rolled back, nothing changed: \(error)")
        }

        // The day's pages go from SQLite's log into the database file while its files are written.
        let ledger = self.ledger
        let checkpoint = Background { Result { try ledger.checkpoint(waitingForReaders: false) } }
        defer { _ = checkpoint.wait() }
        do {
            // The outputs need an order's content only for its returns (the report's register): those
            // orders are read back from the spill a block at a time.
            let returning = ReturningOrders(spill: spill, positions: facts.returning)
            let outputs = DayOutputs(day: day, folder: dayFolder, loaded: loaded, environment: environment)
            let (result, report) = try outputs.write(ingested: ingested, returning: returning, facts: facts,
                                                     sources: sourceEntries,
                                                     ledger: ledger, started: started)
            endStage("outputs")
            let status: ExitStatus = result.status == .ok ? .success : .exceptions
            let counts = [
                "orders": orderCount, "payments": dayPayments.count,
                "quarantined": ingested.quarantined.count, "documents": result.documents.count,
                "held": result.held.count, "exceptions": result.exceptions.count,
            ]
            try ledger.write {
                try $0.finishRun(runID, outcome: result.status == .ok ? .ok : .exceptions, counts: counts,
                                 message: result.status == .ok ? "" : "\(result.exceptions.count) exception(s), \(result.held.count) held",
                                 at: environment.timestamp())
            }
            let duration = environment.now().timeIntervalSince(started)
            writeMetrics(result: result, duration: duration)
            logger.info("business day \(day.iso): \(result.status.rawValue)", metadata: [
                "documents": "\(result.documents.count)", "held": "\(result.held.count)",
                "exceptions": "\(result.exceptions.count)", "seconds": "\(String(format: "%.2f", duration))",
                "rendered_while_recording": "\(facts.renderedWhileRecording)",
                "stages": "\(stageSeconds.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2f", $0.value))s" }.joined(separator: ", "))",
                "allocator": "\(ProcessAllocator.current)",
                "peak_rss_mib": "\(["ingest", "ledger", "outputs"].compactMap { stage in stagePeaks[stage].map { "\(stage) \($0 / 1024)" } }.joined(separator: ", "))",
            ])
            return DayRunOutcome(result: result, exitStatus: status, dayFolder: dayFolder, report: report,
                                 durationSeconds: duration, stageSeconds: stageSeconds, stagePeakKilobytes: stagePeaks,
                                 ledgerStepPeaks: facts.stepPeaks)
        } catch {
            return failed(day: day, folder: dayFolder, started: started, runID: runID, sources: sourceEntries,
                          message: "writing the day's files failed (the ledger is complete; the next run writes them): \(error)")
        }
    }

    static func sourceEntry(_ outcome: SourceOutcome) -> RunResult.SourceEntry {
        switch outcome.status {
        case .ok:
            RunResult.SourceEntry(name: outcome.source, status: "ok", url: outcome.location, records: outcome.records, error: nil)
        case .failed(let error):
            RunResult.SourceEntry(name: outcome.source, status: "failed", url: outcome.location, records: outcome.records,
                                  error: error.description)
        }
    }

    private func failed(day: CivilDate, folder: URL, started: Date, runID: Int64?, sources: [RunResult.SourceEntry],
                        message: String) -> DayRunOutcome {
        logger.error("business day \(day.iso) FAILED: \(message)")
        var exceptions = sources.filter { $0.status == "failed" }.map {
            RunResult.ExceptionEntry(kind: "source-failed", ref: $0.name, message: $0.error ?? "failed")
        }
        if exceptions.isEmpty { exceptions.append(RunResult.ExceptionEntry(kind: "run-failed", ref: day.iso, message: message)) }
        let result = RunResult(businessDate: day, status: .failed, sources: sources, payments: [], documents: [], held: [],
                               customers: [], exceptions: exceptions)
        // A day an earlier run completed keeps its run.json (it describes the files in place);
        // the failed rerun is in the log, the run journal and the exit code.
        let completedBefore = ((try? ledger.read { try $0.lastRuns(limit: 1000) }) ?? []).contains {
            $0.businessDate == day && ($0.outcome == .ok || $0.outcome == .exceptions)
        }
        if !completedBefore, let bytes = try? result.encoded() {
            _ = try? AtomicFile.write(bytes, to: folder.appendingPathComponent("run.json"))
        } else if completedBefore {
            logger.error("business day \(day.iso) was completed by an earlier run: its files and run.json are left as they were")
        }
        if let runID {
            try? ledger.write {
                try $0.finishRun(runID, outcome: .failed, counts: [:], message: message, at: environment.timestamp())
            }
        }
        let duration = environment.now().timeIntervalSince(started)
        writeMetrics(result: result, duration: duration)
        return DayRunOutcome(result: result, exitStatus: .failure, dayFolder: folder, report: nil, durationSeconds: duration)
    }

    private func writeMetrics(result: RunResult, duration: Double) {
        guard let textfile = configuration.metrics.textfile else { return }
        AtomicFile.sweepTemporaryFiles(of: loaded.resolve(textfile))
        do {
            let runs = try ledger.read { try $0.lastRuns(limit: 100_000) }
            var byOutcome: [String: Int] = [:]
            for run in runs { if let outcome = run.outcome { byOutcome[outcome.rawValue, default: 0] += 1 } }
            let lastSuccess = runs.first { $0.outcome == .ok || $0.outcome == .exceptions }?.finishedAt?.epochSeconds
            // (The documents and payments are read back from the day's spill files: a failure is the metrics' warning.)
            var issued: [DocumentKind: Int] = [:]
            try result.documents.forEachEntry { issued[$0.kind, default: 0] += 1 }
            var unallocated = 0
            try result.payments.forEachEntry { if $0.status == .unallocated || $0.status == .partial { unallocated += 1 } }
            let snapshot = MetricsSnapshot(
                businessDate: result.businessDate, status: result.status, durationSeconds: duration, runsByOutcome: byOutcome,
                exceptions: result.exceptions.count, documentsIssued: issued, documentsHeld: result.held.count,
                paymentsUnallocated: unallocated,
                lastSuccessEpochSeconds: lastSuccess, finishedEpochSeconds: Int64(environment.now().timeIntervalSince1970))
            try snapshot.write(to: loaded.resolve(textfile))
        } catch {
            logger.warning("metrics file not written: \(error)")
        }
    }
}

extension LoadedConfiguration {
    /// The documents stage's view of the configuration: the seller, the signer, the ВСД slot and
    /// the program name the renderer writes.
    /// - Throws: `RequisiteError` when the seller's ИНН is not valid.
    public func documentsConfiguration() throws -> DocumentsConfiguration {
        let seller = configuration.seller
        let party = Party(
            id: CustomerID("seller"), kind: seller.inn.count == 12 ? .soleTrader : .legal, name: seller.name,
            inn: try INN(seller.inn), kpp: seller.kpp, address: seller.address.domain,
            bank: seller.bank.map { BankDetails(bik: $0.bik, account: $0.account, correspondentAccount: $0.corrAccount, name: $0.name) },
            email: seller.email, edoID: seller.edoID)
        let signer = configuration.signer
        var documentSigner = Documents.Signer(surname: signer.surname, givenName: signer.name, patronymic: signer.patronymic,
                                              position: signer.position, authorityMethod: String(signer.authority ?? 1))
        if signer.authority == 3, let number = signer.poaNumber, let date = signer.poaDate.flatMap(CivilDate.init(iso:)) {
            documentSigner.electronicPowerOfAttorney = ElectronicPowerOfAttorney(
                number: number, issuedOn: date, storageSystem: signer.poaSystem ?? "https://m4d.nalog.gov.ru")
        }
        let slot: VSDSlot = switch configuration.policies.vsdSlot {
        case .svGosSist: .stateSystem
        case .soprDokTov: .accompanyingDocument
        case .infPolFHZh2: .textInfo
        }
        return DocumentsConfiguration(seller: party, signer: documentSigner, vsdSlot: slot,
                                      programVersion: configuration.edo.programName ?? "sverka 1.0")
    }
}

extension Duration {
    /// The duration in seconds, for the stage and step times of the log line.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
