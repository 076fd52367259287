import Domain
import Foundation
import HTTP
@testable import Ingest
import Testing
import TestSupport

@Suite("Fetching a day's sources")
struct SourcesTests {
    static let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    static func client(_ token: Credential?) -> HTTPClient {
        .live(HTTPConfiguration(connectTimeout: .seconds(5), timeout: .seconds(20), bearerToken: token, retry: fastRetry))
    }

    static func fileTemplate(_ name: String) throws -> URLTemplate {
        try URLTemplate("file://" + Paths.samples.path + "/days/{date}/" + name)
    }

    static func fileSources(camt: Bool) throws -> DaySources {
        var banks = [BankStatementSource(name: "main", format: .oneC, url: try fileTemplate("kl_to_1c_{ddMMyyyy}.txt"),
                                         accounts: [Fixture.mainAccount])]
        if camt {
            banks.append(BankStatementSource(name: "second", format: .camt053, url: try fileTemplate("camt053_{yyyyMMdd}.xml"),
                                             accounts: [Fixture.secondAccount]))
        }
        return DaySources(orders: OrdersFeedSource(url: try fileTemplate("orders.json")),
                          invoicebox: InvoiceboxSource(url: try fileTemplate("invoicebox.json")), banks: banks)
    }

    // MARK: file://

    @Test func the27thFromFiles() async throws {
        let result = await ingest(day: Fixture.day27, sources: try Self.fileSources(camt: true), client: Self.client)
        #expect(result.isComplete, "\(result.outcomes)")
        #expect(result.outcomes.map(\.source) == ["orders-feed", "invoicebox", "bank-1c:main", "bank-camt053:second"])
        #expect(result.orders.count == 10)
        #expect(result.quarantined.isEmpty)
        #expect(result.payments.count == 10)
        #expect(result.payments.filter { $0.source == .bank1C }.count == 6)
        #expect(result.payments.filter { $0.source == .invoicebox }.count == 3)
        #expect(result.payments.filter { $0.source == .camt053 }.count == 1)
        #expect(Set(result.diagnostics.map(\.kind)) == ["missing-vsd", "not-booked"])
        #expect(result.outcomes[0].location.hasSuffix("/samples/days/2026-11-27/orders.json"))
    }

    @Test func the26thFromFiles() async throws {
        let result = await ingest(day: Fixture.day26, sources: try Self.fileSources(camt: true), client: Self.client)
        #expect(result.isComplete, "\(result.outcomes)")
        #expect(result.orders.count == 3 && result.payments.count == 2)
        #expect(result.quarantined.isEmpty && result.diagnostics.isEmpty)
        // The second account had no movements on the 26th: a statement without entries.
        #expect(result.outcomes.last?.isOK == true && result.outcomes.last?.records == 0)
    }

    @Test func aMissingStatementMakesTheDayIncomplete() async throws {
        var sources = try Self.fileSources(camt: false)
        sources.banks.append(BankStatementSource(name: "second", format: .camt053, url: try Self.fileTemplate("camt053_{ddMMyyyy}.xml"),
                                                 accounts: [Fixture.secondAccount]))
        let result = await ingest(day: Fixture.day26, sources: sources, client: Self.client)
        #expect(!result.isComplete)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "bank-camt053:second")
        #expect(failure.location?.hasSuffix("camt053_26112026.xml") == true)
        #expect(failure.reason.contains("could not be fetched"))
        // The other sources were still read.
        #expect(result.orders.count == 3 && result.payments.count == 2)
    }

    // MARK: Loopback HTTP with pagination and a bearer token

    /// Serves the sample day over HTTP: the orders feed in pages of `perPage`, ИнвойсБокс in
    /// pages of its `_pageSize`, the statements as files; every request needs the bearer token.
    final class SampleServer: Sendable {
        let server: LoopbackHTTPServer
        static let token = "s3cret-token"

