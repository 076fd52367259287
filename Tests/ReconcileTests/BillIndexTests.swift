import Testing
@testable import Reconcile

/// A key whose hash is the same for every value: every lookup meets every other key's bills.
private struct Colliding: Hashable {
    var text: String
    func hash(into hasher: inout Hasher) { hasher.combine(0) }
    static func == (a: Colliding, b: Colliding) -> Bool { a.text == b.text }
}

@Suite("The matcher's indexes of bills")
struct BillIndexTests {
    /// Keys of 200 bills: Cyrillic, Latin, repeated, in both Unicode forms of `Й`, some missing.
    static let keys: [String?] = (0..<200).map { position in
        if position % 17 == 0 { return nil }
        let prefix = ["СЧ-", "Й-", "И\u{306}-", "INV-", ""][position % 5]
        return prefix + "\(position % 23)"
    }

    @Test("KeyedBills finds exactly the bills a dictionary of groups finds, oldest first")
    func keyedBillsMatchGroups() {
        let keyOf: (Int32) -> String? = { Self.keys[Int($0)] }
        let index = KeyedBills(billCount: Self.keys.count, keyOf: keyOf)
        var groups: [String: [Int32]] = [:]
        for (position, key) in Self.keys.enumerated() {
            if let key { groups[key, default: []].append(Int32(position)) }
        }
        #expect(index.count == Self.keys.compactMap { $0 }.count)
        for (key, bills) in groups {
            #expect(index.all(key, keyOf: keyOf) == bills, "key \(key)")
        }
        // `Й` and `И` + breve are one key for `String`: one group holds both spellings.
        #expect(groups["Й-1"]?.isEmpty == false)
        #expect(index.all("И\u{306}-1", keyOf: keyOf) == groups["Й-1"])
        #expect(index.all("СЧ-999", keyOf: keyOf).isEmpty)
        #expect(index.all("", keyOf: keyOf).isEmpty)
    }

    @Test("KeyedBills tells keys with the same hash apart")
    func keyedBillsCollisions() {
        let keys = ["a", "b", "a", "c", "b", "a"].map(Colliding.init)
        let keyOf: (Int32) -> Colliding? = { keys[Int($0)] }
        let index = KeyedBills(billCount: keys.count, keyOf: keyOf)
        #expect(index.all(Colliding(text: "a"), keyOf: keyOf) == [0, 2, 5])
        #expect(index.all(Colliding(text: "b"), keyOf: keyOf) == [1, 4])
        #expect(index.all(Colliding(text: "c"), keyOf: keyOf) == [3])
        #expect(index.all(Colliding(text: "d"), keyOf: keyOf).isEmpty)
    }

    @Test("BillIndex built newest first by prepend holds the groups insert builds, and both change alike")
    func prependMatchesInsert() {
        let amounts: [Int64] = (0..<300).map { Int64([100, 250, 100, 999, 7][$0 % 5] * (1 + $0 % 3)) }
        var prepended = BillIndex<Int64>(billCount: amounts.count, expectedKeys: amounts.count)
        for position in stride(from: amounts.count - 1, through: 0, by: -1) {
            prepended.prepend(Int32(position), under: amounts[position])
        }
        var inserted = BillIndex<Int64>(billCount: amounts.count)
        for position in [Int](amounts.indices).shuffled() { inserted.insert(Int32(position), under: amounts[position]) }
        let keys = Set(amounts)
        for key in keys {
            let expected = amounts.indices.filter { amounts[$0] == key }.map(Int32.init)
            #expect(prepended.all(key) == expected)
            #expect(inserted.all(key) == expected)
            #expect(prepended.first(key) == expected.first)
            #expect(prepended.all(key, limit: 2) == Array(expected.prefix(2)))
        }
        // A bill paid down moves to its new amount's group, in order.
        prepended.remove(4, under: amounts[4])
        prepended.insert(4, under: 250)
        #expect(prepended.all(250) == (amounts.indices.filter { amounts[$0] == 250 }.map(Int32.init) + [4]).sorted())
        #expect(!prepended.all(amounts[4]).contains(4))
    }
}
