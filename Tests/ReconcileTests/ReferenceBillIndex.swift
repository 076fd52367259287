// The matcher's index of bills by a changing key as it was before the key-less table (commit a01ef72),
// kept for `ReferenceMatcher` (frozen) and as what the key-less `BillIndex` is compared with.
/// Bills grouped by a key, each group kept in ascending bill order (= oldest first,
/// because bills are numbered in canonical order). Groups are intrusive linked lists:
/// one `Int32` per bill, so a million bills cost a few megabytes, not a million arrays.
///
/// A bill is in at most one group of a given index at a time.
struct ReferenceBillIndex<Key: Hashable> {
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

