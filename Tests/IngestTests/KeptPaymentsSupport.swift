import Domain
import Foundation
@testable import Ingest
import Synchronization
import Testing

/// Payments kept in memory, as the job's file keeps them: each at the next place, with its record.
final class KeptPayments: PaymentKeeper {
    let payments = Mutex<[Payment]>([])
    /// Fails when keeping the payment at this place.
    let failingAt: Int?

    init(failingAt: Int? = nil) { self.failingAt = failingAt }

    func keep(_ payment: Payment) throws -> Int {
        try payments.withLock { payments in
            if payments.count == failingAt { throw CocoaError(.fileWriteOutOfSpace) }
            payments.append(payment)
            return payments.count - 1
        }
    }

    /// How many payments it was given.
    var count: Int { payments.withLock { $0.count } }

    /// The payments `kept` names, in that order, after checking that each kept payment has the id it was
    /// given with and that no place is named twice (a place it never gave fails the test).
    func restored(_ kept: [KeptPayment], sourceLocation: SourceLocation = #_sourceLocation) -> [Payment] {
        let all = payments.withLock { $0 }
        #expect(Set(kept.map(\.place)).count == kept.count, "a place named twice", sourceLocation: sourceLocation)
        return kept.compactMap { entry in
            guard all.indices.contains(entry.place) else {
                Issue.record("place \(entry.place) of \(all.count)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(all[entry.place].id == entry.id, sourceLocation: sourceLocation)
            return all[entry.place]
        }
    }

    /// `reading` as if read without a keeper: its payments back from this keeper (`payments` must be empty).
    func restored(_ reading: BankStatementReading, sourceLocation: SourceLocation = #_sourceLocation) -> BankStatementReading {
        var copy = reading
        #expect(reading.payments.isEmpty, "payments in the reading beside the keeper's", sourceLocation: sourceLocation)
        copy.payments = restored(reading.kept, sourceLocation: sourceLocation)
        copy.kept = []
        return copy
    }
}
