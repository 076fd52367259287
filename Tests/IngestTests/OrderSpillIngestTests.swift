import Domain
import Foundation
import Generator
import HTTP
@testable import Ingest
import Synchronization
import Testing
import TestSupport

/// An `OrderSpill` over `OrdersInMemory` that logs what it is asked and can be told to fail.
final class LoggedSpill: OrderSpill {
    struct Log {
        /// The size of each append, in order.
        var appends: [Int] = []
        /// Each truncation's target, in order.
        var truncations: [Int] = []
        /// Orders read back.
        var reads = 0
        /// How many orders were kept when each truncation came.
        var countsBeforeTruncation: [Int] = []
    }

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    let kept = OrdersInMemory()
    let log = Mutex(Log())
    /// The append call (1-based) that fails, if any.
    let failingAppend: Int?
    let failsReading: Bool
    let failsTruncating: Bool

    init(failingAppend: Int? = nil, failsReading: Bool = false, failsTruncating: Bool = false) {
        self.failingAppend = failingAppend
        self.failsReading = failsReading
        self.failsTruncating = failsTruncating
    }

    var count: Int { kept.count }
    var all: [Order] { kept.all }

    func append(_ orders: [Order]) throws {
        let call = log.withLock { log in
            log.appends.append(orders.count)
            return log.appends.count
        }
        if call == failingAppend { throw Refused(description: "disk full (append \(call))") }
        try kept.append(orders)
    }

    func truncate(to count: Int) throws {
        let before = kept.count
        log.withLock {
            $0.truncations.append(count)
            $0.countsBeforeTruncation.append(before)
        }
        if failsTruncating { throw Refused(description: "cannot truncate the spill file") }
        try kept.truncate(to: count)
    }

    func orders(in positions: Range<Int>) throws -> [Order] {
        log.withLock { $0.reads += positions.count }
        if failsReading { throw Refused(description: "spill file unreadable") }
        return try kept.orders(in: positions)
    }
}

@Suite("Orders feed into an OrderSpill")
struct OrderSpillIngestTests {
    static let day = Fixture.day27

    // MARK: Feeds

    /// A feed split into pages of `perPage` orders (the last may be shorter).
    static func pages(_ orders: [String], perPage: Int) -> [String] {
        let chunks = stride(from: 0, to: orders.count, by: perPage).map { Array(orders[$0..<min($0 + perPage, orders.count)]) }
        return chunks.enumerated().map { index, chunk in
            PageReaderTests.page(chunk, page: index + 1, pages: chunks.count)
        }
    }

