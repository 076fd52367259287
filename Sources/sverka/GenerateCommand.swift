import ArgumentParser
import Domain
import Foundation
import Generator
import Job

/// `sverka generate`: synthetic business days for tests and benchmarks, deterministic from a seed.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic business days (orders feed, provider list, bank statements) and a configuration.",
        discussion: """
        Writes DIR/days/<YYYY-MM-DD>/orders.json, invoicebox.json, kl_to_1c_<DDMMYYYY>.txt (Windows-1251) and
        camt053_<YYYYMMDD>.xml for each day, and DIR/sverka.yaml whose file:// sources point at them.
        The same --date, --orders, --seed and --days give byte-identical files. See docs/generator.md.
        """
    )

    @Option(help: "The first business day (YYYY-MM-DD).") var date: String
    @Option(help: "New orders per day.") var orders: Int = 1_000
    @Option(help: "The seed (any unsigned 64-bit integer).") var seed: UInt64 = 42
    @Option(help: "The folder to write into (created if missing).") var out: String
    @Option(help: "How many consecutive days.") var days: Int = 1

    func validate() throws {
        guard CivilDate(iso: date) != nil else { throw ValidationError("--date must be a YYYY-MM-DD date, got '\(date)'") }
        guard (1...10_000_000).contains(orders) else { throw ValidationError("--orders must be 1…10000000, got \(orders)") }
        guard (1...366).contains(days) else { throw ValidationError("--days must be 1…366, got \(days)") }
    }

    func run() async throws {
        guard let first = CivilDate(iso: date) else { throw ExitCode(ExitStatus.usage.rawValue) }
        let directory = URL(fileURLWithPath: out, isDirectory: true).standardizedFileURL
        let settings = GeneratorSettings(firstDay: first, ordersPerDay: orders, seed: seed, days: days)
        let started = ContinuousClock.now
        do {
            let report = try Generator.write(settings, to: directory) { day in
                let c = day.counts
                print("\(day.date.iso): \(c.orders) orders (+\(c.reissuedOrders) reissued), \(c.lines) lines, "
                      + "\(c.shipments) shipments, \(c.cancelled) cancelled; \(c.providerPayments) of \(c.providerRecords) "
                      + "provider orders paid; \(c.bankIncoming) incoming and \(c.bankOutgoing) outgoing in 1C; "
                      + "\(c.camtEntries) camt.053 entries")
                for file in day.files {
                    print("  \(day.folder.appendingPathComponent(file.name).path)  \(file.bytes) bytes")
                }
            }
            let elapsed = ContinuousClock.now - started
            print("wrote \(report.days.count) day(s) and \(report.configuration.path) in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
        } catch {
            FileHandle.standardError.write(Data("sverka generate: \(error)\n".utf8))
            throw ExitCode(ExitStatus.failure.rawValue)
        }
    }
}
