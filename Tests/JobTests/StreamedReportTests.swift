import Domain
import Foundation
import Job
import Testing
import TestSupport

/// With the bundled day template the report's documents and payments are rendered a row at a time
/// and set aside on disk while the day's files are placed and its payments read (`ReportRegister`);
/// an operator's templates get the day whole (mustache). Both must give the same files.
@Suite("The day's report written a row at a time")
struct StreamedReportTests {
    @Test("the same report files, byte for byte, as the day rendered whole by mustache from copies of the bundled templates")
    func streamedReportIsTheWholeDaysReport() async throws {
        let streamed = try Sandbox()
        defer { streamed.remove() }
        let whole = try Sandbox()
        defer { whole.remove() }
        // Copies of the bundled templates, as an operator's folder: the day is then rendered by mustache
        // from the whole day's rows (the templates' bytes are the same, so must the report be).
        let templates = whole.samples.appendingPathComponent("templates", isDirectory: true)
        try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Sources/Reports/Templates"),
                                         to: templates)
        let configuration = try whole.sampleConfiguration().replacingOccurrences(
            of: "  # templates: ./templates", with: "  templates: ./templates")
        #expect(configuration != (try whole.sampleConfiguration()))
        try whole.writeConfiguration(configuration)

        let environment = testEnvironment(logger: LogCapture().logger())
        let days = [Day.d26, Day.d27]
        let streamedOutcomes = try await runDays(days, loaded: try streamed.load(), environment: environment)
        let wholeOutcomes = try await runDays(days, loaded: try whole.load(), environment: environment)
        // (The sources' locations are each sandbox's own folder; everything else is the same.)
        func located(_ bytes: Data, in sandbox: Sandbox) -> Data {
            Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: sandbox.root.path, with: "ROOT").utf8)
        }
        func withoutSources(_ outcomes: [DayRunOutcome]) -> [RunResult] {
            outcomes.map { var result = $0.result; result.sources = []; return result }
        }
        #expect(withoutSources(streamedOutcomes) == withoutSources(wholeOutcomes))
        for day in days {
            let names = files(in: streamed.dayFolder(day).appendingPathComponent("reports"))
            #expect(names.count == 8, "\(names)") // the page and seven CSV registers
            #expect(names == files(in: whole.dayFolder(day).appendingPathComponent("reports")))
            for name in names {
                let a = located(try Data(contentsOf: streamed.dayFolder(day).appendingPathComponent("reports/\(name)")), in: streamed)
                let b = located(try Data(contentsOf: whole.dayFolder(day).appendingPathComponent("reports/\(name)")), in: whole)
                #expect(a == b, "\(day.iso)/reports/\(name) differs")
            }
            // Nothing set aside stays behind.
            #expect(files(in: streamed.dayFolder(day)).allSatisfy { !$0.hasPrefix(".") })
        }
        // The day had payments and documents to stream (the registers' paths were taken).
        let html = try String(contentsOf: streamed.dayFolder(Day.d27).appendingPathComponent("reports/day-2026-11-27.html"),
                              encoding: .utf8)
        #expect(html.contains("id=\"total-payments\"") && html.contains("id=\"total-documents\""))
    }
}
