import ArgumentParser
import Documents
import Domain
import Foundation
import Job
import Logging

/// How log lines look: for a person at a terminal, or one JSON object per line under cron.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, text, json
}

/// Options shared by `run` and `rerun`.
struct JobOptions: ParsableArguments {
    @OptionGroup var config: ConfigOption

    @Option(name: .long, help: "Log format: auto (text on a terminal, JSON lines otherwise), text or json.")
    var logFormat: LogFormat = .auto

    @Option(name: .long, help: "The project's schemas folder (default: $SVERKA_SCHEMAS, else the schemas/ of this build's package, else ./schemas).")
    var schemas: String?

    func prepare(label: String) throws -> (LoadedConfiguration, JobEnvironment) {
        let environment = ProcessInfo.processInfo.environment
        let format: SverkaLogHandler.Format = switch logFormat {
        case .text: .text
        case .json: .json
        case .auto: isatty(STDERR_FILENO) == 1 ? .text : .json
        }
        LoggingSystem.bootstrap { label in
            SverkaLogHandler(label: label, format: format) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        let logger = Logger(label: label)
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(path: config.resolvedPath(), environment: environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let schemasDirectory: URL
        if let schemas {
            schemasDirectory = URL(fileURLWithPath: schemas)
        } else if let env = environment["SVERKA_SCHEMAS"], !env.isEmpty {
            schemasDirectory = URL(fileURLWithPath: env)
        } else {
            let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            schemasDirectory = SchemaCatalog.defaultDirectory(executable: Bundle.main.executableURL, currentDirectory: current)
                ?? current.appendingPathComponent("schemas")
        }
        return (loaded, JobEnvironment.live(configuration: loaded, environment: environment, logger: logger,
                                            schemasDirectory: schemasDirectory))
    }
}

/// The exit codes, for `--help`.
let exitCodesHelp = ExitStatus.allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")

func parseDay(_ text: String, option: String) throws -> CivilDate {
    guard let day = CivilDate(iso: text) else {
        throw ValidationError("\(option) '\(text)' is not a YYYY-MM-DD date")
    }
    return day
}

func summarise(_ outcomes: [DayRunOutcome]) {
    for outcome in outcomes {
        let result = outcome.result
        var line = "\(result.businessDate.iso): \(result.status.rawValue)"
        line += " — \(result.documents.count) document(s), \(result.held.count) held, \(result.payments.count) payment(s), \(result.exceptions.count) exception(s)"
        print(line)
        print("  folder:  \(outcome.dayFolder.path)")
        if !result.documents.isEmpty {
            print("  EDO:     \(outcome.dayFolder.appendingPathComponent("edo").path)")
        }
        if let report = outcome.report { print("  report:  \(report.path)") }
        print("  result:  \(outcome.dayFolder.appendingPathComponent("run.json").path)")
        for exception in result.exceptions where result.status == .failed { print("  ! \(exception.message)") }
    }
}

/// `sverka run`: one business day, from fetching to reports.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Close one business day: fetch, match, issue documents, write reports.",
        discussion: "The business day defaults to yesterday in Europe/Moscow.\n\nExit codes:\n\(exitCodesHelp)"
    )

    @Option(help: "The business day, YYYY-MM-DD (default: yesterday in Europe/Moscow).") var date: String?
    @OptionGroup var options: JobOptions

    func run() async throws {
        let day = try date.map { try parseDay($0, option: "--date") } ?? JobRun.yesterday(now: Date())
        let (loaded, environment) = try options.prepare(label: "sverka.run")
        do {
            let outcomes = try await JobRun.run(days: [day], loaded: loaded, environment: environment,
                                                command: "run --date \(day.iso)")
            summarise(outcomes)
            throw ExitCode(JobRun.exitStatus(of: outcomes).rawValue)
        } catch let error as JobRun.StartError {
            FileHandle.standardError.write(Data("sverka: \(error.description)\n".utf8))
            throw ExitCode(error.exitStatus.rawValue)
        }
    }
}

/// `sverka rerun`: each day of a range in order; safe over days already done.
struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Run each business day of a range in order (safe over days already done).",
        discussion: "A rerun never duplicates a document, a number or a payment: documents already issued are placed again byte for byte.\n\nExit codes (the worst day decides):\n\(exitCodesHelp)"
    )

    @Option(help: "The first business day, YYYY-MM-DD.") var from: String
    @Option(help: "The last business day, YYYY-MM-DD.") var to: String
    @OptionGroup var options: JobOptions

    func validate() throws {
        let first = try parseDay(from, option: "--from")
        let last = try parseDay(to, option: "--to")
        guard first <= last else { throw ValidationError("--from \(from) is after --to \(to)") }
        guard first.days(to: last) <= 3660 else { throw ValidationError("a range of more than ten years is surely a typo") }
    }

    func run() async throws {
        let days = JobRun.days(from: try parseDay(from, option: "--from"), to: try parseDay(to, option: "--to"))
        let (loaded, environment) = try options.prepare(label: "sverka.rerun")
        let progress: (@Sendable (Int, Int, CivilDate) -> Void)? = isatty(STDERR_FILENO) == 1 ? drawProgress : nil
        do {
            let outcomes = try await JobRun.run(days: days, loaded: loaded, environment: environment,
                                                command: "rerun --from \(from) --to \(to)", progress: progress)
            summarise(outcomes)
            throw ExitCode(JobRun.exitStatus(of: outcomes).rawValue)
        } catch let error as JobRun.StartError {
            FileHandle.standardError.write(Data("sverka: \(error.description)\n".utf8))
            throw ExitCode(error.exitStatus.rawValue)
        }
    }
}

/// A progress bar on standard error, for a rerun attached to a terminal.
@Sendable func drawProgress(done: Int, total: Int, day: CivilDate) {
    let width = 30
    let filled = total == 0 ? width : done * width / total
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    let label = done < total ? "closing \(day.iso)" : "done"
    let end = done == total ? "\n" : ""
    FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(label)   \(end)".utf8))
}
