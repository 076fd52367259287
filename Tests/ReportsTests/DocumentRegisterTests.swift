import Domain
import Foundation
import Reports
import Testing
import TestSupport

@Suite("The documents register written a row at a time")
struct DocumentRegisterTests {
    /// `input`'s report written with its documents taken through a register (the rows kept apart,
    /// as the job sets them aside on disk): each file's bytes by name, in the order opened.
    static func streamed(_ input: DayReportInput, csv: CSVOptions) throws -> (files: [(String, MemorySinkBytes)], totals: DayReportTotals) {
        var register = DocumentRegister(csv: csv)
        var htmlRows: [UInt8] = []
        var csvRows: [UInt8] = []
        for row in input.documents { register.append(row, html: &htmlRows, csv: &csvRows) }
        #expect(register.count == input.documents.count)
        var rest = input
        rest.documents = []
        var opened: [(String, MemorySink)] = []
        let totals = try DayReport.write(rest, documents: register, templates: try ReportTemplates(), csv: csv, open: { name in
            let sink = MemorySink()
            opened.append((name, sink))
            return sink
        }, rows: { part, sink in
            try sink.write(part == .documentsHTML ? htmlRows : csvRows)
        })
        return (opened.map { ($0.0, MemorySinkBytes(bytes: $0.1.bytes, pieces: $0.1.pieces)) }, totals)
    }

    struct MemorySinkBytes {
        var bytes: [UInt8]
        var pieces: Int
    }

    static var inputs: [(String, DayReportInput)] {
        [("sample day", Fixtures.input), ("empty day", Fixtures.emptyInput),
         ("generated 3 000 rows", DirectRenderTests.generated(rows: 3_000, sellerKPP: "", generated: true)),
         ("generated 37 rows, no KPP, no times", DirectRenderTests.generated(rows: 37, sellerKPP: nil, generated: false)),
         ("generated 1 row", DirectRenderTests.generated(rows: 1, sellerKPP: "770701001", generated: true))]
    }

    @Test("the files and totals are render()'s, byte for byte, for every input and CSV convention",
          arguments: [CSVOptions.excel, CSVOptions(decimalSeparator: .point, fieldSeparator: ",", byteOrderMark: false)])
    func sameBytes(csv: CSVOptions) throws {
        for (label, input) in Self.inputs {
            let whole = try DayReport.render(input, templates: try ReportTemplates(), csv: csv)
            let (files, totals) = try Self.streamed(input, csv: csv)
            #expect(files.map(\.0) == whole.files.map(\.name), "\(label)")
            for (file, (name, written)) in zip(whole.files, files) {
                #expect(written.bytes == file.bytes, "\(label): \(name)")
            }
            #expect(totals == whole.totals, "\(label)")
        }
    }

    @Test("a large page reaches its sink a MiB at a time, not whole")
    func pieces() throws {
        let input = DirectRenderTests.generated(rows: 3_000, sellerKPP: "", generated: true)
        let (files, _) = try Self.streamed(input, csv: .excel)
        let page = try #require(files.first)
        #expect(page.1.bytes.count > 3 << 20)
        #expect(page.1.pieces >= 3)
    }

    @Test("an operator's day template, documents given twice, or a failing sink are errors")
    func refusals() throws {
        let folder = try Paths.temporaryDirectory("sverka-register")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "<html>{{title}}</html>".write(to: folder.appendingPathComponent("day.mustache"), atomically: true, encoding: .utf8)
        let register = DocumentRegister()
        var input = Fixtures.input
        #expect(throws: ReportError.self) {
            try DayReport.write(input, documents: register, templates: try ReportTemplates(overrideDirectory: folder), csv: .excel,
                                open: { _ in MemorySink() }, rows: { _, _ in })
        }
        #expect(!input.documents.isEmpty)
        #expect(throws: ReportError.self) {
            try DayReport.write(input, documents: register, templates: try ReportTemplates(), csv: .excel,
                                open: { _ in MemorySink() }, rows: { _, _ in })
        }
        input = DirectRenderTests.generated(rows: 3_000, sellerKPP: "", generated: true)
        input.documents = []
        #expect(throws: SinkFailure.self) {
            try DayReport.write(input, documents: register, templates: try ReportTemplates(), csv: .excel,
                                open: { _ in FailingSink(limit: 1 << 20) }, rows: { _, _ in })
        }
        #expect(throws: SinkFailure.self) {
            try DayReport.write(input, documents: register, templates: try ReportTemplates(), csv: .excel,
                                open: { _ in MemorySink() }, rows: { _, _ in throw SinkFailure() })
        }
    }
}
