/// A JSON encoder that writes exactly the bytes Foundation's `JSONEncoder` writes with
/// `outputFormatting = [.sortedKeys]` (`escapesSlashes: true`) or
/// `[.sortedKeys, .withoutEscapingSlashes]` (`escapesSlashes: false`), each with or without
/// `.prettyPrinted` (`prettyPrinted`), and default strategies, straight into a byte buffer (no
/// intermediate tree of values) and several times faster.
///
/// What "the same bytes" covers (FoundationEssentials' `JSONWriter`, checked by differential tests):
/// - keys sorted by their UTF-8 bytes; a key encoded twice keeps its last value (keys that are
///   canonically equivalent Unicode count as one key, as in a Swift `Dictionary`);
/// - strings: `"` and `\` escaped, `\b \f \n \r \t`, other control characters as `\u00xx`
///   (lower-case hex), `/` as `\/` unless `escapesSlashes` is false; everything else as UTF-8;
/// - integers in decimal; `Double`/`Float` as their `description` without a trailing `.0`;
///   NaN and infinities throw (`JSONEncoder`'s default `.throw` strategy);
/// - `nil` optionals left out by `encodeIfPresent`, `encodeNil` written as `null`; a nested value
///   that encodes nothing as `{}`; a top-level value that encodes nothing throws;
/// - nested containers (also re-opened for the same key), `superEncoder()` (key `super`) and
///   `superEncoder(forKey:)`, single-value containers; at most 511 nested containers;
/// - pretty printing: members one per line, indented two spaces per enclosing container, keys
///   followed by `" : "`, no trailing newline; an empty object or array as its brackets around
///   a blank line, the closing bracket indented to its level (`"[\n\n    ]"`); top-level scalars
///   as they are.
///
/// Not covered: Foundation types that `JSONEncoder` special-cases (`Data` as base64, `URL` as a
/// string, `Decimal` as a number; `Date` under a strategy other than the default) encode here
/// through their own `Codable` conformance, so their bytes differ — Domain's types use none
/// of them. Misuse that makes `JSONEncoder` stop the process (a keyed container after a single
/// value, a second single value, a nested container of the other kind for a used key) throws
/// an `EncodingError` here instead.
public struct SortedJSONEncoder: Sendable {
    /// Whether `/` is written as `\/` (`JSONEncoder`'s default; `false` = `.withoutEscapingSlashes`).
    public var escapesSlashes: Bool
    /// Whether the output is indented as with `.prettyPrinted`.
    public var prettyPrinted: Bool

    /// An encoder; `escapesSlashes: false` matches `.withoutEscapingSlashes`, `prettyPrinted: true`
    /// matches `.prettyPrinted`.
    public init(escapesSlashes: Bool = true, prettyPrinted: Bool = false) {
        self.escapesSlashes = escapesSlashes
        self.prettyPrinted = prettyPrinted
    }

    /// The JSON bytes of `value`.
    /// - Throws: `EncodingError.invalidValue` for a NaN or infinite float, a top-level value that
    ///   encodes nothing, nesting deeper than 511 containers, or a misused container; any error
    ///   `value`'s `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = JSONSink(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted)
        let range = try sink.encodeTopLevel(value)
        if range.start == 0 && range.end == sink.out.count { return sink.out }
        return Array(sink.out[range.start..<range.end])
    }

    /// The JSON text of `value` (the bytes of ``encode(_:)`` as a `String`).
    /// - Throws: as ``encode(_:)``.
    public func encodeString<T: Encodable>(_ value: T) throws -> String {
        let sink = JSONSink(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted)
        let range = try sink.encodeTopLevel(value)
        return sink.out.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[range.start..<range.end]), as: UTF8.self)
        }
    }
}

// MARK: - Output buffer

/// A span of `JSONSink.out`.
struct JSONByteRange {
    var start: Int
    var end: Int
}

