import Domain
import Foundation
import HTTP
import Ingest
import Synchronization
import Testing
import TestSupport

/// The day's sources are fetched at the same time: the bank statement is asked for while the
/// orders feed has not answered yet, and the result is combined in the fixed order anyway.
@Suite("Fetching a day's sources at the same time")
struct ConcurrentSourcesTests {
    @Test("the statement is requested while the feed is still pending; outcomes keep the configured order")
    func statementRequestedWhileTheFeedIsPending() async throws {
        let samples = Paths.samples.appendingPathComponent("days/2026-11-27")
        let feed = [UInt8](try Data(contentsOf: samples.appendingPathComponent("orders.json")))
        let statement = [UInt8](try Data(contentsOf: samples.appendingPathComponent("kl_to_1c_27112026.txt")))
        let bankAsked = DispatchSemaphore(value: 0)
        let overlapped = Mutex(false)
        // The feed answers only once the statement has been asked for (or after 10 s when it never is,
        // as when sources are read one after another).
        let server = try LoopbackHTTPServer { request in
            if request.path == "/orders" {
                let arrived = bankAsked.wait(timeout: .now() + 10) == .success
                overlapped.withLock { $0 = arrived }
                return ScriptedResponse(status: 200, headers: [("Content-Type", "application/json")], body: feed)
            }
            bankAsked.signal()
            return ScriptedResponse(status: 200, headers: [("Content-Type", "text/plain")], body: statement)
        }
        defer { server.stop() }
        let sources = DaySources(
            orders: OrdersFeedSource(url: try URLTemplate(server.url("/orders"))),
            banks: [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(server.url("/statement")),
                                        accounts: [Fixture.mainAccount])])
        let result = await ingest(day: Fixture.day27, sources: sources, client: SourcesTests.client)
        #expect(result.isComplete, "\(result.outcomes)")
        #expect(overlapped.withLock { $0 })
        #expect(result.outcomes.map(\.source) == ["orders-feed", "bank-1c:main"])
        #expect(result.orders.count == 10)
        #expect(result.payments.filter { $0.source == .bank1C }.count == 6)
    }
}
