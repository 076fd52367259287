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
        var amounts: [Int64] = (0..<300).map { Int64([100, 250, 100, 999, 7][$0 % 5] * (1 + $0 % 3)) }
        var prepended = BillIndex<AmountKeys>(billCount: amounts.count)
        for position in stride(from: amounts.count - 1, through: 0, by: -1) {
            prepended.prepend(Int32(position), under: amounts[position], keys: AmountKeys(outstanding: amounts))
        }
        var inserted = BillIndex<AmountKeys>(billCount: amounts.count)
        for position in [Int](amounts.indices).shuffled() {
            inserted.insert(Int32(position), under: amounts[position], keys: AmountKeys(outstanding: amounts))
        }
        let keys = AmountKeys(outstanding: amounts)
        for key in Set(amounts) {
            let expected = amounts.indices.filter { amounts[$0] == key }.map(Int32.init)
            #expect(prepended.all(key, keys: keys) == expected)
            #expect(inserted.all(key, keys: keys) == expected)
            #expect(prepended.first(key, keys: keys) == expected.first)
            #expect(prepended.all(key, limit: 2, keys: keys) == Array(expected.prefix(2)))
        }
        #expect(prepended.first(12_345, keys: keys) == nil)
        // A bill paid down moves to its new amount's group, in order.
        prepended.remove(4, under: amounts[4], keys: AmountKeys(outstanding: amounts))
        amounts[4] = 250
        prepended.insert(4, under: 250, keys: AmountKeys(outstanding: amounts))
        let after = AmountKeys(outstanding: amounts)
        #expect(prepended.all(250, keys: after) == amounts.indices.filter { amounts[$0] == 250 }.map(Int32.init))
        #expect(prepended.all(7, keys: after).allSatisfy { amounts[Int($0)] == 7 })
    }

    /// Amounts hashed into three homes: every group probes past the others', and emptying one slot
    /// must move the groups behind it back (or they are lost).
    private struct CrowdedKeys: BillKeys {
        let outstanding: [Int64]
        func key(of bill: Int32) -> Int64 { outstanding[Int(bill)] }
        func hash(_ key: Int64) -> Int { Int(key % 3) }
    }

    @Test("BillIndex (key-less, open addressing) keeps the groups a dictionary of groups keeps while bills are paid down",
          arguments: [false, true])
    func keylessMatchesDictionary(crowded: Bool) {
        if crowded {
            Self.payDown(seed: 7) { CrowdedKeys(outstanding: $0) }
        } else {
            Self.payDown(seed: 11) { AmountKeys(outstanding: $0) }
        }
    }

    /// 400 bills paid down and opened again at random, 3 000 times, in a key-less index read through
    /// `keys` and in the dictionary index: the same groups, checked every 50 steps.
    private static func payDown<Keys: BillKeys>(seed: UInt64, keys: ([Int64]) -> Keys) where Keys.Key == Int64 {
        let billCount = 400
        var generator = SplitMix(seed: seed)
        var amounts: [Int64] = (0..<billCount).map { _ in Int64(1 + generator.next() % 40) }
        var keyless = BillIndex<Keys>(billCount: billCount)
        var reference = ReferenceBillIndex<Int64>(billCount: billCount)
        for position in stride(from: billCount - 1, through: 0, by: -1) {
            keyless.prepend(Int32(position), under: amounts[position], keys: keys(amounts))
            reference.prepend(Int32(position), under: amounts[position])
        }
        for step in 0..<3_000 {
            // Pay a bill down (to 0: it leaves every group), or, now and then, open it again at a new amount.
            let bill = Int32(generator.next() % UInt64(billCount))
            let old = amounts[Int(bill)]
            let new: Int64 = old > 0 ? Int64(generator.next() % UInt64(old)) : Int64(1 + generator.next() % 40)
            if old > 0 {
                keyless.remove(bill, under: old, keys: keys(amounts))
                reference.remove(bill, under: old)
            }
            amounts[Int(bill)] = new
            if new > 0 {
                keyless.insert(bill, under: new, keys: keys(amounts))
                reference.insert(bill, under: new)
            }
            guard step % 50 == 0 || step == 2_999 else { continue }
            for key in Int64(0)...41 {
                let found = keyless.all(key, keys: keys(amounts))
                #expect(found == reference.all(key), "step \(step), amount \(key)")
                if found != reference.all(key) { return }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64): the same steps on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
