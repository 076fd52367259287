import Domain
import Foundation
import Reports
import Testing
import TestSupport

/// Headless Chromium, when the machine has it (Debian's `chromium` package).
enum Chromium {
    static let binary: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
                let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        return nil
    }()

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs Chromium headless with `arguments`, killing it after `timeout` seconds.
    static func run(_ arguments: [String], timeout: TimeInterval = 90) throws -> Run {
        let binary = try #require(binary)
        let directory = try Paths.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-dev-shm-usage", "--user-data-dir=\(directory.path)"] + arguments
        let out = directory.appendingPathComponent("stdout")
        let err = directory.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("chromium did not finish within \(Int(timeout)) s")
        }
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

@Suite("Day report in a browser", .enabled(if: Chromium.binary != nil), .serialized)
struct BrowserTests {
    @Test("loads in headless Chromium without console errors and shows the totals")
    func rendersInChromium() throws {
        let output = try DayReport.render(Fixtures.input)
        let directory = try Paths.temporaryDirectory("day-report")
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent(output.html.name)
        try Data(output.html.bytes).write(to: page)

        let dom = try Chromium.run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom",
                                    page.absoluteString])
        #expect(dom.status == 0, "chromium exited \(dom.status): \(dom.stderr.suffix(2000))")
        let text = dom.stdout.replacingOccurrences(of: "&nbsp;", with: "\u{00A0}")
        #expect(text.contains("Отчёт за день 27.11.2026"))
        let totals = output.totals
        for (id, money) in [("total-payments", totals.moneyIn), ("total-documents", totals.documentsTotal),
                            ("total-balance", totals.balance), ("total-overdue", totals.overdue),
                            ("total-weighed-difference", totals.weighedDifference)] {
            #expect(text.contains("id=\"\(id)\">\(money.formatted())<"), "DOM lacks \(id) = \(money.formatted())")
        }
        #expect(text.contains("<svg"))
        // Markup in data stayed text: the browser built no script element.
        #expect(!text.contains("<script"))
        #expect(text.contains("&lt;script&gt;alert('payer')&lt;/script&gt;"))
        for line in dom.stderr.split(separator: "\n") {
            #expect(!line.contains("Uncaught") && !line.contains("ERROR:CONSOLE") && !line.contains(":CONSOLE("),
                    "console: \(line)")
        }

        let screenshot = directory.appendingPathComponent("day-report.png")
        let shot = try Chromium.run(["--hide-scrollbars", "--window-size=1400,2000",
                                     "--screenshot=\(screenshot.path)", page.absoluteString])
        #expect(shot.status == 0, "chromium exited \(shot.status): \(shot.stderr.suffix(2000))")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 50_000, "a page with tables and charts is more than a blank image")
        // Keep a copy for people to look at (docs/images/day-report.png is refreshed by hand from it).
        if let keep = ProcessInfo.processInfo.environment["SVERKA_SCREENSHOT_OUT"] {
            try png.write(to: URL(fileURLWithPath: keep))
        }
    }

    @Test("the act of reconciliation loads too")
    func actInChromium() throws {
        let html = try ActFixtures.act.html()
        let directory = try Paths.temporaryDirectory("act")
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("act.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let dom = try Chromium.run(["--dump-dom", page.absoluteString])
        #expect(dom.status == 0)
        let text = dom.stdout.replacingOccurrences(of: "&nbsp;", with: "\u{00A0}")
        #expect(text.contains("id=\"closing-debit\">24\u{00A0}345,67<"))
        #expect(text.contains("двадцать четыре тысячи триста сорок пять рублей 67 копеек"))
    }
}
