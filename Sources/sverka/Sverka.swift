import ArgumentParser

@main
struct Sverka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sverka",
        abstract: "Closes the books of a B2B grocery seller every night.",
        subcommands: [RunCommand.self, RerunCommand.self, StatusCommand.self, ActCommand.self, ConfigCommand.self, ValidateCommand.self, GenerateCommand.self]
    )
}