/// The bytes written so far and the state one encoding shares.
///
/// Every value is written at the end of `out` as soon as it is encoded; containers remember their
/// members as byte ranges and, when their value is complete, rewrite themselves (keys sorted) in
/// place of their members' bytes. A container written to while another value is being encoded
/// (only possible when `encode(to:)` keeps containers around) turns rewriting in place off, so
/// nothing another container still points at is overwritten.
///
/// One encoding runs on one thread and no access to these properties overlaps another, so
/// they skip the runtime's exclusivity checks (a third of the time otherwise).
final class JSONSink {
    @exclusivity(unchecked) var out: [UInt8] = []
    /// Where a container's members are copied while it rewrites itself.
    @exclusivity(unchecked) var scratch: [UInt8] = []
    /// Member order while a container rewrites itself.
    @exclusivity(unchecked) var order: [Int] = []
    let escapesSlashes: Bool
    let prettyPrinted: Bool
    /// The nesting level of the `encode(to:)` now running.
    @exclusivity(unchecked) var level = 0
    /// False once a container was written out of turn: containers then append, never truncate.
    @exclusivity(unchecked) var rewritesInPlace = true
    /// The first misuse seen (containers' non-throwing methods cannot throw it themselves).
    var failure: EncodingError?

    init(escapesSlashes: Bool, prettyPrinted: Bool) {
        self.escapesSlashes = escapesSlashes
        self.prettyPrinted = prettyPrinted
        out.reserveCapacity(1024)
    }

    func encodeTopLevel<T: Encodable>(_ value: T) throws -> JSONByteRange {
        let root = JSONValueEncoder(sink: self, parent: nil, extraPath: [], key: nil, level: 0, depth: 0)
        try value.encode(to: root)
        let range = root.finish()
        if let failure { throw failure }
        guard let range else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return range
    }

    func fail(_ reason: String, path: [any CodingKey]) {
        if failure == nil {
            failure = EncodingError.invalidValue(reason, EncodingError.Context(codingPath: path, debugDescription: reason))
        }
    }

    // MARK: Scalars

    @inline(__always)
    func writeASCII(_ byte: UInt8) {
        out.append(byte)
    }

    func writeNull() {
        out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    func writeBool(_ value: Bool) {
        if value {
            out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    func writeInteger<I: FixedWidthInteger>(_ value: I) {
        out.appendJSONInteger(value)
    }

    /// `JSONEncoder`'s form of a finite float: its `description` without a trailing `.0`.
    func writeFloat<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F, path: @autoclosure () -> [any CodingKey]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: path(), debugDescription: "Unable to encode \(F.self).\(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.append(contentsOf: text.utf8)
    }

    /// Writes `value` escaped by the routine ``JSONBytes`` shares (`appendJSONString`).
    func writeString(_ value: String) {
        out.appendJSONString(value, escapesSlashes: escapesSlashes)
    }

    // MARK: Containers

    /// Writes a newline and `2 * level` spaces (pretty printing).
    @inline(__always)
    func writeLineBreak(level: Int) {
        out.append(0x0A)
        if level > 0 { out.append(contentsOf: repeatElement(0x20, count: 2 * level)) }
    }

    /// Writes the object a value that encoded nothing stands for, nested in `depth` containers,
    /// and returns where.
    func writeEmptyObject(depth: Int) -> JSONByteRange {
        let start = out.count
        out.append(0x7B)
        if prettyPrinted {
            out.append(0x0A)
            writeLineBreak(level: depth)
        }
        out.append(0x7D)
        return JSONByteRange(start: start, end: out.count)
    }

    /// Writes `frame` (its nested frames first) as one JSON object or array and returns where.
    /// `base` is where the frame's owner began writing: when `truncate` is true (the owner's value
    /// is complete and nothing else wrote since `base`), the frame's output replaces those bytes.
    func close(_ frame: JSONFrame, base: Int, truncate: Bool) -> JSONByteRange {
        frame.closed = true
        for (index, nested) in frame.nested {
            let range = close(nested, base: out.count, truncate: false)
            frame.entries[index].start = range.start
            frame.entries[index].end = range.end
        }
        frame.nested.removeAll()
        if frame.isObject {
            frame.sortedOrder(into: &order)
        } else {
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: frame.entries.indices)
        }
        let inPlace = truncate && rewritesInPlace
        var regionStart = inPlace ? base : out.count
        if !inPlace {
            for entry in frame.entries where entry.start < regionStart { regionStart = entry.start }
        }
        scratch.removeAll(keepingCapacity: true)
        if regionStart < out.count {
            out.withUnsafeBufferPointer { buffer in
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[regionStart..<buffer.count]))
            }
        }
        if inPlace { out.removeLast(out.count - base) }
        let start = out.count
        out.append(frame.isObject ? 0x7B : 0x5B)
        let pretty = prettyPrinted
        if pretty && order.isEmpty {
            // JSONEncoder writes an empty container as its brackets around a blank line.
            out.append(0x0A)
        }
        scratch.withUnsafeBufferPointer { members in
            var first = true
            for index in order {
                let entry = frame.entries[index]
                if first { first = false } else { out.append(0x2C) }
                if pretty { writeLineBreak(level: frame.depth) }
                if frame.isObject {
                    writeString(entry.key)
                    if pretty {
                        out.append(contentsOf: [0x20, 0x3A, 0x20])
                    } else {
                        out.append(0x3A)
                    }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: members[(entry.start - regionStart)..<(entry.end - regionStart)]))
            }
        }
        if pretty { writeLineBreak(level: frame.depth - 1) }
        out.append(frame.isObject ? 0x7D : 0x5D)
        return JSONByteRange(start: start, end: out.count)
    }
}

