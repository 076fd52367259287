import Domain
import Foundation
import Testing
import TestSupport
@testable import Ledger

@Suite("The matcher's bills in a file of their own")
struct BillsFileTests {
    static let day = CivilDate(year: 2026, month: 11, day: 26)!

    static func row(_ number: String, _ order: String, day offset: Int = 0, orderNumber: String? = nil,
                    inn: String = "7701234560", provider: String? = nil, amount: Int64 = 10_000) -> BillsFileRow {
        BillsFileRow(number: number, orderID: order, orderNumber: orderNumber ?? order, customerINN: inn,
                     date: day.adding(days: offset), amount: amount, allocated: amount / 4, providerOrderID: provider,
                     normalizedNumber: String(number.filter(\.isNumber).drop { $0 == "0" }))
    }

    /// A file of `rows`, given in blocks of `block`, arranged (by SQLite: every number is plain text).
    static func file(_ rows: [BillsFileRow], in folder: URL, block: Int = 3) throws -> BillsFile {
        try file(rows, in: folder, block: block) { _, _, _ in
            Issue.record("plain numbers are put in order by SQLite")
            return Array(rows.indices)
        }
    }

    /// A file of `rows`, given in blocks of `block`, arranged with `ordering` when some number is not plain.
    static func file(_ rows: [BillsFileRow], in folder: URL, block: Int = 3,
                     ordering: ([CivilDate], [String], [String]) -> [Int]) throws -> BillsFile {
        let file = try BillsFile(path: folder.appendingPathComponent(".bills.tmp-1").path)
        for start in stride(from: 0, to: rows.count, by: block) {
            try file.append(Array(rows[start..<min(rows.count, start + block)]))
        }
        try file.arrange(ordering: ordering)
        return file
    }

    @Test("arranged by date, number's bytes, order id, then the order given; every field read back as given")
    func canonicalOrder() throws {
        let folder = try Paths.temporaryDirectory("bills-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = [
            Self.row("СЧ-2", "ORD-9", day: 1), Self.row("СЧ-10", "ORD-2"), Self.row("СЧ-10", "ORD-1"),
            Self.row("A-7", "ORD-5", provider: "uuid-1"), Self.row("СЧ-2", "ORD-3"), Self.row("СЧ-10", "ORD-1", amount: 7),
            Self.row("Б\u{0}1", "ORD-4", orderNumber: "N\u{0}4"), Self.row("СЧ-1", "ORD-8", day: -1),
        ]
        let file = try Self.file(rows, in: folder)
        defer { file.remove() }
        // Byte order: "A" < "Б" < "СЧ-1" < "СЧ-10" < "СЧ-2"; the two СЧ-10/ORD-1 keep the order given.
        let expected = [7, 3, 6, 2, 5, 1, 4, 0].map { rows[$0] }
        try file.read { reader in
            #expect(reader.count == rows.count)
            #expect(try (0..<reader.count).map { try reader.row(at: $0) } == expected)
            var summaries: [String] = []
            try reader.forEachSummary { date, amount, allocated, inn in summaries.append("\(date) \(amount) \(allocated) \(inn)") }
            #expect(summaries == expected.map { "\($0.date) \($0.amount) \($0.allocated) \($0.customerINN)" })
            #expect(try reader.texts(at: 2) == BillsFileTexts(number: "Б\u{0}1", orderID: "ORD-4", customerINN: "7701234560"))
            #expect(throws: (any Error).self) { try reader.row(at: rows.count) }
        }
    }

