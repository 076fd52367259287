import Domain
import Foundation
import HTTP
import Job
import Ledger
import Synchronization
import Testing
import TestSupport

/// The 26th's orders feed over loopback HTTP, in pages of `perPage`, behind a bearer token;
/// failing with HTTP 500 while `failing` is set.
final class OrdersFeedServer: Sendable {
    static let token = "tok-9f8e7d6c5b4a-SECRET"
    let server: LoopbackHTTPServer

    init(day: CivilDate, perPage: Int) throws {
        let feed = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Paths.samples.appendingPathComponent("days/\(day.iso)/orders.json"))) as? [String: Any]
        let orders = try #require(feed?["orders"] as? [Any])
        let chunks = stride(from: 0, to: orders.count, by: perPage).map { Array(orders[$0..<min($0 + perPage, orders.count)]) }
        let pages: [[UInt8]] = try chunks.enumerated().map { index, chunk in
            let page: [String: Any] = ["business_date": day.iso, "page": index + 1, "pages": chunks.count, "orders": chunk]
            return Array(try JSONSerialization.data(withJSONObject: page, options: [.sortedKeys]))
        }
        let state = Flag()
        server = try LoopbackHTTPServer { request in
            guard request.path == "/b2b/orders" else { return .status(404) }
            guard request.header("Authorization") == "Bearer \(OrdersFeedServer.token)" else { return .status(401) }
            if state.value { return .status(500, body: "internal error") }
            guard request.queryValue("date") == day.iso, let page = request.queryValue("page").flatMap(Int.init),
                  (1...pages.count).contains(page) else { return .status(404) }
            return ScriptedResponse(status: 200, headers: [("Content-Type", "application/json")], body: pages[page - 1])
        }
        failingState = state
    }

    private let failingState: Flag

    func setFailing(_ value: Bool) { failingState.value = value }

    var template: String { server.url("/b2b/orders?date={date}&page={page}") }

    deinit { server.stop() }
}

/// A flag shared with the server's threads.
final class Flag: Sendable {
    private let storage = Mutex(false)
    var value: Bool {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

@Suite("Sources over HTTP; a failing source")
struct HTTPSourceTests {
    /// The sample configuration with the orders feed behind a bearer token named by `token_env`
    /// (or `token_file`), three attempts per request.
    func configuration(_ sandbox: Sandbox, tokenFile: Bool = false) throws -> String {
        let token = tokenFile ? "    token_file: secrets/shop.token\n#" : "    token_env: SVERKA_SHOP_TOKEN\n#"
        let text = try sandbox.sampleConfiguration()
            .replacingOccurrences(of: "    # token_env: SVERKA_SHOP_TOKEN ", with: token)
            .replacingOccurrences(of: "max_attempts: 4 ", with: "max_attempts: 3 ")
        return try sandbox.writeConfiguration(text, name: "http.yaml")
    }

    @Test func thePagedOrdersFeedWithABearerTokenThroughTheLiveClient() async throws {
        let feed = try OrdersFeedServer(day: Day.d26, perPage: 2)
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let variables = ["SVERKA_ORDERS_URL": feed.template, "SVERKA_SHOP_TOKEN": OrdersFeedServer.token]
        let loaded = try ConfigurationLoader.load(path: try configuration(sandbox), environment: variables)
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let logs = LogCapture()
        var environment = JobEnvironment.live(configuration: loaded, environment: variables, logger: logs.logger(),
                                              schemasDirectory: Paths.schemas)
        environment.now = Clock.now
        let outcome = try #require(try await runDays([Day.d26], loaded: loaded, environment: environment).first)
        #expect(outcome.exitStatus == .success, "\(outcome.result.exceptions)")
        #expect(outcome.result.documents.count == 3)
        // Page after page, every request with the token.
        let requests = feed.server.requests(to: "/b2b/orders")
        #expect(requests.compactMap { $0.queryValue("page") } == ["1", "2"])
        #expect(requests.allSatisfy { $0.header("Authorization") == "Bearer \(OrdersFeedServer.token)" })
        #expect(requests.allSatisfy { $0.queryValue("date") == "2026-11-26" })
        let source = try #require(outcome.result.sources.first)
        #expect(source.name == "orders-feed" && source.status == "ok" && source.records == 3)
        #expect(source.url == feed.server.url("/b2b/orders?date=2026-11-26&page=1"))
        // The same documents as from the files.
        let fromFiles = try Sandbox()
        defer { fromFiles.remove() }
        let reference = try await runDays([Day.d26], loaded: try fromFiles.load(),
                                          environment: testEnvironment(logger: LogCapture().logger()))
        #expect(reference.first?.result.documents == outcome.result.documents)
        #expect(!logs.text.contains(OrdersFeedServer.token))
    }

    @Test func aTokenFromAFile() async throws {
        let feed = try OrdersFeedServer(day: Day.d26, perPage: 1)
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let secrets = sandbox.samples.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Data((OrdersFeedServer.token + "\n").utf8).write(to: secrets.appendingPathComponent("shop.token"))
        let variables = ["SVERKA_ORDERS_URL": feed.template]
        let loaded = try ConfigurationLoader.load(path: try configuration(sandbox, tokenFile: true), environment: variables)
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let outcome = try #require(try await runDays([Day.d26], loaded: loaded,
                                                     environment: testEnvironment(variables, logger: LogCapture().logger())).first)
        #expect(outcome.exitStatus == .success)
        #expect(feed.server.requests(to: "/b2b/orders").compactMap { $0.queryValue("page") } == ["1", "2", "3"])
    }

