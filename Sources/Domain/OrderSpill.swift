import Synchronization

/// Where the day's valid orders are kept once read, in the feed's order, so that no stage has to
/// hold the whole day in memory: the feed's reader appends them as it admits them, and each later
/// stage reads them back a block at a time.
///
/// Positions are 0-based and stable: the order appended `n`-th is at position `n - 1` until
/// ``truncate(to:)`` drops it. Appending and truncating happen on one thread at a time; reading
/// may happen on several threads at once once appending is over.
public protocol OrderSpill: AnyObject, Sendable {
    /// How many orders are kept.
    var count: Int { get }
    /// Keeps `orders` after the ones kept, in their order.
    func append(_ orders: [Order]) throws
    /// Drops every order from position `count` on (a page of the feed read again from its start).
    func truncate(to count: Int) throws
    /// The orders at `positions`, in the order of `positions`.
    func orders(in positions: Range<Int>) throws -> [Order]
}

extension OrderSpill {
    /// The order at `position`.
    public func order(at position: Int) throws -> Order {
        guard let order = try orders(in: position..<(position + 1)).first else {
            throw OrderSpillError(reason: "no order at position \(position) of \(count)")
        }
        return order
    }
}

/// An ``OrderSpill`` reading or writing failed (the file could not be written, a position past the end).
public struct OrderSpillError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { "the day's orders kept aside: \(reason)" }
}

/// An ``OrderSpill`` that keeps the orders in memory (tests, and days small enough for it).
public final class OrdersInMemory: OrderSpill {
    private let kept: Mutex<[Order]>

    public init(_ orders: [Order] = []) { kept = Mutex(orders) }

    public var count: Int { kept.withLock { $0.count } }

    /// Every order kept, in order.
    public var all: [Order] { kept.withLock { $0 } }

    public func append(_ orders: [Order]) throws { kept.withLock { $0 += orders } }

    public func truncate(to count: Int) throws {
        try kept.withLock {
            guard count >= 0, count <= $0.count else {
                throw OrderSpillError(reason: "cannot keep the first \(count) of \($0.count) orders")
            }
            $0.removeSubrange(count...)
        }
    }

    public func orders(in positions: Range<Int>) throws -> [Order] {
        try kept.withLock {
            guard positions.lowerBound >= 0, positions.upperBound <= $0.count else {
                throw OrderSpillError(reason: "positions \(positions.lowerBound)..<\(positions.upperBound) of \($0.count) orders")
            }
            return Array($0[positions])
        }
    }
}
