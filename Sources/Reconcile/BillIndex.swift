/// How an index of bills by a key that changes while the matcher runs (what a bill still needs) reads
/// each bill's key: from the matcher's own arrays, passed in with every call, so the index holds no key.
///
/// Every call must pass keys under which each bill in the index is filed: the matcher takes a bill out
/// before its outstanding changes and puts it back after.
protocol BillKeys {
    associatedtype Key: Equatable
    /// The key `bill` is filed under.
    func key(of bill: Int32) -> Key
    /// A well-mixed hash of `key` (the index takes its low bits).
    func hash(_ key: Key) -> Int
}

/// A customer (by slot) and an amount in kopecks: the key of the exact-amount index.
struct CustomerAmount: Hashable {
    var customer: Int32
    var kopecks: Int64
}

/// Open bills by what they still need.
struct AmountKeys: BillKeys {
    let outstanding: [Int64]
    func key(of bill: Int32) -> Int64 { outstanding[Int(bill)] }
    func hash(_ key: Int64) -> Int { BillHashing.mix(UInt64(bitPattern: key)) }
}

/// Open bills by customer and what they still need.
struct CustomerAmountKeys: BillKeys {
    let outstanding: [Int64]
    let customers: [Int32]
    func key(of bill: Int32) -> CustomerAmount {
        CustomerAmount(customer: customers[Int(bill)], kopecks: outstanding[Int(bill)])
    }
    func hash(_ key: CustomerAmount) -> Int {
        BillHashing.mix(UInt64(bitPattern: key.kopecks) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32(bitPattern: key.customer)))
    }
}

enum BillHashing {
    /// SplitMix64's finaliser: every bit of `value` moves every bit of the result.
    static func mix(_ value: UInt64) -> Int {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE5_E9B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(bitPattern: UInt(truncatingIfNeeded: x ^ (x >> 31)))
    }
}

/// Bills grouped by a key, each group kept in ascending bill order (= oldest first, because bills are
/// numbered in canonical order). Groups are intrusive linked lists (one `Int32` per bill), and each
/// group's first bill sits in an open-addressing table (linear probing, at most two thirds full) that
/// holds no key: a slot's key is its bill's, read through ``BillKeys``. About 10 bytes a bill, where a
/// dictionary of keys held ~35 (the keys and a table sized for every bill).
///
/// A bill is in at most one group of a given index at a time.
struct BillIndex<Keys: BillKeys> {
    private var slots: [Int32]
    private var next: [Int32]
    private let mask: Int

    init(billCount: Int) {
        var capacity = 16
        while capacity * 2 < billCount * 3 { capacity *= 2 }
        slots = Array(repeating: -1, count: capacity)
        next = Array(repeating: -1, count: billCount)
        mask = capacity - 1
    }

    /// The slot of `key`'s group, or the empty slot where it would go.
    private func slot(of key: Keys.Key, _ keys: Keys) -> (slot: Int, found: Bool) {
        var slot = keys.hash(key) & mask
        while slots[slot] >= 0 {
            if keys.key(of: slots[slot]) == key { return (slot, true) }
            slot = (slot + 1) & mask
        }
        return (slot, false)
    }

    /// Adds `bill` to the group of `key`, keeping the group in ascending order.
    mutating func insert(_ bill: Int32, under key: Keys.Key, keys: Keys) {
        let (slot, found) = slot(of: key, keys)
        guard found else {
            slots[slot] = bill
            next[Int(bill)] = -1
            return
        }
        let head = slots[slot]
        if bill < head {
            next[Int(bill)] = head
            slots[slot] = bill
            return
        }
        var current = head
        while next[Int(current)] >= 0, next[Int(current)] < bill { current = next[Int(current)] }
        next[Int(bill)] = next[Int(current)]
        next[Int(current)] = bill
    }

    /// Puts `bill` first in the group of `key`; it must be smaller than every bill already there
    /// (used when building from the newest bill down: no second table of each group's last bill).
    mutating func prepend(_ bill: Int32, under key: Keys.Key, keys: Keys) {
        let (slot, found) = slot(of: key, keys)
        next[Int(bill)] = found ? slots[slot] : -1
        slots[slot] = bill
    }

    /// Removes `bill` from the group of `key` (nothing happens when it is not there).
    mutating func remove(_ bill: Int32, under key: Keys.Key, keys: Keys) {
        let (slot, found) = slot(of: key, keys)
        guard found else { return }
        let head = slots[slot]
        if head == bill {
            let following = next[Int(bill)]
            next[Int(bill)] = -1
            if following >= 0 {
                slots[slot] = following
            } else {
                empty(slot, keys)
            }
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

    /// Empties `slot`, moving back the groups after it that probing would no longer find (no tombstones:
    /// the table never fills with the groups of amounts paid down).
    private mutating func empty(_ slot: Int, _ keys: Keys) {
        var hole = slot
        var probe = (slot + 1) & mask
        while slots[probe] >= 0 {
            let home = keys.hash(keys.key(of: slots[probe])) & mask
            // The group at `probe` may move into the hole unless its home lies after the hole (cyclically).
            if (probe - home) & mask >= (probe - hole) & mask {
                slots[hole] = slots[probe]
                hole = probe
            }
            probe = (probe + 1) & mask
        }
        slots[hole] = -1
    }

    /// The oldest bill of the group, if any.
    func first(_ key: Keys.Key, keys: Keys) -> Int32? {
        let (slot, found) = slot(of: key, keys)
        return found ? slots[slot] : nil
    }

    /// The bills of the group, oldest first (at most `limit`).
    func all(_ key: Keys.Key, limit: Int = .max, keys: Keys) -> [Int32] {
        let (slot, found) = slot(of: key, keys)
        var result: [Int32] = []
        var current = found ? slots[slot] : -1
        while current >= 0, result.count < limit {
            result.append(current)
            current = next[Int(current)]
        }
        return result
    }
}

/// Bills looked up by a key that does not change while the matcher runs (a bill's number, its
/// normalised form, an order id or number, a provider's order id): the bills' positions sorted by 32
/// bits of the key's hash, then by position. 8 bytes a bill, where a dictionary of groups held ~50 (its
/// table is sized for every bill, and its keys are strings) and as much again while it was built.
///
/// The keys themselves are not kept: a lookup compares the key of each bill whose hash bits are equal
/// (`keyOf`, the same function the index was built with), so the bills found are exactly those a
/// dictionary keyed by `Key` would give — `==` decides, hash collisions are told apart.
struct KeyedBills<Key: Hashable> {
    private struct Entry {
        var hash: UInt32
        var bill: Int32
    }

    private var entries: [Entry] = []

    private static func hashBits(_ key: Key) -> UInt32 { UInt32(truncatingIfNeeded: key.hashValue) }

    /// Indexes bills `0..<billCount` under `keyOf(bill)`; a bill whose key is `nil` is left out.
    init(billCount: Int, keyOf: (Int32) -> Key?) {
        entries.reserveCapacity(billCount)
        for position in 0..<billCount {
            let bill = Int32(position)
            if let key = keyOf(bill) { entries.append(Entry(hash: Self.hashBits(key), bill: bill)) }
        }
        entries.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.bill < $1.bill }
    }

    /// How many bills are indexed.
    var count: Int { entries.count }

    /// The bills whose key equals `key`, oldest (lowest position) first.
    func all(_ key: Key, keyOf: (Int32) -> Key?) -> [Int32] {
        let hash = Self.hashBits(key)
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
