// The primitives of the compact binary form of an order (see OrderBinary.swift): unsigned LEB128
// varints, zig-zag varints for signed numbers, length-prefixed UTF-8 strings, presence bytes and
// counts. Writing appends to a `[UInt8]`; reading walks a borrowed buffer without copying it, and
// every length and count is checked against the bytes left before anything is allocated.

/// Why the binary form of an order could not be read, and where.
public struct OrderBinaryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public enum Reason: Hashable, Sendable {
        /// The bytes end before the value does: `needed` more bytes were wanted, `available` were left.
        case truncated(needed: Int, available: Int)
        /// The order starts with another format's byte (a file written by another build, or not an order).
        case unsupportedVersion(UInt8)
        /// A tag, presence or boolean byte with a value no writer writes.
        case badTag(UInt8)
        /// A string's bytes are not valid UTF-8.
        case invalidUTF8
        /// A count or length larger than the bytes left could hold.
        case countTooLarge(count: UInt64, remainingBytes: Int)
        /// A number outside its type's range (a varint over 64 bits, a scale over 11, a day out of range…).
        case outOfRange(String)
        /// A value the domain type refuses (e.g. a ИНН whose check digits are wrong).
        case invalidValue(String)
        /// The order's body declared `declared` bytes but its fields took `used`.
        case lengthMismatch(declared: Int, used: Int)
    }

    /// The field being read, as a path from the order: `order.lines[3].name`.
    public var field: String
    /// The byte offset in the buffer where the failing read started.
    public var offset: Int
    /// What was wrong.
    public var reason: Reason

    /// An error reading `field` (a path such as `order.lines[3].name`) at byte `offset`.
    public init(field: String, offset: Int, reason: Reason) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// `binary form: <field> at byte <offset>: <reason>` (the field's path names what was read: an
    /// order, a payment).
    public var description: String {
        let why: String = switch reason {
        case let .truncated(needed, available): "truncated: needs \(needed) byte(s), \(available) left"
        case let .unsupportedVersion(byte): "unsupported format byte 0x\(String(byte, radix: 16)) (expected 0x\(String(Order.binaryFormatVersion, radix: 16)))"
        case let .badTag(byte): "bad tag byte \(byte)"
        case .invalidUTF8: "invalid UTF-8"
        case let .countTooLarge(count, remaining): "count \(count) is too large for the \(remaining) byte(s) left"
        case let .outOfRange(detail): "out of range: \(detail)"
        case let .invalidValue(detail): "invalid value: \(detail)"
        case let .lengthMismatch(declared, used): "body declared \(declared) byte(s), fields used \(used)"
        }
        return "binary form: \(field) at byte \(offset): \(why)"
    }

    /// The same error with `component` (a field name, or `name[index]`) put before its path.
    func inside(_ component: String) -> OrderBinaryError {
        var copy = self
        copy.field = field.isEmpty ? component : component + "." + field
        return copy
    }
}

/// A cursor over bytes holding binary orders (``Order/appendBinary(to:)``), read with
/// ``Order/init(binary:)``.
///
/// The reader borrows the buffer: the memory must stay valid and unchanged while the reader is
/// used (e.g. a block of orders read with `pread` into one allocated buffer, decoded in place).
public struct BinaryReader {
    @usableFromInline let base: UnsafeRawPointer?
    /// The offset just past the last readable byte.
    @usableFromInline var end: Int
    /// The offset of the next byte to read, from the start of the buffer.
    public private(set) var offset: Int
    /// Where decoded parties and warehouses are shared, if anywhere.
    let sharing: OrderBinarySharing?

    /// A reader at the start of `buffer`. With `sharing`, a customer, consignee or warehouse whose
    /// bytes were decoded before (by any reader given the same `sharing`) is the value decoded then.
    public init(_ buffer: UnsafeRawBufferPointer, sharing: OrderBinarySharing? = nil) {
        base = buffer.baseAddress
        end = buffer.count
        offset = 0
        self.sharing = sharing
    }

