import ArgumentParser
import Domain
import EDO
import Foundation
import Job
import Ledger
import Reports

/// `sverka act`: the act of reconciliation of one customer, as HTML, CSV and FNS XML.
struct ActCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act",
        abstract: "Write the act of reconciliation (акт сверки) of a customer for a period.",
        discussion: """
        Writes <output>/acts/act-<ИНН>-<from>-<to>.html and .csv, and the same act as FNS XML
        (ON_AKTSVEROTP, format 5.01) when both sides' ОГРН are known: the seller's from the
        configuration, the customer's from --customer-ogrn (the orders feed does not carry it).
        """
    )

    @Option(help: "The customer's ИНН.") var customer: String
    @Option(help: "The first day of the period, YYYY-MM-DD.") var from: String
    @Option(help: "The last day of the period, YYYY-MM-DD.") var to: String
    @Option(help: "The customer's ОГРН/ОГРНИП, for the XML form.") var customerOgrn: String?
    @Option(help: "The act's date, YYYY-MM-DD (default: the day after --to).") var date: String?
    @Option(help: "Where to write (default: <output>/acts).") var out: String?
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let periodFrom = try parseDay(from, option: "--from")
        let periodTo = try parseDay(to, option: "--to")
        let actDate = try date.map { try parseDay($0, option: "--date") } ?? periodTo.adding(days: 1)
        if let customerOgrn {
            do { try Requisites.checkOGRN(customerOgrn) } catch { throw ValidationError("--customer-ogrn: \(error)") }
        }
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(path: options.resolvedPath(), environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        guard FileManager.default.fileExists(atPath: loaded.ledgerPath.path) else {
            FileHandle.standardError.write(Data("sverka: no ledger at \(loaded.ledgerPath.path): run the job first\n".utf8))
            throw ExitCode(ExitStatus.failure.rawValue)
        }
        let act: ActOfReconciliation
        do {
            act = try ActBuilder.build(ledger: try Ledger(path: loaded.ledgerPath.path), configuration: loaded.configuration,
                                       customerINN: customer, from: periodFrom, to: periodTo, date: actDate,
                                       customerOGRN: customerOgrn)
        } catch let error as ActBuilder.ActBuildError {
            FileHandle.standardError.write(Data("sverka act: \(error.message)\n".utf8))
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let folder = out.map { URL(fileURLWithPath: $0) } ?? loaded.outputDirectory.appendingPathComponent("acts")
        let templates = loaded.configuration.reports.templates.map { loaded.resolve($0) }
        let csv = CSVOptions(decimalSeparator: loaded.configuration.reports.csvDecimalSeparator == "." ? .point : .comma)
        let html = folder.appendingPathComponent(act.fileStem + ".html")
        try AtomicFile.write(Array(try act.html(templatesDirectory: templates).utf8), to: html)
        try AtomicFile.write(act.csv(options: csv), to: folder.appendingPathComponent(act.fileStem + ".csv"))
        print(act.closingSentence)
        print("  HTML: \(html.path)")
        print("  CSV:  \(folder.appendingPathComponent(act.fileStem + ".csv").path)")
        do {
            let created = Timestamp(epochSeconds: Int64(actDate.daysSinceEpoch) * 86_400 + 9 * 3600 - Int64(Timestamp.moscowOffsetSeconds))
            let xml = try act.xml(createdAt: created, program: loaded.configuration.edo.programName ?? "sverka 1.0")
            let url = folder.appendingPathComponent(xml.fileName)
            try AtomicFile.write(xml.bytes, to: url)
            print("  XML:  \(url.path)")
        } catch {
            print("  XML:  not written: \(error)")
        }
    }
}
