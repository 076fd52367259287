import Documents
import Domain
import Foundation
import Generator
@testable import Job
import Testing

/// The document details the ledger keeps, now written directly, against the Codable path
/// (``SortedJSONEncoder`` and `JSONEncoder` with `.sortedKeys`).
@Suite("Direct document details JSON")
struct DirectDetailsJSONTests {
    static let day = CivilDate(iso: "2026-11-27").unsafelyUnwrapped

    private static func foundationBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    private static func keys(_ bytes: [UInt8]) throws -> Set<String> {
        Set(try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]).keys)
    }

    /// Expects the direct keys of `value` (every optional set) to be its stored properties and
    /// the Codable keys, and its bytes to be the encoder's.
    private static func expectKeySet<T: Encodable & DirectJSONEncodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let properties = Set(Mirror(reflecting: value).children.compactMap(\.label))
        #expect(!properties.isEmpty, sourceLocation: sourceLocation)
        #expect(try keys(try SortedJSONEncoder().encode(value)) == properties, "\(T.self)", sourceLocation: sourceLocation)
        #expect(try keys(value.jsonBytes()) == properties, "\(T.self)", sourceLocation: sourceLocation)
        #expect(value.jsonBytes() == (try SortedJSONEncoder().encode(value)), sourceLocation: sourceLocation)
    }

    private static let line = DocumentLineRecord(
        lineNo: 3, amounts: LineAmounts(quantity: ExactDecimal("1.436")!, unitPriceWithVAT: Money(kopecks: 65_990), rate: .calculated10))

    @Test("details and line records write exactly their stored properties as keys")
    func keySets() throws {
        try Self.expectKeySet(StoredDocumentDetails(lines: [Self.line], correctionDate: Self.day, paperOnly: true,
                                                    printForm: "<html/>", printFormName: "form.html", buyerName: "ООО «Покупатель»"))
        try Self.expectKeySet(Self.line)
        try Self.expectKeySet(Self.line.amounts)
    }

    @Test("hand-made details: optionals set and unset, awkward text, negative amounts, no lines")
    func handMade() throws {
        let negative = DocumentLineRecord(lineNo: -1, amounts: LineAmounts(
            quantity: ExactDecimal(units: -5, scale: 3), unitPriceWithVAT: Money(kopecks: -1), rate: .exempt,
            total: Money(kopecks: -1_234_567), vat: .zero, totalWithoutVAT: Money(kopecks: -99), unitPriceWithoutVAT: ExactDecimal(units: 1, scale: 11)))
        let texts = ["", "<html>«1» \"quoted\" / \\ \u{1}\u{1F}</html>", "line\u{2028}break 🧀", "Ёжик\tв\nтумане\r"]
        var checked = 0
        for text in texts {
            for lines in [[], [Self.line], [Self.line, negative]] {
                for withOptionals in [true, false] {
                    let details = StoredDocumentDetails(
                        lines: lines, correctionDate: withOptionals ? CivilDate(year: 2027, month: 1, day: 31) : nil,
                        paperOnly: withOptionals, printForm: withOptionals ? text : nil, printFormName: withOptionals ? text + ".html" : nil,
                        buyerName: text)
                    let bytes = Array(try details.encoded())
                    #expect(bytes == (try SortedJSONEncoder().encode(details)))
                    #expect(bytes == (try Self.foundationBytes(details)))
                    #expect(details.jsonBytes(escapesSlashes: false) == (try SortedJSONEncoder(escapesSlashes: false).encode(details)))
                    #expect(StoredDocumentDetails.decode(Data(bytes)) == details)
                    if !withOptionals { #expect(!String(decoding: bytes, as: UTF8.self).contains("null")) }
                    checked += 1
                }
            }
        }
        #expect(checked == texts.count * 6)
    }

    @Test("generated days' document details equal the encoder's bytes", arguments: [UInt64(8), 21, 2026])
    func generatedDocuments(seed: UInt64) throws {
        let orders = Generator.orders(day: Self.day, count: 400, seed: seed)
        let plan = DocumentPlanner.plan(DocumentsInput(businessDay: Self.day, orders: orders,
                                                       configuration: BlockPlanningTests.configuration))
        #expect(plan.documents.count > 400)
        var lines = 0
        for (index, document) in plan.documents.enumerated() {
            let details = StoredDocumentDetails(
                lines: document.lineRecords, correctionDate: index % 3 == 0 ? Self.day.adding(days: index % 40) : nil,
                paperOnly: index % 2 == 0, printForm: index % 4 == 0 ? "<p>\(document.identityKey) / \\</p>" : nil,
                printFormName: index % 5 == 0 ? "\(document.identityKey).html" : nil, buyerName: orders[index % orders.count].customer.name)
            let bytes = Array(try details.encoded())
            #expect(bytes == (try SortedJSONEncoder().encode(details)), "\(document.identityKey)")
            if index % 10 == 0 { #expect(bytes == (try Self.foundationBytes(details))) }
            for record in document.lineRecords {
                #expect(record.jsonBytes() == (try SortedJSONEncoder().encode(record)))
            }
            lines += document.lineRecords.count
        }
        #expect(lines > plan.documents.count)
    }
}
