/// A value that writes its own JSON: exactly the bytes ``SortedJSONEncoder`` writes for it
/// (compact, keys sorted by their UTF-8 bytes, `nil` optionals left out as synthesized
/// `encodeIfPresent` leaves them out), without Codable's containers.
///
/// A conformance writes its members in the order the encoder sorts their keys, hard-coded, with
/// ``JSONBytes``'s methods; its strings go through the encoder's own escaping routine. Tests
/// compare every conformance's bytes and key set with the `Codable` path, so a stored property
/// added without updating the writer fails them.
public protocol DirectJSONEncodable {
    /// Appends this value's JSON to `json`.
    func writeJSON(to json: inout JSONBytes)
}

extension DirectJSONEncodable {
    /// This value's JSON bytes: ``SortedJSONEncoder``'s for the same `escapesSlashes`.
    public func jsonBytes(escapesSlashes: Bool = true) -> [UInt8] {
        var json = JSONBytes(escapesSlashes: escapesSlashes)
        writeJSON(to: &json)
        return json.bytes
    }

    /// This value's JSON text (``jsonBytes(escapesSlashes:)`` as a `String`).
    public func jsonString(escapesSlashes: Bool = true) -> String {
        var json = JSONBytes(escapesSlashes: escapesSlashes)
        writeJSON(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// JSON being written by ``DirectJSONEncodable`` values, as ``SortedJSONEncoder`` writes it:
/// compact, or pretty-printed (`prettyPrinted`: members and elements one per line, two spaces per
/// enclosing container, `" : "` after keys, an empty container as its brackets around a blank line).
///
/// An object is ``beginObject()``, then its members (``member(_:_:)``, ``member(_:ifPresent:)``,
/// or ``key(_:)`` followed by one value), then ``endObject()``; an array's elements each follow
/// ``separator()``. Commas (and, pretty-printed, line breaks) are written where needed.
/// The caller writes members in sorted key order: nothing here sorts or checks.
public struct JSONBytes {
    /// The bytes written so far.
    public var bytes: [UInt8]
    /// Whether `/` in strings is written as `\/` (``SortedJSONEncoder/escapesSlashes``).
    public let escapesSlashes: Bool

    /// Whether the output is indented as ``SortedJSONEncoder/prettyPrinted`` indents it.
    public let prettyPrinted: Bool
    /// How many containers enclose the next value (pretty printing indents by it).
    private var depth: Int

    /// An empty buffer with room for `capacity` bytes.
    /// - Parameter depth: the containers the value written here is nested in (pretty printing
    ///   indents its lines by `2 * depth` more spaces, as if written inside them).
    public init(escapesSlashes: Bool = true, prettyPrinted: Bool = false, depth: Int = 0, capacity: Int = 1024) {
        self.escapesSlashes = escapesSlashes
        self.prettyPrinted = prettyPrinted
        self.depth = max(0, depth)
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// How many bytes are written (where the next value starts).
    public var count: Int { bytes.count }

    /// Writes `{`.
    public mutating func beginObject() {
        bytes.append(0x7B)
        depth += 1
    }

    /// Writes `}`.
    public mutating func endObject() { close(0x7D) }

    /// Writes `[`.
    public mutating func beginArray() {
        bytes.append(0x5B)
        depth += 1
    }

    /// Writes `]`.
    public mutating func endArray() { close(0x5D) }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if prettyPrinted {
            // An empty container is its brackets around a blank line.
            if let last = bytes.last, last == 0x7B || last == 0x5B { bytes.append(0x0A) }
            lineBreak()
        }
        bytes.append(bracket)
    }

    /// A line break and the indentation of the current depth.
    private mutating func lineBreak() {
        bytes.append(0x0A)
        if depth > 0 { bytes.append(contentsOf: repeatElement(0x20, count: 2 * depth)) }
    }

    /// Writes a comma unless a container was just opened: before an object's key or an array's
    /// element (pretty-printed, then the line break and indentation of the member's line).
    public mutating func separator() {
        if let last = bytes.last, last != 0x7B, last != 0x5B { bytes.append(0x2C) }
        if prettyPrinted { lineBreak() }
    }

    /// Writes a member's key and its colon (after a comma when a member came before). The key is
    /// written as is: it must need no escaping (a plain ASCII name, as every stored type's keys are).
    public mutating func key(_ key: StaticString) {
        separator()
        bytes.append(0x22)
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        if prettyPrinted {
            bytes.append(contentsOf: [0x22, 0x20, 0x3A, 0x20])
        } else {
            bytes.append(contentsOf: [0x22, 0x3A])
        }
    }

    /// Writes a string, escaped as ``SortedJSONEncoder`` escapes it.
    public mutating func string(_ value: String) {
        bytes.appendJSONString(value, escapesSlashes: escapesSlashes)
    }

    /// Writes an integer in decimal.
    public mutating func integer(_ value: Int) {
        bytes.appendJSONInteger(value)
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    /// Writes a member: its key, then its value.
    @inlinable
    public mutating func member<Value: DirectJSONEncodable>(_ key: StaticString, _ value: Value) {
        self.key(key)
        value.writeJSON(to: &self)
    }

    /// Writes a member when `value` is not `nil`; nothing otherwise (synthesized `encodeIfPresent`).
    @inlinable
    public mutating func member<Value: DirectJSONEncodable>(_ key: StaticString, ifPresent value: Value?) {
        guard let value else { return }
        self.key(key)
        value.writeJSON(to: &self)
    }

    // MARK: Numbers written as strings (Money, ExactDecimal, dates)

    /// Appends the decimal digits of `value`, zero-padded on the left to at least `width`
    /// characters (the `pad` of Domain's date forms: a minus sign counts as a character).
    mutating func appendPadded(_ value: Int, width: Int) {
        let start = bytes.count
        bytes.appendJSONInteger(value)
        let written = bytes.count - start
        if written < width {
            bytes.insert(contentsOf: repeatElement(0x30, count: width - written), at: start)
        }
    }

    /// Appends the two digits of `value` (0…99), the common case of ``appendPadded(_:width:)``.
    @inline(__always)
    mutating func appendTwoDigits(_ value: Int) {
        if value >= 0 && value < 100 {
            bytes.append(0x30 &+ UInt8(truncatingIfNeeded: value / 10))
            bytes.append(0x30 &+ UInt8(truncatingIfNeeded: value % 10))
        } else {
            appendPadded(value, width: 2)
        }
    }

    /// Appends `CivilDate.iso` (`YYYY-MM-DD`) without quotes.
    mutating func appendISO(_ date: CivilDate) {
        let (year, month, day) = date.components
        appendPadded(year, width: 4)
        bytes.append(0x2D)
        appendTwoDigits(month)
        bytes.append(0x2D)
        appendTwoDigits(day)
    }
}

// MARK: - The encoder's scalar forms, shared by SortedJSONEncoder and JSONBytes

extension Array where Element == UInt8 {
    /// Appends `value` as a JSON string: `"` and `\` escaped, `\b \f \n \r \t`, other control
    /// characters as `\u00xx` (lower-case hex), `/` as `\/` when `escapesSlashes`, everything else
    /// as its UTF-8 bytes (what `JSONEncoder` writes).
    mutating func appendJSONString(_ value: String, escapesSlashes: Bool) {
        append(0x22)
        if value.utf8.withContiguousStorageIfAvailable({ appendJSONEscaped($0, escapesSlashes: escapesSlashes) }) == nil {
            var copy = value
            copy.withUTF8 { appendJSONEscaped($0, escapesSlashes: escapesSlashes) }
        }
        append(0x22)
    }

    private mutating func appendJSONEscaped(_ bytes: UnsafeBufferPointer<UInt8>, escapesSlashes: Bool) {
        var mark = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C && (byte != 0x2F || !escapesSlashes) {
                index += 1
                continue
            }
            if index > mark { append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark..<index])) }
            switch byte {
            case 0x22: append(0x5C); append(0x22)
            case 0x5C: append(0x5C); append(0x5C)
            case 0x2F: append(0x5C); append(0x2F)
            case 0x08: append(0x5C); append(0x62)
            case 0x0C: append(0x5C); append(0x66)
            case 0x0A: append(0x5C); append(0x6E)
            case 0x0D: append(0x5C); append(0x72)
            case 0x09: append(0x5C); append(0x74)
            default:
                append(0x5C)
                append(0x75)
                append(0x30)
                append(0x30)
                append(jsonHexDigit(byte >> 4))
                append(jsonHexDigit(byte & 0xF))
            }
            index += 1
            mark = index
        }
        if count > mark { append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark..<count])) }
    }

    /// Appends an integer in decimal (a leading `-` when negative), as `JSONEncoder` writes it.
    mutating func appendJSONInteger<I: FixedWidthInteger>(_ value: I) {
        if I.bitWidth <= 64 {
            appendDecimal(magnitude: UInt64(truncatingIfNeeded: value.magnitude), negative: value < 0)
        } else {
            append(contentsOf: value.description.utf8)
        }
    }

    /// Appends `magnitude` in decimal, after a `-` when `negative` (and the magnitude is not zero).
    mutating func appendDecimal(magnitude: UInt64, negative: Bool) {
        var magnitude = magnitude
        if magnitude == 0 {
            append(0x30)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            var index = 21
            while magnitude > 0 {
                let (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: 10)
                index -= 1
                digits[index] = 0x30 &+ UInt8(truncatingIfNeeded: remainder)
                magnitude = quotient
            }
            if negative {
                index -= 1
                digits[index] = 0x2D
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[index..<21]))
        }
    }
}

