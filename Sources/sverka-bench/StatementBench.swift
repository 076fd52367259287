import Domain
import Foundation
import Synchronization
import Ingest
import Job

/// Reads one camt.053 bank statement the way the job does: spooled to an unlinked temporary file
/// (`StatementSpool`), then read back through `Camt053.read` a piece at a time, each payment handed
/// with its record to a keeper as the job's are (this one only counts them and their records' bytes). Prints the time of the
/// reading and how far the resident set rose above what it was with the statement spooled.
func statementBenchmark(camt path: String) throws {
    let spool = try StatementSpool(source: "bank-camt053")
    let byteCount = try {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try bytes.withUnsafeBytes { try spool.receive($0) }
        return bytes.count
    }()
    let kept = CountingKeeper()
    let before = ProcessMemory.kilobytes("VmRSS") ?? 0
    resetPeakRSS()
    let clock = ContinuousClock()
    let start = clock.now
    let reading = try Camt053.read(spool, fileName: URL(fileURLWithPath: path).lastPathComponent, keeper: kept)
    let elapsed = clock.now - start
    let peak = ProcessMemory.peakKilobytes ?? 0
    print("sverka-bench statement: \(path), \(byteCount) bytes")
    print("  \(reading.documentCount) entries, \(reading.kept.count) payments, \(reading.quarantined.count) quarantined, \(kept.count) payments handed over (records: \(megabytes(kilobytes: kept.byteCount / 1024)))")
    print("  \(String(format: "%.2f", seconds(elapsed) as Double)) s; peak RSS \(megabytes(kilobytes: peak)), \(megabytes(kilobytes: max(0, peak - before))) above the process before the reading")
}

/// A payment keeper that counts what it is given and keeps nothing (the job's writes them to a file).
private final class CountingKeeper: PaymentKeeper {
    private let state = Mutex((count: 0, bytes: 0))

    var count: Int { state.withLock { $0.count } }
    var byteCount: Int { state.withLock { $0.bytes } }

    func keep(_ payment: Payment) throws -> Int {
        state.withLock { state in
            defer { state.count += 1 }
            state.bytes += payment.raw.utf8.count
            return state.count
        }
    }
}
