import Domain
import Testing

/// The day's payments' movements are kept in one compact buffer while the documents render, and read
/// back a block at a time to be recorded: what is read back must be exactly what was kept, in order.
@Suite("Compact movements")
struct CompactMovementsTests {
    static let movements: [BalanceMovement] = {
        let kinds = BalanceMovement.Kind.allCases
        return (0..<23).map { index in
            BalanceMovement(
                id: index % 5 == 0 ? "payment:п/п-\(index):7707083893@2026-11-27" : "payment:\(index):500100732259",
                customerINN: index % 3 == 0 ? "7707083893" : "500100732259",
                date: CivilDate(iso: "2026-11-27")!.adding(days: index * 400 - 4_000),
                kind: kinds[index % kinds.count],
                amount: Money(kopecks: index.isMultiple(of: 2) ? -Int64(index) * 1_234_567 : Int64.max - Int64(index)),
                orderID: index % 4 == 0 ? nil : OrderID("ORD-\(index)"),
                reference: index == 7 ? "" : "Оплата (п/п № \(index) от 27.11.2026) (изменение 28.11.2026)")
        }
    }()

    @Test("every movement is read back as kept, in order, whatever the block size")
    func roundTrip() throws {
        let kept = CompactMovements(Self.movements)
        #expect(kept.count == Self.movements.count)
        #expect(try kept.movements() == Self.movements)
        for size in [1, 2, 5, 22, 23, 24, 1_000] {
            var blocks: [[BalanceMovement]] = []
            try kept.forEachBlock(of: size) { blocks.append($0) }
            #expect(blocks.flatMap { $0 } == Self.movements)
            #expect(blocks.count == (Self.movements.count + size - 1) / size)
            #expect(blocks.dropLast().allSatisfy { $0.count == size })
        }
    }

    @Test("kept one by one or at once, the same; nothing kept, no block")
    func appending() throws {
        var kept = CompactMovements()
        #expect(kept.isEmpty)
        var calls = 0
        try kept.forEachBlock(of: 4) { _ in calls += 1 }
        #expect(calls == 0)
        for movement in Self.movements { kept.append(movement) }
        #expect(kept == CompactMovements(Self.movements))
        let copy = kept
        kept.append(Self.movements[0])
        #expect(copy.count == Self.movements.count)
        #expect(try kept.movements() == Self.movements + [Self.movements[0]])
    }

    @Test("kept elsewhere by their bytes and count, read back the same; a count the bytes do not hold throws")
    func keptElsewhere() throws {
        let kept = CompactMovements(Self.movements)
        let again = CompactMovements(compactBytes: kept.compactBytes, count: kept.count)
        #expect(again == kept)
        #expect(try again.movements() == Self.movements)
        #expect(throws: OrderBinaryError.self) {
            try CompactMovements(compactBytes: kept.compactBytes, count: kept.count + 1).movements()
        }
        #expect(throws: OrderBinaryError.self) {
            try CompactMovements(compactBytes: kept.compactBytes, count: kept.count - 1).movements()
        }
        #expect(throws: OrderBinaryError.self) {
            try CompactMovements(compactBytes: Array(kept.compactBytes.dropLast()), count: kept.count).movements()
        }
    }

    @Test("a movement is kept in fewer bytes than its value and its strings take")
    func compact() {
        // The id and reference here are heap strings (over 15 bytes); kept, each movement is its bytes alone.
        let movement = Self.movements[1]
        let kept = CompactMovements(Array(repeating: movement, count: 1_000))
        let bytesPerMovement = kept.storedBytes / 1_000
        let asValue = MemoryLayout<BalanceMovement>.stride + movement.id.utf8.count + movement.reference.utf8.count
        #expect(bytesPerMovement < asValue)
    }
}