        init(day: CivilDate, perPage: Int, brokenPage: (Int, String)? = nil) throws {
            let feed = try Fixture.sample(day, "orders.json")
            let orders = try #require(try JSONParser.parse(feed)["orders"]?.arrayValue).map {
                String(decoding: feed[$0.range], as: UTF8.self)
            }
            let chunks = stride(from: 0, to: orders.count, by: perPage).map { Array(orders[$0..<min($0 + perPage, orders.count)]) }
            var pages = chunks.enumerated().map { index, chunk in
                #"{"business_date": "\#(day.iso)", "page": \#(index + 1), "pages": \#(chunks.count), "orders": [\#(chunk.joined(separator: ","))]}"#
            }
            if let (page, text) = brokenPage { pages[page - 1] = text }
            let provider = try Fixture.sample(day, "invoicebox.json")
            let root = try JSONParser.parse(provider)
            let providerOrders = try #require(root["data"]?.arrayValue).map { String(decoding: provider[$0.range], as: UTF8.self) }
            let files: [String: [UInt8]] = [
                "/bank/\(Fixture.oneCName(day))": try Fixture.sample(day, Fixture.oneCName(day)),
                "/bank/camt053_\(day.compact).xml": (try? Fixture.sample(day, "camt053_\(day.compact).xml")) ?? [],
            ]
            let feedPages = pages
            server = try LoopbackHTTPServer { request in
                guard request.header("Authorization") == "Bearer \(SampleServer.token)" else {
                    return .status(401, body: #"{"error": "unauthorized"}"#)
                }
                switch request.path {
                case "/b2b/orders":
                    guard request.queryValue("date") == day.iso, let page = request.queryValue("page").flatMap(Int.init),
                          (1...feedPages.count).contains(page) else { return .status(404) }
                    return .text(feedPages[page - 1], headers: [("Content-Type", "application/json")])
                case "/v3/filter/api/order/order":
                    guard let page = request.queryValue("_page").flatMap(Int.init),
                          let size = request.queryValue("_pageSize").flatMap(Int.init), page >= 1, size >= 1 else { return .status(400) }
                    let slice = providerOrders.dropFirst((page - 1) * size).prefix(size)
                    return .text(#"{"data": [\#(slice.joined(separator: ","))], "metaData": {"totalCount": \#(providerOrders.count), "page": \#(page), "pageSize": \#(size)}}"#)
                default:
                    guard let body = files[request.path], !body.isEmpty else { return .status(404) }
                    return ScriptedResponse(status: 200, body: body)
                }
            }
        }

        deinit { server.stop() }

        func sources(token: TokenSource? = nil, camt: Bool = true) throws -> DaySources {
            let token = try token ?? .credential(Credential(secret: SampleServer.token))
            var banks = [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(server.url("/bank/kl_to_1c_{ddMMyyyy}.txt")),
                                             token: token, accounts: [Fixture.mainAccount])]
            if camt {
                banks.append(BankStatementSource(name: "second", format: .camt053,
                                                 url: try URLTemplate(server.url("/bank/camt053_{yyyyMMdd}.xml")),
                                                 token: token, accounts: [Fixture.secondAccount]))
            }
            return DaySources(
                orders: OrdersFeedSource(url: try URLTemplate(server.url("/b2b/orders?date={date}&page={page}")), token: token),
                invoicebox: InvoiceboxSource(
                    url: try URLTemplate(server.url("/v3/filter/api/order/order?status=completed&_page={page}&_pageSize={pageSize}")),
                    token: token, pageSize: 3),
                banks: banks)
        }
    }

