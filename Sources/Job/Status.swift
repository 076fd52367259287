import Domain
import Foundation
import Ledger

/// What `sverka status` shows: who holds the lock, the last runs, and what waits for the accountant.
public struct StatusReport: Sendable {
    public var lockHolder: String?
    public var runs: [RunRecord]
    public var unallocatedPayments: [PaymentBalance]
    public var heldDocuments: [DocumentRecord]
    public var quarantined: [QuarantinedRecord]

    /// Reads the ledger (read-only; it does not need the run lock).
    ///
    /// - Parameter providerINN: the payment provider's ИНН (`sources.invoicebox.provider_inn`):
    ///   its payouts in bank statements are checked, never allocated, so they are not listed
    ///   as payments waiting for the accountant.
    public static func gather(ledger: Ledger, runLimit: Int = 10, providerINN: String? = nil) throws -> StatusReport {
        let holder = try? RunLock.currentHolder(lockPath: ledger.lockPath)
        return try ledger.read { reader in
            let runs = try reader.lastRuns(limit: runLimit)
            var held: [DocumentRecord] = []
            var quarantined: [QuarantinedRecord] = []
            var seenDays = Set<CivilDate>()
            for run in runs where seenDays.insert(run.businessDate).inserted {
                held += try reader.documents(businessDate: run.businessDate).filter { $0.status == .held }
                quarantined += try reader.quarantined(on: run.businessDate)
            }
            return StatusReport(lockHolder: holder.map(\.description), runs: runs,
                                unallocatedPayments: try reader.unallocatedPayments().filter { balance in
                                    !balance.payment.isPayout(providerINN: providerINN)
                                },
                                heldDocuments: held, quarantined: quarantined)
        }
    }

    /// Plain text for a terminal.
    public func render() -> String {
        var lines: [String] = []
        lines.append(lockHolder.map { "Lock: held by \($0)" } ?? "Lock: free")
        lines.append("")
        lines.append("Last runs:")
        if runs.isEmpty { lines.append("  none yet") }
        for run in runs {
            let outcome = run.outcome?.rawValue
                ?? (run.finishedAt == nil ? (lockHolder == nil || run.id != runs.first?.id ? "interrupted" : "running") : "?")
            let counts = run.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            var line = "  \(run.businessDate.iso)  \(outcome.padding(toLength: max(12, outcome.count), withPad: " ", startingAt: 0))  started \(run.startedAt)"
            if let finished = run.finishedAt { line += "  took \(finished.epochSeconds - run.startedAt.epochSeconds) s" }
            lines.append(line)
            lines.append("      \(run.command)\(counts.isEmpty ? "" : "  [" + counts + "]")")
            if !run.message.isEmpty { lines.append("      \(run.message)") }
        }
        lines.append("")
        lines.append("Waiting for the accountant:")
        let open = unallocatedPayments.filter { $0.remaining.isPositive }
        let total = open.map(\.remaining).sum()
        lines.append("  payments not fully allocated: \(open.count) (\(total.formatted(grouping: " ")) ₽)")
        for balance in open.prefix(20) {
            let p = balance.payment
            lines.append("    \(p.receivedOn.russian)  \(p.id)  \(balance.remaining.formatted(grouping: " ")) of \(p.amount.formatted(grouping: " "))  ИНН \(p.payerINN ?? "—")")
        }
        if open.count > 20 { lines.append("    … and \(open.count - 20) more (see the day's report)") }
        lines.append("  documents held: \(heldDocuments.count)")
        for document in heldDocuments.prefix(20) {
            lines.append("    \(document.date.russian)  \(document.identity)  \(document.holdReason ?? "")")
        }
        lines.append("  quarantined records: \(quarantined.count)")
        for record in quarantined.prefix(20) { lines.append("    \(record.diagnostic.description)") }
        return lines.joined(separator: "\n")
    }
}
