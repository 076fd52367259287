/// Bills grouped by a key, each group kept in ascending bill order (= oldest first,
/// because bills are numbered in canonical order). Groups are intrusive linked lists:
/// one `Int32` per bill, so a million bills cost a few megabytes, not a million arrays.
///
/// A bill is in at most one group of a given index at a time.
struct BillIndex<Key: Hashable> {
    private var heads: [Key: Int32] = [:]
    private var next: [Int32]

    init(billCount: Int, expectedKeys: Int = 0) {
        next = Array(repeating: -1, count: billCount)
        heads.reserveCapacity(expectedKeys)
    }

    /// Adds `bill` to the group of `key`, keeping the group in ascending order.
    mutating func insert(_ bill: Int32, under key: Key) {
        guard let head = heads[key] else {
            heads[key] = bill
            next[Int(bill)] = -1
            return
        }
        if bill < head {
            next[Int(bill)] = head
            heads[key] = bill
            return
        }
        var current = head
        while next[Int(current)] >= 0, next[Int(current)] < bill { current = next[Int(current)] }
        next[Int(bill)] = next[Int(current)]
        next[Int(current)] = bill
    }

    /// Puts `bill` first in the group of `key`; it must be smaller than every bill already there
    /// (used when building from the newest bill down: no second table of each group's last bill).
    mutating func prepend(_ bill: Int32, under key: Key) {
        next[Int(bill)] = heads[key] ?? -1
        heads[key] = bill
    }

    /// Removes `bill` from the group of `key` (nothing happens when it is not there).
    mutating func remove(_ bill: Int32, under key: Key) {
        guard let head = heads[key] else { return }
        if head == bill {
            let following = next[Int(bill)]
            if following < 0 {
                heads.removeValue(forKey: key)
            } else {
                heads[key] = following
            }
            next[Int(bill)] = -1
            return
        }
        var current = head
        while next[Int(current)] >= 0 {
            if next[Int(current)] == bill {
                next[Int(current)] = next[Int(bill)]
                next[Int(bill)] = -1
                return
            }
            current = next[Int(current)]
        }
    }

    /// The oldest bill of the group, if any.
    func first(_ key: Key) -> Int32? { heads[key] }

    /// The bills of the group, oldest first (at most `limit`).
    func all(_ key: Key, limit: Int = .max) -> [Int32] {
        var result: [Int32] = []
        var current = heads[key] ?? -1
        while current >= 0, result.count < limit {
            result.append(current)
            current = next[Int(current)]
        }
        return result
    }
}

/// A customer (by slot) and an amount in kopecks: the key of the exact-amount index.
struct CustomerAmount: Hashable {
    var customer: Int32
    var kopecks: Int64
}

/// Bills looked up by a key that does not change while the matcher runs (a bill's number, its
/// normalised form, an order id or number, a provider's order id): the bills' positions sorted by the
/// key's hash, then by position. 16 bytes a bill, where a dictionary of groups held ~50 (its table
/// is sized for every bill, and its keys are strings) and as much again while it was built.
///
/// The keys themselves are not kept: a lookup compares the key of each bill whose hash is equal
/// (`keyOf`, the same function the index was built with), so the bills found are exactly those a
/// dictionary keyed by `Key` would give — `==` decides, hash collisions are told apart.
struct KeyedBills<Key: Hashable> {
    private struct Entry {
        var hash: Int
        var bill: Int32
    }

    private var entries: [Entry] = []

    /// Indexes bills `0..<billCount` under `keyOf(bill)`; a bill whose key is `nil` is left out.
    init(billCount: Int, keyOf: (Int32) -> Key?) {
        entries.reserveCapacity(billCount)
        for position in 0..<billCount {
            let bill = Int32(position)
            if let key = keyOf(bill) { entries.append(Entry(hash: key.hashValue, bill: bill)) }
        }
        entries.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.bill < $1.bill }
    }

    /// How many bills are indexed.
    var count: Int { entries.count }

    /// The bills whose key equals `key`, oldest (lowest position) first.
    func all(_ key: Key, keyOf: (Int32) -> Key?) -> [Int32] {
        let hash = key.hashValue
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        var found: [Int32] = []
        while low < entries.count, entries[low].hash == hash {
            let bill = entries[low].bill
            if keyOf(bill) == key { found.append(bill) }
            low += 1
        }
        return found
    }
}
