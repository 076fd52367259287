import Domain
import EDO
import Foundation
import Job
import Testing
import TestSupport

/// What `run.json` and `manifest.json` were before `SortedJSONEncoder` wrote them: `JSONEncoder`'s
/// bytes with these options, and a newline.
private func referenceBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(value)) + [0x0A]
}

/// A large day's result: every kind of entry, optionals present and absent, empty and full
/// allocation lists, Cyrillic, quotes, slashes and control characters in the free texts.
private func generatedRunResult(documents documentCount: Int, payments paymentCount: Int) -> RunResult {
    let day = CivilDate(iso: "2026-11-27")!
    let methods = AllocationMethod.allCases
    let kinds = DocumentKind.allCases
    let states: [RunResult.PaymentEntry.State] = [.allocated, .partial, .unallocated, .payout]
    var payments: [RunResult.PaymentEntry] = []
    payments.reserveCapacity(paymentCount)
    for index in 0..<paymentCount {
        var allocations: [RunResult.PaymentEntry.AllocationEntry] = []
        for part in 0..<(index % 4) {
            allocations.append(.init(orderID: OrderID("ORD-\(index)-\(part)"), billNumber: BillNumber("СЧ-\(index)/\(part)"),
                                     amount: Money(kopecks: Int64(index * 131 + part)), method: methods[(index + part) % methods.count]))
        }
        payments.append(.init(id: PaymentID("bank:\(index)"), source: index % 2 == 0 ? "bank" : "provider/ИнвойсБокс",
                              receivedOn: day, amount: Money(kopecks: Int64(index) * 10_007 - 5_000),
                              payerINN: index % 3 == 0 ? nil : "7707083893", allocations: allocations,
                              unallocated: Money(kopecks: Int64(index % 5) * 100), status: states[index % states.count]))
    }
    var documents: [RunResult.DocumentEntry] = []
    documents.reserveCapacity(documentCount)
    for index in 0..<documentCount {
        documents.append(.init(file: "edo/ON_NSCHFDOPPR_2BM-\(index)_20261127.xml", kind: kinds[index % kinds.count],
                               number: "\(index)/2026", date: day, orderID: index % 7 == 0 ? nil : OrderID("ORD-\(index)"),
                               shipmentID: index % 2 == 0 ? nil : ShipmentID("SH-\(index)"), customerINN: "500100732259",
                               totalWithoutVAT: Money(kopecks: Int64(index) * 1_000), vat: Money(kopecks: Int64(index) * 100),
                               total: Money(kopecks: Int64(index) * 1_100), paperOnly: index % 11 == 0))
    }
    let held = (0..<50).map { RunResult.HeldEntry(orderID: OrderID("ORD-H\($0)"), shipmentID: $0 % 2 == 0 ? nil : ShipmentID("SH-H\($0)"),
                                                  reason: "нет ИНН покупателя \"\($0)\"") }
    var customers: [RunResult.CustomerEntry] = []
    for index in 0..<200 {
        let stopped = index % 9 == 0
        let reasons: [String] = stopped ? ["over-limit", "overdue"] : []
        customers.append(RunResult.CustomerEntry(inn: "7707083893", name: "ООО «Ромашка \(index)» / филиал",
                                                 balance: Money(kopecks: Int64(-index) * 1_000), creditLimit: Money(kopecks: 5_000_000),
                                                 overdue: .zero, onStopList: stopped, reasons: reasons))
    }
    var exceptions: [RunResult.ExceptionEntry] = []
    for index in 0..<100 {
        exceptions.append(RunResult.ExceptionEntry(kind: "unmatched-payment", ref: "bank:\(index)", message: "строка\t\(index)\n🙂 \\ /"))
    }
    let sources = [
        RunResult.SourceEntry(name: "orders", status: "ok", url: "https://shop.example/api/orders?day=2026-11-27", records: documentCount, error: nil),
        RunResult.SourceEntry(name: "bank", status: "failed", url: "file:///var/in/bank.txt", records: 0, error: "нет файла \u{1}"),
    ]
    return RunResult(businessDate: day, status: .exceptions, sources: sources, payments: RunEntries(payments), documents: RunEntries(documents),
                     held: held, customers: customers, exceptions: exceptions)
}

