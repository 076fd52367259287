import Domain
import Foundation
import GRDB

extension LedgerTransaction {
    /// The columns of a stored movement as ``recordMovements(_:businessDate:)`` compares them.
    private struct StoredMovement {
        /// The row decoded as `movementValue` decodes it, or why it does not decode.
        var movement: Result<BalanceMovement, any Error>
        /// `business_date` as stored (compared as text, as the one-by-one write compared it).
        var businessDate: String
    }

    /// ``recordMovements(_:businessDate:)``'s work: what the ledger holds of the movements' ids is read
    /// with one query per chunk of ids, new movements are inserted by a statement prepared once with
    /// their values bound directly, and each movement is then decided exactly as one by one (a movement
    /// given twice meets what the first one wrote).
    func recordMovementsInBlocks(_ movements: [BalanceMovement], businessDate: CivilDate) throws -> WriteCounts {
        var counts = WriteCounts()
        guard !movements.isEmpty else { return counts }
        let day = businessDate.iso
        var stored: [String: StoredMovement] = [:]
        stored.reserveCapacity(movements.count)
        try forEachRawRow("SELECT \(Self.rawMovementColumns) FROM balance_movements WHERE id IN ({keys})",
                          keys: movements.map(\.id)) { row in
            let id = try row.requiredText(0, "balance_movements.id")
            stored[id] = StoredMovement(movement: Result { try self.movement(from: row) }, businessDate: row.text(7) ?? "")
        }
        let insert = try DirectInsert(db, sql: """
            INSERT INTO balance_movements (customer_inn, date, kind, amount, order_id, reference, business_date, id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for movement in movements {
            if let existing = stored[movement.id] {
                // Same movement, or one a later business day already wrote (a rerun of an
                // earlier day does not take it back): leave it.
                if try existing.movement.get() == movement || existing.businessDate > day {
                    counts.add(.unchanged)
                    continue
                }
                try db.cachedStatement(sql: """
                    UPDATE balance_movements SET customer_inn = ?, date = ?, kind = ?, amount = ?, order_id = ?,
                        reference = ?, business_date = ?
                    WHERE id = ?
                    """).execute(arguments: [movement.customerINN, movement.date.iso, movement.kind.rawValue,
                                             movement.amount.kopecks, movement.orderID?.rawValue, movement.reference,
                                             day, movement.id])
                counts.add(.updated)
            } else {
                insert.bind(movement.customerINN)
                insert.bind(movement.date.iso)
                insert.bind(movement.kind.rawValue)
                insert.bind(movement.amount.kopecks)
                insert.bind(movement.orderID?.rawValue)
                insert.bind(movement.reference)
                insert.bind(day)
                insert.bind(movement.id)
                try insert.step()
                counts.add(.inserted)
            }
            stored[movement.id] = StoredMovement(movement: .success(movement), businessDate: day)
        }
        return counts
    }
}
