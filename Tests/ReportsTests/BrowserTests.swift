import Domain
import Foundation
import Reports
import Testing
import TestSupport

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
        #expect(!dom.timedOut, "chromium did not finish")
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