@inline(__always)
private func jsonHexDigit(_ value: UInt8) -> UInt8 {
    value < 10 ? 0x30 &+ value : 0x61 &+ (value &- 10)
}

// MARK: - Scalars

extension String: DirectJSONEncodable {
    /// Writes the string, escaped.
    public func writeJSON(to json: inout JSONBytes) { json.string(self) }
}

extension Int: DirectJSONEncodable {
    /// Writes the integer in decimal.
    public func writeJSON(to json: inout JSONBytes) { json.integer(self) }
}

extension Bool: DirectJSONEncodable {
    /// Writes `true` or `false`.
    public func writeJSON(to json: inout JSONBytes) { json.bool(self) }
}

extension Array: DirectJSONEncodable where Element: DirectJSONEncodable {
    /// Writes the elements in order, in brackets.
    @inlinable
    public func writeJSON(to json: inout JSONBytes) {
        json.beginArray()
        for element in self {
            json.separator()
            element.writeJSON(to: &json)
        }
        json.endArray()
    }
}

extension DirectJSONEncodable where Self: RawRepresentable, RawValue == String {
    /// Writes the raw value as a string (a `String`-backed enum's synthesized encoding).
    public func writeJSON(to json: inout JSONBytes) { json.string(rawValue) }
}

extension Identifier: DirectJSONEncodable {
    /// Writes the raw value as a string.
    public func writeJSON(to json: inout JSONBytes) { json.string(rawValue) }
}

