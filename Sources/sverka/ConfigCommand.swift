import ArgumentParser
import Foundation
import Job

/// `sverka config check`: validates a configuration and says exactly what is wrong.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the configuration.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a configuration file (with the environment overrides applied).",
            discussion: """
            Prints every problem as `error: <key path>: <what is wrong>` or `warning: …`, then a summary.
            Exit status: 0 valid (warnings allowed), 64 invalid or unreadable.
            Environment overrides: \(ConfigurationLoader.environmentVariables.joined(separator: ", ")).
            """
        )

        @OptionGroup var options: ConfigOption

        func run() async throws {
            let path = options.resolvedPath()
            do {
                let loaded = try ConfigurationLoader.loadUnchecked(path: path, environment: ProcessInfo.processInfo.environment)
                for problem in loaded.problems { print(problem.description) }
                let errors = loaded.problems.filter { $0.severity == .error }.count
                let warnings = loaded.problems.count - errors
                if errors > 0 {
                    print("\(path): \(errors) error(s), \(warnings) warning(s)")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                print("\(path): valid\(warnings > 0 ? " (\(warnings) warning(s))" : "")")
                print("  ledger: \(loaded.ledgerPath.path)")
                print("  output: \(loaded.outputDirectory.path)")
            } catch let error as ConfigurationError {
                print(error.description)
                throw ExitCode(ExitStatus.usage.rawValue)
            }
        }
    }
}

/// `--config FILE`, defaulting to `$SVERKA_CONFIG`, then `/etc/sverka/sverka.yaml`.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: $SVERKA_CONFIG or /etc/sverka/sverka.yaml).")
    var config: String?

    func resolvedPath() -> String {
        if let config { return config }
        if let env = ProcessInfo.processInfo.environment["SVERKA_CONFIG"], !env.isEmpty { return env }
        return "/etc/sverka/sverka.yaml"
    }
}
