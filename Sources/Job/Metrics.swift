import Domain
import EDO
import Foundation

/// Metrics for Prometheus' node_exporter textfile collector, written after every run.
///
/// The file is replaced atomically, as node_exporter requires (a half-written
/// file would be read as garbage).
public struct MetricsSnapshot: Sendable, Equatable {
    public var businessDate: CivilDate
    public var status: RunResult.Status
    public var durationSeconds: Double
    /// Runs recorded in the ledger by outcome (ok / exceptions / failed).
    public var runsByOutcome: [String: Int]
    public var exceptions: Int
    public var documentsIssued: [DocumentKind: Int]
    public var documentsHeld: Int
    public var paymentsUnallocated: Int
    /// Unix time of the last run that finished `ok` or `exceptions`, if any.
    public var lastSuccessEpochSeconds: Int64?
    public var finishedEpochSeconds: Int64

    public init(businessDate: CivilDate, status: RunResult.Status, durationSeconds: Double, runsByOutcome: [String: Int],
                exceptions: Int, documentsIssued: [DocumentKind: Int], documentsHeld: Int, paymentsUnallocated: Int,
                lastSuccessEpochSeconds: Int64?, finishedEpochSeconds: Int64) {
        self.businessDate = businessDate
        self.status = status
        self.durationSeconds = durationSeconds
        self.runsByOutcome = runsByOutcome
        self.exceptions = exceptions
        self.documentsIssued = documentsIssued
        self.documentsHeld = documentsHeld
        self.paymentsUnallocated = paymentsUnallocated
        self.lastSuccessEpochSeconds = lastSuccessEpochSeconds
        self.finishedEpochSeconds = finishedEpochSeconds
    }

    /// The Prometheus text exposition format.
    public func render() -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        let day = "business_date=\"\(businessDate.iso)\""
        metric("sverka_run_duration_seconds", "gauge", "Duration of the last run.",
               [("{\(day),status=\"\(status.rawValue)\"}", String(format: "%.3f", durationSeconds))])
        metric("sverka_runs_total", "counter", "Runs recorded in the ledger, by outcome.",
               ["ok", "exceptions", "failed"].map { ("{outcome=\"\($0)\"}", String(runsByOutcome[$0] ?? 0)) })
        metric("sverka_last_run_status", "gauge", "1 for the outcome of the last run.",
               ["ok", "exceptions", "failed"].map { ("{outcome=\"\($0)\"}", status.rawValue == $0 ? "1" : "0") })
        metric("sverka_exceptions", "gauge", "Exceptions waiting for the accountant after the last run.", [("{\(day)}", String(exceptions))])
        metric("sverka_documents_issued", "gauge", "Documents issued by the last run, by kind.",
               DocumentKind.allCases.map { ("{\(day),kind=\"\($0.rawValue)\"}", String(documentsIssued[$0] ?? 0)) })
        metric("sverka_documents_held", "gauge", "Documents held back by the last run.", [("{\(day)}", String(documentsHeld))])
        metric("sverka_payments_unallocated", "gauge", "Payments of the day not fully allocated.", [("{\(day)}", String(paymentsUnallocated))])
        metric("sverka_last_run_timestamp_seconds", "gauge", "Unix time the last run finished.", [("", String(finishedEpochSeconds))])
        if let success = lastSuccessEpochSeconds {
            metric("sverka_last_success_timestamp_seconds", "gauge", "Unix time of the last run that completed its day.",
                   [("", String(success))])
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws(EDOError) {
        try AtomicFile.write(Array(render().utf8), to: url)
    }
}
