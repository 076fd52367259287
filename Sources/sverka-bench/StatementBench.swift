import Foundation
import Ingest
import Job

/// Reads one camt.053 bank statement through the job's reader (`Camt053.read`) and prints the time
/// and how far the resident set rose above what it was with the file's bytes already in memory.
func statementBenchmark(camt path: String) throws {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let before = ProcessMemory.kilobytes("VmRSS") ?? 0
    resetPeakRSS()
    let clock = ContinuousClock()
    let start = clock.now
    let reading = try Camt053.read(bytes, fileName: URL(fileURLWithPath: path).lastPathComponent)
    let elapsed = clock.now - start
    let peak = ProcessMemory.peakKilobytes ?? 0
    print("sverka-bench statement: \(path), \(bytes.count) bytes")
    print("  \(reading.documentCount) entries, \(reading.payments.count) payments, \(reading.quarantined.count) quarantined")
    print("  \(String(format: "%.2f", seconds(elapsed) as Double)) s; peak RSS \(megabytes(kilobytes: peak)), \(megabytes(kilobytes: max(0, peak - before))) above the bytes in memory")
}