    @Test func overHTTPWithPagesAndABearerTokenReadsTheSameAsFiles() async throws {
        let sample = try SampleServer(day: Fixture.day27, perPage: 4)
        let result = await ingest(day: Fixture.day27, sources: try sample.sources(), client: Self.client)
        #expect(result.isComplete, "\(result.outcomes)")
        let files = await ingest(day: Fixture.day27, sources: try Self.fileSources(camt: true), client: Self.client)
        #expect(result.orders.map(\.order) == files.orders.map(\.order))
        #expect(result.payments.map(\.id) == files.payments.map(\.id))
        #expect(result.payments.map(\.amount) == files.payments.map(\.amount))
        #expect(result.quarantined.isEmpty)
        // Orders: pages 1…3 of 10 orders by 4; ИнвойсБокс: 4 orders by 3 → 2 pages.
        let orderPages = sample.server.requests(to: "/b2b/orders").compactMap { $0.queryValue("page") }
        #expect(orderPages == ["1", "2", "3"])
        #expect(result.outcomes[0].requests == 3 && result.outcomes[0].records == 10)
        #expect(sample.server.requests(to: "/v3/filter/api/order/order").compactMap { $0.queryValue("_page") } == ["1", "2"])
        #expect(result.outcomes[1].requests == 2 && result.outcomes[1].records == 4)
        #expect(sample.server.requests.allSatisfy { $0.header("Authorization") == "Bearer \(SampleServer.token)" })
        #expect(result.orders.map(\.page) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3])
    }

    @Test func aWrongTokenFailsEverySourceWithoutShowingIt() async throws {
        let sample = try SampleServer(day: Fixture.day27, perPage: 4)
        let result = await ingest(day: Fixture.day27, sources: try sample.sources(token: .credential(try Credential(secret: "wrong"))),
                                  client: Self.client)
        #expect(result.failures.count == 4)
        #expect(result.failures.allSatisfy { $0.reason.contains("HTTP 401") && !$0.description.contains("wrong") })
        // 401 is not retried.
        #expect(sample.server.requests.count == 4)
    }

    @Test func aTokenThatCannotBeLoadedFailsThatSource() async throws {
        let sample = try SampleServer(day: Fixture.day27, perPage: 4)
        var sources = try sample.sources()
        sources.orders?.token = .environment("SVERKA_TEST_TOKEN_THAT_IS_NOT_SET")
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(result.failures.count == 1)
        #expect(failure.source == "orders-feed")
        #expect(failure.reason == "no bearer token: credential: environment variable SVERKA_TEST_TOKEN_THAT_IS_NOT_SET is not set")
        #expect(result.orders.isEmpty && result.payments.count == 10)
    }