    /// A loopback server answering `/feed?date=…&page=N` with `pages[N - 1]`.
    static func server(_ pages: [String]) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            guard request.path == "/feed", request.queryValue("date") == day.iso,
                  let page = request.queryValue("page").flatMap(Int.init), pages.indices.contains(page - 1) else { return nil }
            return .text(pages[page - 1], headers: [("Content-Type", "application/json")])
        }
    }

    static func sources(_ server: LoopbackHTTPServer, path: String = "/feed") throws -> DaySources {
        DaySources(orders: OrdersFeedSource(url: try URLTemplate(server.url(path + "?date={date}&page={page}"))))
    }

    /// Ingests `sources` without a spill and with one; checks they agree, and gives both.
    static func differential(_ sources: DaySources, _ label: String) async throws -> (plain: IngestResult, spilled: IngestResult, spill: LoggedSpill) {
        let plain = await ingest(day: day, sources: sources, client: SourcesTests.client)
        let spill = LoggedSpill()
        let spilled = await ingest(day: day, sources: sources, client: SourcesTests.client, spill: spill)
        #expect(plain.isComplete, "\(label): \(plain.outcomes)")
        #expect(plain.spilledOrders == 0, "\(label)")
        #expect(!plain.orders.isEmpty, "\(label)")
        #expect(spilled.orders.isEmpty, "\(label)")
        #expect(spilled.spilledOrders == plain.orders.count, "\(label)")
        #expect(spill.all == plain.orders.map(\.order), "\(label)")
        #expect(spilled.quarantined == plain.quarantined, "\(label)")
        #expect(spilled.diagnostics == plain.diagnostics, "\(label)")
        #expect(spilled.outcomes == plain.outcomes, "\(label)")
        #expect(spill.log.withLock { $0.truncations.isEmpty }, "\(label)")
        return (plain, spilled, spill)
    }

    /// Checks the day holds what the differential claims to cover: copies read once, conflicting
    /// copies and a taken shipment id quarantined, orders that break the contract quarantined.
    static func expectTroubles(_ result: IngestResult, _ label: String) {
        #expect(result.diagnostics.contains { $0.kind == "duplicate-record" }, "\(label)")
        let fields = Set(result.quarantined.map(\.diagnostic.field))
        #expect(fields.isSuperset(of: ["id", "shipments[0].id", "customer.inn"]), "\(label): \(fields)")
    }

    // MARK: Differential

    @Test("paged over HTTP, one page over HTTP, a file: the spill gets the orders the result had, in order; the rest is the same")
    func spillAgreesWithTheResult() async throws {
        let troubled = try PageReaderTests.troubledOrders()
        // Pages of 7: the repeated copies (at the end) are on later pages than their first copies.
        for perPage in [7, 1, troubled.count] {
            let server = try Self.server(Self.pages(troubled, perPage: perPage))
            defer { server.stop() }
            let (plain, _, spill) = try await Self.differential(try Self.sources(server), "HTTP, \(perPage) per page")
            Self.expectTroubles(plain, "HTTP, \(perPage) per page")
            #expect(plain.outcomes[0].requests == (troubled.count + perPage - 1) / perPage)
            // A repeated id is compared with its first copy: read back from the spill when that
            // copy is on an earlier page (a block already appended).
            let reads = spill.log.withLock { $0.reads }
            #expect(perPage == troubled.count ? reads == 0 : reads > 0, "\(perPage) per page: \(reads) read back")
        }

        let folder = try Paths.temporaryDirectory("sverka-spill-ingest")
        defer { try? FileManager.default.removeItem(at: folder) }
        try PageReaderTests.page(troubled).write(to: folder.appendingPathComponent("orders.json"), atomically: true, encoding: .utf8)
        let file = DaySources(orders: OrdersFeedSource(url: try URLTemplate("file://" + folder.path + "/orders.json")))
        let (plain, _, _) = try await Self.differential(file, "file")
        Self.expectTroubles(plain, "file")
    }

    @Test("a page of more than one block: copies in the same block and in an earlier block are decided as without a spill")
    func acrossBlocks() async throws {
        var orders = try PageReaderTests.orderTexts(PageReaderTests.generatedFeed(orders: 1300, seed: 21))
        orders.append(orders[5])                                                                      // same, earlier block
        orders.append(orders[6].replacingOccurrences(of: "\"number\":\"", with: "\"number\":\"X-"))   // changed, earlier block
        orders.append(orders[1200])                                                                   // same, same block
        orders.append(orders[1201].replacingOccurrences(of: "\"number\":\"", with: "\"number\":\"Y-"))  // changed, same block
        let server = try Self.server(Self.pages(orders, perPage: orders.count))
        defer { server.stop() }
        let (plain, _, spill) = try await Self.differential(try Self.sources(server), "one large page")
        #expect(plain.diagnostics.filter { $0.kind == "duplicate-record" }.count == 2)
        #expect(plain.quarantined.filter { $0.diagnostic.field == "id" }.count == 2)
        let log = spill.log.withLock { $0 }
        #expect(log.appends.count >= 2, "\(log.appends)")  // a block at a time, not the day at once
        #expect(log.reads >= 2)
    }

    // MARK: A page read again

    @Test("a page whose transfer is cut and retried appends its orders once (the attempt before is truncated away)")
    func retriedPage() async throws {
        let sample = try PageReaderTests.orderTexts(Fixture.sampleText(Self.day, "orders.json"))
        let large = try PageReaderTests.orderTexts(PageReaderTests.generatedFeed(orders: 2600, seed: 31))
        let page1 = PageReaderTests.page(sample, page: 1, pages: 2)
        let page2 = Array(PageReaderTests.page(large + [sample[0]], page: 2, pages: 2).utf8)
        let server = try LoopbackHTTPServer { request in
            switch (request.path, request.queryValue("page")) {
            case (_, "1"): .text(page1)
            case ("/whole", _): ScriptedResponse(body: page2)
            default: nil  // /feed page 2: scripted
            }
        }
        defer { server.stop() }
        // Cut past the second block's end: the first block (1024 orders) was appended by then.
        server.script("/feed", ScriptedResponse(body: page2).truncated(after: page2.count * 9 / 10), ScriptedResponse(body: page2))

        let plain = await ingest(day: Self.day, sources: try Self.sources(server, path: "/whole"), client: SourcesTests.client)
        let spill = LoggedSpill()
        let spilled = await ingest(day: Self.day, sources: try Self.sources(server, path: "/feed"), client: SourcesTests.client, spill: spill)
        #expect(plain.isComplete && spilled.isComplete, "\(spilled.outcomes)")
        #expect(server.requests(to: "/feed").count == 3)  // page 1, page 2 cut, page 2 again
        let log = spill.log.withLock { $0 }
        #expect(log.truncations == [sample.count], "\(log)")
        #expect((log.countsBeforeTruncation.first ?? 0) > sample.count + 500, "\(log)")
        #expect(spill.all == plain.orders.map(\.order))
        #expect(Set(spill.all.map(\.id)).count == spill.count)
        #expect(spilled.spilledOrders == spill.count && spill.count == plain.orders.count)
        #expect(spilled.quarantined == plain.quarantined && spilled.diagnostics == plain.diagnostics)
        #expect(spilled.diagnostics.filter { $0.kind == "duplicate-record" }.count == 1)  // sample[0] again on page 2
        #expect(spilled.outcomes[0].records == plain.outcomes[0].records)
    }

    // MARK: A spill that fails

    @Test("a spill that refuses an append, a read or a truncation fails the orders source with why; it is left empty")
    func failingSpill() async throws {
        let troubled = try PageReaderTests.troubledOrders()
        let server = try Self.server(Self.pages(troubled, perPage: 7))
        defer { server.stop() }
        let sources = try Self.sources(server)
        let cases: [(String, LoggedSpill, String)] = [
            ("first append", LoggedSpill(failingAppend: 1), "disk full (append 1)"),
            ("third append", LoggedSpill(failingAppend: 3), "disk full (append 3)"),
            ("reading back", LoggedSpill(failsReading: true), "spill file unreadable"),
        ]
        for (label, spill, reason) in cases {
            let result = await ingest(day: Self.day, sources: sources, client: SourcesTests.client, spill: spill)
            let failure = try #require(result.failures.first, "\(label)")
            #expect(result.failures.count == 1)
            #expect(failure.source == "orders-feed", "\(label)")
            #expect(failure.reason.hasPrefix("the orders could not be kept aside ("), "\(label): \(failure.reason)")
            #expect(failure.reason.contains(reason), "\(label): \(failure.reason)")
            #expect(failure.location?.contains("/feed?date=2026-11-27&page=") == true, "\(label)")
            #expect(result.outcomes[0].records == 0 && result.spilledOrders == 0 && result.orders.isEmpty, "\(label)")
            #expect(spill.count == 0, "\(label)")
            #expect(spill.log.withLock { $0.truncations.last } == 0, "\(label)")
        }

        // A source that fails otherwise (page 3 is not JSON) drops what the pages before kept aside.
        var broken = Self.pages(troubled, perPage: 7)
        broken[2] = "<html>Bad Gateway</html>"
        let brokenServer = try Self.server(broken)
        defer { brokenServer.stop() }
        let spill = LoggedSpill()
        let result = await ingest(day: Self.day, sources: try Self.sources(brokenServer), client: SourcesTests.client, spill: spill)
        #expect(result.failures.first?.reason.contains("not valid JSON") == true)
        #expect(spill.log.withLock { $0.countsBeforeTruncation.count == 1 && $0.countsBeforeTruncation[0] > 0 })
        #expect(spill.count == 0)

        // A spill that cannot even be truncated says so too.
        let stuck = LoggedSpill(failingAppend: 2, failsTruncating: true)
        let stuckResult = await ingest(day: Self.day, sources: sources, client: SourcesTests.client, spill: stuck)
        let failure = try #require(stuckResult.failures.first)
        #expect(failure.reason.contains("disk full (append 2)"))
        #expect(failure.reason.hasSuffix("; the orders kept aside could not be dropped: cannot truncate the spill file"), "\(failure.reason)")
    }

    // MARK: The combiner

    @Test("with a spill the combiner compares a later copy exactly with the first, read back from the spill")
    func combinerComparesExactly() throws {
        let orders = Generator.orders(day: Self.day, count: 40, seed: 5)
        let original = try #require(orders.first { !$0.shipments.isEmpty && !$0.shipments[0].lines.isEmpty })
        var deep = original
        deep.shipments[0].lines[0].quantity = deep.shipments[0].lines[0].quantity + ExactDecimal(units: 1, scale: 3)
        #expect(deep != original && deep.id == original.id)

        let spill = LoggedSpill()
        var combiner = FeedCombiner(spillingTo: spill)
        #expect(combiner.spills)
        let first = try combiner.admit(original, page: 1)
        #expect(first.isAccepted)
        // Before the block is saved, the first copy is compared where it waits.
        let changedInBlock = try combiner.admit(deep, page: 1)
        #expect(changedInBlock.quarantines)
        let sameInBlock = try combiner.admit(original, page: 1)
        #expect(sameInBlock.firstPage == 1)
        #expect(spill.count == 0 && spill.log.withLock { $0.reads } == 0)
        try combiner.save()
        #expect(spill.all == [original])

        // After: read back from the spill, and compared field by field.
        let conflict = try combiner.admit(deep, page: 2)
        #expect(conflict.problem?.field == "id")
        #expect(conflict.problem?.reason == "order \(original.id) appears again (first on page 1) with different content")
        #expect(spill.log.withLock { $0.reads } == 1)
        let same = try combiner.admit(original, page: 3)
        #expect(same.firstPage == 1)
        #expect(spill.log.withLock { $0.reads } == 2)

        // A shipment id taken by an earlier order quarantines the later one.
        var thief = try #require(orders.first { $0.id != original.id && !$0.shipments.isEmpty })
        thief.shipments[0].id = original.shipments[0].id
        let taken = try combiner.admit(thief, page: 3)
        #expect(taken.problem?.field == "shipments[0].id")
        try combiner.save()
        #expect(spill.all == [original])

        // A page read again: what was admitted after the last save is dropped from the spill.
        let restart = combiner
        let another = try combiner.admit(orders[orders.count - 1], page: 4)
        #expect(another.isAccepted)
        try combiner.save()
        #expect(spill.count == 2)
        try restart.rewind()
        #expect(spill.all == [original])

        // Without a spill the same decisions, from the copies it keeps.
        var kept = FeedCombiner()
        #expect(!kept.spills)
        let keptFirst = kept.admitKept(original, page: 1)
        let keptChanged = kept.admitKept(deep, page: 2)
        let keptSame = kept.admitKept(original, page: 3)
        #expect(keptFirst.isAccepted && keptChanged.problem?.field == "id" && keptSame.firstPage == 1)
    }

    @Test("the spilled combiner's tables: values under equal hashes all found, in the order filed, through growth")
    func hashedPositions() {
        var table = HashedPositions()
        #expect(table.candidates(hash: 42).isEmpty)
        // 5 000 values under 1 000 hashes (negative ones too), filed round-robin: each hash's five come back in order.
        for value in 0..<5_000 { table.insert(Int32(value), hash: (value % 1_000) &* -7_919) }
        #expect(table.count == 5_000)
        for key in [0, 1, 499, 999] {
            #expect(table.candidates(hash: key &* -7_919) == (0..<5).map { Int32(key + $0 * 1_000) })
        }
        #expect(table.candidates(hash: 1).isEmpty)
    }

    @Test("with a spill, 600 orders admitted without reading any back; each again gives its first page, a taken shipment names its owner")
    func combinerManyOrders() throws {
        let orders = Generator.orders(day: Self.day, count: 600, seed: 12)
        let spill = LoggedSpill()
        var combiner = FeedCombiner(spillingTo: spill)
        for (index, order) in orders.enumerated() {
            #expect(try combiner.admit(order, page: 1 + index / 100).isAccepted)
            if index % 100 == 99 { try combiner.save() }
        }
        try combiner.save()
        // No order was read back: no id or shipment id was admitted twice.
        #expect(spill.log.withLock { $0.reads } == 0)
        #expect(spill.all == orders)
        // Each again: the first copy's page; a taken shipment names its owner.
        for index in [0, 257, 599] {
            #expect(try combiner.admit(orders[index], page: 9).firstPage == 1 + index / 100)
        }
        let owner = try #require(orders.first { !$0.shipments.isEmpty })
        var thief = Generator.orders(day: Self.day, count: 1, seed: 99)[0]
        thief.id = OrderID("ORD-THIEF")
        thief.shipments = owner.shipments
        #expect(try combiner.admit(thief, page: 9).problem?.reason
            == "shipment \(owner.shipments[0].id) already belongs to order \(owner.id)")
    }

    @Test("a spill that cannot give the first copy back fails the admission instead of guessing")
    func combinerReadFailure() throws {
        let orders = Generator.orders(day: Self.day, count: 3, seed: 9)
        let spill = LoggedSpill(failsReading: true)
        var combiner = FeedCombiner(spillingTo: spill)
        _ = try combiner.admit(orders[0], page: 1)
        try combiner.save()
        let error = #expect(throws: OrderSpillFailure.self) { _ = try combiner.admit(orders[0], page: 2) }
        #expect(error?.reason == "reading back the order at position 0: spill file unreadable")
    }
}

extension FeedCombiner.Verdict {
    var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    var firstPage: Int? {
        if case .sameAgain(let page) = self { return page }
        return nil
    }

    var problem: ContractProblem? {
        if case .conflict(let problem) = self { return problem }
        return nil
    }
}
