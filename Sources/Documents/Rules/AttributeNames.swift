import Foundation

/// What the rules that look at every attribute of a document know about an attribute name.
struct AttributeInfo: Sendable {
    enum Kind: UInt8, Sendable {
        case other, date, time, innLegal, innPerson, kpp, rate, rateBefore, rateAfter
    }

    var kind: Kind = .other
    /// The attribute's slot in a УПД line (`LineSlot`), when it is one the line rules read.
    var lineSlot: LineSlot = .none
    /// Character limits (`BeyondXSDRules.limits`) in a УПД 5.03 and a УКД 5.01; 0 when none.
    var limitUPD: Int32 = 0
    var limitUKD: Int32 = 0

    /// The attributes of `ТаблСчФакт/СведТов` the line rules read, each kept at its own index.
    enum LineSlot: Int, Sendable {
        case none = -1
        case number, name, unitCode, unitName, quantity, price, withoutVAT, rate, total
        static let count = 9
    }

    /// Whether any rule looks at the attribute.
    var isKnown: Bool { kind != .other || limitUPD != 0 || limitUKD != 0 || lineSlot != .none }

    func limit(_ format: DocumentFormat) -> Int {
        Int(format == .upd503 ? limitUPD : limitUKD)
    }
}

/// The attribute names the element-wide rules look for, found by hashing the name's length and
/// first and last eight bytes into an open-addressed table, then comparing bytes: no `String`
/// comparison, no hashing of Cyrillic names by `String`. A name of a kind found by prefix
/// (`Дата…`, `Врем…`) is classified by its prefix when it is not listed.
///
/// The table is built once (`rules`) and never changes or freed: read without reference counting.
struct AttributeNames: @unchecked Sendable {
    private struct Slot {
        var fingerprint: UInt64 = 0
        var length = -1
        var offset = 0
        var info = AttributeInfo()
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    /// The listed names' bytes, one after another.
    private let bytes: UnsafeMutablePointer<UInt8>

    init(_ names: [(name: String, info: AttributeInfo)]) {
        var capacity = 16
        while capacity < 4 * names.count { capacity *= 2 }
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        let total = names.reduce(0) { $0 + $1.name.utf8.count }
        bytes = .allocate(capacity: max(total, 1))
        var offset = 0
        for (name, info) in names {
            let utf8 = Array(name.utf8)
            utf8.withUnsafeBufferPointer { buffer in
                for (position, byte) in buffer.enumerated() { bytes[offset + position] = byte }
                let print = Self.fingerprint(buffer)
                var index = Self.hash(print, buffer.count, mask)
                while slots[index].length >= 0 { index = (index + 1) & mask }
                slots[index] = Slot(fingerprint: print, length: buffer.count, offset: offset, info: info)
            }
            offset += utf8.count
        }
    }

    /// The info of `name`; `.other` without limits when the name is not listed and not a date or time.
    func info(_ name: String) -> AttributeInfo {
        if let found = name.utf8.withContiguousStorageIfAvailable({ lookup($0) }) { return found }
        return Array(name.utf8).withUnsafeBufferPointer { lookup($0) }
    }

    @inline(__always)
    private func lookup(_ utf8: UnsafeBufferPointer<UInt8>) -> AttributeInfo {
        let length = utf8.count
        let print = Self.fingerprint(utf8)
        var index = Self.hash(print, length, mask)
        while slots[index].length >= 0 {
            let slot = slots[index]
            if slot.fingerprint == print && slot.length == length
                && (length < 8 || sameBytes(UnsafePointer(bytes + slot.offset), utf8.baseAddress, length)) {
                return slot.info
            }
            index = (index + 1) & mask
        }
        return Self.byPrefix(utf8) ?? AttributeInfo()
    }

    @inline(__always)
    private static func hash(_ fingerprint: UInt64, _ length: Int, _ mask: Int) -> Int {
        let mixed = (fingerprint ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 40) & mask
    }

    /// The first and the last (up to) eight bytes folded into one word: names of the same length
    /// that differ there are told apart without comparing them byte by byte.
    @inline(__always)
    static func fingerprint(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = utf8.baseAddress else { return 0 }
        let count = utf8.count
        if count >= 8 {
            let head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            let tail = UnsafeRawPointer(base + (count - 8)).loadUnaligned(as: UInt64.self)
            return head ^ (tail << 1 | tail >> 63)
        }
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(base[index]) << (8 * UInt64(index)) }
        return word
    }

    private static let datePrefix = Array("Дата".utf8)
    private static let timePrefix = Array("Врем".utf8)

    private static func byPrefix(_ utf8: UnsafeBufferPointer<UInt8>) -> AttributeInfo? {
        guard utf8.count >= 8, utf8[0] == 0xD0 else { return nil }  // Д and В are D0 94 and D0 92
        if utf8.starts(with: datePrefix) { return AttributeInfo(kind: .date) }
        if utf8.starts(with: timePrefix) { return AttributeInfo(kind: .time) }
        return nil
    }

    /// The names of `BeyondXSDRules`' element-wide rules.
    static let rules: AttributeNames = {
        var table: [String: AttributeInfo] = [:]
        for (name, limit) in BeyondXSDRules.limits[.upd503] ?? [:] { table[name, default: AttributeInfo()].limitUPD = Int32(limit) }
        for (name, limit) in BeyondXSDRules.limits[.ukd501] ?? [:] { table[name, default: AttributeInfo()].limitUKD = Int32(limit) }
        let kinds: [(String, AttributeInfo.Kind)] = [
            ("ИННЮЛ", .innLegal), ("ИННФЛ", .innPerson), ("КПП", .kpp),
            ("НалСт", .rate), ("НалСтДо", .rateBefore), ("НалСтПосле", .rateAfter),
            ("РеквДатаДок", .date), ("ДатаПРД", .date),
        ]
        for (name, kind) in kinds { table[name, default: AttributeInfo()].kind = kind }
        let slots: [(String, AttributeInfo.LineSlot)] = [
            ("НомСтр", .number), ("НаимТов", .name), ("ОКЕИ_Тов", .unitCode), ("НаимЕдИзм", .unitName), ("КолТов", .quantity),
            ("ЦенаТов", .price), ("СтТовБезНДС", .withoutVAT), ("НалСт", .rate), ("СтТовУчНал", .total),
        ]
        for (name, slot) in slots { table[name, default: AttributeInfo()].lineSlot = slot }
        // A listed name that starts with Дата/Врем keeps that kind too.
        for name in table.keys where table[name]?.kind == .other {
            if name.hasPrefix("Дата") { table[name]?.kind = .date } else if name.hasPrefix("Врем") { table[name]?.kind = .time }
        }
        return AttributeNames(table.map { (name: $0.key, info: $0.value) })
    }()
}

/// `count` bytes at `first` and `second` are equal.
@inline(__always)
func sameBytes(_ first: UnsafePointer<UInt8>?, _ second: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
    guard count > 0 else { return true }
    guard let first, let second else { return false }
    return memcmp(first, second, count) == 0
}
