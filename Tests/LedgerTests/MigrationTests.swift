import Foundation
import GRDB
import Ledger
import Testing

@Suite("Ledger: migration policy")
struct MigrationTests {
    @Test("a database with a migration this build does not know (a newer sverka) is refused")
    func newerDatabaseRefused() throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        // Another program (a newer build) applied a migration this build does not know.
        let other = try DatabaseQueue(path: temporary.path)
        try other.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        try other.close()
        let error = try #require(throws: LedgerError.self) { _ = try Ledger(path: temporary.path) }
        #expect(error.reason.contains("newer sverka"))
    }
}