    /// The bytes not read yet.
    public var remaining: Int { end - offset }
    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= end }

    /// A reader of the next `count` bytes only (checked by the caller), sharing the buffer's offsets.
    func limited(to count: Int) -> BinaryReader {
        var copy = self
        copy.end = offset + count
        return copy
    }

    /// Moves to `newOffset`, within bytes already checked to be there.
    mutating func advance(to newOffset: Int) { offset = newOffset }

    // MARK: Primitives

    @inline(__always)
    func error(_ field: StaticString, at offset: Int, _ reason: OrderBinaryError.Reason) -> OrderBinaryError {
        OrderBinaryError(field: field.description, offset: offset, reason: reason)
    }

    /// One byte.
    @inline(__always)
    mutating func byte(_ field: StaticString) throws(OrderBinaryError) -> UInt8 {
        guard offset < end, let base else { throw error(field, at: offset, .truncated(needed: 1, available: 0)) }
        let value = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return value
    }

    /// A little-endian `UInt32` in four bytes.
    mutating func fixedUInt32(_ field: StaticString) throws(OrderBinaryError) -> UInt32 {
        guard end - offset >= 4, let base else { throw error(field, at: offset, .truncated(needed: 4, available: end - offset)) }
        let value = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: value)
    }

    /// An unsigned LEB128 varint of at most ten bytes.
    @inline(__always)
    mutating func varint(_ field: StaticString) throws(OrderBinaryError) -> UInt64 {
        guard offset < end, let base else { throw error(field, at: offset, .truncated(needed: 1, available: 0)) }
        let first = base.load(fromByteOffset: offset, as: UInt8.self)
        if first < 0x80 {
            offset += 1
            return UInt64(first)
        }
        return try longVarint(field, base: base)
    }

    /// The varint at `offset` when it takes more than one byte.
    mutating func longVarint(_ field: StaticString, base: UnsafeRawPointer) throws(OrderBinaryError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while true {
            guard index < end else { throw error(field, at: start, .truncated(needed: index - start + 1, available: end - start)) }
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            index += 1
            if shift == 63 && byte > 1 { throw error(field, at: start, .outOfRange("varint over 64 bits")) }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        offset = index
        return value
    }

    /// A zig-zag varint.
    @inline(__always)
    public mutating func signed(_ field: StaticString) throws(OrderBinaryError) -> Int64 {
        let raw = try varint(field)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A zig-zag varint that fits `Int`.
    @inline(__always)
    mutating func int(_ field: StaticString) throws(OrderBinaryError) -> Int {
        let start = offset
        let value = try signed(field)
        guard let result = Int(exactly: value) else { throw error(field, at: start, .outOfRange("\(value) does not fit Int")) }
        return result
    }

    /// A boolean byte: 0 or 1.
    @inline(__always)
    mutating func bool(_ field: StaticString) throws(OrderBinaryError) -> Bool {
        let start = offset
        switch try byte(field) {
        case 0: return false
        case 1: return true
        case let other: throw error(field, at: start, .badTag(other))
        }
    }

    /// A count of elements each at least `minimumElementSize` bytes long, checked against the bytes left.
    @inline(__always)
    public mutating func count(_ field: StaticString, minimumElementSize: Int) throws(OrderBinaryError) -> Int {
        let start = offset
        let raw = try varint(field)
        guard raw <= UInt64(remaining / minimumElementSize) else {
            throw error(field, at: start, .countTooLarge(count: raw, remainingBytes: remaining))
        }
        return Int(raw)
    }

    /// A varint byte length then that many bytes of valid UTF-8.
    @inline(__always)
    public mutating func string(_ field: StaticString) throws(OrderBinaryError) -> String {
        let start = offset
        let length = try count(field, minimumElementSize: 1)
        guard length > 0 else { return "" }
        guard let base else { throw error(field, at: start, .truncated(needed: length, available: 0)) }
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: length)
        guard let text = validatedString(bytes) else { throw error(field, at: start, .invalidUTF8) }
        offset += length
        return text
    }

    /// `value` when the presence byte says so, else `nil`.
    @inline(__always)
    mutating func optional<Value>(_ field: StaticString,
                                  _ value: (inout BinaryReader) throws(OrderBinaryError) -> Value) throws(OrderBinaryError) -> Value? {
        try bool(field) ? try value(&self) : nil
    }

    /// An optional string.
    @inline(__always)
    public mutating func optionalString(_ field: StaticString) throws(OrderBinaryError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    /// A counted array whose elements take at least `minimumElementSize` bytes each; an element's
    /// error is reported at `field[index]`.
    @inline(__always)
    public mutating func array<Element>(_ field: StaticString, minimumElementSize: Int,
                                 _ element: (inout BinaryReader) throws(OrderBinaryError) -> Element) throws(OrderBinaryError) -> [Element] {
        let elements = try count(field, minimumElementSize: minimumElementSize)
        var result: [Element] = []
        result.reserveCapacity(elements)
        for index in 0..<elements {
            do { result.append(try element(&self)) } catch { throw error.inside("\(field)[\(index)]") }
        }
        return result
    }

    /// A value written with a varint length before it (`appendLengthPrefixed`), decoded by `value`
    /// from exactly those bytes, or, when `table` already holds a value decoded from the same
    /// bytes, that value. Errors are reported inside `field`.
    mutating func shared<Value>(_ field: StaticString, in table: ReferenceWritableKeyPath<OrderBinarySharing, [SharedBytes: Value]>,
                                _ value: (inout BinaryReader) throws(OrderBinaryError) -> Value) throws(OrderBinaryError) -> Value {
        let length = try count(field, minimumElementSize: 1)
        let bytes = UnsafeRawBufferPointer(start: base.map { $0 + offset }, count: length)
        if let sharing, let known = sharing[keyPath: table][SharedBytes(borrowing: bytes)] {
            offset += length
            return known
        }
        var part = limited(to: length)
        let start = part.offset
        let decoded: Value
        do { decoded = try value(&part) } catch { throw error.inside(field.description) }
        guard part.isAtEnd else {
            throw self.error(field, at: start, .lengthMismatch(declared: length, used: part.offset - start))
        }
        if let sharing, sharing.count < sharing.limit {
            sharing[keyPath: table][SharedBytes(copying: bytes)] = decoded
            sharing.count += 1
        }
        offset += length
        return decoded
    }

    /// A nested value whose errors are reported inside `field`.
    @inline(__always)
    mutating func nested<Value>(_ field: StaticString,
                                _ value: (inout BinaryReader) throws(OrderBinaryError) -> Value) throws(OrderBinaryError) -> Value {
        do { return try value(&self) } catch { throw error.inside(field.description) }
    }
}

/// Decoded parties and warehouses by their binary bytes, so that orders decoded with one sharing
/// hold one copy of each distinct customer (a day's hundred thousand orders have a few thousand),
/// as ingest made them, and skip decoding it again.
///
/// Not thread-safe: give each decoding thread its own. It keeps at most `limit` values, then
/// decodes the rest without sharing.
public final class OrderBinarySharing {
    var parties: [SharedBytes: Party] = [:]
    var warehouses: [SharedBytes: Warehouse] = [:]
    var count = 0
    /// The most values kept.
    public let limit: Int

    /// An empty sharing that keeps at most `limit` parties and warehouses.
    public init(limit: Int = 100_000) { self.limit = limit }

    /// How many distinct parties and warehouses are kept.
    public var storedCount: Int { count }
}

/// The bytes of a shared value as a dictionary key: borrowed for a lookup, owned once stored.
struct SharedBytes: Hashable {
    /// Owns the bytes of a stored key.
    private final class Storage {
        let bytes: UnsafeMutableRawBufferPointer
        init(copying source: UnsafeRawBufferPointer) {
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 8)
            bytes.copyMemory(from: source)
        }
        deinit { bytes.deallocate() }
    }

    private let storage: Storage?
    private let bytes: UnsafeRawBufferPointer

    /// A key for a lookup only: `bytes` must outlive it.
    init(borrowing bytes: UnsafeRawBufferPointer) {
        storage = nil
        self.bytes = bytes
    }

    /// A key owning a copy of `bytes`.
    init(copying bytes: UnsafeRawBufferPointer) {
        let storage = Storage(copying: bytes)
        self.storage = storage
        self.bytes = UnsafeRawBufferPointer(storage.bytes)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(bytes: bytes) }
    static func == (lhs: SharedBytes, rhs: SharedBytes) -> Bool { sameBytes(lhs.bytes, rhs.bytes) }
}