    @Test func http500AfterRetriesFailsTheSourceWithAClearError() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/b2b/orders", .status(500), .status(500), .status(500), .status(500))
        let sources = DaySources(orders: OrdersFeedSource(url: try URLTemplate(server.url("/b2b/orders?date={date}&page={page}&token=topsecret"))))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        #expect(!result.isComplete)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "orders-feed")
        #expect(failure.reason == "could not be fetched: HTTP 500 after 3 attempts")
        #expect(failure.location == server.url("/b2b/orders?date=2026-11-27&page=1&token=REDACTED"))
        #expect(!failure.description.contains("topsecret"))
        #expect(server.requests(to: "/b2b/orders").count == 3)
        #expect(result.orders.isEmpty)
    }

    @Test func aTransient503IsRetriedAndTheDayCompletes() async throws {
        let sample = try SampleServer(day: Fixture.day27, perPage: 10)
        let flaky = try LoopbackHTTPServer()
        defer { flaky.stop() }
        let bytes = try Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27))
        flaky.script("/kl.txt", .status(503), ScriptedResponse(status: 200, body: bytes))
        var sources = try sample.sources(camt: false)
        sources.banks = [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(flaky.url("/kl.txt")),
                                             accounts: [Fixture.mainAccount])]
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        #expect(result.isComplete, "\(result.outcomes)")
        #expect(result.payments.filter { $0.source == .bank1C }.count == 6)
    }

    @Test func aNonJSONPageFailsTheFeed() async throws {
        let sample = try SampleServer(day: Fixture.day27, perPage: 4, brokenPage: (2, "<html>Bad Gateway</html>"))
        let result = await ingest(day: Fixture.day27, sources: try sample.sources(), client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(result.failures.count == 1)
        #expect(failure.source == "orders-feed")
        #expect(failure.location?.hasSuffix("page=2") == true)
        #expect(failure.reason.contains("not valid JSON"))
        // The feed is not half-read: no order of page 1 is handed on.
        #expect(result.orders.isEmpty)
        #expect(result.payments.count == 10)
    }

    @Test func aBusinessDateMismatchOnAPageFailsTheFeed() async throws {
        let page2 = #"{"business_date": "2026-11-26", "page": 2, "pages": 3, "orders": []}"#
        let sample = try SampleServer(day: Fixture.day27, perPage: 4, brokenPage: (2, page2))
        let result = await ingest(day: Fixture.day27, sources: try sample.sources(), client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(failure.reason.contains("business_date is 2026-11-26"))
        #expect(failure.location?.hasSuffix("page=2") == true)
    }

    @Test func pagesThatDisagreeFailTheFeed() async throws {
        let page2 = #"{"business_date": "2026-11-27", "page": 2, "pages": 5, "orders": []}"#
        let sample = try SampleServer(day: Fixture.day27, perPage: 4, brokenPage: (2, page2))
        let result = await ingest(day: Fixture.day27, sources: try sample.sources(), client: Self.client)
        #expect(result.failures.first?.reason == "page 2 says there are 5 pages, page 1 said 3")
    }

    @Test func anInvalidINNOverHTTPQuarantinesOneOrder() async throws {
        let feed = try Fixture.sampleText(Fixture.day27, "orders.json")
            .replacingOnce("\"inn\": \"7733015829\"", with: "\"inn\": \"7733015821\"")
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/orders", .text(feed))
        let result = await ingest(day: Fixture.day27, sources: DaySources(orders: OrdersFeedSource(url: try URLTemplate(server.url("/orders?d={date}")))),
                                  client: Self.client)
        #expect(result.isComplete)
        #expect(result.orders.count == 9)
        #expect(result.quarantined.map(\.diagnostic.field) == ["customer.inn"])
    }

    @Test func anXXEStatementFailsItsSourceOnly() async throws {
        let text = try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml")
            .replacingOnce("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                           with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n")
        let folder = try Paths.temporaryDirectory("sverka-xxe")
        defer { try? FileManager.default.removeItem(at: folder) }
        try text.write(to: folder.appendingPathComponent("camt053_20261127.xml"), atomically: true, encoding: .utf8)
        var sources = try Self.fileSources(camt: false)
        sources.banks.append(BankStatementSource(name: "second", format: .camt053,
                                                 url: try URLTemplate("file://" + folder.path + "/camt053_{yyyyMMdd}.xml"),
                                                 accounts: [Fixture.secondAccount]))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(result.failures.count == 1)
        #expect(failure.source == "bank-camt053:second")
        #expect(failure.reason.contains("rejected for safety"))
        #expect(!result.payments.contains { $0.source == .camt053 })
        #expect(result.payments.count == 9)
    }

    @Test func theSamePaymentFromTwoSourcesIsReadOnce() async throws {
        var sources = try Self.fileSources(camt: false)
        sources.banks.append(BankStatementSource(name: "main-again", format: .oneC, url: try Self.fileTemplate("kl_to_1c_{ddMMyyyy}.txt"),
                                                 accounts: [Fixture.mainAccount]))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        #expect(result.isComplete)
        #expect(result.payments.count == 9)
        #expect(result.diagnostics.filter { $0.kind == "duplicate-record" }.count == 6)
        // With the payments kept aside as read (the job's way): both sources' payments are kept, each
        // payment is merged once, in the same order, with the same warnings.
        let keeper = KeptPayments()
        let kept = await ingest(day: Fixture.day27, sources: sources, client: Self.client, keeper: keeper)
        #expect(kept.isComplete && kept.payments.isEmpty)
        #expect(keeper.count == 9 + 6)
        #expect(keeper.restored(kept.kept) == result.payments)
        #expect(kept.diagnostics == result.diagnostics)
    }
}
