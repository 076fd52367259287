import Domain
import EDO
import Foundation
import Generator
@testable import Job
import Ledger
import Testing
import TestSupport

/// `JSONEncoder`'s bytes of `value` with run.json's options (what run.json was before it was streamed).
private func referenceBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(value)) + [0x0A]
}

/// The hidden and visible names in `folder`.
private func names(in folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

/// The largest amount run.json's money carries (16 digits of roubles: `Money(exactString:)`), in kopecks.
private let largestMoney: Int64 = 999_999_999_999_999_999

/// Documents with every kind, Cyrillic, quotes and slashes, optionals present and absent, money at its extremes.
private func documents(_ count: Int) -> [RunResult.DocumentEntry] {
    let day = CivilDate(iso: "2026-11-27")!
    let kinds = DocumentKind.allCases
    let extremes: [Int64] = [0, -1, 1, 99, -100, largestMoney, -largestMoney, 123_456_789_012_345_678]
    return (0..<count).map { index in
        let big = extremes[index % extremes.count]
        return RunResult.DocumentEntry(
            file: index % 5 == 0 ? "archive/ООО «Ёлка» \"\(index)\"\\/.xml" : "edo/ON_NSCHFDOPPR_2BM-\(index)_20261127.xml",
            kind: kinds[index % kinds.count], number: "УПД-\(index)/2026", date: day.adding(days: -(index % 400)),
            orderID: index % 7 == 0 ? nil : OrderID("ORD-\(index)"), shipmentID: index % 2 == 0 ? nil : ShipmentID("SH-\(index)"),
            customerINN: index % 3 == 0 ? "" : "500100732259", totalWithoutVAT: Money(kopecks: big),
            vat: Money(kopecks: Int64(index) * -7), total: Money(kopecks: big / 3), paperOnly: index % 11 == 0)
    }
}

/// Payments with none, one and several allocations, every state and method, with and without a payer.
private func payments(_ count: Int) -> [RunResult.PaymentEntry] {
    let day = CivilDate(iso: "2026-11-27")!
    let methods = AllocationMethod.allCases
    let states: [RunResult.PaymentEntry.State] = [.allocated, .partial, .unallocated, .payout]
    return (0..<count).map { index in
        let allocations = (0..<(index % 4)).map { part in
            RunResult.PaymentEntry.AllocationEntry(orderID: OrderID("ORD-\(index)-\(part)"), billNumber: BillNumber("СЧ-\(index)/\(part)"),
                                                   amount: Money(kopecks: Int64(index * 131 + part) * 1_000_003),
                                                   method: methods[(index + part) % methods.count])
        }
        return RunResult.PaymentEntry(
            id: PaymentID("bank:\(index)"), source: index % 2 == 0 ? "bank-1c:main" : "provider/ИнвойсБокс",
            receivedOn: day, amount: Money(kopecks: index % 13 == 0 ? largestMoney : Int64(index) * 10_007 - 5_000),
            payerINN: index % 3 == 0 ? nil : "7707083893", allocations: allocations,
            unallocated: Money(kopecks: Int64(index % 5) * -100), status: states[index % states.count])
    }
}

/// `entries` appended one at a time to a list spilled in `folder`.
private func spilled<Entry>(_ entries: [Entry], in folder: URL, name: String = "entries") throws -> RunEntries<Entry> {
    var list = try RunEntries<Entry>(spillingIn: folder, name: name)
    for entry in entries { try list.append(entry) }
    return list
}

@Suite("run.json's documents and payments kept aside (RunEntries)")
struct RunEntriesTests {
    /// Checks that `list` is `expected` in every way a reader can look at it.
    private func expectSame<Entry>(_ list: RunEntries<Entry>, _ expected: [Entry]) throws {
        #expect(list.count == expected.count)
        #expect(list.isEmpty == expected.isEmpty)
        #expect(list.indices == expected.indices)
        #expect(list.startIndex == 0 && list.endIndex == expected.count)
        #expect(Array(list) == expected)
        var iterated: [Entry] = []
        for entry in list { iterated.append(entry) }
        #expect(iterated == expected)
        var visited: [Entry] = []
        try list.forEachEntry { visited.append($0) }
        #expect(visited == expected)
        // Random access in every order: backwards, strided, and a slice.
        #expect(list.indices.reversed().map { list[$0] } == expected.reversed())
        for index in stride(from: 0, to: expected.count, by: 97) { #expect(list[index] == expected[index]) }
        if expected.count > 10 { #expect(Array(list[3..<9]) == Array(expected[3..<9])) }
        #expect(list.first == expected.first && list.last == expected.last)
        // Equal to the same entries in memory, both ways; unequal to one entry fewer.
        #expect(list == RunEntries(expected))
        #expect(RunEntries(expected) == list)
        if !expected.isEmpty { #expect(list != RunEntries(Array(expected.dropLast()))) }
        // JSON: an Array's bytes (JSONEncoder and run.json's encoder), and decoded back equal.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(list)
        #expect(json == (try encoder.encode(expected)))
        #expect(try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(list)
                == (try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(expected)))
        let decoded = try JSONDecoder().decode(RunEntries<Entry>.self, from: json)
        #expect(!decoded.isSpilled)
        #expect(decoded == list && Array(decoded) == expected)
    }

    @Test("spilled documents are the in-memory ones: elements, indices, iteration, equality, JSON", arguments: [0, 1, 2, 255, 256, 257, 10_000])
    func documentsSpilled(count: Int) throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = documents(count)
        let list = try spilled(expected, in: folder)
        #expect(list.isSpilled)
        try expectSame(list, expected)
        try expectSame(RunEntries(expected), expected)
        #expect(try names(in: folder).isEmpty)
    }

    @Test("spilled payments (with their allocations) are the in-memory ones", arguments: [0, 1, 3, 10_000])
    func paymentsSpilled(count: Int) throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = payments(count)
        let list = try spilled(expected, in: folder)
        try expectSame(list, expected)
        #expect(try names(in: folder).isEmpty)
    }

    @Test("money at its extremes, empty strings, nil optionals and Cyrillic come back exactly")
    func exactRoundTrip() throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = documents(16)
        let list = try spilled(expected, in: folder)
        #expect(list[4].totalWithoutVAT == Money(kopecks: -100))
        #expect(list[5].totalWithoutVAT == Money(kopecks: largestMoney))
        #expect(list[6].totalWithoutVAT == Money(kopecks: -largestMoney))
        #expect(list[7].totalWithoutVAT == Money(kopecks: 123_456_789_012_345_678))
        #expect(list[0].orderID == nil && list[0].shipmentID == nil && list[1].shipmentID == ShipmentID("SH-1"))
        #expect(list[3].customerINN == "")
        #expect(list[10].file == "archive/ООО «Ёлка» \"10\"\\/.xml")
        #expect(list[9].date == CivilDate(iso: "2026-11-18"))
        let paid = try spilled(payments(14), in: folder, name: "payments")
        #expect(paid[13].amount == Money(kopecks: largestMoney) && paid[0].payerINN == nil && paid[1].payerINN == "7707083893")
        #expect(paid[3].allocations.map(\.amount) == [0, 1, 2].map { Money(kopecks: Int64(3 * 131 + $0) * 1_000_003) })
        #expect(paid[3].allocations.map(\.billNumber) == [BillNumber("СЧ-3/0"), BillNumber("СЧ-3/1"), BillNumber("СЧ-3/2")])
    }

    @Test("an entry that cannot be read back (money beyond run.json's 16 digits of roubles) is an error naming the file and the entry")
    func unreadableEntry() throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        var entries = documents(700)
        entries[600].total = Money(kopecks: Int64.max)
        let list = try spilled(entries, in: folder, name: "run-documents")
        var seen = 0
        do {
            try list.forEachEntry { _ in seen += 1 }
            Issue.record("an entry beyond run.json's money was read back")
        } catch let error as RunEntriesError {
            #expect(error.file.hasPrefix(folder.path + "/.run-documents.tmp-"))
            #expect(error.operation == "decode" && error.entry == 512) // (the block it is in)
            #expect(error.description.contains("entries 512..<700") && error.description.contains("not money"))
        }
        #expect(seen == 512)
        // run.json is still written: its bytes are copied, not read back.
        let result = RunResult(businessDate: CivilDate(iso: "2026-11-27")!, status: .ok, sources: [], payments: [], documents: list,
                               held: [], customers: [], exceptions: [])
        let url = folder.appendingPathComponent("run.json")
        try result.write(to: url)
        var inMemory = result
        inMemory.documents = RunEntries(entries)
        #expect(try [UInt8](Data(contentsOf: url)) == (try inMemory.encoded()))
    }

    @Test("copies are independent: appending to one never changes another, spilled or not")
    func copiesIndependent() throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = documents(600)
        var a = try spilled(Array(all[..<300]), in: folder)
        let snapshot = a
        var b = a
        // b appends to the shared file first; a then gets a file of its own and sees only its own entries.
        for entry in all[300..<450] { try b.append(entry) }
        #expect(a.count == 300 && snapshot.count == 300 && b.count == 450)
        #expect(Array(a) == Array(all[..<300]) && Array(b) == Array(all[..<450]))
        try a.append(all[599])
        #expect(Array(a) == Array(all[..<300]) + [all[599]])
        #expect(Array(b) == Array(all[..<450]))
        #expect(Array(snapshot) == Array(all[..<300]))
        try b.append(all[450])
        #expect(Array(b) == Array(all[...450]))
        #expect(a != b && a != snapshot && b != snapshot)
        #expect(snapshot == RunEntries(Array(all[..<300])))
        // A copy of a copy with its own file keeps appending on its own.
        var c = a
        try c.append(all[0])
        #expect(a.count == 301 && c.count == 302 && c.last == all[0] && a.last == all[599])
        // In memory: an Array's copy-on-write.
        var m = RunEntries(Array(all[..<3]))
        let n = m
        try m.append(all[3])
        #expect(Array(n) == Array(all[..<3]) && Array(m) == Array(all[..<4]))
        let literal: RunEntries<RunResult.DocumentEntry> = [all[0], all[1]]
        #expect(Array(literal) == [all[0], all[1]] && !literal.isSpilled)
        #expect(try names(in: folder).isEmpty)
    }

    @Test("a spilled result's run.json is the in-memory result's bytes, JSONEncoder's bytes; nothing is left in the folder")
    func runJSONFromSpill() throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (documentCount, paymentCount) in [(0, 0), (1, 0), (0, 1), (3_000, 2_000)] {
            let day = CivilDate(iso: "2026-11-27")!
            let exceptions = [RunResult.ExceptionEntry(kind: "unmatched-payment", ref: "bank:1", message: "нет счёта \"1\" / \t")]
            let inMemory = RunResult(businessDate: day, status: .exceptions, sources: [], payments: RunEntries(payments(paymentCount)),
                                     documents: RunEntries(documents(documentCount)), held: [], customers: [], exceptions: exceptions)
            var spilledResult = inMemory
            spilledResult.documents = try spilled(documents(documentCount), in: folder, name: "run-documents")
            spilledResult.payments = try spilled(payments(paymentCount), in: folder, name: "run-payments")
            #expect(spilledResult == inMemory)
            let url = folder.appendingPathComponent("day/run.json")
            #expect(try spilledResult.write(to: url) != .unchanged)
            let written = try [UInt8](Data(contentsOf: url))
            #expect(written == (try inMemory.encoded()))
            #expect(written == (try spilledResult.encoded()))
            #expect(written == (try referenceBytes(inMemory)))
            #expect(try JSONDecoder().decode(RunResult.self, from: Data(written)) == spilledResult)
            #expect(try inMemory.write(to: url) == .unchanged)
            #expect(try names(in: url.deletingLastPathComponent()) == ["run.json"])
            #expect(try names(in: folder) == ["day"])
        }
    }

    @Test("a folder where no file can be made is an error naming it; so is an error of the body")
    func unmakeableFolder() throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: plain)
        let inside = plain.appendingPathComponent("day")
        do {
            _ = try RunEntries<RunResult.DocumentEntry>(spillingIn: inside, name: "run-documents")
            Issue.record("a spill under a regular file was made")
        } catch {
            #expect(error.file.hasPrefix(inside.path + "/.run-documents.tmp-"))
            #expect(error.operation == "create" && error.entry == nil)
            #expect(error.description.contains(inside.path))
        }
        struct Stop: Error {}
        let list = try spilled(documents(600), in: folder)
        var seen = 0
        #expect(throws: Stop.self) {
            try list.forEachEntry { _ in
                seen += 1
                if seen == 300 { throw Stop() }
            }
        }
        #expect(seen == 300)
        #expect(try names(in: folder) == ["plain-file"])
    }

    @Test("a generated day's run: the documents and payments are spilled, run.json's bytes are the in-memory result's")
    func generatedDay() async throws {
        let folder = try Paths.temporaryDirectory("sverka-runentries-day")
        defer { try? FileManager.default.removeItem(at: folder) }
        let day = CivilDate(iso: "2026-11-26")!
        _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: 400, seed: 5, days: 1), to: folder)
        let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path, environment: [:])
        try FileManager.default.createDirectory(at: loaded.outputDirectory, withIntermediateDirectories: true)
        let outcomes = try await runDays([day], loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()))
        let outcome = try #require(outcomes.first)
        #expect(outcome.exitStatus != .failure, "\(outcome.result.exceptions.map(\.message))")
        let result = outcome.result
        #expect(result.documents.isSpilled && result.payments.isSpilled)
        #expect(result.documents.count > 400 && result.payments.count > 100)
        let issued = try Ledger(path: loaded.ledgerPath.path).read { try $0.documents(businessDate: day) }.filter { $0.status != .held }
        #expect(result.documents.count == issued.count)
        #expect(Set(result.documents.compactMap(\.orderID)) == Set(issued.map(\.orderID)))
        let written = try [UInt8](Data(contentsOf: outcome.dayFolder.appendingPathComponent("run.json")))
        let decoded = try JSONDecoder().decode(RunResult.self, from: Data(written))
        #expect(decoded == result)
        var inMemory = result
        inMemory.documents = RunEntries(Array(result.documents))
        inMemory.payments = RunEntries(Array(result.payments))
        #expect(!inMemory.documents.isSpilled && inMemory == result)
        #expect(written == (try inMemory.encoded()))
        #expect(written == (try referenceBytes(decoded)))
        // The spill files were unlinked as soon as they were made.
        #expect(try names(in: outcome.dayFolder).filter { $0.contains(".tmp-") }.isEmpty)
    }
}
