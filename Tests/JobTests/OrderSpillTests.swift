import Domain
import Foundation
import Generator
@testable import Job
import Reconcile
import Testing
import TestSupport

/// The day's orders kept aside (`OrderSpill`: a temporary file in a run, memory in tests) and the
/// day's index over them (`DayOrders`).
@Suite("The day's orders kept aside")
struct OrderSpillTests {
    static let day = CivilDate(iso: "2026-11-27")!
    static let orders = Generator.orders(day: day, count: 700, seed: 11)

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-spill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The same contract, kept in a file and in memory.
    static func spills() throws -> [(name: String, spill: any OrderSpill, folder: URL?)] {
        let folder = try folder()
        return [("file", try SpilledOrders(directory: folder), folder), ("memory", OrdersInMemory(), nil)]
    }

    @Test("appended in blocks, read back by any range and by scattered positions, exactly as appended")
    func roundTrip() throws {
        for (name, spill, folder) in try Self.spills() {
            defer { folder.map { try? FileManager.default.removeItem(at: $0) } }
            var start = 0
            for size in [1, 0, 255, 300, 144] {
                try spill.append(Array(Self.orders[start..<(start + size)]))
                start += size
            }
            #expect(spill.count == Self.orders.count, "\(name)")
            #expect(try spill.orders(in: 0..<Self.orders.count) == Self.orders, "\(name)")
            #expect(try spill.orders(in: 299..<301) == Array(Self.orders[299..<301]), "\(name)")
            #expect(try spill.orders(in: 5..<5).isEmpty, "\(name)")
            #expect(try spill.order(at: 699) == Self.orders[699], "\(name)")
            let scattered = [3, 4, 5, 100, 99, 699, 0, 1, 1]
            #expect(try spill.orders(at: scattered) == scattered.map { Self.orders[$0] }, "\(name)")
        }
    }

    @Test("a page read again is cut back and appended once; positions past the end are refused with why")
    func truncateAndBounds() throws {
        for (name, spill, folder) in try Self.spills() {
            defer { folder.map { try? FileManager.default.removeItem(at: $0) } }
            try spill.append(Array(Self.orders[0..<400]))
            let pageStart = spill.count
            try spill.append(Array(Self.orders[400..<450])) // half a page, then the transfer failed
            try spill.truncate(to: pageStart)
            try spill.append(Array(Self.orders[400..<700]))
            #expect(try spill.orders(in: 0..<700) == Self.orders, "\(name)")
            #expect(throws: OrderSpillError.self) { try spill.orders(in: 690..<701) }
            #expect(throws: OrderSpillError.self) { try spill.truncate(to: 701) }
            #expect(throws: OrderSpillError.self) { try spill.order(at: 700) }
            let error = try #require(throws: OrderSpillError.self) { try spill.orders(in: 690..<701) }
            #expect(error.description.contains("690..<701 of 700"), "\(name): \(error)")
            try spill.truncate(to: 0)
            #expect(spill.count == 0, "\(name)")
        }
    }

