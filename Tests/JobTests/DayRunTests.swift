import Domain
import Foundation
import Ingest
import Job
import Ledger
import Testing
import TestSupport

@Suite("A full day in-process, cross-checked against the ledger")
struct DayRunTests {
    static let providerINN = "7708051171"

    @Test func theSampleDaysCloseAndRunJSONIsStableAcrossReruns() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        let environment = testEnvironment(logger: LogCapture().logger())
        let first = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: environment)
        #expect(first.map(\.result.status) == [.ok, .exceptions])
        #expect(first.map(\.exitStatus) == [.success, .exceptions])
        #expect(JobRun.exitStatus(of: first) == .exceptions)
        #expect(first.map(\.result.documents.count) == [3, 9])
        #expect(first[1].result.held.map(\.shipmentID) == [ShipmentID("SH-9008")])
        #expect(first.map(\.dayFolder) == [sandbox.dayFolder(Day.d26), sandbox.dayFolder(Day.d27)])
        #expect(first.map(\.report) == [
            sandbox.dayFolder(Day.d26).appendingPathComponent("reports/day-2026-11-26.html"),
            sandbox.dayFolder(Day.d27).appendingPathComponent("reports/day-2026-11-27.html"),
        ])

        func snapshot() throws -> [String: Data] {
            var contents: [String: Data] = [:]
            for day in [Day.d26, Day.d27] {
                let folder = sandbox.dayFolder(day)
                for name in ["run.json", "manifest.json"] {
                    contents["\(day.iso)/\(name)"] = try Data(contentsOf: folder.appendingPathComponent(name))
                }
                for sub in ["edo", "archive"] {
                    for name in files(in: folder.appendingPathComponent(sub)) {
                        contents["\(day.iso)/\(sub)/\(name)"] = try Data(contentsOf: folder.appendingPathComponent("\(sub)/\(name)"))
                    }
                }
            }
            return contents
        }
        let before = try snapshot()
        let documentsBefore = try Ledger(path: sandbox.ledgerPath).read { r in
            try [Day.d26, Day.d27].flatMap { try r.documents(businessDate: $0) }.count
        }
        // run.json as written equals the returned result.
        #expect(try readRunResult(sandbox.dayFolder(Day.d27)) == first[1].result)

        // The same days again, then the 27th alone, then the 26th alone (after the 27th).
        let second = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: environment)
        #expect(second.map(\.result) == first.map(\.result))
        #expect(try snapshot() == before)
        _ = try await runDays([Day.d27], loaded: loaded, environment: environment)
        _ = try await runDays([Day.d26], loaded: loaded, environment: environment)
        let after = try snapshot()
        #expect(after.keys.sorted() == before.keys.sorted())
        for key in before.keys.sorted() { #expect(after[key] == before[key], "\(key) changed on a rerun") }
        let ledger = try Ledger(path: sandbox.ledgerPath)
        let documentsAfter = try ledger.read { r in try [Day.d26, Day.d27].flatMap { try r.documents(businessDate: $0) }.count }
        #expect(documentsAfter == documentsBefore, "a rerun recorded documents again")
        let runs = try ledger.read { try $0.lastRuns(limit: 100) }
        #expect(runs.count == 6)
        #expect(runs.allSatisfy { $0.finishedAt != nil && $0.command == "test" })
    }

    @Test("a bill of an earlier day whose order the day's feed does not repeat is matched from the ledger")
    func anEarlierDaysOpenBillIsMatched() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // The 27th's feed without ORD-2026-000118 (postpaid, delivered on the 26th), and its bill СЧ-000118
        // paid in the 27th's bank statement: only the ledger knows that bill that day.
        try sandbox.addStatementPayment(on: Day.d27, number: "777", amount: "9328.00", payerAccount: "40702810400000007777",
                                        payerINN: "7728451932", payerName: "ООО «Вкусный двор»",
                                        purpose: "Оплата по счету № СЧ-000118 от 25.11.2026 г.")
        let feed = sandbox.samples.appendingPathComponent("days/2026-11-27/orders.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: feed)) as? [String: Any])
        let orders = try #require(json["orders"] as? [[String: Any]])
        let kept = orders.filter { $0["id"] as? String != "ORD-2026-000118" }
        #expect(kept.count == orders.count - 1)
        json["orders"] = kept
        try JSONSerialization.data(withJSONObject: json).write(to: feed)

        let loaded = try sandbox.load()
        let environment = testEnvironment(logger: LogCapture().logger())
        _ = try await runDays([Day.d26], loaded: loaded, environment: environment)
        let ledger = try Ledger(path: sandbox.ledgerPath)
        let bill = OrderID("ORD-2026-000118")
        #expect(try ledger.read { try $0.allocations(order: bill) }.isEmpty)
        #expect(try ledger.read { try $0.openBills().map(\.orderID) }.contains(bill))
        _ = try await runDays([Day.d27], loaded: loaded, environment: environment)
        let allocations = try ledger.read { try $0.allocations(order: bill) }
        #expect(!allocations.isEmpty)
        #expect(allocations.allSatisfy { $0.businessDate == Day.d27 && $0.allocation.billNumber.rawValue == "СЧ-000118" })
        #expect(allocations.map(\.allocation.amount).sum() == Money(kopecks: 9_328_00))
        #expect(try !ledger.read { try $0.openBills().map(\.orderID) }.contains(bill))
        // A rerun of the 27th decides the same.
        _ = try await runDays([Day.d27], loaded: loaded, environment: environment)
        #expect(try ledger.read { try $0.allocations(order: bill) }.map(\.allocation) == allocations.map(\.allocation))
    }

    @Test("an earlier payment the day's credit allocated is matched again on the day's rerun, its own allocations left out")
    func anEarlierPaymentIsMatchedAgainOnARerun() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // ООО «Продсервис» pays 2000.00 in advance on the 26th, before it has a bill; on the 27th the advance
        // pays its bill СЧ-000125 (1500.00) and is still open (500.00 left), so a rerun of the 27th matches
        // it again from scratch.
        try sandbox.addStatementPayment(on: Day.d26, number: "2101", amount: "2000.00", payerAccount: "40702810838000077121",
                                        payerINN: "7718024699", payerName: "ООО «Продсервис»",
                                        purpose: "Аванс по договору поставки")
        let loaded = try sandbox.load()
        let environment = testEnvironment(logger: LogCapture().logger())
        _ = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: environment)
        let ledger = try Ledger(path: sandbox.ledgerPath)
        let bill = OrderID("ORD-2026-000125")
        func paid() throws -> [String: Money] {
            var paid: [String: Money] = [:]
            for record in try ledger.read({ try $0.allocations(order: bill) }) {
                paid[record.allocation.paymentID.rawValue.hasSuffix(":2000.00") ? "advance" : record.allocation.paymentID.rawValue,
                     default: .zero] += record.allocation.amount
            }
            return paid
        }
        let before = try paid()
        #expect(before == ["advance": Money(kopecks: 1_500_00)])
        // The rerun reads the bill as if the advance had not paid it, and the advance pays it again
        // (counting the advance's own 1500.00 as paid would leave it nothing to pay: the bill unpaid).
        _ = try await runDays([Day.d27], loaded: loaded, environment: environment)
        let after = try paid()
        #expect(after == before)
    }

    @Test("the provider's payout on the day is checked against the provider payments it covers: a short one is a difference")
    func aShortPayoutIsADifference() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // The 27th's payout №6013 (6418.91 = the 26th's provider payments less 2.5 %) arrives 18.91 short.
        let statement = sandbox.samples.appendingPathComponent("days/2026-11-27/kl_to_1c_27112026.txt")
        let text = CyrillicCodePage.cp1251.decode(try Data(contentsOf: statement))
        let payout = "Номер=6013\r\nДата=27.11.2026\r\nСумма=6418.91"
        #expect(text.contains(payout))
        try Data(try #require(CyrillicCodePage.cp1251.encode(
            text.replacingOccurrences(of: payout, with: "Номер=6013\r\nДата=27.11.2026\r\nСумма=6400.00")))).write(to: statement)

        let loaded = try sandbox.load()
        let environment = testEnvironment(logger: LogCapture().logger())
        let outcomes = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: environment)
        let day27 = try #require(outcomes.last)
        let differences = day27.result.exceptions.filter { $0.kind == "payout-difference" }
        #expect(differences.count == 1)
        #expect(differences.first?.ref.contains(":6013:") == true, "\(differences)")
        // The payout is still never allocated.
        let entry = try #require(day27.result.payments.first { $0.id.rawValue.contains(":6013:") })
        #expect(entry.status == .payout && entry.allocations.isEmpty)
    }

    @Test("every payment's record in the ledger is its source's record as read (the 1C statement's kept aside while read)")
    func paymentRecordsReachTheLedger() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        _ = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()))
        let ledger = try Ledger(path: sandbox.ledgerPath)
        var checked = 0
        for day in [Day.d26, Day.d27] {
            let folder = sandbox.samples.appendingPathComponent("days/\(day.iso)")
            let digits = day.iso.split(separator: "-")
            let oneC = try ClientBankExchange.read(contentsOfFile: folder.appendingPathComponent(
                "kl_to_1c_\(digits[2])\(digits[1])\(digits[0]).txt").path).payments
            let provider = try Invoicebox.read(Array(Data(contentsOf: folder.appendingPathComponent("invoicebox.json"))), day: day).payments
            let camt = try Camt053.read(Array(Data(contentsOf: folder.appendingPathComponent("camt053_\(digits.joined()).xml")))).payments
            #expect(!oneC.isEmpty && !provider.isEmpty)
            let stored = Dictionary(try ledger.read { try $0.payments(receivedFrom: day.adding(days: -40), through: day) }.map { ($0.id, $0) },
                                    uniquingKeysWith: { first, _ in first })
            for payment in oneC + provider + camt {
                #expect(!payment.raw.isEmpty)
                #expect(stored[payment.id]?.raw == payment.raw, "\(day.iso): payment \(payment.id)")
                checked += 1
            }
        }
        #expect(checked > 10)
    }

    @Test func theReportTotalsMatchTheLedger() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        let outcomes = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()))
        let ledger = try Ledger(path: sandbox.ledgerPath)
        for outcome in outcomes {
            try crossCheck(outcome, ledger: ledger)
        }
        // The 27th's figures, as the sample's scenarios say.
        let result = outcomes[1].result
        let balances = Dictionary(uniqueKeysWithValues: result.customers.map { ($0.inn, $0.balance.description) })
        #expect(balances["7733015829"] == "-439.20")   // C's prepayment exceeds the corrected УПД
        #expect(balances["7701234560"] == "-42.23")    // weighed cheese: the difference is credit
        #expect(balances["7715982407"] == "-129.60")   // F's over-payment
        #expect(balances["7718024699"] == "500.00")    // E paid 1000 of 1500
        #expect(balances["7726093181"] == "0.00")      // G: one payment split over two bills
        let states = Dictionary(uniqueKeysWithValues: result.payments.map { ($0.id.rawValue, $0.status) })
        #expect(states.values.filter { $0 == .payout }.count == 1)
        #expect(states.values.filter { $0 == .unallocated }.count == 4)
        // The exceptions table's total is the money at stake: the payments nothing was allocated to.
        let html = try String(contentsOf: try #require(outcomes[1].report), encoding: .utf8)
        let atStake = try ledger.read { reader in
            try result.exceptions.compactMap { try reader.payment(PaymentID($0.ref))?.amount }.sum()
        }
        #expect(atStake == Money(kopecks: 1_526_431))   // 9264.31 + 3500.00 + 2 × 1250.00
        #expect(reportTotal(html, id: "total-exceptions") == atStake)
        #expect(Set(result.exceptions.map(\.kind)) == ["unknown-bill-quoted", "unmatched-payment", "ambiguous-provider-id", "held-document"])
    }

    /// Every figure of the day's run.json and HTML report against what the ledger holds.
    func crossCheck(_ outcome: DayRunOutcome, ledger: Ledger) throws {
        let result = outcome.result
        let day = result.businessDate
        #expect(try readRunResult(outcome.dayFolder) == result)
        try ledger.read { reader in
            // Money in: the day's payments in the ledger are the run's payments of that day.
            let ledgerPayments = try reader.payments(receivedFrom: day, through: day)
            let dayEntries = result.payments.filter { $0.receivedOn == day }
            #expect(Set(ledgerPayments.map(\.id)) == Set(dayEntries.map(\.id)), "\(day)")
            #expect(ledgerPayments.map(\.amount).sum() == dayEntries.map(\.amount).sum())
            // Every payment: its allocations as the ledger has them; allocations + unallocated = amount.
            for entry in result.payments {
                let payment = try #require(try reader.payment(entry.id))
                #expect(payment.amount == entry.amount && payment.receivedOn == entry.receivedOn)
                let allocations = try reader.allocations(payment: entry.id).map(\.allocation)
                #expect(allocations.map(\.amount) == entry.allocations.map(\.amount), "\(entry.id)")
                #expect(allocations.map(\.billNumber) == entry.allocations.map(\.billNumber), "\(entry.id)")
                if entry.status == .payout {
                    #expect(payment.payerINN == Self.providerINN && allocations.isEmpty && entry.unallocated == .zero)
                } else {
                    #expect(entry.allocations.map(\.amount).sum() + entry.unallocated == entry.amount, "\(entry.id)")
                    let expected: RunResult.PaymentEntry.State = entry.unallocated.isZero ? .allocated
                        : entry.allocations.isEmpty ? .unallocated : .partial
                    #expect(entry.status == expected, "\(entry.id)")
                }
            }
            // Documents: the day's issued documents in the ledger, with the same totals.
            let records = try reader.documents(businessDate: day)
            let issued = records.filter { $0.status != .held }
            #expect(issued.count == result.documents.count)
            for (record, entry) in zip(issued, result.documents) {
                #expect(entry.file.hasSuffix("/" + (record.fileName ?? "?")), "\(entry.file)")
                #expect(entry.number == record.number.map(String.init))
                #expect(entry.date == record.date && entry.orderID == record.orderID && entry.customerINN == record.customerINN)
                #expect(entry.total == record.totals.withVAT && entry.vat == record.totals.vat
                        && entry.totalWithoutVAT == record.totals.withoutVAT)
                let onDisk = try Data(contentsOf: outcome.dayFolder.appendingPathComponent(entry.file))
                #expect(onDisk == record.xml, "\(entry.file) differs from the ledger's bytes")
            }
            #expect(files(in: outcome.dayFolder.appendingPathComponent("edo")).count == result.documents.filter { !$0.paperOnly }.count)
            let held = records.filter { $0.status == .held }
            #expect(held.map(\.shipmentID) == result.held.map(\.shipmentID))
            #expect(held.map(\.orderID) == result.held.map(\.orderID))
            // Every customer's balance as that day knew it.
            for customer in result.customers {
                let balance = try reader.balance(customerINN: customer.inn, at: day, knownOn: day)
                #expect(balance == customer.balance, "\(customer.inn) on \(day)")
            }
        }

        // The HTML report prints the same figures.
        let report = try #require(outcome.report)
        let html = try String(contentsOf: report, encoding: .utf8)
        let nonPayout = result.payments.filter { $0.status != .payout }
        #expect(reportTotal(html, id: "total-payments") == result.payments.map(\.amount).sum())
        #expect(reportTotal(html, id: "total-allocated") == result.payments.flatMap(\.allocations).map(\.amount).sum())
        #expect(reportTotal(html, id: "total-unallocated") == nonPayout.map(\.unallocated).sum())
        #expect(reportTotal(html, id: "total-documents") == result.documents.map(\.total).sum())
        #expect(reportTotal(html, id: "total-documents-vat") == result.documents.map(\.vat).sum())
        #expect(reportTotal(html, id: "total-documents-net") == result.documents.map(\.totalWithoutVAT).sum())
        #expect(reportTotal(html, id: "total-balance") == result.customers.map(\.balance).sum())
        #expect(reportTotal(html, id: "total-credit-limit") == result.customers.map(\.creditLimit).sum())
        #expect(reportTotal(html, id: "total-overdue") == result.customers.map(\.overdue).sum())
        // The ledger's own sums, independently of run.json.
        let ledgerDocuments = try ledger.read { try $0.documents(businessDate: day).filter { $0.status != .held } }
        #expect(reportTotal(html, id: "total-documents") == ledgerDocuments.map(\.totals.withVAT).sum())
        let ledgerMoneyIn = try ledger.read { try $0.payments(receivedFrom: day, through: day).map(\.amount).sum() }
        #expect(reportTotal(html, id: "total-payments") == ledgerMoneyIn)
    }

    @Test func theDayRunnerAloneGivesWhatJobRunGives() async throws {
        let viaJobRun = try Sandbox()
        defer { viaJobRun.remove() }
        let expected = try await runDays([Day.d26], loaded: try viaJobRun.load(),
                                         environment: testEnvironment(logger: LogCapture().logger()))
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try FileManager.default.createDirectory(at: sandbox.out, withIntermediateDirectories: true)
        let log = LogCapture()
        let runner = DayRunner(loaded: try sandbox.load(), environment: testEnvironment(logger: log.logger()),
                               ledger: try Ledger(path: sandbox.ledgerPath))
        let outcome = await runner.run(day: Day.d26, command: "day runner")
        #expect(outcome.exitStatus == .success)
        #expect(outcome.durationSeconds == 0)   // the fixed clock
        #expect(outcome.result.documents == expected.first?.result.documents)
        #expect(outcome.result.payments == expected.first?.result.payments)
        #expect(outcome.result.customers == expected.first?.result.customers)
        let run = try #require(try runner.ledger.read { try $0.lastRuns() }.first)
        #expect(run.command == "day runner" && run.outcome == .ok)
        #expect(run.startedAt.epochSeconds == Clock.epoch && run.finishedAt?.epochSeconds == Clock.epoch)
        #expect(run.counts == ["orders": 3, "payments": 2, "quarantined": 0, "documents": 3, "held": 0, "exceptions": 0])
        // The stages and the steps of the ledger write are timed (the log line and the benchmark print them).
        let steps = ["orders", "payments", "reconcile", "documents", "movements", "credit", "commit"].map { "ledger." + $0 }
        #expect(Set(outcome.stageSeconds.keys) == Set(["ingest", "ledger", "outputs"] + steps))
        #expect(outcome.stageSeconds.values.allSatisfy { $0 >= 0 })
        let ledgerSeconds = try #require(outcome.stageSeconds["ledger"])
        #expect(steps.compactMap { outcome.stageSeconds[$0] }.reduce(0, +) <= ledgerSeconds)
        // And the peak resident set at the end of each stage (Linux): the kernel's VmHWM, so it never falls.
        #if os(Linux)
        do {
            let peaks = ["ingest", "ledger", "outputs"].compactMap { outcome.stagePeakKilobytes[$0] }
            #expect(peaks.count == 3 && peaks.allSatisfy { $0 > 0 })
            #expect(peaks == peaks.sorted())
            // Each step of the ledger's write, in order, between the end of ingest and the end of the write.
            #expect(outcome.ledgerStepPeaks.map(\.step)
                        == ["orders", "reconcile", "payments", "reconcile", "documents", "movements", "credit"])
            let stepPeaks = outcome.ledgerStepPeaks.map(\.kilobytes)
            #expect(stepPeaks == stepPeaks.sorted() && stepPeaks.first! >= peaks[0] && stepPeaks.last! <= peaks[1])
            let now = try #require(ProcessMemory.peakKilobytes)
            #expect(peaks.allSatisfy { $0 <= now })
            #expect(try #require(ProcessMemory.kilobytes("VmRSS")) <= now)
            // The day's log line says them in MiB.
            let line = try #require(log.lines.first { $0.contains("peak_rss_mib") })
            #expect(line.contains("\"peak_rss_mib\":\"ingest \(peaks[0] / 1024), ledger \(peaks[1] / 1024), outputs \(peaks[2] / 1024)\""), "\(line)")
        }
        #endif
        #expect(ProcessMemory.kilobytes("NoSuchField") == nil)
    }

    @Test func aDayWhoseFilesCannotBeWrittenFailsAndTheNextRunWritesThem() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        let environment = testEnvironment(logger: LogCapture().logger())
        // A file where the day's edo/ folder should be.
        let folder = sandbox.dayFolder(Day.d26)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("in the way".utf8).write(to: folder.appendingPathComponent("edo"))
        let failed = try #require(try await runDays([Day.d26], loaded: loaded, environment: environment).first)
        #expect(failed.exitStatus == .failure)
        #expect(failed.result.status == .failed)
        #expect(failed.result.exceptions.first?.message.contains("the ledger is complete; the next run writes them") == true)
        #expect(try readRunResult(folder).status == .failed)
        let ledger = try Ledger(path: sandbox.ledgerPath)
        #expect(try ledger.read { try $0.documents(businessDate: Day.d26).count } == 3)
        // Out of the way, the next run places the files from the ledger.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("edo"))
        let done = try #require(try await runDays([Day.d26], loaded: loaded, environment: environment).first)
        #expect(done.result.status == .ok)
        #expect(files(in: folder.appendingPathComponent("edo")).count == 3)
        #expect(try ledger.read { try $0.documents(businessDate: Day.d26).count } == 3)
    }
}