extension INN: DirectJSONEncodable {
    /// Writes the digits as a string.
    public func writeJSON(to json: inout JSONBytes) { json.string(value) }
}

extension Money: DirectJSONEncodable {
    /// Writes ``description`` (`"-1234.50"`) as a string, without building it.
    public func writeJSON(to json: inout JSONBytes) {
        let magnitude = kopecks.magnitude
        json.bytes.append(0x22)
        if kopecks < 0 { json.bytes.append(0x2D) }
        json.bytes.appendDecimal(magnitude: magnitude / 100, negative: false)
        json.bytes.append(0x2E)
        let fraction = magnitude % 100
        json.bytes.append(0x30 &+ UInt8(truncatingIfNeeded: fraction / 10))
        json.bytes.append(0x30 &+ UInt8(truncatingIfNeeded: fraction % 10))
        json.bytes.append(0x22)
    }
}

extension ExactDecimal: DirectJSONEncodable {
    /// Writes ``description`` (`"1.500"`, `"-0.005"`) as a string, without building it.
    public func writeJSON(to json: inout JSONBytes) {
        json.bytes.append(0x22)
        if units < 0 { json.bytes.append(0x2D) }
        let start = json.bytes.count
        json.bytes.appendDecimal(magnitude: units.magnitude, negative: false)
        if scale > 0 {
            let digits = json.bytes.count - start
            if digits <= scale {
                json.bytes.insert(contentsOf: repeatElement(0x30, count: scale - digits + 1), at: start)
            }
            json.bytes.insert(0x2E, at: json.bytes.count - scale)
        }
        json.bytes.append(0x22)
    }
}

extension CivilDate: DirectJSONEncodable {
    /// Writes ``iso`` (`"2026-11-27"`) as a string.
    public func writeJSON(to json: inout JSONBytes) {
        json.bytes.append(0x22)
        json.appendISO(self)
        json.bytes.append(0x22)
    }
}

extension Timestamp: DirectJSONEncodable {
    /// Writes ``description`` (`"2026-11-27T06:10:00+03:00"`) as a string, without building it.
    public func writeJSON(to json: inout JSONBytes) {
        let local = epochSeconds + Int64(offsetSeconds)
        let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let secondOfDay = Int(local - Int64(days) * 86_400)
        json.bytes.append(0x22)
        json.appendISO(CivilDate(daysSinceEpoch: days))
        json.bytes.append(0x54)
        json.appendTwoDigits(secondOfDay / 3600)
        json.bytes.append(0x3A)
        json.appendTwoDigits(secondOfDay / 60 % 60)
        json.bytes.append(0x3A)
        json.appendTwoDigits(secondOfDay % 60)
        let offset = Int(offsetSeconds)
        if offset == 0 {
            json.bytes.append(0x5A)
        } else {
            json.bytes.append(offset < 0 ? 0x2D : 0x2B)
            json.appendTwoDigits(abs(offset) / 3600)
            json.bytes.append(0x3A)
            json.appendTwoDigits(abs(offset) / 60 % 60)
        }
        json.bytes.append(0x22)
    }
}
