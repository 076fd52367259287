import Domain

/// The matcher's bills in their canonical order (by date, number as UTF-8 bytes — numbers that differ
/// only in their Unicode form being the same number —, order id as UTF-8 bytes, then the order they
/// were given in): a bill's position is its age rank.
///
/// What the matcher changes as it runs (what each bill still needs, its indexes by customer and amount)
/// it holds itself; what stays fixed — each bill's texts, and the bills that have a given number, order
/// id or provider order id — it reads from here. ``HeldBills`` holds them in memory (``Matcher/match(_:)``);
/// the job keeps a large day's in a file of their own (``Matcher/match(_:bills:paymentsFrom:window:)``).
///
/// Every lookup gives positions ascending (oldest first), each once; texts compare by `==` (Unicode
/// canonical equivalence), as `String`s do.
public protocol MatcherBills {
    /// How many bills (positions `0..<count`).
    var count: Int { get }
    /// Calls `body` with each bill's date, amount, what earlier runs allocated to it (kopecks) and its
    /// customer's ИНН, in position order, once for every position (a store whose read fails gives the
    /// rest as bills of nothing and keeps ``failure``).
    func forEachSummary(_ body: (_ date: CivilDate, _ amount: Int64, _ allocated: Int64, _ customerINN: String) -> Void)
    /// The bill at `position`, whole.
    func bill(at position: Int) -> OpenBill
    func date(at position: Int) -> CivilDate
    func number(at position: Int) -> BillNumber
    func orderID(at position: Int) -> OrderID
    func customerINN(at position: Int) -> String
    /// The bill's number and order id (what an allocation names).
    func numberAndOrderID(at position: Int) -> (BillNumber, OrderID)
    /// The bills whose number's normalised form (``BillReference/normalizedKey(_:)``) is `key`.
    mutating func positions(normalizedNumber key: String) -> [Int32]
    /// The bills paid through the provider under this order id.
    mutating func positions(providerOrderID: ProviderOrderID) -> [Int32]
    /// The bills with exactly this number.
    mutating func positions(numbered number: BillNumber) -> [Int32]
    /// The bills whose order id or order number is `text`.
    mutating func positions(orderIDOrNumber text: String) -> [Int32]
    /// Lets go what only the lookups need (the matcher has made its last): texts stay readable.
    mutating func releaseLookups()
    /// Lets everything go: nothing is read after.
    mutating func release()
    /// Why a read failed, if one did: a store that cannot read gives no bill and remembers why, and the
    /// matcher then throws it instead of deciding anything (`nil` for bills held in memory).
    var failure: (any Error)? { get }
}

/// The matcher's order of bills: by date, number (its UTF-8 bytes), order id (its UTF-8 bytes), then
/// the order given. Two numbers that differ only in their Unicode form (`Й` and `И` + breve) are the
/// same number: those bills go by order id. (Such numbers can make the comparison circular — the two
/// forms of one number on either side of a third by their bytes —: the order is then the one this stable
/// sort gives, whoever sorts.)
public enum CanonicalBillOrder {
    /// The positions of the bills whose dates, numbers and order ids these are, in their canonical order.
    public static func positions(dates: [CivilDate], numbers: [String], orderIDs: [String]) -> [Int] {
        precondition(dates.count == numbers.count && numbers.count == orderIDs.count, "three fields of each bill")
        return ByteOrder.sortedPositions(count: dates.count) { i, j in
            if dates[i] != dates[j] { return dates[i] < dates[j] }
            let byNumber = ByteOrder.compare(numbers[i], numbers[j])
            if byNumber != 0 && numbers[i] != numbers[j] { return byNumber < 0 }
            let byOrder = ByteOrder.compare(orderIDs[i], orderIDs[j])
            if byOrder != 0 { return byOrder < 0 }
            return i < j
        }
    }
}

/// Bills held in memory, compactly (``CompactBills``), with indexes of 8 bytes a bill by their fixed keys:
/// the matcher's own store when it is given its bills as values.
struct HeldBills: MatcherBills {
    private var bills: CompactBills
    private var byNormalizedNumber: KeyedBills<String>
    private var byProviderOrder: KeyedBills<ProviderOrderID>
    /// Built on first use (pins, `merchantOrderId`): most runs never need them.
    private var byBillNumber: KeyedBills<BillNumber>?
    private var byOrderID: KeyedBills<String>?
    private var byOrderNumber: KeyedBills<String>?

