/// Balance movements kept in one buffer in a compact binary form instead of as values: a movement
/// as a value holds two strings of its own on the heap (its id and its reference) besides its ~100
/// bytes, ~230–280 bytes in all; here it takes its bytes alone (~130), and all of them lie together.
/// The job keeps the day's payments' movements so while it waits for their turn to be recorded.
///
/// The form uses the primitives of BinaryCoding.swift, in order: id, customer ИНН, date (days since
/// 1970-01-01), kind (its place in `Kind.allCases`), amount (kopecks), order id (presence byte first),
/// reference. The bytes never leave the process.
public struct CompactMovements: Sendable, Equatable {
    private var bytes: [UInt8] = []
    /// How many movements are kept.
    public private(set) var count = 0

    public init() {}

    public init(_ movements: some Sequence<BalanceMovement>) {
        for movement in movements { append(movement) }
    }

    /// Movements kept elsewhere in this form: `compactBytes` and `count` as ``compactBytes`` and
    /// ``count`` gave them (checked as they are read back: ``forEachBlock(of:_:)`` throws on bytes
    /// that do not hold `count` movements).
    public init(compactBytes: [UInt8], count: Int) {
        precondition(count >= 0, "a count of movements is not negative")
        bytes = compactBytes
        self.count = count
    }

    /// The kept movements' bytes (to keep them elsewhere, a file, and read them back with
    /// ``init(compactBytes:count:)``).
    public var compactBytes: [UInt8] { bytes }

    public var isEmpty: Bool { count == 0 }

    /// The bytes the kept movements take.
    public var storedBytes: Int { bytes.count }

    /// Keeps `movement` after the ones kept.
    public mutating func append(_ movement: BalanceMovement) {
        bytes.appendString(movement.id)
        bytes.appendString(movement.customerINN)
        movement.date.appendBinary(to: &bytes)
        bytes.append(BalanceMovement.Kind.binaryTags[movement.kind] ?? 0)
        bytes.appendSigned(movement.amount.kopecks)
        bytes.appendOptionalString(movement.orderID?.rawValue)
        bytes.appendString(movement.reference)
        count += 1
    }

    /// The movements in the order they were kept, `size` at a time (the last block may be shorter):
    /// only one block is ever held as values.
    public func forEachBlock(of size: Int, _ body: ([BalanceMovement]) throws -> Void) throws {
        precondition(size > 0, "a block holds at least one movement")
        guard count > 0 else { return }
        try bytes.withUnsafeBytes { buffer in
            var reader = BinaryReader(buffer)
            var index = 0
            while index < count {
                var block: [BalanceMovement] = []
                block.reserveCapacity(min(size, count - index))
                while block.count < size, index < count {
                    do throws(OrderBinaryError) {
                        block.append(try BalanceMovement(compact: &reader))
                    } catch {
                        throw error.inside("movements[\(index)]")
                    }
                    index += 1
                }
                try body(block)
            }
            if !reader.isAtEnd {
                throw OrderBinaryError(field: "movements", offset: reader.offset,
                                       reason: .lengthMismatch(declared: buffer.count, used: reader.offset))
            }
        }
    }

    /// Every movement kept, in order, as values.
    public func movements() throws -> [BalanceMovement] {
        var all: [BalanceMovement] = []
        all.reserveCapacity(count)
        try forEachBlock(of: max(1, count)) { all += $0 }
        return all
    }
}

extension BalanceMovement.Kind {
    /// Each kind's byte in the compact form: its place in `allCases`.
    fileprivate static let binaryTags: [Self: UInt8] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, UInt8($0.offset)) })
}

extension BalanceMovement {
    fileprivate init(compact reader: inout BinaryReader) throws(OrderBinaryError) {
        let id = try reader.string("id")
        let customerINN = try reader.string("customerINN")
        let date = try reader.civilDate("date")
        let tagOffset = reader.offset
        let tag = try reader.byte("kind")
        guard Int(tag) < Kind.allCases.count else { throw reader.error("kind", at: tagOffset, .badTag(tag)) }
        let kind = Kind.allCases[Int(tag)]
        let amount = try reader.money("amount")
        let orderID = try reader.optionalString("orderID").map { OrderID($0) }
        let reference = try reader.string("reference")
        self.init(id: id, customerINN: customerINN, date: date, kind: kind, amount: amount, orderID: orderID,
                  reference: reference)
    }
}