    @Test("the file is unlinked at once: nothing shows in the folder, and its bytes are the orders' binary form")
    func fileLeavesNothing() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spill = try SpilledOrders(directory: folder)
        try spill.append(Self.orders)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(spill.byteCount == Self.orders.reduce(0) { $0 + $1.binary.count })
        #expect(try spill.orders(in: 0..<spill.count) == Self.orders)
    }

    @Test("a folder where no file can be made is an error naming the folder")
    func unwritableFolder() throws {
        let missing = URL(fileURLWithPath: "/proc/sverka-no-such-folder")
        let error = try #require(throws: OrderSpillError.self) { try SpilledOrders(directory: missing) }
        #expect(error.description.contains("/proc/sverka-no-such-folder"))
    }

    @Test("texts kept aside come back byte for byte by any range: empty, Cyrillic, emoji, NUL, long")
    func texts() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spill = try SpilledTexts(directory: folder, name: "payment-records", contents: "payments' records")
        var random = SplitMix64(seed: 5)
        let pieces = ["", "1CClientBankExchange\r\nСекцияДокумент=Платежное поручение", "😀 \u{0} «»", "\r\n"]
        let texts = (0..<2_000).map { index in
            (0..<Int(random.next() % 40)).map { _ in pieces[Int(random.next() % 4)] }.joined() + "#\(index)"
        } + [""]
        try spill.append(texts[..<1_000])
        try spill.append([])
        try spill.append(texts[1_000...])
        #expect(spill.count == texts.count)
        #expect(try spill.texts(in: 0..<texts.count) == texts)
        #expect(try spill.texts(in: 999..<1_001) == Array(texts[999..<1_001]))
        #expect(try spill.texts(in: texts.count - 1..<texts.count) == [""])
        #expect(try spill.texts(in: 7..<7).isEmpty)
        // By positions in any order (each run of neighbours read at once), repeats included.
        let positions = [5, 6, 7, 2, 999, 1_000, 1_001, 5, texts.count - 1]
        #expect(try spill.texts(at: positions) == positions.map { texts[$0] })
        #expect(try spill.texts(at: []).isEmpty)
        #expect(consecutiveRuns(of: [4, 5, 6, 2, 9, 10, 10]) == [4..<7, 2..<3, 9..<11, 10..<11])
        #expect(consecutiveRuns(of: []).isEmpty)
        #expect(risingRuns(of: [4, 6, 7, 2, 20, 20], within: 4) == [0..<3, 3..<4, 4..<5, 5..<6])
        #expect(risingRuns(of: [1, 2, 3], within: 1) == [0..<3] && risingRuns(of: [], within: 64).isEmpty)
        #expect(throws: OrderSpillError.self) { try spill.texts(in: 0..<(texts.count + 1)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("the day's index: each id's first position, bills as the matcher sees them (handed over once, whether prepaid kept), orders with returns, reads by id")
    func dayIndex() throws {
        var orders = Array(Self.orders[0..<300])
        orders.append(orders[10]) // an id twice: the first is the day's
        let spill = OrdersInMemory(orders)
        var index = DayOrders(spill: spill)
        #expect(index.ids.isEmpty && index.count == orders.count)
        for range in index.blocks(of: 128) { index.index(try spill.orders(in: range), from: range.lowerBound) }
        #expect(index.ids == orders.map(\.id))
        #expect(index.blocks(of: 128).map(\.count) == [128, 128, 45])
        #expect(index.position(of: orders[10].id) == 10)
        #expect(orders.map { index.position(of: $0.id) } == orders.map { order in orders.firstIndex { $0.id == order.id } })
        #expect(index.contains(orders[299].id))
        #expect(!index.contains(OrderID("no-such-order")))
        #expect(Array(index.bills) == orders.map { OpenBill(order: $0) })
        let prepaid = orders.map { $0.terms.payment == .prepaid }
        #expect(Set(prepaid).count == 2) // prepaid and postpaid orders both
        var released = index
        #expect(released.takeBills() == index.bills)
        #expect(released.bills.isEmpty)
        #expect(orders.indices.map(released.isPrepaid(at:)) == prepaid)
        #expect(index.returning == orders.indices.filter { !orders[$0].returns.isEmpty })
        #expect(!index.returning.isEmpty)
        // The orders with returns read back for the outputs a block at a time, in order, whatever the block.
        for block in [1, 2, 1_024] {
            var listed: [Order] = []
            try ReturningOrders(spill: spill, positions: index.returning, block: block).forEach { listed.append($0) }
            #expect(listed == index.returning.map { orders[$0] }, "block \(block)")
        }
        let wanted = [orders[250].id, orders[3].id, OrderID("no-such-order"), orders[3].id]
        let found = try index.orders(ids: wanted)
        #expect(found.count == 2)
        #expect(found[orders[250].id] == orders[250])
        #expect(found[orders[3].id] == orders[3])
        #expect(try index.order(orders[42].id) == orders[42])
        #expect(index.positionsInIDOrder == Dictionary(orders.enumerated().map { ($0.element.id, $0.offset) },
                                                      uniquingKeysWith: { first, _ in first })
            .sorted { $0.key < $1.key }.map(\.value))
    }

    @Test("OrderGroups: each order's elements in the order they came, whether or not they came in the orders' order")
    func orderGroups() {
        var orders = Array(Self.orders[0..<50])
        orders.append(orders[7]) // an id twice: its group is the first one's
        let index = DayOrders(orders)
        // (order position, tag): several for some orders, none for others, one for an order not of the day.
        let inOrder = [(0, "a"), (0, "b"), (3, "c"), (7, "d"), (7, "e"), (7, "f"), (49, "g")]
        let stranger = OrderID("no-such-order")
        func elements(_ list: [(Int, String)]) -> [(OrderID, String)] { list.map { (orders[$0.0].id, $0.1) } }
        let shuffled = elements([(7, "d"), (49, "g"), (0, "a"), (3, "c"), (7, "e"), (0, "b"), (7, "f")]) + [(stranger, "x")]
        for list in [elements(inOrder), shuffled] {
            let groups = OrderGroups(list, by: \.0, in: index)
            #expect(groups[order: orders[0].id].map(\.1) == ["a", "b"])
            #expect(groups[order: orders[3].id].map(\.1) == ["c"])
            #expect(groups[order: orders[7].id].map(\.1) == ["d", "e", "f"])
            #expect(groups[order: orders[49].id].map(\.1) == ["g"])
            #expect(groups[order: orders[1].id].isEmpty)
            #expect(groups[order: stranger].isEmpty)
            // (Every element once, in position order: the stranger's left out.)
            #expect(orders.indices.flatMap { groups[order: orders[$0].id] }.map(\.1)
                == ["a", "b", "c", "d", "e", "f", "g", "d", "e", "f"]) // (position 50 repeats 7's id: 7's group)
        }
        let none = OrderGroups([(OrderID, String)](), by: \.0, in: index)
        #expect(orders.allSatisfy { none[order: $0.id].isEmpty })
    }
}
