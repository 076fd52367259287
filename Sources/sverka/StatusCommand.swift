import ArgumentParser
import Foundation
import Job
import Ledger

/// `sverka status`: the last runs, their outcome, what is waiting for the accountant.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the last runs, their outcome, and what is waiting for the accountant."
    )

    @OptionGroup var options: ConfigOption
    @Option(help: "How many runs to show.") var runs = 10

    func run() async throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(path: options.resolvedPath(), environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        guard FileManager.default.fileExists(atPath: loaded.ledgerPath.path) else {
            print("No ledger yet at \(loaded.ledgerPath.path): the job has not run.")
            return
        }
        let ledger = try Ledger(path: loaded.ledgerPath.path)
        let providerINN = loaded.configuration.sources.invoicebox?.providerINN
        print(try StatusReport.gather(ledger: ledger, runLimit: runs, providerINN: providerINN).render())
    }
}