@Suite("run.json and manifest.json: JSONEncoder's exact bytes")
struct RunJSONBytesTests {
    @Test("a large generated run.json encodes to JSONEncoder's bytes")
    func largeRunResult() throws {
        let result = generatedRunResult(documents: 20_000, payments: 6_000)
        let bytes = try result.encoded()
        #expect(bytes.count > 10_000_000)
        #expect(bytes == (try referenceBytes(result)))
        #expect(try JSONDecoder().decode(RunResult.self, from: Data(bytes)) == result)
    }

    @Test("run.json written a document and a payment at a time is encoded()'s bytes; the same bytes again leave it untouched",
          arguments: [(0, 0), (1, 0), (0, 1), (2, 1), (3_000, 40), (1, 2_000)])
    func streamedRunResult(documents: Int, payments: Int) throws {
        let folder = try Paths.temporaryDirectory("sverka-runjson")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = generatedRunResult(documents: documents, payments: payments)
        let url = folder.appendingPathComponent("day/run.json")
        #expect(try result.write(to: url) == .written)
        #expect(try [UInt8](Data(contentsOf: url)) == (try result.encoded()))
        #expect(try result.write(to: url) == .unchanged)
        var other = result
        other.status = .ok
        #expect(try other.write(to: url) == .replaced)
        #expect(try [UInt8](Data(contentsOf: url)) == (try other.encoded()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["run.json"])
    }