    @Test("a number in another Unicode form: the bills placed as the matcher's sort says, found by either form")
    func unicodeForms() throws {
        let folder = try Paths.temporaryDirectory("bills-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        // "Й-1" and "И\u{306}-1" are the same number; the order is the caller's (the matcher's sort).
        let rows = [Self.row("Й-1", "ORD-2", day: 1), Self.row("И-1", "ORD-9"), Self.row("И\u{306}-1", "ORD-1"), Self.row("К-1", "ORD-0")]
        #expect(!BillsFile.isPlain("И\u{306}-1") && BillsFile.isPlain("Й-1") && BillsFile.isPlain("СЧ-000123 от 26.11"))
        var asked: [String] = []
        let file = try Self.file(rows, in: folder) { dates, numbers, orderIDs in
            asked = numbers.indices.map { "\(dates[$0]) \(numbers[$0]) \(orderIDs[$0])" }
            return [1, 2, 0, 3]
        }
        defer { file.remove() }
        #expect(asked == rows.map { "\($0.date) \($0.number) \($0.orderID)" })
        try file.read { reader throws in
            #expect(try (0..<4).map { try reader.row(at: $0) } == [rows[1], rows[2], rows[0], rows[3]])
            #expect(try reader.positions(where: .number, is: "Й-1") == [1, 2])
            #expect(try reader.positions(where: .number, is: "И\u{306}-1") == [1, 2])
            #expect(try reader.positions(where: .number, is: "И-1") == [0])
        }
    }

    @Test("lookups give exactly the bills whose text is the one asked for, oldest first")
    func lookups() throws {
        let folder = try Paths.temporaryDirectory("bills-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        var rows: [BillsFileRow] = []
        for index in 0..<500 {
            rows.append(Self.row("СЧ-\(String(repeating: "0", count: index % 3))\(index % 97)", "ORD-\(index)",
                                 day: index % 5, orderNumber: "\(index % 41)",
                                 provider: index % 4 == 0 ? "uuid-\(index % 13)" : nil))
        }
        let file = try Self.file(rows, in: folder, block: 64)
        defer { file.remove() }
        try file.read { reader in
            let arranged = try (0..<reader.count).map { try reader.row(at: $0) }
            func expected(_ keep: (BillsFileRow) -> Bool) -> [Int32] {
                arranged.indices.filter { keep(arranged[$0]) }.map { Int32($0) }
            }
            func check(_ key: BillsFileKey, _ probe: String, _ text: (BillsFileRow) -> String?) throws {
                let found = try reader.bills(where: key, is: probe)
                let wanted = expected { text($0) == probe }
                #expect(found.map(\.position) == wanted, "\(key) \(probe)")
                // (each with its texts)
                #expect(found.map(\.texts) == wanted.map {
                    BillsFileTexts(number: arranged[Int($0)].number, orderID: arranged[Int($0)].orderID,
                                   customerINN: arranged[Int($0)].customerINN)
                })
            }
            for probe in ["5", "96", "0", "97", "СЧ-5", ""] {
                try check(.normalizedNumber, probe, \.normalizedNumber)
                try check(.number, probe, \.number)
                try check(.orderNumber, probe, \.orderNumber)
            }
            for probe in ["СЧ-005", "СЧ-0096", "СЧ-1"] {
                try check(.number, probe, \.number)
                #expect(try !reader.positions(where: .number, is: probe).isEmpty, "\(probe)")
            }
            for probe in ["uuid-0", "uuid-12", "uuid-13"] { try check(.providerOrderID, probe, \.providerOrderID) }
            try check(.orderID, "ORD-123", \.orderID)
            #expect(try reader.positions(where: .orderID, is: "ORD-123").count == 1)
        }
    }

    @Test("a new file replaces one an earlier process left; removing it leaves nothing")
    func replacedAndRemoved() throws {
        let folder = try Paths.temporaryDirectory("bills-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent(".bills.tmp-1").path
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: path))
        let file = try Self.file([Self.row("СЧ-1", "ORD-1")], in: folder)
        try file.read { reader in #expect(reader.count == 1) }
        file.remove()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}

extension BillsFile.Reader {
    /// The positions `bills(where:is:)` gives.
    func positions(where key: BillsFileKey, is text: String) throws -> [Int32] {
        try bills(where: key, is: text).map(\.position)
    }
}
