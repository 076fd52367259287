// `sverka-bench run`: a whole business day through the job, in process.
import Documents
import Domain
import Foundation
import Generator
import Job
import Logging

/// Generates a day of `orders` orders into a temporary folder (or uses `directory`, already
/// generated), runs it through `JobRun.run` and prints wall, CPU, peak RSS and documents/s.
func runBenchmark(orders: Int, seed: UInt64, date: CivilDate, directory: URL?, schemas: URL, keep: Bool) async throws {
    let folder: URL
    if let directory {
        folder = directory
    } else {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-bench-\(orders)-\(seed)-\(getpid())")
        let started = ContinuousClock.now
        let report = try Generator.write(GeneratorSettings(firstDay: date, ordersPerDay: orders, seed: seed, days: 1), to: folder)
        let bytes = report.days.flatMap(\.files).map(\.bytes).reduce(0, +)
        print("generated \(orders) orders (\(bytes / 1_000_000) MB of sources) in \(seconds(ContinuousClock.now - started) as String) → \(folder.path)")
    }
    defer {
        if directory == nil && !keep { try? FileManager.default.removeItem(at: folder) }
    }
    let configurationFile = folder.appendingPathComponent("sverka.yaml")
    let loaded = try ConfigurationLoader.load(path: configurationFile.path, environment: [:])
    // A fresh ledger and output folder: the figures are those of a first run of the day. The previous
    // output is moved aside, not deleted: ext4 without a journal (this machine's disk) passes over
    // inodes freed in the last minutes when it creates files, so deleting a large day's files just
    // before the run makes the outputs stage pay for the deletion (a cost no nightly run has).
    if FileManager.default.fileExists(atPath: loaded.outputDirectory.path) {
        let aside = loaded.outputDirectory.deletingLastPathComponent()
            .appendingPathComponent(loaded.outputDirectory.lastPathComponent + ".previous-\(Int(Date().timeIntervalSince1970))")
        try FileManager.default.moveItem(at: loaded.outputDirectory, to: aside)
        print("moved the previous output to \(aside.path) (remove it after measuring)")
    }
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: loaded.ledgerPath.path + suffix) }
    var logger = Logger(label: "sverka-bench")
    logger.logLevel = .warning
    let environment = JobEnvironment.live(configuration: loaded, environment: [:], logger: logger, schemasDirectory: schemas)

    let resetWorked = resetPeakRSS()
    let rssBefore = ProcessMemory.kilobytes("VmRSS") ?? 0
    let clock = ContinuousClock()
    let cpuStart = cpuSeconds()
    let started = clock.now
    let outcomes = try await JobRun.run(days: [date], loaded: loaded, environment: environment, command: "sverka-bench run")
    let wall: Double = seconds(clock.now - started)
    let cpu = cpuSeconds() - cpuStart
    let peak = ProcessMemory.peakKilobytes ?? 0
    guard let outcome = outcomes.first else { return }
    let result = outcome.result
    let ledgerBytes = (try? FileManager.default.attributesOfItem(atPath: loaded.ledgerPath.path)[.size] as? Int) ?? 0
    let what = directory == nil ? "\(orders) generated orders" : "the day generated in \(folder.path)"
    print("sverka-bench run: \(what), day \(date.iso), \(activeProcessors) CPU(s), allocator \(ProcessAllocator.current)")
    print("  outcome: \(result.status.rawValue), exit \(outcome.exitStatus.rawValue); \(result.documents.count) documents, "
          + "\(result.held.count) held, \(result.payments.count) payments, \(result.exceptions.count) exceptions")
    if result.status == .failed {
        for exception in result.exceptions { print("  ! \(exception.message)") }
    }
    print(String(format: "  wall %.2f s, CPU %.2f s (%.2f cores busy)", wall, cpu, cpu / max(wall, 0.001)))
    print("  stages: " + outcome.stageSeconds.sorted { $0.key < $1.key }
        .map { String(format: "%@ %.2f s", $0.key, $0.value) }.joined(separator: ", "))
    print(String(format: "  documents/s: %.0f", Double(result.documents.count) / max(wall, 0.001)))
    // (VmHWM only grows: a stage whose figure is above the one before reached the peak so far in it.)
    print("  peak RSS at the end of each stage: " + ["ingest", "ledger", "outputs"].compactMap { stage in
        outcome.stagePeakKilobytes[stage].map { "\(stage) \(megabytes(kilobytes: $0))" }
    }.joined(separator: ", "))
    print("  peak RSS at the end of each step of the ledger's write: "
          + outcome.ledgerStepPeaks.map { "\($0.step) \(megabytes(kilobytes: $0.kilobytes))" }.joined(separator: ", "))
    print("  peak RSS (VmHWM\(resetWorked ? ", reset before the run" : ", whole process")): \(megabytes(kilobytes: peak)); "
          + "RSS before the run \(megabytes(kilobytes: rssBefore)); ledger file \(ledgerBytes / 1_000_000) MB")
}
