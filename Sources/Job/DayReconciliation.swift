import Domain
import Ingest
import Ledger
import Reconcile

/// The day's reconciliation between its two halves: what was read and decided before the matcher
/// started, and the matcher running on a thread of its own.
struct StartedReconciliation {
    /// The ids of the matcher's payments, in the order of its file: those matched again from scratch
    /// (the day's, and earlier ones with nothing kept: the first `rematchCount`), then those whose
    /// allocations the ledger keeps (`credit`). In a file: a large day's are most of what the matcher
    /// would otherwise hold beside its bills.
    let matcherIDs: PaymentIDList
    /// How many of `matcherIDs` are matched again from scratch.
    let rematchCount: Int
    /// The payments whose allocations the ledger keeps (their remainder is credit), by id.
    let credit: [PaymentID]
    /// The automatic allocations the ledger keeps for each payment of `credit`.
    let existingAutomatic: [PaymentID: [Allocation]]
    /// The day's payments that are the provider's payouts, in the sources' order (checked, never allocated).
    let dayPayouts: [Payment]
    /// The matcher's decisions, or why its payments could not be read back.
    let matching: Background<Result<MatchingResult, any Error>>
}

extension DayComputation {
    // MARK: Reconciliation

    /// Reads what the matcher needs and starts it on another thread.
    ///
    /// Nothing read here depends on the day's payment or quarantine rows (the day's payments are the
    /// matcher's from `dayPayments`, and earlier payments are read without them), so the caller writes
    /// those rows while the matcher runs, and ``finishReconciliation(_:_:facts:)`` writes its decisions.
    ///
    /// The matcher's payments go to a file of their own (``SpilledPayments``), each with the
    /// allocations it keeps, as they are decided here a block at a time: the matcher reads them back a
    /// window at a time, so no array of the day's payments is held.
    func startReconciliation(_ tx: LedgerTransaction, orders dayOrders: inout DayOrders) throws -> StartedReconciliation {
        let matcherPayments = try SpilledPayments(directory: loaded.outputDirectory, name: "matcher-payments",
                                                  contents: "matcher's payments")
        // Re-matched from scratch: the day's payments, and earlier ones that have nothing
        // allocated or whose automatic allocations were all made by this business day. They go to the
        // matcher first, in that order; the payments kept (`credit`, few) after them.
        var matcherIDs = try PaymentIDList(in: loaded.outputDirectory, name: "matcher-payment-ids",
                                           contents: "ids of the matcher's payments")
        var rematchIDs: [PaymentID] = [] // (a block's, on their way to `matcherIDs`)
        var rematchCount = 0
        /// Those of them whose automatic allocations the ledger holds (a rerun's): the bills are read as
        /// if those had not been made. (A first run's payments have none: nothing to leave out.)
        var reallocated = Set<PaymentID>()
        var block: [OpenPayment] = []
        var credit: [OpenPayment] = []
        var existingAutomatic: [PaymentID: [Allocation]] = [:]
        var dayPayouts: [Payment] = []
        /// Matches the payment again, with the pinned allocations of what the ledger holds for it (`records`) kept.
        func rematch(_ payment: Payment, records: [AllocationRecord]) {
            rematchIDs.append(payment.id)
            rematchCount += 1
            if records.contains(where: { !$0.pinned }) { reallocated.insert(payment.id) }
            let pinned = records.filter(\.pinned).map(\.allocation)
            block.append(OpenPayment(payment, existingAllocations: pinned))
        }
        /// Writes the block of payments matched again, and their ids.
        func appendBlock() throws {
            try matcherPayments.append(block)
            try matcherIDs.append(rematchIDs)
            (block, rematchIDs) = ([], [])
        }
        /// Keeps what the ledger already holds for the payment: its remainder is credit.
        func keep(_ payment: Payment, _ records: [AllocationRecord]) {
            credit.append(OpenPayment(payment, existingAllocations: records.map(\.allocation)))
            existingAutomatic[payment.id] = records.filter { !$0.pinned }.map(\.allocation)
        }
        for start in stride(from: 0, to: dayPayments.count, by: Self.readBlock) {
            let range = start..<min(dayPayments.count, start + Self.readBlock)
            let payments = try dayPayments.payments(in: range).map(\.payment)
            let ingestedAllocations = try tx.allocations(payments: payments.map(\.id))
            for payment in payments {
                if isPayout(payment) { dayPayouts.append(payment) }
                let records = ingestedAllocations[payment.id] ?? []
                // A rerun of an earlier day keeps what later days decided for its payments.
                if records.contains(where: { !$0.pinned && $0.businessDate > day }) {
                    keep(payment, records)
                } else {
                    rematch(payment, records: records)
                }
            }
            try appendBlock()
        }
        // Earlier payments: the ledger's unallocated ones that are not the day's (those are left out by a
        // table the day's ids fill a block at a time, never a set of them in memory).
        let earlierOpen = try tx.unallocatedPayments(excludingEach: { exclude in
            try dayPaymentIDs.forEach(block: Self.readBlock, exclude)
        }, receivedThrough: day).map(\.payment)
            .filter { !isPayout($0) } // a payout is checked on its own day, never allocated
        let earlierAllocations = try tx.allocations(payments: earlierOpen.map(\.id))
        for payment in earlierOpen {
            let records = earlierAllocations[payment.id] ?? []
            if records.allSatisfy({ !$0.pinned && $0.businessDate == day }) {
                rematch(payment, records: records) // (nothing pinned: all its allocations are this day's automatic ones)
            } else {
                keep(payment, records)
            }
        }
        try appendBlock()
        try matcherPayments.append(credit)
        let creditList = credit.map(\.payment.id)
        try matcherIDs.append(creditList)
        credit = []
        precondition(matcherIDs.count == matcherPayments.count, "an id for each of the matcher's payments")
        // The matcher's bills: the day's own, taken over from the day's index (the order as the feed gave
        // it) with what the ledger says is allocated, and earlier open bills. The ledger's open bills are
        // read one at a time in no particular order (the matcher puts them in its own), and the day's
        // bills that are not open (paid, cancelled) are then dropped where they are: no second array of
        // the day's bills is made.
        var bills = dayOrders.takeBills()
        var isOpen = Array(repeating: false, count: bills.count)
        var earlierBills = CompactBills()
        var earlierCache: [OrderID: Reconcile.OpenBill] = [:]
        try tx.forEachOpenBill(excludingAutomaticAllocationsOf: reallocated, oldestFirst: false) { bill in
            if let position = dayOrders.position(of: bill.orderID) {
                // (the day's order as the feed gave it: its bill is in the day's index)
                bills.setAllocated(bill.allocated, at: position)
                isOpen[position] = true
                return
            }
            var open: Reconcile.OpenBill
            if let cached = earlierCache[bill.orderID] {
                open = cached
            } else if let record = try tx.order(bill.orderID), record.firstSeen <= day {
                // (a bill first seen on a later day did not exist yet for this day)
                open = Reconcile.OpenBill(order: record.order)
                earlierCache[bill.orderID] = open
            } else {
                return
            }
            open.allocated = bill.allocated
            earlierBills.append(open)
        }
        earlierCache = [:]
        bills.keep { isOpen[$0] }
        isOpen = []
        bills.append(contentsOf: earlierBills)
        earlierBills = CompactBills()
        let matchingConfiguration = try MatchingConfiguration(
            writeOffLimit: configuration.policies.writeOffLimit, creditPaysLaterBills: configuration.policies.applyCredit,
            providerINN: providerINN)
        let input = MatchingInput(
            payments: [], bills: [], compactBills: consume bills, pins: try tx.pins(), knownCustomerINNs: try tx.customerINNs(),
            configuration: matchingConfiguration, reportsOutcomes: false)
        return StartedReconciliation(matcherIDs: matcherIDs, rematchCount: rematchCount,
                                     credit: creditList, existingAutomatic: existingAutomatic, dayPayouts: dayPayouts,
                                     // (The input is handed to the matcher's thread: the matcher, which takes it
                                     // over, holds the day's bills alone.)
                                     matching: Background { [handOver = Handover(consume input), directory = loaded.outputDirectory] in
                                         Result {
                                             guard let input = handOver.take() else { preconditionFailure("the matcher's input is taken once") }
                                             // (its bills go to a file of their own, and are read from there)
                                             return try MatchingFromFile.match(input, payments: matcherPayments, directory: directory)
                                         }
                                     })
    }

