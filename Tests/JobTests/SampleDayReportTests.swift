import Domain
import Foundation
import Job
import Ledger
import Logging
import Testing
import TestSupport

/// The sample day closed in-process, and its report looked at in headless Chromium: it loads
/// without errors and the totals it shows are the ledger's.
@Suite("The sample day's report, as a person sees it", .serialized)
struct SampleDayReportTests {
    /// A copy of the bundled samples in a temporary folder, closed through the real job.
    static func closeSampleDays() async throws -> (folder: URL, ledger: Ledger) {
        let folder = try Paths.temporaryDirectory("sample-report")
        try FileManager.default.copyItem(at: Paths.samples.appendingPathComponent("days"),
                                         to: folder.appendingPathComponent("days"))
        try FileManager.default.copyItem(at: Paths.samples.appendingPathComponent("sverka.yaml"),
                                         to: folder.appendingPathComponent("sverka.yaml"))
        let environment = ["SVERKA_OUTPUT_DIR": folder.appendingPathComponent("out").path,
                           "SVERKA_LEDGER": folder.appendingPathComponent("out/ledger.sqlite").path]
        let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path,
                                                  environment: environment)
        let job = JobEnvironment.live(configuration: loaded, environment: environment,
                                      logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                      schemasDirectory: Paths.schemas)
        let days = JobRun.days(from: CivilDate(iso: "2026-11-26")!, to: CivilDate(iso: "2026-11-27")!)
        let outcomes = try await JobRun.run(days: days, loaded: loaded, environment: job, command: "test")
        #expect(outcomes.map(\.result.status) == [.ok, .exceptions])
        return (folder, try Ledger(path: loaded.ledgerPath.path))
    }

    @Test("loads in Chromium without console errors, and every total it shows is the ledger's",
          .enabled(if: Chromium.binary != nil, "no chromium on this machine"))
    func reportInBrowser() async throws {
        let (folder, ledger) = try await Self.closeSampleDays()
        defer { try? FileManager.default.removeItem(at: folder) }
        let day = try #require(CivilDate(iso: "2026-11-27"))
        let page = folder.appendingPathComponent("out/2026-11-27/reports/day-2026-11-27.html")
        let dom = try Chromium.run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom",
                                    page.absoluteString])
        #expect(!dom.timedOut && dom.status == 0, "chromium: \(dom.stderr.suffix(1000))")
        #expect(Chromium.consoleErrors(in: dom.stderr).isEmpty, "\(Chromium.consoleErrors(in: dom.stderr))")
        let text = dom.stdout.replacingOccurrences(of: "&nbsp;", with: "\u{00A0}")
        #expect(text.contains("Отчёт за день 27.11.2026"))

        // The ledger's own figures for the day.
        let run = try JSONDecoder().decode(RunResult.self,
                                           from: Data(contentsOf: folder.appendingPathComponent("out/2026-11-27/run.json")))
        let (moneyIn, documentsTotal, balances) = try ledger.read { reader in
            let moneyIn = try reader.payments(receivedFrom: day, through: day).map(\.amount).sum()
            let documents = try reader.documents(businessDate: day).filter { $0.status != .held }.map(\.totals.withVAT).sum()
            let balances = try run.customers.map { try reader.balance(customerINN: $0.inn, at: day, knownOn: day) }.sum()
            return (moneyIn, documents, balances)
        }
        #expect(moneyIn == Money(kopecks: 4_266_055))
        for (id, money) in [("total-payments", moneyIn), ("total-documents", documentsTotal), ("total-balance", balances)] {
            #expect(text.contains("id=\"\(id)\">\(money.formatted())<"), "the page lacks \(id) = \(money.formatted())")
        }
        // run.json says the same as the page and the ledger.
        #expect(run.documents.map(\.total).sum() == documentsTotal)
        #expect(run.customers.map(\.balance).sum() == balances)
        #expect(run.payments.map(\.amount).sum() == moneyIn)
        // A screenshot proves it renders (a blank page would be a few kilobytes).
        let shot = folder.appendingPathComponent("shot.png")
        let screenshot = try Chromium.run(["--hide-scrollbars", "--window-size=1400,1500", "--screenshot=\(shot.path)",
                                           page.absoluteString])
        #expect(screenshot.status == 0)
        let size = (try FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
        #expect(size > 50_000)
    }
}
