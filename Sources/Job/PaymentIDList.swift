import Domain
import Foundation
import Synchronization

/// Payment ids in a fixed order, held in memory or kept in a file (``SpilledTexts``) and read back a
/// block at a time: the lists the steps after the reconciliation go through in order (the day's own
/// payments, the payments the day touched). A large day's ids are most of what it would otherwise
/// hold to its end: each is a heap text (a 72-byte 1C id takes a 112-byte block).
struct PaymentIDList: Sendable {
    private enum Storage: Sendable {
        case memory([PaymentID])
        case file(SpilledTexts)
    }

    private let storage: Storage

    /// `ids`, held in memory (tests, and lists known to be short).
    init(_ ids: [PaymentID]) { storage = .memory(ids) }

    /// `ids` written to the (already unlinked) file `.NAME.tmp-PID` in `directory`, `block` at a time;
    /// `contents` says what they are (in an error about the file).
    init(keeping ids: some Collection<PaymentID>, in directory: URL, name: String, contents: String,
         block: Int = 4_096) throws {
        let file = try SpilledTexts(directory: directory, name: name, contents: contents)
        var start = ids.startIndex
        while start != ids.endIndex {
            let end = ids.index(start, offsetBy: max(1, block), limitedBy: ids.endIndex) ?? ids.endIndex
            try file.append(ids[start..<end].lazy.map(\.rawValue))
            start = end
        }
        storage = .file(file)
    }

    var count: Int {
        switch storage {
        case let .memory(ids): ids.count
        case let .file(file): file.count
        }
    }

    var isEmpty: Bool { count == 0 }

    /// The ids at `range`.
    func ids(in range: Range<Int>) throws -> [PaymentID] {
        switch storage {
        case let .memory(ids): Array(ids[range])
        case let .file(file): try file.texts(in: range).map { PaymentID($0) }
        }
    }

    /// Every id, in order (only where the whole list is needed at once).
    func all() throws -> [PaymentID] { try ids(in: 0..<count) }
}

/// The day's payment ids by position, held while the reconciliation runs — the matcher's payments
/// carry these very values, so what it decides shares their texts rather than copies — and then put
/// aside in a file (``putAside(in:)``) for the steps after it, which only go through them in order.
final class DayPaymentIDs: Sendable {
    private let held: Mutex<[PaymentID]?>
    /// How many there are.
    let count: Int

    init(_ ids: [PaymentID]) {
        count = ids.count
        held = Mutex(ids)
    }

    /// The ids, while they are held (the reconciliation; reading them after they are put aside is a
    /// fault of the day's steps).
    var inMemory: [PaymentID] {
        guard let ids = held.withLock({ $0 }) else { preconditionFailure("the day's payment ids were put aside") }
        return ids
    }

    /// Writes the ids to a file in `directory` and lets go of the ones held (every copy of the array
    /// others took must be gone too for their texts to go): the list that reads them back.
    func putAside(in directory: URL) throws -> PaymentIDList {
        let ids = inMemory
        let list = try PaymentIDList(keeping: ids, in: directory, name: "payment-ids", contents: "day's payment ids")
        held.withLock { $0 = nil }
        return list
    }
}
