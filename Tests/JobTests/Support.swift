import Domain
import Foundation
import HTTP
import Ingest
import Job
import Ledger
import Logging
import Synchronization
import Testing
import TestSupport

/// The two sample business days.
enum Day {
    static let d26 = CivilDate(year: 2026, month: 11, day: 26)!
    static let d27 = CivilDate(year: 2026, month: 11, day: 27)!
}

/// The fixed clock of the tests: 2026-11-28 03:00:00 Moscow time.
enum Clock {
    static let epoch: Int64 = 1_795_824_000
    static let date = Date(timeIntervalSince1970: TimeInterval(epoch))
    static let now: @Sendable () -> Date = { date }
}

/// Everything a test's log lines went to.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }
    var text: String { lines.joined(separator: "\n") }

    func append(_ line: String) { storage.withLock { $0.append(line) } }

    /// A logger writing through `SverkaLogHandler` into this capture.
    func logger(format: SverkaLogHandler.Format = .json, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "sverka.test") { label in
            SverkaLogHandler(label: label, format: format, clock: Clock.now) { [self] line in self.append(line) }
        }
        logger.logLevel = level
        return logger
    }
}

/// A temporary copy of `samples/` with `out/` beside it, as `samples/sverka.yaml` expects.
struct Sandbox {
    let root: URL

    init() throws {
        root = try Paths.temporaryDirectory("sverka-jobtests")
        try FileManager.default.copyItem(at: Paths.samples, to: samples)
    }

    var samples: URL { root.appendingPathComponent("samples", isDirectory: true) }
    var configPath: String { samples.appendingPathComponent("sverka.yaml").path }
    var out: URL { root.appendingPathComponent("out", isDirectory: true) }
    var ledgerPath: String { out.appendingPathComponent("ledger.sqlite").path }

    func dayFolder(_ day: CivilDate) -> URL { out.appendingPathComponent(day.iso, isDirectory: true) }

    /// The sample configuration's text.
    func sampleConfiguration() throws -> String { try String(contentsOfFile: configPath, encoding: .utf8) }

    /// Writes a configuration file into `samples/` (so `{config_dir}` and `../out` keep working).
    @discardableResult
    func writeConfiguration(_ text: String, name: String = "sverka.yaml") throws -> String {
        let url = samples.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Loads the configuration at `path` (the sample's by default).
    func load(_ path: String? = nil, environment: [String: String] = [:]) throws -> LoadedConfiguration {
        try ConfigurationLoader.load(path: path ?? configPath, environment: environment)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Puts a payment order to the sample seller's account before the first document of `day`'s sample 1C
    /// statement (in windows-1251, as the bank gives it).
    func addStatementPayment(on day: CivilDate, number: String, amount: String, payerAccount: String,
                             payerINN: String, payerName: String, purpose: String) throws {
        let statement = samples.appendingPathComponent("days/\(day.iso)/kl_to_1c_\(day.ddMMyyyy).txt")
        let text = CyrillicCodePage.cp1251.decode(try Data(contentsOf: statement))
        let section = [
            "СекцияДокумент=Платежное поручение", "Номер=\(number)", "Дата=\(day.russian)", "Сумма=\(amount)",
            "ПлательщикСчет=\(payerAccount)", "Плательщик=ИНН \(payerINN) \(payerName)", "ПлательщикИНН=\(payerINN)",
            "ПолучательСчет=40702810938000012345", "ДатаПоступило=\(day.russian)", "ПолучательИНН=7714698320",
            "НазначениеПлатежа=\(purpose)", "КонецДокумента", "",
        ].joined(separator: "\r\n")
        let first = try #require(text.range(of: "СекцияДокумент="))
        try Data(try #require(CyrillicCodePage.cp1251.encode(text.replacingCharacters(in: first.lowerBound..<first.lowerBound,
                                                                                       with: section)))).write(to: statement)
    }
}

/// HTTP retries fast enough for a test.
let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

/// The job's environment for a test: the live libcurl client with fast retries, the fixed clock,
/// the given variables, the project's schemas.
func testEnvironment(_ variables: [String: String] = [:], logger: Logger, retry: RetryPolicy = fastRetry) -> JobEnvironment {
    JobEnvironment(
        httpClient: { token in
            .live(HTTPConfiguration(connectTimeout: .seconds(5), timeout: .seconds(30), bearerToken: token, retry: retry))
        },
        now: Clock.now, environment: variables, logger: logger, schemasDirectory: Paths.schemas)
}

/// Runs days through `JobRun.run`.
func runDays(_ days: [CivilDate], loaded: LoadedConfiguration, environment: JobEnvironment,
             command: String = "test") async throws -> [DayRunOutcome] {
    try await JobRun.run(days: days, loaded: loaded, environment: environment, command: command)
}

/// `run.json` of a day, decoded.
func readRunResult(_ folder: URL) throws -> RunResult {
    try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: folder.appendingPathComponent("run.json")))
}

/// The files in a folder (names), empty when it does not exist.
func files(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}

/// `"42 660,55"` (any grouping space, decimal comma) → Money.
func reportMoney(_ text: String) -> Money? {
    let cleaned = text.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "\u{202F}" && $0 != "\u{00A0}" }
    return Money(exactString: String(String.UnicodeScalarView(cleaned)).replacingOccurrences(of: ",", with: "."))
}

/// The total printed in the report's element with this id (`<td … id="total-payments">42 660,55</td>`).
func reportTotal(_ html: String, id: String) -> Money? {
    guard let start = html.range(of: "id=\"\(id)\">") else { return nil }
    let rest = html[start.upperBound...]
    guard let end = rest.firstIndex(of: "<") else { return nil }
    return reportMoney(String(rest[..<end]))
}
