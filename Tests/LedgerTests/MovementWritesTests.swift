import Domain
import Foundation
import GRDB
@testable import Ledger
import Testing
import TestSupport

/// `recordMovements` reads what the ledger holds of a batch's ids at once and inserts new movements by a
/// statement bound directly; it leaves the ledger and the counts exactly as the one-by-one write did.
@Suite("Ledger: movements written in blocks")
struct MovementWritesTests {
    static let earlier = Fixture.date("2026-03-03")
    static let day = Fixture.date("2026-03-04")
    static let later = Fixture.date("2026-03-05")

    /// The write as it was before blocks: each movement looked up by id, then left, updated or inserted.
    static func oneByOne(_ tx: LedgerTransaction, _ movements: [BalanceMovement], businessDate: CivilDate) throws -> WriteCounts {
        var counts = WriteCounts()
        for movement in movements {
            let columns: StatementArguments = [movement.customerINN, movement.date.iso, movement.kind.rawValue,
                                               movement.amount.kopecks, movement.orderID?.rawValue, movement.reference,
                                               businessDate.iso, movement.id]
            if let existing = try tx.movement(id: movement.id) {
                let writtenOn = try String.fetchOne(tx.db, sql: "SELECT business_date FROM balance_movements WHERE id = ?",
                                                    arguments: [movement.id]) ?? ""
                if existing == movement || writtenOn > businessDate.iso {
                    counts.add(.unchanged)
                    continue
                }
                try tx.db.execute(sql: """
                    UPDATE balance_movements SET customer_inn = ?, date = ?, kind = ?, amount = ?, order_id = ?,
                        reference = ?, business_date = ? WHERE id = ?
                    """, arguments: columns)
                counts.add(.updated)
            } else {
                try tx.db.execute(sql: """
                    INSERT INTO balance_movements (customer_inn, date, kind, amount, order_id, reference, business_date, id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: columns)
                counts.add(.inserted)
            }
        }
        return counts
    }

    /// Every row of `balance_movements`, with its rowid (the order rows were inserted in).
    static func rows(_ ledger: Ledger) throws -> [String] {
        try ledger.read { reader in
            try Row.fetchAll(reader.db, sql: "SELECT rowid, * FROM balance_movements ORDER BY rowid").map { $0.description }
        }
    }

    /// Random movements over a small pool of ids (so that some repeat within a batch and some are
    /// stored already), with now and then the same content as another.
    static func randomMovements(_ random: inout SplitMix64, count: Int, pool: Int) -> [BalanceMovement] {
        (0..<count).map { _ in
            let key = Int(random.next() % UInt64(pool))
            let variant = Int(random.next() % 3)
            let kinds = BalanceMovement.Kind.allCases
            return BalanceMovement(
                id: key % 5 == 0 ? "shipment:SH-\(key)@2026-03-0\(3 + variant)" : "payment:P-\(key):\(Fixture.innA)",
                customerINN: variant == 2 ? Fixture.innB : Fixture.innA,
                date: earlier.adding(days: variant),
                kind: kinds[(key + variant) % kinds.count],
                amount: Money(kopecks: Int64(key * 100 + variant) - 1_000),
                orderID: variant == 1 ? nil : OrderID("ORD-\(key)"),
                reference: variant == 0 ? "Оплата (п/п № \(key))" : "УПД № \(key) от 03.03.2026")
        }
    }

    @Test("batches with repeated ids, stored movements of earlier and later days, over several chunks: same rows and counts")
    func sameAsOneByOne() throws {
        var random = SplitMix64(seed: 42)
        for round in 0..<6 {
            let pool = [8, 40, 1_400][round % 3]
            let seedEarlier = Self.randomMovements(&random, count: pool / 2, pool: pool)
            let seedLater = Self.randomMovements(&random, count: pool / 4, pool: pool)
            let batch = Self.randomMovements(&random, count: pool * 2, pool: pool)
            let blocks = try TemporaryLedger("movements-blocks"), single = try TemporaryLedger("movements-single")
            defer {
                blocks.remove()
                single.remove()
            }
            for ledger in [blocks.ledger, single.ledger] {
                try ledger.write { tx in
                    _ = try Self.oneByOne(tx, seedEarlier, businessDate: Self.earlier)
                    _ = try Self.oneByOne(tx, seedLater, businessDate: Self.later)
                }
            }
            let counts = try blocks.ledger.write { try $0.recordMovements(batch, businessDate: Self.day) }
            let expected = try single.ledger.write { try Self.oneByOne($0, batch, businessDate: Self.day) }
            #expect(counts == expected, "round \(round)")
            #expect(counts.inserted > 0 && counts.unchanged > 0 && counts.updated > 0, "round \(round): \(counts)")
            #expect(try Self.rows(blocks.ledger) == Self.rows(single.ledger), "round \(round)")
            // Again: nothing changes.
            let again = try blocks.ledger.write { try $0.recordMovements(batch, businessDate: Self.day) }
            #expect(again == (try single.ledger.write { try Self.oneByOne($0, batch, businessDate: Self.day) }))
            #expect(try Self.rows(blocks.ledger) == Self.rows(single.ledger), "round \(round), again")
        }
    }

    @Test("a stored movement that does not decode fails the write with the ledger's error")
    func corruptStoredMovement() throws {
        try withLedger { ledger in
            let movement = Fixture.movement(id: "m1", date: "2026-03-04", kind: .shipment, amount: 1_00)
            try ledger.write { tx in
                _ = try tx.recordMovements([movement], businessDate: Self.day)
                try tx.db.execute(sql: "UPDATE balance_movements SET kind = 'gift' WHERE id = 'm1'")
            }
            #expect {
                try ledger.write { try $0.recordMovements([movement], businessDate: Self.day) }
            } throws: { error in
                (error as? LedgerError)?.reason == "stored balance_movements.kind is not valid"
            }
            // A batch without that id is written.
            let other = Fixture.movement(id: "m2", date: "2026-03-04", kind: .shipment, amount: 2_00)
            #expect(try ledger.write { try $0.recordMovements([other], businessDate: Self.day) } == WriteCounts(inserted: 1))
        }
    }

    @Test("document stamps are the versions' columns, in recording order, as the full reads give them")
    func documentStamps() throws {
        try withLedger { ledger in
            try BatchedReadsTests.fill(ledger)
            try ledger.read { reader in
                let orders = ["ORD-1", "ORD-2", "ORD-3", "ORD-none"].map { OrderID($0) }
                let stamps = try reader.documentStamps(orders: orders + orders)
                let full = try reader.documentVersions(orders: orders, withDetails: false)
                #expect(Set(stamps.keys) == Set(full.keys))
                #expect(!stamps.isEmpty)
                for (order, versions) in full {
                    #expect(stamps[order] == versions.map {
                        DocumentStamp(identity: $0.identity, correctionNumber: $0.correctionNumber, number: $0.number,
                                      date: $0.date, businessDate: $0.businessDate)
                    })
                }
            }
        }
    }

    struct Stop: Error {}

    @Test("a read with a page cache of its own: set while it runs, the connection's own back after it, also when it throws")
    func pageCacheForOneRead() throws {
        try withLedger { ledger in
            func cacheSize(_ reader: LedgerReader) throws -> Int? { try Int.fetchOne(reader.db, sql: "PRAGMA cache_size") }
            try ledger.read { reader in
                #expect(try cacheSize(reader) == -Ledger.pageCacheKiB)
                let inside = try reader.withPageCache(kibibytes: 1_234) { try cacheSize(reader) }
                #expect(inside == -1_234)
                #expect(try cacheSize(reader) == -Ledger.pageCacheKiB)
                #expect(throws: Stop.self) {
                    try reader.withPageCache(kibibytes: LedgerReader.onePassCacheKiB) {
                        #expect(try cacheSize(reader) == -LedgerReader.onePassCacheKiB)
                        throw Stop()
                    }
                }
                #expect(try cacheSize(reader) == -Ledger.pageCacheKiB)
            }
            #expect(LedgerReader.onePassCacheKiB < Ledger.pageCacheKiB)
        }
    }

    @Test("payments listed in the order of receipt, a block at a time: each known one once, whatever the listing's order and repeats")
    func paymentsInReceiptOrder() throws {
        try withLedger { ledger in
            let count = 5_000
            try ledger.write { tx in
                for index in 0..<count where index % 7 != 3 {
                    _ = try tx.upsertPayment(Fixture.payment(id: "P-\(index)", amount: Int64(100 + index),
                                                             receivedOn: "2026-03-\(10 + index % 9)"),
                                             businessDate: Fixture.date("2026-03-20"))
                }
                // Another day's payments, not listed: never given.
                _ = try tx.upsertPayment(Fixture.payment(id: "P-other", amount: 1, receivedOn: "2026-03-01"),
                                         businessDate: Fixture.date("2026-03-20"))
            }
            // Every id in a shuffled order, one unknown, and repeats.
            var ids = (0..<count).map { PaymentID("P-\(($0 * 7_919) % count)") }
            ids.insert(PaymentID("P-5"), at: 7)
            ids.insert(PaymentID("P-none"), at: 11)
            ids.append(PaymentID("P-12"))
            let expected = (0..<count).filter { $0 % 7 != 3 }
                .map { (date: "2026-03-\(10 + $0 % 9)", id: "P-\($0)") }
                .sorted { ($0.date, $0.id) < ($1.date, $1.id) } // (ASCII ids: their byte order)
            var blocks: [[PaymentID]] = []
            // Read on a snapshot (the outputs' connection is a reader's): the listing's table is its own.
            try ledger.read { reader in
                try reader.forEachPaymentBlockInReceiptOrder(listing: { list in for id in ids { try list(id) } }, size: 1_000) { block in
                    // The ledger can be read meanwhile.
                    let read = try reader.paymentsReadDirectly(ids: block)
                    #expect(read.count == block.count)
                    // (sorted and read with a small page cache; the connection's own is back afterwards)
                    #expect(try Int.fetchOne(reader.db, sql: "PRAGMA cache_size") == -LedgerReader.onePassCacheKiB)
                    blocks.append(block)
                }
                #expect(try Int.fetchOne(reader.db, sql: "PRAGMA cache_size") == -Ledger.pageCacheKiB)
            }
            #expect(blocks.dropLast().allSatisfy { $0.count == 1_000 } && blocks.last?.isEmpty == false)
            let listed = blocks.flatMap { $0 }.map(\.rawValue)
            #expect(listed.count == expected.count)
            #expect(listed == expected.map(\.id))
            // What the block's reader throws is thrown as it is; the next listing starts afresh.
            #expect(throws: Stop.self) {
                try ledger.read { reader in
                    defer { #expect((try? Int.fetchOne(reader.db, sql: "PRAGMA cache_size")) == -Ledger.pageCacheKiB) }
                    try reader.forEachPaymentBlockInReceiptOrder(listing: { list in for id in ids { try list(id) } }, size: 10) { _ in
                        throw Stop()
                    }
                }
            }
            let again = try ledger.read { reader in
                var all: [PaymentID] = []
                try reader.forEachPaymentBlockInReceiptOrder(listing: { list in try list(PaymentID("P-1")) }, size: 10) { all += $0 }
                return all
            }
            #expect(again == [PaymentID("P-1")])
        }
    }

    @Test("payments, allocated shares and allocated amounts read directly are what the Row-based reads give")
    func directReads() throws {
        try withLedger { ledger in
            try BatchedReadsTests.fill(ledger)
            // An order whose customer changed on a later day: its bill follows it.
            try ledger.write { tx in
                _ = try tx.upsertOrder(Fixture.order(id: "ORD-3", customer: Fixture.party(inn: Fixture.innB, name: "ИП Петров"),
                                                     bill: "B-3", shipmentID: "SH-3"), businessDate: Self.later)
            }
            try ledger.read { reader in
                let payments = ["P-1", "P-2", "P-none", "P-1"].map { PaymentID($0) }
                let direct = try reader.paymentsReadDirectly(ids: payments)
                #expect(direct.count == 2)
                #expect(direct == (try reader.payments(ids: payments)))
                #expect(direct.values.allSatisfy { !$0.raw.isEmpty })
                // Without their records: the same payments, their records empty.
                let withoutRecords = try reader.paymentsReadDirectly(ids: payments, includingRecords: false)
                #expect(withoutRecords == direct.mapValues { payment in
                    var payment = payment
                    payment.raw = ""
                    return payment
                })

                let shares = try reader.allocatedShares(payments: payments)
                let allocations = try reader.allocations(payments: payments)
                let customers = try reader.customerINNs(ofOrders: allocations.values.flatMap { $0.map(\.allocation.orderID) })
                #expect(Set(shares.keys) == Set(allocations.keys))
                #expect(shares.values.map(\.count).reduce(0, +) == 3)
                for (payment, records) in allocations {
                    let expected = records.map { (customers[$0.allocation.orderID], $0.allocation.amount) }
                    let got = shares[payment] ?? []
                    #expect(got.map(\.customerINN) == expected.map(\.0))
                    #expect(got.map(\.amount) == expected.map(\.1))
                }

                let orders = ["ORD-1", "ORD-2", "ORD-3"].map { OrderID($0) }
                let amounts = try reader.allocatedAmounts(orders: orders)
                let byOrder = try reader.allocations(orders: orders)
                #expect(amounts == byOrder.mapValues { $0.map(\.allocation.amount).sum() })
                #expect(amounts[OrderID("ORD-1")] == Money(kopecks: 5_00))
                #expect(shares[PaymentID("P-1")]?.map(\.customerINN).contains(Fixture.innB) == true)
            }
        }
    }
}
