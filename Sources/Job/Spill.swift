import Domain
import EDO
import Foundation
import Ingest
import Reconcile
import Synchronization

/// Records set aside in a temporary file (EDO's ``SpillFile``: unlinked at once, so nothing stays
/// behind) one after another and read back by position; what it keeps in memory is each record's end
/// (``RecordEnds``: ~4 bytes a record). Appending and truncating happen on one thread at a time; reading may happen
/// on several (each read takes the file for its `pread` alone).
final class RecordSpill: Sendable {
    private struct State: @unchecked Sendable { // (the file is used only under the lock)
        let file: SpillFile
        /// Where each record ends in the file (its start is the previous one's end).
        var ends = RecordEnds()
        var size: Int { ends.last ?? 0 }
    }

    private let state: Mutex<State>
    /// What the records are (for messages): `orders`, `payments' records`.
    let contents: String

    /// Makes the file in `directory` as `.NAME.tmp-PID`, unlinked at once.
    /// - Throws: `OrderSpillError` when it cannot be made.
    init(directory: URL, name: String, contents: String) throws {
        self.contents = contents
        do {
            state = Mutex(State(file: try SpillFile(in: directory, name: name)))
        } catch {
            throw OrderSpillError(reason: "cannot make a temporary file for the \(contents): \(error)")
        }
    }

    /// How many records it holds.
    var count: Int { state.withLock { $0.ends.count } }

    /// How many bytes the records take.
    var byteCount: Int { state.withLock { $0.size } }

    /// Keeps `bytes`, records one after another that end at `ends` (offsets in `bytes`, increasing);
    /// returns the position of the first (the records' positions follow on, whichever thread appends).
    @discardableResult
    func append(_ bytes: [UInt8], ends: [Int]) throws -> Int {
        try state.withLock { state in
            let first = state.ends.count
            let start = state.size
            guard state.ends.canAppend(ends.lazy.map { $0 + start }) else {
                throw OrderSpillError(reason: "cannot keep the \(contents) aside: \(RecordEnds.recordsPerBlock) records "
                                      + "of more than 4 GiB together")
            }
            do {
                try state.file.append(bytes)
            } catch {
                throw OrderSpillError(reason: "cannot keep the \(contents) aside: \(error)")
            }
            for end in ends { state.ends.append(end + start) }
            return first
        }
    }

    /// Drops every record from position `count` on.
    func truncate(to count: Int) throws {
        try state.withLock { state in
            guard count >= 0, count <= state.ends.count else {
                throw OrderSpillError(reason: "cannot keep the first \(count) of \(state.ends.count) \(contents)")
            }
            state.ends.truncate(to: count)
            do {
                try state.file.truncate(to: state.size)
            } catch {
                throw OrderSpillError(reason: "cannot drop \(contents) kept aside: \(error)")
            }
        }
    }

    /// The bytes of the records at `positions`, with each record's end in them.
    func records(_ positions: Range<Int>) throws -> (bytes: [UInt8], ends: [Int]) {
        try state.withLock { state in
            guard positions.lowerBound >= 0, positions.upperBound <= state.ends.count else {
                throw OrderSpillError(reason: "positions \(positions.lowerBound)..<\(positions.upperBound) of \(state.ends.count) \(contents)")
            }
            let start = positions.lowerBound == 0 ? 0 : state.ends[positions.lowerBound - 1]
            let ends = positions.map { state.ends[$0] - start }
            do {
                return (try state.file.read(offset: start, count: ends.last ?? 0), ends)
            } catch {
                throw OrderSpillError(reason: "cannot read the \(contents) kept aside back: \(error)")
            }
        }
    }
}

/// Where each record of a ``RecordSpill`` ends (increasing offsets), in ~4 bytes a record where an
/// `[Int]` took 8: each block of 256 records keeps where it starts, each record its end from there.
/// The records' ends are kept in chunks of a fixed size (64 Ki ends, 256 KiB) rather than one array:
/// an array that doubles as it grows holds up to twice what it needs and copies itself each time, and
/// a day keeps several such files to its end (its orders, its payments' records and ids, its
/// documents' keys).
struct RecordEnds {
    static let recordsPerBlock = 256
    /// Where each block's records start: the end of the record before the block (0 for the first).
    private var blockStarts: [Int] = []
    /// Each record's end, from its block's start, `1 << chunkShift` to a chunk (only the first chunk
    /// grows by doubling; each later one is made at its full size).
    private var chunks: [[UInt32]] = []
    private let chunkShift: Int
    private(set) var count = 0