    /// Waits for the matcher, writes its allocations and write-offs, and checks the provider's payouts
    /// (found among the day's payments as the start read them) against the provider's payments in the
    /// ledger (the day's included: call it after they are written).
    func finishReconciliation(_ tx: LedgerTransaction, _ started: StartedReconciliation,
                              facts: inout DayFacts) throws {
        var result = try started.matching.wait().get()
        facts.matchingExceptions = result.exceptions
        let credit = started.credit

        // The matcher's allocations as they are (the ledger takes each payment's in the order given),
        // then, for each payment the ledger keeps whose remainder the matcher allocated now, what it
        // already held: the payment's automatic allocations are replaced by both.
        var allocations = result.allocations
        result.allocations = []
        // (Only the kept payments are looked for: they are few, the matcher's allocations many.)
        let kept = Set(credit)
        var allocated = Set<PaymentID>()
        for allocation in allocations where kept.contains(allocation.paymentID) { allocated.insert(allocation.paymentID) }
        let keptAffected = credit.filter { allocated.contains($0) }
        for id in keptAffected { allocations += started.existingAutomatic[id] ?? [] }
        // The payments whose allocations are replaced go to the ledger from their file as they are read:
        // those matched again from scratch, then the kept ones the matcher allocated now.
        try tx.replaceAutomaticAllocations(forPaymentsFrom: { add in
            try started.matcherIDs.forEach(in: 0..<started.rematchCount, block: Self.readBlock) { try add($0) }
            for id in keptAffected { try add(id) }
        }, with: consume allocations, businessDate: day, runID: runID, listsChanged: false)
        if !result.writeOffs.isEmpty { _ = try tx.recordMovements(result.writeOffs.map(\.movement), businessDate: day) }
        facts.touchedPayments = started.matcherIDs // (the payments matched again, then those kept)

        // Provider payouts: checked against the provider payments they cover, never allocated.
        if let provider = configuration.sources.invoicebox,
           let commission = CommissionRate(percent: configuration.policies.commissionPercent.description) {
            let payouts = started.dayPayouts
            if !payouts.isEmpty {
                let from = day.adding(days: -(configuration.policies.settlementLagDays + 31))
                let providerPayments = try tx.payments(receivedFrom: from, through: day).filter { $0.source == .invoicebox }
                let earlier = try tx.payments(receivedFrom: from, through: day.adding(days: -1)).filter(isPayout)
                // What earlier payouts covered: replay them in order (deterministic).
                let previous = PayoutCheck.check(
                    payouts: earlier, providerPayments: providerPayments, alreadyCovered: [],
                    configuration: PayoutConfiguration(providerINN: provider.providerINN,
                                                       settlementLagDays: configuration.policies.settlementLagDays,
                                                       commission: commission))
                facts.payouts = PayoutCheck.check(
                    payouts: payouts, providerPayments: providerPayments, alreadyCovered: previous.covered,
                    configuration: PayoutConfiguration(providerINN: provider.providerINN,
                                                       settlementLagDays: configuration.policies.settlementLagDays,
                                                       commission: commission))
            }
        }
    }
}