/// The string of `bytes` when they are valid UTF-8, else `nil` (never repaired with U+FFFD).
///
/// `String(decoding:as:)` over a buffer is the standard library's specialised fast path (validate,
/// then copy); `String(validating:as:)` goes through generic code (metadata lookups) and measured
/// about 1.6× slower. Decoding repairs invalid bytes instead of failing, so unless every byte is
/// ASCII (nothing to repair) the string's bytes are compared with the input: any repair differs.
@inline(__always)
func validatedString(_ bytes: UnsafeRawBufferPointer) -> String? {
    bytes.withMemoryRebound(to: UInt8.self) { utf8 in
        let text = String(decoding: utf8, as: UTF8.self)
        if isASCII(bytes) { return text }
        let same = text.utf8.withContiguousStorageIfAvailable { stored in
            stored.count == utf8.count && sameBytes(UnsafeRawBufferPointer(stored), bytes)
        } ?? text.utf8.elementsEqual(utf8)
        return same ? text : nil
    }
}

/// Whether two buffers of the same length hold the same bytes, eight at a time.
@inline(__always)
func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard let x = a.baseAddress, let y = b.baseAddress else { return true }
    var index = 0
    while index + 8 <= a.count {
        guard x.loadUnaligned(fromByteOffset: index, as: UInt64.self) == y.loadUnaligned(fromByteOffset: index, as: UInt64.self) else {
            return false
        }
        index += 8
    }
    while index < a.count {
        guard x.load(fromByteOffset: index, as: UInt8.self) == y.load(fromByteOffset: index, as: UInt8.self) else { return false }
        index += 1
    }
    return true
}

