import Domain
import Reconcile

/// The day's valid orders as the day's write sees them: kept in an ``OrderSpill`` (a file, or memory
/// in tests) and read back a block at a time, with a small index made the first time they are read
/// (step 1, when they are written to the ledger) to find an order by id and to answer what the
/// matcher and the outputs ask of every order without reading it again.
///
/// What it holds per order is its id, its bill as the matcher sees it (held compactly) and a few flags
/// (≈130 bytes), never the order itself; the bills are handed to the matcher (``takeBills()``) and
/// ≈25 bytes an order (the id, its slot in the table of positions, a flag) stay for the documents and
/// the movements.
struct DayOrders: Sendable {
    let spill: any OrderSpill
    /// How many orders the spill holds (the day's valid orders, in the feed's order).
    let count: Int
    /// The order id at each position.
    private(set) var ids: [OrderID] = []
    /// The position of each id's first order (the one the day uses: the feed's reader admits an id once).
    private var positions: FirstPositions
    /// Each order's bill as the matcher sees it (by position), with nothing allocated; empty once
    /// ``takeBills()`` has handed them over.
    private(set) var bills = CompactBills()
    /// Whether each order is prepaid (by position): what the documents ask of its terms, kept after
    /// the bills are let go.
    private var prepaid: [Bool] = []
    /// Positions of the orders with returns (the report lists them).
    private(set) var returning: [Int] = []

    /// The orders of `spill`, not yet indexed: ``index(_:from:)`` each block in order (step 1 does, as it
    /// writes them to the ledger).
    init(spill: any OrderSpill) {
        self.spill = spill
        count = spill.count
        ids.reserveCapacity(count)
        positions = FirstPositions(capacity: count)
        bills.reserveCapacity(count)
        prepaid.reserveCapacity(count)
    }

    /// The day's orders held in memory, indexed (tests, and the steps' reference implementations).
    init(_ orders: [Order]) {
        self.init(spill: OrdersInMemory(orders))
        index(orders, from: 0)
    }

    /// Indexes `block`, the orders at `start..<start + block.count`; blocks are indexed in order.
    mutating func index(_ block: [Order], from start: Int) {
        precondition(start == ids.count, "blocks are indexed in order")
        for (offset, order) in block.enumerated() {
            let position = start + offset
            ids.append(order.id)
            positions.insert(position, of: ids)
            prepaid.append(order.terms.payment == .prepaid)
            bills.append(OpenBill(order: order))
            if !order.returns.isEmpty { returning.append(position) }
        }
    }

    /// Hands the bills over (the start of the day's reconciliation is their only reader): the value
    /// returned is the only one holding them, so its taker changes them where they are, never in a copy.
    mutating func takeBills() -> CompactBills {
        var taken = CompactBills()
        swap(&taken, &bills)
        return taken
    }

    /// Whether the order at `position` is prepaid (by its terms).
    func isPrepaid(at position: Int) -> Bool { prepaid[position] }

    /// Whether the day has an order of this id.
    func contains(_ id: OrderID) -> Bool { positions.position(of: id, in: ids) != nil }

    /// The position of the order of this id.
    func position(of id: OrderID) -> Int? { positions.position(of: id, in: ids) }

    /// The orders at `range`, read back.
    func orders(in range: Range<Int>) throws -> [Order] { try spill.orders(in: range) }

    /// The orders at `positions` (in that order), read back; neighbouring positions are read together.
    func orders(at positions: [Int]) throws -> [Order] { try spill.orders(at: positions) }

    /// The orders of `ids` the day has (each id once, in the order of `ids`), by id.
    func orders(ids: some Sequence<OrderID>) throws -> [OrderID: Order] {
        var seen = Set<OrderID>()
        let wanted = ids.compactMap { id in seen.insert(id).inserted ? position(of: id) : nil }
        let found = try orders(at: wanted.sorted())
        var byID: [OrderID: Order] = [:]
        byID.reserveCapacity(found.count)
        for order in found { byID[order.id] = order }
        return byID
    }

    /// The order of this id, read back (`nil`: the day has none).
    func order(_ id: OrderID) throws -> Order? {
        guard let position = position(of: id) else { return nil }
        return try spill.order(at: position)
    }

    /// The positions of the first order of each id, in id order.
    var positionsInIDOrder: [Int] {
        ids.indices.filter { position(of: ids[$0]) == $0 }.sorted { ids[$0] < ids[$1] }
    }

    /// The blocks of `size` positions that cover the day, in order.
    func blocks(of size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}

extension OrderSpill {
    /// The orders at `positions` (in that order); neighbouring positions are read together.
    func orders(at positions: [Int]) throws -> [Order] { try gathered(positions, orders(in:)) }
}

/// The position of each id's first order among the day's ids, in an open-addressing table of
/// `Int32`s (position + 1; 0 is an empty slot) at most half full: 4–8 bytes an order, where a
/// dictionary of ids held ~60 (a table of 24-byte slots sized for every order). The ids themselves
/// stay in ``DayOrders/ids``: a slot is compared by the id at its position.
struct FirstPositions: Sendable {
    private var slots: [Int32]
    private let mask: Int

    /// A table for up to `capacity` positions.
    init(capacity: Int) {
        var size = 8
        while size < 2 * capacity { size *= 2 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Records the position of `ids.last` (its position is `ids.count - 1`) unless its id is already
    /// at an earlier position.
    mutating func insert(_ position: Int, of ids: [OrderID]) {
        precondition(position == ids.count - 1 && ids.count * 2 <= slots.count, "positions are recorded in order, within the capacity")
        let id = ids[position]
        var slot = id.hashValue & mask
        while slots[slot] != 0 {
            if ids[Int(slots[slot]) - 1] == id { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(position + 1)
    }

    /// The first position of `id` among `ids` (the ids recorded), if any.
    func position(of id: OrderID, in ids: [OrderID]) -> Int? {
        var slot = id.hashValue & mask
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if ids[position] == id { return position }
            slot = (slot + 1) & mask
        }
        return nil
    }
}

/// The day's orders with returns (the report's register of returns), read back from the day's spill a
/// block at a time when the outputs list them: a day's are thousands of whole orders.
struct ReturningOrders: Sendable {
    let spill: any OrderSpill
    /// Their positions in the spill, in the order they are listed.
    let positions: [Int]
    /// How many are read back at once.
    var block = 1_024

    /// Each order, in `positions`' order; only one block of them is held at a time.
    func forEach(_ body: (Order) throws -> Void) throws {
        for start in stride(from: 0, to: positions.count, by: max(1, block)) {
            for order in try spill.orders(at: Array(positions[start..<min(positions.count, start + max(1, block))])) {
                try body(order)
            }
        }
    }
}