    /// - Parameter chunkShift: each chunk holds `1 << chunkShift` ends (tests make them small).
    init(chunkShift: Int = 16) {
        precondition(chunkShift > 0 && chunkShift < 32, "a chunk of 2 to 2³¹ ends")
        self.chunkShift = chunkShift
    }

    var last: Int? { count == 0 ? nil : self[count - 1] }

    subscript(position: Int) -> Int {
        blockStarts[position / Self.recordsPerBlock] + Int(chunks[position >> chunkShift][position & ((1 << chunkShift) - 1)])
    }

    /// Whether `ends` (increasing, from the last end on) can follow: no block spans 4 GiB or more.
    func canAppend(_ ends: some Sequence<Int>) -> Bool {
        var count = self.count
        var blockStart = blockStarts.last ?? 0
        var previous = last ?? 0
        for end in ends {
            if count % Self.recordsPerBlock == 0 { blockStart = previous }
            guard end >= previous, end - blockStart <= Int(UInt32.max) else { return false }
            previous = end
            count += 1
        }
        return true
    }

    /// Adds the end of the next record (checked by ``canAppend(_:)``).
    mutating func append(_ end: Int) {
        if count % Self.recordsPerBlock == 0 { blockStarts.append(last ?? 0) }
        if count & ((1 << chunkShift) - 1) == 0 {
            var chunk: [UInt32] = []
            if !chunks.isEmpty { chunk.reserveCapacity(1 << chunkShift) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(UInt32(end - blockStarts[blockStarts.count - 1]))
        count += 1
    }

    /// Keeps the first `count` records' ends (none: the room they took goes too).
    mutating func truncate(to count: Int) {
        precondition(count >= 0 && count <= self.count, "records kept are records held")
        guard count > 0 else {
            (blockStarts, chunks, self.count) = ([], [], 0)
            return
        }
        let size = 1 << chunkShift
        chunks.removeSubrange(((count + size - 1) >> chunkShift)...)
        if count % size != 0 { chunks[chunks.count - 1].removeSubrange((count % size)...) }
        blockStarts.removeSubrange(((count + Self.recordsPerBlock - 1) / Self.recordsPerBlock)...)
        self.count = count
    }
}

/// An ``OrderSpill`` in a ``RecordSpill``: the day's orders in their binary form
/// (`Order.appendBinary(to:)`), read back a block at a time.
final class SpilledOrders: OrderSpill {
    private let file: RecordSpill

    /// Makes the (already unlinked) file in `directory`.
    /// - Throws: `OrderSpillError` when it cannot be made.
    init(directory: URL) throws { file = try RecordSpill(directory: directory, name: "orders", contents: "orders") }

    var count: Int { file.count }

    /// How many bytes the file holds.
    var byteCount: Int { file.byteCount }

    func append(_ orders: [Order]) throws {
        guard !orders.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(orders.count * 2_048)
        var ends: [Int] = []
        ends.reserveCapacity(orders.count)
        for order in orders {
            order.appendBinary(to: &bytes)
            ends.append(bytes.count)
        }
        try file.append(bytes, ends: ends)
    }

    func truncate(to count: Int) throws { try file.truncate(to: count) }

    func orders(in positions: Range<Int>) throws -> [Order] {
        guard !positions.isEmpty else { return [] }
        let orders: [Order]
        do {
            orders = try Order.decodeBinary(try file.records(positions).bytes, sharing: OrderBinarySharing())
        } catch let error as OrderBinaryError {
            throw OrderSpillError(reason: "orders \(positions.lowerBound)..<\(positions.upperBound) read back: \(error)")
        }
        guard orders.count == positions.count else {
            throw OrderSpillError(reason: "orders \(positions.lowerBound)..<\(positions.upperBound) read back as \(orders.count) orders")
        }
        return orders
    }
}

/// Texts kept aside in a ``RecordSpill`` (the day's payments' records as their sources gave them, which
/// only the ledger needs; the day's payment ids), read back by position.
final class SpilledTexts: Sendable {
    private let file: RecordSpill

    /// Makes the (already unlinked) file `.NAME.tmp-PID` in `directory`; `contents` says what the texts are.
    init(directory: URL, name: String, contents: String) throws {
        file = try RecordSpill(directory: directory, name: name, contents: contents)
    }

    var count: Int { file.count }

    /// Keeps `texts` after the ones kept.
    func append(_ texts: some Sequence<String>) throws {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for text in texts {
            bytes += text.utf8
            ends.append(bytes.count)
        }
        guard !ends.isEmpty else { return }
        try file.append(bytes, ends: ends)
    }

    /// The texts at `positions`, in that order; neighbouring positions are read together.
    func texts(at positions: [Int]) throws -> [String] { try gathered(positions, texts(in:)) }

    /// The texts at `positions`.
    func texts(in positions: Range<Int>) throws -> [String] {
        guard !positions.isEmpty else { return [] }
        let (bytes, ends) = try file.records(positions)
        var start = 0
        return ends.map { end in
            defer { start = end }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }
}

/// What `read` gives for each of `positions`, in their order, each run of neighbouring positions read at
/// once (a spill's records by position).
func gathered<Element>(_ positions: [Int], _ read: (Range<Int>) throws -> [Element]) rethrows -> [Element] {
    var result: [Element] = []
    result.reserveCapacity(positions.count)
    for run in consecutiveRuns(of: positions) { result += try read(run) }
    return result
}

/// `positions` cut, in their order, into runs of neighbouring positions (`[4, 5, 6, 2, 9, 10]`: `4..<7`,
/// `2..<3`, `9..<11`), so that each run is read back from a spill at once.
func consecutiveRuns(of positions: [Int]) -> [Range<Int>] {
    risingRuns(of: positions, within: 1).map { positions[$0.lowerBound]..<(positions[$0.upperBound - 1] + 1) }
}

/// `positions` cut, in their order, into runs of rising positions each at most `span` after the one
/// before, as ranges of their indices in `positions` (`[4, 6, 7, 2, 20]` within 4: `0..<3` — 4, 6, 7 —,
/// `3..<4`, `4..<5`): each run's records are read from a spill at once, from its first position to its last.
func risingRuns(of positions: [Int], within span: Int) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var start = 0
    while start < positions.count {
        var end = start + 1
        while end < positions.count, positions[end] > positions[end - 1], positions[end] - positions[end - 1] <= span { end += 1 }
        runs.append(start..<end)
        start = end
    }
    return runs
}

/// Payments kept in a ``RecordSpill`` in their binary form (`Payment.appendBinary(to:allocations:)`),
/// each with the allocations given with it, read back by position: the day's payments as read (their
/// records are in a file of their own), and the matcher's payments, which it reads a window at a time
/// (``PaymentSource``).
final class SpilledPayments: PaymentSource {
    private let file: RecordSpill
    private let directory: URL
    private let name: String

    /// Makes the (already unlinked) file `.NAME.tmp-PID` in `directory`; `contents` says what the payments are.
    init(directory: URL, name: String, contents: String) throws {
        file = try RecordSpill(directory: directory, name: name, contents: contents)
        self.directory = directory
        self.name = name
    }

    var count: Int { file.count }

    /// Keeps `payments`, each with its allocations, after the ones kept.
    func append(_ payments: some Sequence<OpenPayment>) throws {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for open in payments {
            open.payment.appendBinary(to: &bytes, allocations: open.existingAllocations)
            ends.append(bytes.count)
        }
        guard !ends.isEmpty else { return }
        try file.append(bytes, ends: ends)
    }

    /// The payments at `positions`, each with its allocations.
    func payments(in positions: Range<Int>) throws -> [OpenPayment] {
        guard !positions.isEmpty else { return [] }
        let decoded: [(payment: Payment, allocations: [Allocation])]
        do {
            decoded = try Payment.decodeBinary(try file.records(positions).bytes)
        } catch let error as OrderBinaryError {
            throw OrderSpillError(reason: "\(file.contents) \(positions.lowerBound)..<\(positions.upperBound) read back: \(error)")
        }
        guard decoded.count == positions.count else {
            throw OrderSpillError(reason: "\(file.contents) \(positions.lowerBound)..<\(positions.upperBound) read back as \(decoded.count) payments")
        }
        return decoded.map { OpenPayment($0.payment, existingAllocations: $0.allocations) }
    }

    /// The payments at `positions`, in that order; neighbouring positions are read together.
    func payments(at positions: [Int]) throws -> [OpenPayment] { try gathered(positions, payments(in:)) }

    /// Lets every payment go (the file's space is given back).
    func removeAll() throws { try file.truncate(to: 0) }

    /// A copy in another file (`.NAME-arranged.tmp-PID`) with the payment at `order[i]` at position `i`,
    /// its bytes copied as they are: the matcher then reads neighbouring positions, a window at a time,
    /// where this file would be read a payment here and there.
    func arranged(in order: [Int32]) throws -> (any PaymentSource)? {
        let copy = try SpilledPayments(directory: directory, name: name + "-arranged", contents: file.contents)
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for start in stride(from: 0, to: order.count, by: 4_096) {
            let positions = order[start..<min(order.count, start + 4_096)].map { Int($0) }
            for run in consecutiveRuns(of: positions) {
                let (runBytes, runEnds) = try file.records(run)
                let base = bytes.count
                bytes += runBytes
                ends += runEnds.lazy.map { $0 + base }
            }
            try copy.file.append(bytes, ends: ends)
            (bytes, ends) = ([], [])
        }
        return copy
    }
}

/// The payments the sources' readers keep aside as they read (a ``PaymentKeeper``: from several readers
/// at once, each payment getting its own place), each in its binary form with its record as the source
/// gave it, read back by place once the sources are read and merged: the day's payments are then never
/// all in memory as values.
final class PaymentsAsRead: PaymentKeeper {
    private let file: RecordSpill

    /// Makes the (already unlinked) file `.NAME.tmp-PID` in `directory`.
    init(directory: URL, name: String) throws {
        file = try RecordSpill(directory: directory, name: name, contents: "payments as read")
    }

    var count: Int { file.count }

    /// Keeps `payment`, its record with it, after the ones kept; its place.
    func keep(_ payment: Payment) throws -> Int {
        var bytes: [UInt8] = []
        payment.appendBinary(to: &bytes, withRecord: true)
        return try file.append(bytes, ends: [bytes.count])
    }

    /// The payments at `places`, in that order, each with its record. The places of one source's payments
    /// rise with gaps where other sources' payments were kept meanwhile: each rising run of places at most
    /// `span` apart is read at once and only its wanted records are decoded.
    func payments(at places: [Int], span: Int = 64) throws -> [Payment] {
        var result: [Payment] = []
        result.reserveCapacity(places.count)
        for run in risingRuns(of: places, within: span) {
            let range = places[run.lowerBound]..<(places[run.upperBound - 1] + 1)
            let (bytes, ends) = try file.records(range)
            for place in places[run] {
                let index = place - range.lowerBound
                let from = index == 0 ? 0 : ends[index - 1]
                let decoded: [(payment: Payment, allocations: [Allocation])]
                do {
                    decoded = try Payment.decodeBinary(Array(bytes[from..<ends[index]]), withRecords: true)
                } catch {
                    throw OrderSpillError(reason: "\(file.contents) \(place) read back: \(error)")
                }
                guard decoded.count == 1 else {
                    throw OrderSpillError(reason: "\(file.contents) \(place) read back as \(decoded.count) payments")
                }
                result.append(decoded[0].payment)
            }
        }
        return result
    }
}

/// The day's document keys in the order they are numbered, in a file (`.document-keys.tmp-PID`), read
/// back a window at a time: a day's keys (date, identity, correction, order) would otherwise stay in
/// memory for the whole documents step, about 100 bytes a document with their texts.
final class SpilledDocumentKeys {
    private let file: RecordSpill

    /// Makes the (already unlinked) file in `directory`.
    init(directory: URL) throws {
        file = try RecordSpill(directory: directory, name: "document-keys", contents: "day's document keys")
    }

    var count: Int { file.count }

    /// Keeps `keys` after the ones kept.
    func append(_ keys: some Sequence<BlockPlanning.Key>) throws {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for key in keys {
            key.date.appendBinary(to: &bytes)
            bytes.appendSigned(Int64(key.correctionNumber))
            bytes.appendString(key.identityKey)
            bytes.appendString(key.orderID.rawValue)
            ends.append(bytes.count)
        }
        guard !ends.isEmpty else { return }
        try file.append(bytes, ends: ends)
    }

    /// The keys at `positions`.
    func keys(in positions: Range<Int>) throws -> [BlockPlanning.Key] {
        guard !positions.isEmpty else { return [] }
        let bytes = try file.records(positions).bytes
        do {
            return try bytes.withUnsafeBytes { buffer throws(OrderBinaryError) in
                var reader = BinaryReader(buffer)
                var keys: [BlockPlanning.Key] = []
                keys.reserveCapacity(positions.count)
                while !reader.isAtEnd {
                    let date = try reader.civilDate("date")
                    let correction = try reader.signed("correctionNumber")
                    let identity = try reader.string("identityKey")
                    keys.append(BlockPlanning.Key(date: date, identityKey: identity, correctionNumber: Int(correction),
                                                  orderID: OrderID(try reader.string("orderID"))))
                }
                return keys
            }
        } catch {
            throw OrderSpillError(reason: "\(file.contents) \(positions.lowerBound)..<\(positions.upperBound) read back: \(error)")
        }
    }
}