    /// `bills`, put in their canonical order.
    ///
    /// Byte order of the UTF-8 text: deterministic, and without the Unicode-normalising comparison
    /// `String <` does for Cyrillic numbers (a million bills sort in a fraction). Positions are sorted by
    /// keys read once, not the bills (ties keep the input's order, as the stable sort of the bills did);
    /// input already in order (the ledger's) is taken as it is. The copy in that order has its texts in
    /// that order too (the rules read them in about that order: an arrangement in place, texts left where
    /// they were, cost the million-bill benchmark ~7 % and saved nothing measurable in a day's peak).
    init(arranging given: consuming CompactBills) {
        var table = given
        let order = Self.canonicalOrder(of: table)
        if order.elementsEqual(table.indices) {
            table.trimCapacity() // (the matcher holds them to the end: no room kept for more)
        } else {
            table = table.arranged(in: order)
        }
        let sorted = table
        bills = sorted
        byNormalizedNumber = KeyedBills(billCount: sorted.count, keyOf: Self.normalizedNumber(in: sorted))
        byProviderOrder = KeyedBills(billCount: sorted.count) { sorted.providerOrderID(at: Int($0)) }
    }

    /// The positions of `bills` in their canonical order (``CanonicalBillOrder``).
    static func canonicalOrder(of bills: CompactBills) -> [Int] {
        CanonicalBillOrder.positions(dates: bills.indices.map(bills.date(at:)),
                                     numbers: bills.indices.map { bills.number(at: $0).rawValue },
                                     orderIDs: bills.indices.map { bills.orderID(at: $0).rawValue })
    }

    /// The key `byNormalizedNumber` files a bill under.
    private static func normalizedNumber(in bills: CompactBills) -> (Int32) -> String? {
        { BillReference.normalizedKey(bills.number(at: Int($0)).rawValue) }
    }

    var count: Int { bills.count }

    func forEachSummary(_ body: (CivilDate, Int64, Int64, String) -> Void) {
        for position in bills.indices {
            body(bills.date(at: position), bills.amount(at: position).kopecks, bills.allocated(at: position).kopecks,
                 bills.customerINN(at: position))
        }
    }

    func bill(at position: Int) -> OpenBill { bills[position] }
    func date(at position: Int) -> CivilDate { bills.date(at: position) }
    func number(at position: Int) -> BillNumber { bills.number(at: position) }
    func orderID(at position: Int) -> OrderID { bills.orderID(at: position) }
    func customerINN(at position: Int) -> String { bills.customerINN(at: position) }
    func numberAndOrderID(at position: Int) -> (BillNumber, OrderID) { (bills.number(at: position), bills.orderID(at: position)) }

    func positions(normalizedNumber key: String) -> [Int32] {
        byNormalizedNumber.all(key, keyOf: Self.normalizedNumber(in: bills))
    }

    func positions(providerOrderID: ProviderOrderID) -> [Int32] {
        let bills = self.bills
        return byProviderOrder.all(providerOrderID) { bills.providerOrderID(at: Int($0)) }
    }

    mutating func positions(numbered number: BillNumber) -> [Int32] {
        let bills = self.bills
        if byBillNumber == nil { byBillNumber = KeyedBills(billCount: bills.count) { bills.number(at: Int($0)) } }
        return byBillNumber?.all(number) { bills.number(at: Int($0)) } ?? []
    }

    mutating func positions(orderIDOrNumber text: String) -> [Int32] {
        let bills = self.bills
        let orderID: (Int32) -> String? = { bills.orderID(at: Int($0)).rawValue }
        let orderNumber: (Int32) -> String? = { bills.orderNumber(at: Int($0)) }
        if byOrderID == nil || byOrderNumber == nil {
            byOrderID = KeyedBills(billCount: bills.count, keyOf: orderID)
            byOrderNumber = KeyedBills(billCount: bills.count, keyOf: orderNumber)
        }
        var found = Set(byOrderID?.all(text, keyOf: orderID) ?? [])
        found.formUnion(byOrderNumber?.all(text, keyOf: orderNumber) ?? [])
        return found.sorted()
    }

    mutating func releaseLookups() {
        byNormalizedNumber = KeyedBills(billCount: 0) { _ in nil }
        byProviderOrder = KeyedBills(billCount: 0) { _ in nil }
        (byBillNumber, byOrderID, byOrderNumber) = (nil, nil, nil)
    }

    mutating func release() {
        releaseLookups()
        bills = CompactBills()
    }

    var failure: (any Error)? { nil }
}