/// Whether every byte is below 0x80, eight bytes at a time.
@inline(__always)
func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var index = 0
    var high: UInt64 = 0
    while index + 8 <= bytes.count {
        high |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index += 8
    }
    while index < bytes.count {
        high |= UInt64(base.load(fromByteOffset: index, as: UInt8.self))
        index += 1
    }
    return high & 0x8080_8080_8080_8080 == 0
}

// MARK: - Writing

extension Array where Element == UInt8 {
    /// Appends an unsigned LEB128 varint.
    @inline(__always)
    public mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a zig-zag varint.
    @inline(__always)
    public mutating func appendSigned(_ value: Int64) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends 0 or 1.
    @inline(__always)
    mutating func appendBool(_ value: Bool) { append(value ? 1 : 0) }

    /// Appends a varint byte length and the string's UTF-8.
    @inline(__always)
    public mutating func appendString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count))
            append(contentsOf: utf8)
        }
    }

    /// Appends what `write` appends, preceded by its length as a varint.
    @inline(__always)
    mutating func appendLengthPrefixed(_ write: (inout [UInt8]) -> Void) {
        let start = count
        write(&self)
        var length: [UInt8] = []
        length.appendVarint(UInt64(count - start))
        insert(contentsOf: length, at: start)
    }

    /// Appends a presence byte and, when present, the string.
    @inline(__always)
    public mutating func appendOptionalString(_ value: String?) {
        if let value {
            append(1)
            appendString(value)
        } else {
            append(0)
        }
    }
}