/// One JSON object or array being built: its members as byte ranges of `JSONSink.out`, or as
/// nested frames not written yet.
final class JSONFrame {
    struct Entry {
        var key: String
        var start: Int
        var end: Int
    }

    static let maximumDepth = 512

    let isObject: Bool
    /// The `encode(to:)` level that writes this frame.
    let level: Int
    /// How many containers enclose this one, plus one (`JSONEncoder` refuses 512).
    let depth: Int
    /// The coding path below the owning encoder's.
    let path: [any CodingKey]
    @exclusivity(unchecked) var entries: [Entry] = []
    /// Members that are nested containers not written yet, by index into `entries`.
    @exclusivity(unchecked) var nested: [(index: Int, frame: JSONFrame)] = []
    @exclusivity(unchecked) var closed = false

    init(isObject: Bool, level: Int, depth: Int, path: [any CodingKey]) {
        self.isObject = isObject
        self.level = level
        self.depth = depth
        self.path = path
    }

    /// Adds a member; its bytes are `start..<end` of the output.
    @inline(__always)
    func append(key: String, start: Int, end: Int) {
        entries.append(Entry(key: key, start: start, end: end))
    }

    /// Adds a nested container as a member (written when this frame is).
    func append(key: String, nested frame: JSONFrame) {
        nested.append((entries.count, frame))
        entries.append(Entry(key: key, start: 0, end: 0))
    }

    /// Inserts an array element at `index` (where `superEncoder()` was asked for).
    func insert(start: Int, end: Int, at index: Int) {
        let index = min(index, entries.count)
        for position in nested.indices where nested[position].index >= index { nested[position].index += 1 }
        entries.insert(Entry(key: "", start: start, end: end), at: index)
    }

    /// The nested frame of the last member under `key`, and whether there is such a member.
    func member(forKey key: String) -> (exists: Bool, frame: JSONFrame?) {
        guard let index = entries.lastIndex(where: { $0.key == key }) else { return (false, nil) }
        return (true, nested.last { $0.index == index }?.frame)
    }

    /// Writes into `order` the indices of the members to write: sorted by the UTF-8 bytes of
    /// their keys; of members with equal keys (equal as Swift strings are) the last one written,
    /// under the first one's spelling.
    func sortedOrder(into order: inout [Int]) {
        order.removeAll(keepingCapacity: true)
        let count = entries.count
        guard count > 1 else {
            order.append(contentsOf: entries.indices)
            return
        }
        var asciiOnly = true
        for entry in entries where !JSONFrame.isASCII(entry.key) {
            asciiOnly = false
            break
        }
        if !asciiOnly {
            // Keys equal as Swift strings (canonical equivalence) are one key, as in a Dictionary.
            var positions: [String: Int] = [:]
            for index in entries.indices {
                let key = entries[index].key
                if let position = positions[key] {
                    entries[position].start = entries[index].start
                    entries[position].end = entries[index].end
                    entries[index].start = -1
                } else {
                    positions[key] = index
                }
            }
            for index in entries.indices where entries[index].start >= 0 { order.append(index) }
        } else {
            order.append(contentsOf: entries.indices)
        }
        // Stable insertion sort of indices: short lists.
        if order.count <= 32 {
            for position in 1..<order.count {
                let index = order[position]
                var slot = position
                while slot > 0 && JSONFrame.compare(entries[index].key, entries[order[slot - 1]].key) < 0 {
                    order[slot] = order[slot - 1]
                    slot -= 1
                }
                order[slot] = index
            }
        } else {
            order.sort { left, right in
                let comparison = JSONFrame.compare(entries[left].key, entries[right].key)
                return comparison != 0 ? comparison < 0 : left < right
            }
        }
        if asciiOnly {
            // Equal keys are now adjacent, in the order written: keep the last of each run.
            var kept = 0
            for position in order.indices {
                if position + 1 < order.count && JSONFrame.compare(entries[order[position]].key, entries[order[position + 1]].key) == 0 {
                    continue
                }
                order[kept] = order[position]
                kept += 1
            }
            order.removeLast(order.count - kept)
        }
    }

