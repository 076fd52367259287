import Domain
import Foundation
@testable import Ingest
import Testing

@Suite("Sample days read cleanly")
struct SampleSmokeTests {
    @Test func ordersOf26th() throws {
        let reading = try OrdersFeed.read(Fixture.sample(Fixture.day26, "orders.json"), day: Fixture.day26)
        #expect(reading.quarantined.map(\.diagnostic.description) == [])
        #expect(reading.orders.map(\.order.id.rawValue) == ["ORD-2026-000118", "ORD-2026-000119", "ORD-2026-000120"])
    }

    @Test func ordersOf27th() throws {
        let reading = try OrdersFeed.read(Fixture.sample(Fixture.day27, "orders.json"), day: Fixture.day27)
        #expect(reading.quarantined.map(\.diagnostic.description) == [])
        #expect(reading.orders.count == 10)
        #expect(reading.diagnostics.map(\.kind) == ["missing-vsd"])
    }
}
