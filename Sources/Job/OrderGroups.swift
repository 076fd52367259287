import Documents
import Domain
import Foundation

/// Elements grouped by the day's order they belong to (``DayOrders``'s positions), each group in the
/// order the elements came: one array of the elements in position order and where each position's
/// group starts. For the day's planning inputs (prior documents, applied payments, prepayments) this
/// holds the elements once and 4 bytes an order, where a dictionary of arrays held a table sized for
/// every order, an array per order and a copy of each element.
///
/// An element whose order is not one of the day's is left out (nothing asks for it).
struct OrderGroups<Element> {
    private let elements: [Element]
    /// `starts[p]..<starts[p + 1]`: the group of position `p`.
    private let starts: [Int32]
    private let dayOrders: DayOrders

    /// Groups `elements` by `order(element)`'s position among `dayOrders`. Elements already in position
    /// order (as the day's planning reads them) are kept as they are, not copied.
    init(_ elements: consuming [Element], by order: (Element) -> OrderID, in dayOrders: DayOrders) {
        self.dayOrders = dayOrders
        let positions = elements.map { element in dayOrders.position(of: order(element)).map(Int32.init) ?? -1 }
        var counts = Array(repeating: Int32(0), count: dayOrders.count + 1)
        var inOrder = true
        var previous: Int32 = 0
        for position in positions {
            if position < 0 || position < previous { inOrder = false }
            if position >= 0 {
                counts[Int(position) + 1] += 1
                previous = position
            }
        }
        for index in 0..<dayOrders.count { counts[index + 1] += counts[index] }
        starts = counts
        if inOrder {
            self.elements = elements
        } else {
            // A counting sort: stable, so each group keeps the elements' order.
            var fill = counts
            var placed = [Element?](repeating: nil, count: Int(counts[dayOrders.count]))
            for (element, position) in zip(elements, positions) where position >= 0 {
                placed[Int(fill[Int(position)])] = element
                fill[Int(position)] += 1
            }
            self.elements = placed.map { $0! }
        }
    }

    /// The group of the order with this id (empty when it has none, or is not one of the day's).
    subscript(order id: OrderID) -> ArraySlice<Element> {
        guard let position = dayOrders.position(of: id) else { return [] }
        return elements[Int(starts[position])..<Int(starts[position + 1])]
    }
}

extension OrderGroups: Sendable where Element: Sendable {}

/// The payments applied to the day's orders, grouped by order position (``DayOrders``), kept in a file
/// a record an order (an order with none has an empty record) and read back for the orders being
/// planned: the planner's largest input is never held for the whole day (≈45 MiB at 300 000 orders).
///
/// A group is written with Domain's binary primitives: a varint count, then each payment's order id,
/// payment id, number, date and kopecks.
final class SpilledApplied: Sendable {
    private let file: RecordSpill

    /// Makes the (already unlinked) file `.planning-applied.tmp-PID` in `directory`.
    init(directory: URL) throws {
        file = try RecordSpill(directory: directory, name: "planning-applied", contents: "payments applied to the day's orders")
    }

    /// How many orders' groups are kept.
    var count: Int { file.count }

    /// Keeps the groups of the next orders (one group a position, in position order).
    func append(_ groups: [[AppliedPayment]]) throws {
        guard !groups.isEmpty else { return }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(groups.count)
        for group in groups {
            if !group.isEmpty {
                bytes.appendVarint(UInt64(group.count))
                for applied in group {
                    bytes.appendString(applied.orderID.rawValue)
                    bytes.appendString(applied.paymentID.rawValue)
                    bytes.appendString(applied.number)
                    applied.date.appendBinary(to: &bytes)
                    bytes.appendSigned(applied.amount.kopecks)
                }
            }
            ends.append(bytes.count)
        }
        try file.append(bytes, ends: ends)
    }

    /// The groups of the orders at `positions`, in that order; neighbouring positions are read together.
    func groups(at positions: [Int]) throws -> [[AppliedPayment]] { try gathered(positions, groups(in:)) }

    /// The groups of the orders at `run`.
    func groups(in run: Range<Int>) throws -> [[AppliedPayment]] {
        let (bytes, ends) = try file.records(run)
        var result: [[AppliedPayment]] = []
        result.reserveCapacity(run.count)
        do {
            try bytes.withUnsafeBytes { buffer in
                var start = 0
                for end in ends {
                    defer { start = end }
                    guard end > start else {
                        result.append([])
                        continue
                    }
                    var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
                    result.append(try reader.array("applied", minimumElementSize: 5) { (reader: inout BinaryReader) throws(OrderBinaryError) in
                        AppliedPayment(orderID: OrderID(try reader.string("orderID")),
                                       paymentID: PaymentID(try reader.string("paymentID")),
                                       number: try reader.string("number"), date: try reader.civilDate("date"),
                                       amount: try reader.money("amount"))
                    })
                    guard reader.isAtEnd else {
                        throw OrderBinaryError(field: "applied", offset: reader.offset,
                                               reason: .lengthMismatch(declared: end - start, used: reader.offset))
                    }
                }
            }
        } catch let error as OrderBinaryError {
            throw OrderSpillError(reason: "\(file.contents) of orders \(run.lowerBound)..<\(run.upperBound) read back: \(error)")
        }
        return result
    }
}

/// The payments applied to the day's orders as the planner reads them: held (tests), or in a file.
enum PlanningApplied: Sendable {
    case held(OrderGroups<AppliedPayment>)
    case kept(SpilledApplied)

    /// The group of each order at `positions` (`nil`: not one of the day's, no group), in that order.
    func groups(at positions: [Int?], of dayOrders: DayOrders) throws -> [[AppliedPayment]] {
        switch self {
        case let .held(groups):
            return positions.map { position in position.map { Array(groups[order: dayOrders.ids[$0]]) } ?? [] }
        case let .kept(file):
            let known = positions.compactMap { $0 }
            var read = try file.groups(at: known).makeIterator()
            return positions.map { position in position == nil ? [] : (read.next() ?? []) }
        }
    }

    /// Every group, in position order, a block of orders at a time.
    func forEachGroup(of dayOrders: DayOrders, _ body: ([AppliedPayment]) throws -> Void) throws {
        for range in dayOrders.blocks(of: 1_024) {
            for group in try groups(at: range.map { Optional($0) }, of: dayOrders) { try body(group) }
        }
    }
}
