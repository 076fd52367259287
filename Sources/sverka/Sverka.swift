import ArgumentParser
import CJemalloc
import Foundation
import Job

@main
struct Sverka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sverka",
        abstract: "Closes the books of a B2B grocery seller every night.",
        subcommands: [
            RunCommand.self, RerunCommand.self, StatusCommand.self, ActCommand.self, ConfigCommand.self,
            ValidateCommand.self, GenerateCommand.self,
        ]
    )

    /// Like the default entry point, except that `sverka validate` reports a usage error with
    /// exit status 2, as validators do (0 valid, 1 invalid, 2 usage); every other command uses 64.
    static func main() async {
        _ = sverka_jemalloc_version() // jemalloc serves this process (CJemalloc); glibc's settings below then step aside
        MallocArenas.limit()
        MallocMappedBlocks.fix()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if CommandLine.arguments.dropFirst().first == "validate", exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