    @Test func aMissingTokenFailsTheDayNamingTheVariable() async throws {
        let feed = try OrdersFeedServer(day: Day.d26, perPage: 2)
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let variables = ["SVERKA_ORDERS_URL": feed.template]
        let loaded = try ConfigurationLoader.load(path: try configuration(sandbox), environment: variables)
        #expect(loaded.problems == [.init(.warning, "sources.orders.token_env", "environment variable SVERKA_SHOP_TOKEN is not set here")])
        let outcome = try #require(try await runDays([Day.d26], loaded: loaded,
                                                     environment: testEnvironment(variables, logger: LogCapture().logger())).first)
        #expect(outcome.exitStatus == .failure)
        #expect(outcome.result.sources.first?.error?.contains("environment variable SVERKA_SHOP_TOKEN is not set") == true,
                "\(outcome.result.sources)")
        #expect(feed.server.requests.isEmpty)
    }

    @Test func aSourceFailingWithHTTP500FailsTheDayAndTheNextRunCompletes() async throws {
        let feed = try OrdersFeedServer(day: Day.d26, perPage: 2)
        feed.setFailing(true)
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let variables = ["SVERKA_ORDERS_URL": feed.template, "SVERKA_SHOP_TOKEN": OrdersFeedServer.token]
        let loaded = try ConfigurationLoader.load(path: try configuration(sandbox), environment: variables)
        let logs = LogCapture()
        var environment = JobEnvironment.live(configuration: loaded, environment: variables, logger: logs.logger(),
                                              schemasDirectory: Paths.schemas)
        environment.now = Clock.now

        let failed = try #require(try await runDays([Day.d26], loaded: loaded, environment: environment).first)
        #expect(failed.exitStatus == .failure)
        #expect(failed.report == nil)
        // Three attempts (http.max_attempts), then the day fails.
        #expect(feed.server.requests(to: "/b2b/orders").count == 3)
        let folder = sandbox.dayFolder(Day.d26)
        let written = try readRunResult(folder)
        #expect(written == failed.result)
        #expect(written.status == .failed)
        #expect(written.documents.isEmpty && written.payments.isEmpty && written.customers.isEmpty)
        let sourceFailure = try #require(written.exceptions.first)
        #expect(sourceFailure.kind == "source-failed" && sourceFailure.ref == "orders-feed")
        #expect(sourceFailure.message.contains("HTTP 500"), "\(sourceFailure.message)")
        #expect(written.sources.map(\.status) == ["failed", "ok", "ok", "ok"])
        #expect(files(in: folder.appendingPathComponent("edo")).isEmpty)
        #expect(files(in: folder.appendingPathComponent("archive")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path))

        // Nothing for the day in the ledger but the run journal's entry.
        let ledger = try Ledger(path: sandbox.ledgerPath)
        let counts = try ledger.tableCounts()
        for (table, count) in counts where !["runs", "grdb_migrations"].contains(table) {
            #expect(count == 0, "\(table) has \(count) row(s) after a failed day")
        }
        let runs = try ledger.read { try $0.lastRuns() }
        #expect(runs.count == 1)
        #expect(runs.first?.outcome == .failed && runs.first?.businessDate == Day.d26)
        #expect(runs.first?.message.contains("the day is incomplete, nothing was written") == true)
        #expect(runs.first?.finishedAt?.epochSeconds == Clock.epoch)

        // The retries and the failure were logged, without the token.
        #expect(logs.lines.contains { $0.contains("retrying after") })
        #expect(logs.lines.contains { $0.contains("\"level\":\"error\"") && $0.contains("FAILED") })
        #expect(!logs.text.contains(OrdersFeedServer.token))

        // The shop is back: the next run completes the day.
        feed.setFailing(false)
        let done = try #require(try await runDays([Day.d26], loaded: loaded, environment: environment).first)
        #expect(done.exitStatus == .success)
        #expect(try readRunResult(folder).status == .ok)
        #expect(files(in: folder.appendingPathComponent("edo")).count == 3)
        let journal = try ledger.read { try $0.lastRuns() }
        #expect(journal.map(\.outcome) == [.ok, .failed])
        #expect(try ledger.read { try $0.documents(businessDate: Day.d26).count } == 3)
    }
}
