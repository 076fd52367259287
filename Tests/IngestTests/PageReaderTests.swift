import Domain
import Foundation
import Generator
import HTTP
@testable import Ingest
import Testing
import TestSupport

/// One feed page to read whole and in chunks.
struct FeedCase: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var day: CivilDate
    var expectedPage: Int?
    var testDescription: String { name }
}

@Suite("Orders feed: the page reader, whole and in chunks")
struct PageReaderTests {
    static let day = Fixture.day27

    // MARK: Feeds

    /// A generated day's feed text (the Generator writes it as the shop would).
    static func generatedFeed(orders: Int, seed: UInt64) throws -> String {
        let folder = try Paths.temporaryDirectory("sverka-page-reader")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: orders, seed: seed), to: folder)
        let data = try Data(contentsOf: folder.appendingPathComponent("days/\(day.iso)/orders.json"))
        return String(decoding: data, as: UTF8.self)
    }

    /// The verbatim JSON of each order of a feed text.
    static func orderTexts(_ feed: String) throws -> [String] {
        let bytes = Array(feed.utf8)
        let orders = try #require(try JSONParser.parse(bytes)["orders"]?.arrayValue)
        return orders.map { String(decoding: bytes[$0.range], as: UTF8.self) }
    }

    /// A page with `orders` and the envelope's other keys before or after them.
    static func page(_ orders: [String], page: Int = 1, pages: Int = 1, keysAfterOrders: Bool = false) -> String {
        let envelope = #""business_date": "\#(day.iso)", "page": \#(page), "pages": \#(pages)"#
        let list = "\"orders\": [\n" + orders.joined(separator: ",\n") + "\n]"
        return keysAfterOrders ? "{\(list),\n\(envelope)}\n" : "{\(envelope),\n\(list)}\n"
    }

    /// A generated day with what a feed can get wrong added: the same copy of an order again, a
    /// changed copy, an order reusing another's shipment, orders that break the contract, one
    /// that is not an object; plus strings with escapes and non-ASCII text.
    static func troubledOrders() throws -> [String] {
        var orders = try orderTexts(generatedFeed(orders: 60, seed: 11))
        let sample = try orderTexts(Fixture.sampleText(day, "orders.json"))
        orders += sample
        orders.append(orders[3])                                                      // the same copy again
        orders.append(orders[5].replacingOccurrences(of: "\"status\":\"delivered\"", with: "\"status\":\"shipped\"")
            .replacingOccurrences(of: "\"status\": \"delivered\"", with: "\"status\": \"shipped\""))
        orders.append(orders[7].replacingOccurrences(of: "\"number\":\"", with: "\"number\":\"X-"))  // changed copy
        let clash = try #require(sample.first { $0.contains("SH-9001") })
        orders.append(clash.replacingOccurrences(of: "ORD-2026-000123", with: "ORD-2026-CLASH"))  // shipment taken
        orders.append(#"{"id": "BROKEN-1", "number": "\u0416\ud83d\ude00 \"quoted\" \\ \/ \t"}"#)
        orders.append("42")
        orders.append(#"{"number": "no id", "status": "lost"}"#)
        orders.append(try clash.replacingOnce("\"inn\": \"7701234560\"", with: "\"inn\": \"7701234561\""))  // a bad INN
        return orders
    }

    static func cases() throws -> [FeedCase] {
        let sample26 = try Fixture.sample(Fixture.day26, "orders.json")
        let sample27 = try Fixture.sample(day, "orders.json")
        let troubled = try troubledOrders()
        let good = Array(page(troubled).utf8)
        let text27 = String(decoding: sample27, as: UTF8.self)
        let one = try #require(try orderTexts(text27).first)
        var cases = [
            FeedCase(name: "sample 26th", bytes: sample26, day: Fixture.day26, expectedPage: 1),
            FeedCase(name: "sample 27th", bytes: sample27, day: day, expectedPage: 1),
            FeedCase(name: "sample 27th with a BOM and CRLF", bytes: [0xEF, 0xBB, 0xBF] + Array(text27.replacingOccurrences(of: "\n", with: "\r\n").utf8),
                     day: day, expectedPage: 1),
            FeedCase(name: "generated, with duplicates and bad orders", bytes: good, day: day, expectedPage: 1),
            FeedCase(name: "generated, envelope keys after the orders", bytes: Array(page(troubled, keysAfterOrders: true).utf8),
                     day: day, expectedPage: nil),
            FeedCase(name: "page 2 of 2, keys after the orders, no page requested",
                     bytes: Array(page(troubled, page: 2, pages: 2, keysAfterOrders: true).utf8), day: day, expectedPage: nil),
            FeedCase(name: "no orders", bytes: Array(page([]).utf8), day: day, expectedPage: 1),
            FeedCase(name: "orders key spelled with an escape",
                     bytes: Array(page([one]).replacingOccurrences(of: "\"orders\"", with: "\"ord\\u0065rs\"").utf8), day: day, expectedPage: 1),
            FeedCase(name: "orders twice", bytes: Array(page([one]).replacingOccurrences(of: "{\"business_date\"", with: "{\"orders\": 5, \"business_date\"").utf8),
                     day: day, expectedPage: 1),
        ]
        let malformed: [(String, String)] = [
            ("a syntax error inside an order", page([one, "{\"id\": \"X\", \"number\": 12 3}", one])),
            ("an invalid escape inside an order", page([one, #"{"id": "X\q"}"#])),
            ("a control character in a string", page([one, "{\"id\": \"X\tY\"}"])),
            ("an order nested too deep", page([String(repeating: "[", count: 250) + String(repeating: "]", count: 250)])),
            ("a member value nested too deep", "{\"x\": " + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + "}"),
            ("text after the document", page([one]) + "garbage"),
            ("an array, not an envelope", "[1, 2, 3]"),
            ("an HTML error page", "<html><body>502 Bad Gateway</body></html>"),
            ("empty", ""),
            ("only whitespace", " \n\t "),
            ("an empty object", "{}"),
            ("no orders", #"{"business_date": "2026-11-27", "page": 1, "pages": 1}"#),
            ("orders not an array", #"{"business_date": "2026-11-27", "page": 1, "pages": 1, "orders": {}}"#),
            ("a wrong business date", page([one]).replacingOccurrences(of: "2026-11-27\", \"page\"", with: "2026-11-26\", \"page\"")),
            ("page beyond pages", page([one], page: 3, pages: 2)),
            ("a missing comma between orders", page([one]).replacingOccurrences(of: "\n]", with: " {}\n]")),
            ("a trailing comma in orders", page([one]).replacingOccurrences(of: "\n]", with: ",\n]")),
            ("a leading comma in orders", page([one]).replacingOccurrences(of: "[\n", with: "[,\n")),
            ("a member name that is not a string", "{business_date: 1}"),
            ("a missing colon", #"{"business_date" "2026-11-27"}"#),
            ("a bad envelope value", #"{"page": 01, "orders": []}"#),
            ("a literal cut short", #"{"page": tru, "orders": []}"#),
            ("a trailing comma in the envelope", #"{"page": 1,}"#),
            ("a syntax error in an order, then a truncated envelope", String(page([one, "{\"id\": 1 2}", one]).dropLast(3))),
        ]
        for (name, text) in malformed {
            cases.append(FeedCase(name: name, bytes: Array(text.utf8), day: day, expectedPage: 1))
        }
        // Cut at many points: in strings, escapes, numbers, multi-byte letters, between tokens.
        let small = Array(page([one]).utf8)
        for cut in stride(from: 0, to: small.count, by: max(1, small.count / 37)) + [small.count - 1, small.count - 2] {
            cases.append(FeedCase(name: "cut after \(cut) bytes", bytes: Array(small[..<cut]), day: day, expectedPage: 1))
        }
        return cases
    }

    // MARK: Reading

    /// Reads `bytes` in chunks whose sizes `size` gives, in blocks of `blockSize` orders.
    static func read(_ feed: FeedCase, blockSize: Int = 1024, size: (inout SeededRandom) -> Int) -> Result<OrdersFeedPage, SourceError> {
        var reader = OrdersFeed.PageReader(day: feed.day, expectedPage: feed.expectedPage, combiner: FeedCombiner(), blockSize: blockSize)
        var random = SeededRandom(seed: UInt64(feed.bytes.count)) // replayable: the same chunking every run
        var offset = 0
        return Result { () throws(SourceError) in
            while offset < feed.bytes.count {
                let end = min(feed.bytes.count, offset + max(1, size(&random)))
                try reader.feed(Array(feed.bytes[offset..<end]))
                offset = end
            }
            return try reader.finish()
        }
    }

    @Test("read whole and fed in chunks of any size, a page gives the same orders, quarantine, diagnostics and errors",
          arguments: try cases())
    func wholeAndChunkedAgree(_ feed: FeedCase) throws {
        let whole = Self.read(feed) { _ in Int.max }
        // The public path (all bytes at once) is the same reader.
        if feed.expectedPage == 1 {
            #expect(whole == Result { () throws(SourceError) in try OrdersFeed.readPage(feed.bytes, day: feed.day, expectedPage: 1) })
        }
        let chunkings: [(String, Int, (inout SeededRandom) -> Int)] = [
            ("1-byte chunks", 1024, { _ in 1 }),
            ("1-byte chunks, blocks of 1", 1, { _ in 1 }),
            ("chunks of 1 to 9 bytes, blocks of 3", 3, { $0.int(1...9) }),
            ("chunks of 1 to 5000 bytes, blocks of 7", 7, { $0.int(1...5000) }),
            ("chunks of 2 bytes, blocks of 2", 2, { _ in 2 }),
        ]
        for (name, blockSize, size) in chunkings {
            let chunked = Self.read(feed, blockSize: blockSize, size: size)
            #expect(chunked == whole, "\(name)")
        }
    }

    @Test("the differential cases cover what they claim")
    func casesAreWhatTheySay() throws {
        let cases = try Dictionary(Self.cases().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let troubled = try #require(cases["generated, with duplicates and bad orders"])
        let page = try Self.read(troubled) { _ in Int.max }.get()
        #expect(page.orders.count == 60 + 10 + 4)  // the generated, the sample, the four extra copies
        #expect(page.quarantined.count == 4)
        #expect(page.orders.allSatisfy { $0.raw.isEmpty } == false)  // the copies combine quarantines keep theirs
        let reading = try OrdersFeed.combine([page], day: Self.day)
        #expect(reading.diagnostics.filter { $0.kind == "duplicate-record" }.count == 1)
        #expect(reading.quarantined.count == 4 + 3)
        #expect(reading.quarantined.allSatisfy { !$0.raw.isEmpty && $0.raw.first != " " })
        #expect(reading.orders.allSatisfy { $0.raw.isEmpty })
        #expect(Set(reading.quarantined.map(\.diagnostic.field)).isSuperset(of: ["id", "shipments[0].id"]))

        let failing = try #require(cases["a syntax error inside an order"])
        let error = try #require(Self.read(failing) { _ in Int.max }.failure)
        // {"business_date"…, orders: [ then `one` spans lines; the error is on the bad order's line.
        #expect(error.reason.contains("not valid JSON") && error.line != nil)
        let text = String(decoding: failing.bytes, as: UTF8.self)
        let badLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("12 3") }
        #expect(error.line == badLine.map { $0 + 1 })
    }

    // MARK: Envelope keys, truncation, early failure

    @Test("envelope keys after the orders array: read, checked, and the records name the right page")
    func keysAfterOrders() throws {
        let sample = try Self.orderTexts(Fixture.sampleText(Self.day, "orders.json"))
        let text = Self.page(sample + [#"{"number": "no id"}"#], page: 2, pages: 2, keysAfterOrders: true)
        let page = try OrdersFeed.readPage(Array(text.utf8), day: Self.day)
        #expect(page.page == 2 && page.pages == 2 && page.businessDate == Self.day)
        #expect(page.orders.count == 10)
        #expect(page.orders.allSatisfy { $0.page == 2 })
        #expect(page.diagnostics.map(\.record) == ["page 2, order ORD-2026-000129"])
        let record = try #require(page.quarantined.first)
        #expect(record.diagnostic.record == "page 2, order #11 (no id)")
        #expect(record.key.hasPrefix("orders-feed:2026-11-27:page2#11:"))
        // Asked for page 1, the envelope (after the orders) says 2: the page fails.
        let error = #expect(throws: SourceError.self) { try OrdersFeed.readPage(Array(text.utf8), day: Self.day, expectedPage: 1) }
        #expect(error?.reason.contains("page 1 was requested") == true)
    }

    @Test("a stream cut short fails the page at its end, with the line; the reader stays failed")
    func truncatedStream() throws {
        let text = try Fixture.sampleText(Self.day, "orders.json")
        let bytes = Array(text.utf8)
        let cut = bytes.count * 2 / 3
        var reader = OrdersFeed.PageReader(day: Self.day, expectedPage: 1)
        try reader.feed(Array(bytes[..<cut]))
        let error = #expect(throws: SourceError.self) { try reader.finish() }
        let lines = bytes[..<cut].filter { $0 == 0x0A }.count + 1
        #expect(error?.line == lines)
        #expect(error?.reason.contains("unexpected end of input") == true)
        #expect(throws: SourceError.self) { try reader.finish() }
        #expect(throws: SourceError.self) { try reader.feed(Array(bytes[cut...])) }
    }

    @Test("a broken envelope fails while the page is still arriving, before its end")
    func earlyFailure() throws {
        let text = #"{"business_date": 2026-11-27, "orders": ["# + String(repeating: "{\"id\": \"x\"}, ", count: 1000)
        var reader = OrdersFeed.PageReader(day: Self.day, expectedPage: 1)
        let error = #expect(throws: SourceError.self) { try reader.feed(Array(text.utf8.prefix(64))) }
        #expect(error?.line == 1)
        #expect(error?.reason.contains("not valid JSON at line 1, column 23") == true)
    }

    // MARK: Memory

    @Test("reading a large feed holds one block of bytes, not the page; valid orders keep no JSON")
    func boundedMemory() throws {
        let feed = try Self.generatedFeed(orders: 2000, seed: 5)
        let bytes = Array(feed.utf8)
        #expect(bytes.count > 5_000_000)
        var reader = OrdersFeed.PageReader(day: Self.day, expectedPage: 1, combiner: FeedCombiner(), blockSize: 64)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 16_384)
            try reader.feed(Array(bytes[offset..<end]))
            offset = end
        }
        let page = try reader.finish()
        #expect(page.orders.count + page.quarantined.count >= 2000)
        #expect(reader.peakRetainedBytes < 1_000_000, "held \(reader.peakRetainedBytes) bytes of a \(bytes.count)-byte page")
        #expect(page.orders.allSatisfy { $0.raw.isEmpty })
        // The same page at once (readPage) is taken a piece at a time too.
        var whole = OrdersFeed.PageReader(day: Self.day, expectedPage: 1, combiner: FeedCombiner(), blockSize: 64)
        try whole.feed(bytes)
        #expect(try whole.finish() == page)
        #expect(whole.peakRetainedBytes < 4_000_000, "held \(whole.peakRetainedBytes) bytes")
    }

    // MARK: Over HTTP

    @Test("over HTTP the feed streams into the reader: chunked reads as the file; a broken page is not fetched again")
    func overHTTP() async throws {
        let feed = try Self.generatedFeed(orders: 300, seed: 8)
        let bytes = Array(feed.utf8)
        try await LoopbackHTTPServer.with { server in
            server.script("/orders", ScriptedResponse(headers: [("Transfer-Encoding", "chunked")], body: chunked(bytes, size: 1500)))
            let broken = Array(#"{"business_date": "2026-11-27", "page": 1, "pages": 1, "orders": [{"id": ]}"#.utf8)
            server.script("/broken", ScriptedResponse(body: broken), ScriptedResponse(body: broken))
            func sources(_ path: String) throws -> DaySources {
                DaySources(orders: OrdersFeedSource(url: try URLTemplate(server.url(path) + "?date={date}")))
            }
            let result = await ingest(day: Self.day, sources: try sources("/orders"), client: SourcesTests.client)
            #expect(result.isComplete, "\(result.outcomes)")
            let expected = try OrdersFeed.read(bytes, day: Self.day)
            #expect(result.orders == expected.orders)
            #expect(result.quarantined == expected.quarantined)
            #expect(result.diagnostics == expected.diagnostics)
            // The orders share their repeated parts as read (no second copy is made when combining).
            var firstName: [Party: UnsafeRawPointer?] = [:]
            var repeats = 0
            for order in result.orders.map(\.order) {
                let storage = order.customer.name.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
                if let first = firstName[order.customer] {
                    repeats += 1
                    #expect(first == storage && storage != nil, "\(order.id)")
                } else {
                    firstName[order.customer] = storage
                }
            }
            #expect(repeats > 10)

            let failed = await ingest(day: Self.day, sources: try sources("/broken"), client: SourcesTests.client)
            let failure = try #require(failed.failures.first)
            #expect(failure.source == "orders-feed")
            #expect(failure.line == 1)
            #expect(failure.reason.contains("not valid JSON"))
            #expect(failure.location?.contains("/broken") == true)
            #expect(server.requests(to: "/broken").count == 1)
        }
    }

}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
