import Domain

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

    /// Every element kept, in position order.
    var all: [Element] { elements }
}

extension OrderGroups: Sendable where Element: Sendable {}
