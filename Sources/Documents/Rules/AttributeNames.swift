import Foundation

/// What the rules that look at every attribute of a document know about an attribute name.
struct AttributeInfo: Sendable {
    enum Kind: UInt8, Sendable {
        case other, date, time, innLegal, innPerson, kpp, rate, rateBefore, rateAfter
    }

    var kind: Kind = .other
    /// Character limits (`BeyondXSDRules.limits`) in a УПД 5.03 and a УКД 5.01; 0 when none.
    var limitUPD: Int32 = 0
    var limitUKD: Int32 = 0

    func limit(_ format: DocumentFormat) -> Int {
        Int(format == .upd503 ? limitUPD : limitUKD)
    }
}

/// The attribute names the element-wide rules look for, found by byte length and then bytes:
/// no `String` comparison, no hashing of Cyrillic names. A name of a kind found by prefix
/// (`Дата…`, `Врем…`) is classified by its prefix when it is not listed.
struct AttributeNames: Sendable {
    private let bytes: [UInt8]
    /// Sorted by byte length: (offset in `bytes`, info); `firstOfLength[n] ..< firstOfLength[n + 1]`
    /// are the names of `n` bytes.
    private let entries: [(offset: Int, info: AttributeInfo)]
    /// `fingerprint` of each entry's name: compared before the bytes.
    private let fingerprints: [UInt64]
    private let firstOfLength: [Int]

    init(_ names: [(name: String, info: AttributeInfo)]) {
        let sorted = names.sorted { $0.name.utf8.count < $1.name.utf8.count }
        let longest = sorted.last?.name.utf8.count ?? 0
        var bytes: [UInt8] = []
        var entries: [(offset: Int, info: AttributeInfo)] = []
        var firstOfLength = [Int](repeating: 0, count: longest + 2)
        for (name, info) in sorted {
            entries.append((bytes.count, info))
            bytes.append(contentsOf: name.utf8)
        }
        var entry = 0
        for length in 0...(longest + 1) {
            while entry < sorted.count && sorted[entry].name.utf8.count < length { entry += 1 }
            firstOfLength[length] = entry
        }
        self.bytes = bytes
        self.entries = entries
        self.fingerprints = sorted.map { pair in
            Array(pair.name.utf8).withUnsafeBufferPointer { Self.fingerprint($0) }
        }
        self.firstOfLength = firstOfLength
    }

    /// The info of `name`; `.other` without limits when the name is not listed and not a date or time.
    func info(_ name: String) -> AttributeInfo {
        let length = name.utf8.count
        let found: AttributeInfo?? = name.utf8.withContiguousStorageIfAvailable { utf8 in
            find(utf8, length: length) ?? Self.byPrefix(utf8)
        }
        if let found, let info = found { return info }
        let copy = Array(name.utf8)
        return copy.withUnsafeBufferPointer { find($0, length: length) ?? Self.byPrefix($0) } ?? AttributeInfo()
    }

    private func find(_ utf8: UnsafeBufferPointer<UInt8>, length: Int) -> AttributeInfo? {
        guard length + 1 < firstOfLength.count else { return nil }
        let range = firstOfLength[length]..<firstOfLength[length + 1]
        guard !range.isEmpty else { return nil }
        let print = Self.fingerprint(utf8)
        return bytes.withUnsafeBufferPointer { all in
            for index in range where fingerprints[index] == print {
                let offset = entries[index].offset
                if sameBytes(all.baseAddress.map { $0 + offset }, utf8.baseAddress, length) { return entries[index].info }
            }
            return nil
        }
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