    @inline(__always)
    static func isASCII(_ key: String) -> Bool {
        if let ascii = key.utf8.withContiguousStorageIfAvailable({ bytes in bytes.allSatisfy { $0 < 0x80 } }) { return ascii }
        return key.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Compares two keys by their UTF-8 bytes.
    @inline(__always)
    static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in compare(left, right) }
        }
        if let fast, let result = fast { return result }
        if a.utf8.lexicographicallyPrecedes(b.utf8) { return -1 }
        return b.utf8.lexicographicallyPrecedes(a.utf8) ? 1 : 0
    }

    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        var index = 0
        while index < common {
            let a = left[index], b = right[index]
            if a != b { return a < b ? -1 : 1 }
            index += 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }
}

/// The key of an array element in coding paths (`Index 3`), as `JSONEncoder` names it.
struct JSONIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init?(intValue: Int) {
        self.init(index: intValue)
    }

    static let superKey = JSONIndexKey(stringValue: "super").unsafelyUnwrapped
}

// MARK: - Encoder

/// The encoder handed to one value's `encode(to:)`.
class JSONValueEncoder: Encoder, SingleValueEncodingContainer {
    enum Content {
        case none
        case single(JSONByteRange)
        case frame(JSONFrame)
    }

    let sink: JSONSink
    @exclusivity(unchecked) var parent: JSONValueEncoder?
    /// The path between the parent encoder's and this one's key (a nested container's keys).
    @exclusivity(unchecked) var extraPath: [any CodingKey]
    @exclusivity(unchecked) var key: (any CodingKey)?
    @exclusivity(unchecked) var level: Int
    /// Containers enclosing this value.
    @exclusivity(unchecked) var depth: Int
    /// Where this value's bytes begin.
    @exclusivity(unchecked) var base: Int
    @exclusivity(unchecked) var content = Content.none
    /// A finished child encoder kept for the next child (children are encoded one at a time).
    @exclusivity(unchecked) var spareChild: JSONValueEncoder?

    init(sink: JSONSink, parent: JSONValueEncoder?, extraPath: [any CodingKey], key: (any CodingKey)?, level: Int, depth: Int) {
        self.sink = sink
        self.parent = parent
        self.extraPath = extraPath
        self.key = key
        self.level = level
        self.depth = depth
        self.base = sink.out.count
    }

