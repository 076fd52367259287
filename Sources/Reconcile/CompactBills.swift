import Domain

/// Open bills held compactly: each bill's texts (number, order id, order number, customer ИНН, the
/// provider's order id) one after another in one byte buffer, its date, amount and allocated kopecks
/// in arrays of their own. About 90 bytes a bill of the job's days, where an `[OpenBill]` takes ~130
/// and a heap block more for each provider order id (a UUID does not fit a `String` inline).
///
/// A collection of ``OpenBill``: each element is rebuilt from the buffer when read. The matcher holds
/// its bills this way and reads only the field it needs (``number(at:)``, ``orderID(at:)``, …).
public struct CompactBills: RandomAccessCollection, Sendable, Equatable {
    /// The texts of every bill, each a varint byte length and the UTF-8 bytes; the provider's order id
    /// has its length + 1 (0: none).
    private var texts: [UInt8] = []
    /// Where each bill's texts start in `texts`.
    private var textStarts: [Int] = []
    private var dates: [CivilDate] = []
    private var amounts: [Int64] = []
    private var allocatedKopecks: [Int64] = []

    public init() {}

    /// The bills of `bills`, in their order.
    public init(_ bills: some Sequence<OpenBill>) {
        for bill in bills { append(bill) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { textStarts.count }

    /// The bill at `position`, rebuilt.
    public subscript(position: Int) -> OpenBill {
        var reader = FieldReader(start: textStarts[position])
        let number = reader.text(texts)
        let orderID = reader.text(texts)
        let orderNumber = reader.text(texts)
        let customerINN = reader.text(texts)
        let provider = reader.optionalText(texts)
        return OpenBill(number: BillNumber(number), orderID: OrderID(orderID), orderNumber: orderNumber,
                        customerINN: customerINN, date: dates[position], amount: Money(kopecks: amounts[position]),
                        allocated: Money(kopecks: allocatedKopecks[position]), providerOrderID: provider.map { ProviderOrderID($0) })
    }

    /// Room for `count` bills of about `textBytes` bytes of texts each.
    public mutating func reserveCapacity(_ count: Int, textBytes: Int = 64) {
        texts.reserveCapacity(count * textBytes)
        textStarts.reserveCapacity(count)
        dates.reserveCapacity(count)
        amounts.reserveCapacity(count)
        allocatedKopecks.reserveCapacity(count)
    }

    /// Adds `bill` at the end.
    public mutating func append(_ bill: OpenBill) {
        textStarts.append(texts.count)
        texts.appendString(bill.number.rawValue)
        texts.appendString(bill.orderID.rawValue)
        texts.appendString(bill.orderNumber)
        texts.appendString(bill.customerINN)
        if var provider = bill.providerOrderID?.rawValue {
            provider.withUTF8 { utf8 in
                texts.appendVarint(UInt64(utf8.count) + 1)
                texts.append(contentsOf: utf8)
            }
        } else {
            texts.append(0)
        }
        dates.append(bill.date)
        amounts.append(bill.amount.kopecks)
        allocatedKopecks.append(bill.allocated.kopecks)
    }

    /// Adds the bills of `other` at the end, in their order.
    public mutating func append(contentsOf other: CompactBills) {
        // (Room for exactly both: appending would double each buffer that is full.)
        texts.reserveCapacity(texts.count + other.texts.count)
        textStarts.reserveCapacity(count + other.count)
        dates.reserveCapacity(count + other.count)
        amounts.reserveCapacity(count + other.count)
        allocatedKopecks.reserveCapacity(count + other.count)
        let shift = texts.count
        texts += other.texts
        textStarts += other.textStarts.lazy.map { $0 + shift }
        dates += other.dates
        amounts += other.amounts
        allocatedKopecks += other.allocatedKopecks
    }

    /// Sets what is already allocated to the bill at `position`.
    public mutating func setAllocated(_ allocated: Money, at position: Int) {
        allocatedKopecks[position] = allocated.kopecks
    }

    /// Keeps the bills whose position `isKept`, in their order, where they are (the texts of the
    /// dropped ones are dropped too; the buffers keep their capacity).
    public mutating func keep(where isKept: (Int) -> Bool) {
        var kept = 0
        var textEnd = 0
        for position in 0..<count where isKept(position) {
            let extent = textExtent(of: position)
            if extent.lowerBound != textEnd {
                for offset in 0..<extent.count { texts[textEnd + offset] = texts[extent.lowerBound + offset] }
            }
            textStarts[kept] = textEnd
            textEnd += extent.count
            dates[kept] = dates[position]
            amounts[kept] = amounts[position]
            allocatedKopecks[kept] = allocatedKopecks[position]
            kept += 1
        }
        texts.removeLast(texts.count - textEnd)
        textStarts.removeLast(textStarts.count - kept)
        dates.removeLast(dates.count - kept)
        amounts.removeLast(amounts.count - kept)
        allocatedKopecks.removeLast(allocatedKopecks.count - kept)
    }

    /// The bytes the buffers hold, room reserved included.
    var heldBytes: Int {
        texts.capacity + textStarts.capacity * MemoryLayout<Int>.stride + dates.capacity * MemoryLayout<CivilDate>.stride
            + (amounts.capacity + allocatedKopecks.capacity) * MemoryLayout<Int64>.stride
    }

    /// Lets go of the room reserved beyond what the bills use (each buffer with more than an eighth to
    /// spare is copied once, one at a time).
    mutating func trimCapacity() {
        func trim<Element>(_ array: inout [Element]) {
            guard array.capacity > array.count + array.count / 8 + 16 else { return }
            array = array.withUnsafeBufferPointer { Array($0) }
        }
        trim(&texts)
        trim(&textStarts)
        trim(&dates)
        trim(&amounts)
        trim(&allocatedKopecks)
    }

    /// The bills in `order` (`result[k]` is `self[order[k]]`; `order` is a permutation of the positions).
    func arranged(in order: [Int]) -> CompactBills {
        precondition(order.count == count, "an order for every bill")
        var result = CompactBills()
        result.texts.reserveCapacity(texts.count)
        result.textStarts.reserveCapacity(count)
        result.dates.reserveCapacity(count)
        result.amounts.reserveCapacity(count)
        result.allocatedKopecks.reserveCapacity(count)
        for position in order {
            result.textStarts.append(result.texts.count)
            result.texts += texts[textExtent(of: position)]
            result.dates.append(dates[position])
            result.amounts.append(amounts[position])
            result.allocatedKopecks.append(allocatedKopecks[position])
        }
        return result
    }

    /// Where the texts of the bill at `position` lie in `texts` (they run to the next bill's: the texts
    /// are in the bills' order).
    private func textExtent(of position: Int) -> Range<Int> {
        textStarts[position]..<(position + 1 < count ? textStarts[position + 1] : texts.count)
    }

    // MARK: - One field

    public func number(at position: Int) -> BillNumber { BillNumber(field(0, at: position)) }
    public func orderID(at position: Int) -> OrderID { OrderID(field(1, at: position)) }
    public func orderNumber(at position: Int) -> String { field(2, at: position) }
    public func customerINN(at position: Int) -> String { field(3, at: position) }
    public func providerOrderID(at position: Int) -> ProviderOrderID? {
        var reader = FieldReader(start: textStarts[position])
        for _ in 0..<4 { reader.skip(texts) }
        return reader.optionalText(texts).map { ProviderOrderID($0) }
    }
    public func date(at position: Int) -> CivilDate { dates[position] }
    public func amount(at position: Int) -> Money { Money(kopecks: amounts[position]) }
    public func allocated(at position: Int) -> Money { Money(kopecks: allocatedKopecks[position]) }
    /// What the bill at `position` still needs: amount − allocated.
    public func outstanding(at position: Int) -> Money { Money(kopecks: amounts[position] - allocatedKopecks[position]) }

    /// The `index`th text field (0 number … 3 customer ИНН) of the bill at `position`.
    private func field(_ index: Int, at position: Int) -> String {
        var reader = FieldReader(start: textStarts[position])
        for _ in 0..<index { reader.skip(texts) }
        return reader.text(texts)
    }

    public static func == (a: CompactBills, b: CompactBills) -> Bool { a.elementsEqual(b) }
}

/// Walks one bill's texts in the buffer (written by ``CompactBills/append(_:)``: always well formed).
private struct FieldReader {
    var offset: Int

    init(start: Int) { offset = start }

    mutating func length(_ texts: [UInt8]) -> Int {
        var value = 0
        var shift = 0
        while true {
            let byte = texts[offset]
            offset += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func text(_ texts: [UInt8]) -> String {
        let count = length(texts)
        defer { offset += count }
        return String(decoding: texts[offset..<offset + count], as: UTF8.self)
    }

    mutating func optionalText(_ texts: [UInt8]) -> String? {
        let stored = length(texts)
        guard stored > 0 else { return nil }
        defer { offset += stored - 1 }
        return String(decoding: texts[offset..<offset + stored - 1], as: UTF8.self)
    }

    mutating func skip(_ texts: [UInt8]) { offset += length(texts) }
}