    @Test("a document's, a payment's and a manifest entry write exactly their stored properties, as Codable writes them")
    func directEntries() throws {
        let day = CivilDate(iso: "2026-11-27")!
        let full = RunResult.DocumentEntry(
            file: "edo/ON_\"ё\"/\\\u{1}.xml", kind: .ukd, number: "ПР-7", date: day, orderID: OrderID("ORD-1"),
            shipmentID: ShipmentID("SH-1"), customerINN: "500100732259", totalWithoutVAT: Money(kopecks: -1_000),
            vat: Money(kopecks: -200), total: Money(kopecks: -1_200), paperOnly: true)
        var bare = full
        bare.orderID = nil
        bare.shipmentID = nil
        let manifest = ManifestEntry(file: full.file, kind: .upd, number: "1", date: day, buyerINN: "7707083893",
                                     totalWithoutVAT: Money(kopecks: 5), vat: .zero, total: Money(kopecks: 5),
                                     sha256: String(repeating: "a", count: 64), signature: "edo/x.sig", paperOnly: true,
                                     printForm: "archive/x.html")
        var bareManifest = manifest
        bareManifest.signature = nil
        bareManifest.printForm = nil
        let encoder = SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true)
        /// The Codable path's member: the element encoded alone, every line indented two levels (the
        /// blank line of an empty array stays blank, as when the whole file is encoded).
        func member(_ encoded: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = [0x2C, 0x0A, 0x20, 0x20, 0x20, 0x20]
            for (index, byte) in encoded.enumerated() {
                bytes.append(byte)
                if byte == 0x0A, index + 1 < encoded.count, encoded[index + 1] != 0x0A { bytes += [0x20, 0x20, 0x20, 0x20] }
            }
            return bytes
        }
        func keys(_ bytes: [UInt8]) throws -> Set<String> {
            Set(try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]).keys)
        }
        for entry in [full, bare] {
            #expect(JSONArrayFrame.member(of: entry) == member(try encoder.encode(entry)))
            #expect(entry.jsonBytes(escapesSlashes: false) == (try SortedJSONEncoder(escapesSlashes: false).encode(entry)))
        }
        for entry in [manifest, bareManifest] {
            #expect(JSONArrayFrame.member(of: entry) == member(try encoder.encode(entry)))
        }
        // A payment's entry: with and without its payer, with none, one and several allocations, every state.
        let allocation = RunResult.PaymentEntry.AllocationEntry(orderID: OrderID("ORD-\"1\""), billNumber: BillNumber("СЧ/1"),
                                                               amount: Money(kopecks: 12_345), method: .innExactAmount)
        var payments: [RunResult.PaymentEntry] = []
        for (index, state) in [RunResult.PaymentEntry.State.allocated, .partial, .unallocated, .payout].enumerated() {
            payments.append(RunResult.PaymentEntry(
                id: PaymentID("bank:4070/\(index)"), source: index % 2 == 0 ? "bank-1c:main" : "invoicebox",
                receivedOn: day, amount: Money(kopecks: Int64(-5 + 100_000 * index)), payerINN: index == 1 ? nil : "7707083893",
                allocations: Array(repeating: allocation, count: index), unallocated: Money(kopecks: Int64(index)), status: state))
        }
        for entry in payments {
            #expect(JSONArrayFrame.member(of: entry) == member(try encoder.encode(entry)))
        }
        #expect(try keys(payments[2].jsonBytes()).count == Mirror(reflecting: payments[2]).children.count)
        #expect(try keys(JSONArrayFrame.member(of: allocation).dropFirst(6).map { $0 }).count
                == Mirror(reflecting: allocation).children.count)
        #expect(try keys(full.jsonBytes()).count == Mirror(reflecting: full).children.count)
        #expect(try keys(manifest.jsonBytes()).count == Mirror(reflecting: manifest).children.count)
        #expect(try keys(full.jsonBytes()) == (try keys(try SortedJSONEncoder().encode(full))))
        #expect(try keys(manifest.jsonBytes()) == (try keys(try SortedJSONEncoder().encode(manifest))))
    }

    @Test("a failed day's run.json (every list empty) encodes to JSONEncoder's bytes")
    func emptyRunResult() throws {
        let result = RunResult(businessDate: CivilDate(iso: "2026-11-27")!, status: .failed, sources: [], payments: [], documents: [],
                               held: [], customers: [], exceptions: [])
        let bytes = try result.encoded()
        #expect(bytes == (try referenceBytes(result)))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"documents\" : [\n\n  ],"))
    }

    @Test("a large generated manifest.json, and an empty one, encode to JSONEncoder's bytes")
    func manifests() throws {
        let day = CivilDate(iso: "2026-11-27")!
        var files: [ManifestEntry] = []
        for index in 0..<30_000 {
            let amount = Int64(index)
            let paper = index % 5 == 0
            let signature: String? = index % 2 == 0 ? nil : "edo/ON_\(index).xml.sig"
            let printForm: String? = paper ? "archive/print-\(index).html" : nil
            files.append(ManifestEntry(file: "edo/ON_NSCHFDOPPR_\(index).xml", kind: DocumentKind.allCases[index % 4], number: "УПД-\(index)",
                                       date: day, buyerINN: "7707083893", totalWithoutVAT: Money(kopecks: amount * 1_000),
                                       vat: Money(kopecks: amount * 200), total: Money(kopecks: amount * 1_200),
                                       sha256: String(repeating: "ab", count: 32), signature: signature, paperOnly: paper,
                                       printForm: printForm))
        }
        let manifest = Manifest(businessDate: day, files: files)
        #expect(try manifest.encoded() == (try referenceBytes(manifest)))
        let empty = Manifest(businessDate: day, files: [])
        #expect(try empty.encoded() == (try referenceBytes(empty)))
    }

    @Test("the sample days' run.json and manifest.json as written are JSONEncoder's bytes of their values")
    func sampleDays() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        let outcomes = try await runDays([Day.d26, Day.d27], loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()))
        #expect(outcomes.count == 2)
        for day in [Day.d26, Day.d27] {
            let folder = sandbox.dayFolder(day)
            let run = try [UInt8](Data(contentsOf: folder.appendingPathComponent("run.json")))
            #expect(run == (try referenceBytes(try JSONDecoder().decode(RunResult.self, from: Data(run)))), "\(day.iso)")
            let manifest = try [UInt8](Data(contentsOf: folder.appendingPathComponent("manifest.json")))
            let decoded = try JSONDecoder().decode(Manifest.self, from: Data(manifest))
            #expect(!decoded.files.isEmpty)
            #expect(manifest == (try referenceBytes(decoded)), "\(day.iso)")
        }
    }
}