    var codingPath: [any CodingKey] {
        guard let parent else {
            if let key { return extraPath + [key] }
            return extraPath
        }
        var path = parent.codingPath
        path.append(contentsOf: extraPath)
        if let key { path.append(key) }
        return path
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func makeFrame(isObject: Bool, depth: Int, path: [any CodingKey]) -> JSONFrame {
        if depth >= JSONFrame.maximumDepth {
            sink.fail("Unable to encode the given top-level value to JSON: more than \(JSONFrame.maximumDepth - 1) nested containers.",
                      path: codingPath + path)
        }
        return JSONFrame(isObject: isObject, level: level, depth: depth, path: path)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch content {
        case .frame(let frame) where frame.isObject:
            return KeyedEncodingContainer(JSONKeyedContainer<Key>(encoder: self, frame: frame))
        case .none:
            break
        case .frame:
            sink.fail("A keyed container was requested after an unkeyed one for the same value.", path: codingPath)
        case .single:
            sink.fail("A keyed container was requested after a single value was encoded.", path: codingPath)
        }
        let frame = makeFrame(isObject: true, depth: depth + 1, path: [])
        content = .frame(frame)
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(encoder: self, frame: frame))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch content {
        case .frame(let frame) where !frame.isObject:
            return JSONUnkeyedContainer(encoder: self, frame: frame)
        case .none:
            break
        case .frame:
            sink.fail("An unkeyed container was requested after a keyed one for the same value.", path: codingPath)
        case .single:
            sink.fail("An unkeyed container was requested after a single value was encoded.", path: codingPath)
        }
        let frame = makeFrame(isObject: false, depth: depth + 1, path: [])
        content = .frame(frame)
        return JSONUnkeyedContainer(encoder: self, frame: frame)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    /// Writes this value's bytes (rewriting its container in place) and returns where they are;
    /// nil when the value encoded nothing.
    func finish() -> JSONByteRange? {
        switch content {
        case .none: return nil
        case .single(let range): return range
        case .frame(let frame):
            if frame.closed { return nil }
            return sink.close(frame, base: base, truncate: true)
        }
    }

    // MARK: Children

    /// Encodes `value` as a member of a container of `frame`'s and returns its bytes.
    func encodeChild<T: Encodable>(_ value: T, key: (any CodingKey)?, extraPath: [any CodingKey], depth: Int) throws -> JSONByteRange {
        var child: JSONValueEncoder
        if let spare = spareChild {
            spareChild = nil
            spare.parent = self
            spare.extraPath = extraPath
            spare.key = key
            spare.level = sink.level + 1
            spare.depth = depth
            spare.base = sink.out.count
            spare.content = .none
            child = spare
        } else {
            child = JSONValueEncoder(sink: sink, parent: self, extraPath: extraPath, key: key, level: sink.level + 1, depth: depth)
        }
        let outer = sink.level
        sink.level = child.level
        defer { sink.level = outer }
        try value.encode(to: child)
        let range = child.finish()
        if isKnownUniquelyReferenced(&child) {
            // Nothing kept the encoder: reuse it, without the references that would make a cycle.
            child.parent = nil
            child.key = nil
            child.extraPath = []
            child.content = .none
            spareChild = child
        }
        if let range { return range }
        return sink.writeEmptyObject(depth: depth)
    }

    /// Notes a write into a container owned at `level`: out of turn, rewriting in place stops.
    @inline(__always)
    func noteWrite(level: Int) {
        if level != sink.level { sink.rewritesInPlace = false }
    }

    // MARK: SingleValueEncodingContainer

    private func single(_ write: () throws -> Void) throws {
        guard case .none = content else {
            sink.fail("A second single value was encoded for the same value.", path: codingPath)
            return
        }
        noteWrite(level: level)
        let start = sink.out.count
        try write()
        content = .single(JSONByteRange(start: start, end: sink.out.count))
    }

    func encodeNil() throws { try single { sink.writeNull() } }
    func encode(_ value: Bool) throws { try single { sink.writeBool(value) } }
    func encode(_ value: String) throws { try single { sink.writeString(value) } }
    func encode(_ value: Double) throws { try single { try sink.writeFloat(value, path: codingPath) } }
    func encode(_ value: Float) throws { try single { try sink.writeFloat(value, path: codingPath) } }
    func encode(_ value: Int) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: Int8) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: Int16) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: Int32) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: Int64) throws { try single { sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    func encode(_ value: Int128) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: UInt) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: UInt8) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: UInt16) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: UInt32) throws { try single { sink.writeInteger(value) } }
    func encode(_ value: UInt64) throws { try single { sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    func encode(_ value: UInt128) throws { try single { sink.writeInteger(value) } }

    func encode<T: Encodable>(_ value: T) throws {
        guard case .none = content else {
            sink.fail("A second single value was encoded for the same value.", path: codingPath)
            return
        }
        content = .single(try encodeChild(value, key: nil, extraPath: [], depth: depth))
    }
}

/// The encoder `superEncoder()` returns: its value goes into the container it came from when
/// the encoder is released (as with `JSONEncoder`).
final class JSONReferencingEncoder: JSONValueEncoder {
    let target: JSONFrame
    let targetKey: String
    let targetIndex: Int

    init(owner: JSONValueEncoder, frame: JSONFrame, key: any CodingKey, keyString: String, index: Int) {
        target = frame
        targetKey = keyString
        targetIndex = index
        super.init(sink: owner.sink, parent: owner, extraPath: frame.path, key: key, level: frame.level, depth: frame.depth)
    }

    deinit {
        guard !target.closed else { return }
        let range: JSONByteRange
        switch content {
        case .none:
            range = sink.writeEmptyObject(depth: depth)
        case .single(let written):
            range = written
        case .frame(let frame):
            range = sink.close(frame, base: base, truncate: false)
        }
        if target.isObject {
            target.append(key: targetKey, start: range.start, end: range.end)
        } else {
            target.insert(start: range.start, end: range.end, at: targetIndex)
        }
    }
}

// MARK: - Containers

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoder
    let frame: JSONFrame

    var codingPath: [any CodingKey] { encoder.codingPath + frame.path }

    @inline(__always)
    private func put(_ key: Key, _ write: () throws -> Void) rethrows {
        guard !frame.closed else { return }
        encoder.noteWrite(level: frame.level)
        let sink = encoder.sink
        let start = sink.out.count
        try write()
        frame.append(key: key.stringValue, start: start, end: sink.out.count)
    }

    mutating func encodeNil(forKey key: Key) throws { put(key) { encoder.sink.writeNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(key) { encoder.sink.writeBool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { put(key) { encoder.sink.writeString(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        try put(key) { try encoder.sink.writeFloat(value, path: codingPath + [key]) }
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        try put(key) { try encoder.sink.writeFloat(value, path: codingPath + [key]) }
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128, forKey key: Key) throws { put(key) { encoder.sink.writeInteger(value) } }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        guard !frame.closed else { return }
        encoder.noteWrite(level: frame.level)
        let range = try encoder.encodeChild(value, key: key, extraPath: frame.path, depth: frame.depth)
        frame.append(key: key.stringValue, start: range.start, end: range.end)
    }

    /// The frame already nested under `key` when it is of the wanted kind (re-opened, as
    /// `JSONEncoder` does), else a new one.
    private func nestedFrame(forKey key: Key, isObject: Bool) -> JSONFrame {
        let name = key.stringValue
        let existing = frame.member(forKey: name)
        if existing.exists {
            if let nested = existing.frame, nested.isObject == isObject {
                return nested
            }
            encoder.sink.fail("A nested container was requested for key \"\(name)\", which already holds an encoded value.",
                              path: codingPath + [key])
        }
        let nested = encoder.makeFrame(isObject: isObject, depth: frame.depth + 1, path: frame.path + [key])
        if !frame.closed { frame.append(key: name, nested: nested) }
        return nested
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(encoder: encoder, frame: nestedFrame(forKey: key, isObject: true)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(encoder: encoder, frame: nestedFrame(forKey: key, isObject: false))
    }

    mutating func superEncoder() -> any Encoder {
        JSONReferencingEncoder(owner: encoder, frame: frame, key: JSONIndexKey.superKey, keyString: "super", index: 0)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONReferencingEncoder(owner: encoder, frame: frame, key: key, keyString: key.stringValue, index: 0)
    }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoder
    let frame: JSONFrame

    var codingPath: [any CodingKey] { encoder.codingPath + frame.path }
    var count: Int { frame.entries.count }

    @inline(__always)
    private func put(_ write: () throws -> Void) rethrows {
        guard !frame.closed else { return }
        encoder.noteWrite(level: frame.level)
        let sink = encoder.sink
        let start = sink.out.count
        try write()
        frame.append(key: "", start: start, end: sink.out.count)
    }

    private var indexKey: JSONIndexKey { JSONIndexKey(index: frame.entries.count) }

    mutating func encodeNil() throws { put { encoder.sink.writeNull() } }
    mutating func encode(_ value: Bool) throws { put { encoder.sink.writeBool(value) } }
    mutating func encode(_ value: String) throws { put { encoder.sink.writeString(value) } }
    mutating func encode(_ value: Double) throws {
        try put { try encoder.sink.writeFloat(value, path: codingPath + [indexKey]) }
    }
    mutating func encode(_ value: Float) throws {
        try put { try encoder.sink.writeFloat(value, path: codingPath + [indexKey]) }
    }
    mutating func encode(_ value: Int) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { put { encoder.sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { put { encoder.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { put { encoder.sink.writeInteger(value) } }
    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128) throws { put { encoder.sink.writeInteger(value) } }

    mutating func encode<T: Encodable>(_ value: T) throws {
        guard !frame.closed else { return }
        encoder.noteWrite(level: frame.level)
        let range = try encoder.encodeChild(value, key: indexKey, extraPath: frame.path, depth: frame.depth)
        frame.append(key: "", start: range.start, end: range.end)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = encoder.makeFrame(isObject: true, depth: frame.depth + 1, path: frame.path + [indexKey])
        if !frame.closed { frame.append(key: "", nested: nested) }
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(encoder: encoder, frame: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = encoder.makeFrame(isObject: false, depth: frame.depth + 1, path: frame.path + [indexKey])
        if !frame.closed { frame.append(key: "", nested: nested) }
        return JSONUnkeyedContainer(encoder: encoder, frame: nested)
    }

    mutating func superEncoder() -> any Encoder {
        JSONReferencingEncoder(owner: encoder, frame: frame, key: indexKey, keyString: "", index: frame.entries.count)
    }
}
