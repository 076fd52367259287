import CXMLBridge

/// Writes an XML document element by element straight to windows-1251 bytes, without libxml2.
///
/// The output is byte for byte what libxml2's `xmlDocDumpFormatMemoryEnc(doc, …, "windows-1251",
/// format)` writes for the same tree (`XElement.serializedWithLibXML2` is that reference, and
/// `XMLTests` compares the two on generated trees and on every character of the BMP):
/// * the declaration `<?xml version="1.0" encoding="windows-1251"?>` and a newline;
/// * with `indent`, each child element on its own line, indented two spaces per level (at most
///   60 spaces); an element with text is written on one line together with all its descendants;
/// * an element without content as `<name/>`; a newline after the root element;
/// * in text `&` `<` `>` and CR as `&amp;` `&lt;` `&gt;` `&#13;`; in attribute values (between `"`)
///   also `"` TAB LF as `&quot;` `&#9;` `&#10;`;
/// * characters windows-1251 lacks (emoji, CJK, C1 controls…) as decimal references `&#128512;`.
///
/// Calls follow the document: `startElement`, its `attribute`s, at most one `text` (before any
/// child), child elements, `endElement`; then `finish`. What libxml2 would write as ill-formed XML
/// (an invalid name, a duplicate attribute, a character XML 1.0 does not allow) is refused with an
/// `XMLError` of kind `.build` whose path names the element (`/Файл/Документ`).
public struct XMLByteWriter: ~Copyable {
    private struct OpenElement {
        var name: String
        /// Where the encoded name sits in the output (copied for the end tag).
        var nameStart: Int
        var nameLength: Int
        /// This element holds text: it switched indentation off for itself and its descendants.
        var switchedFormattingOff: Bool
    }

    private var bytes: ByteBuffer
    private let indent: Bool
    /// libxml2's `ctxt->format`: off inside an element that holds text.
    private var formatting: Bool
    private var open: [OpenElement] = []
    /// The innermost element's start tag still waits for its `>` (or `/>`).
    private var startTagOpen = false
    private var rootWritten = false
    /// Where the encoded attribute names of the innermost element sit in the output, for the
    /// duplicate check (windows-1251 with `&#N;` for the rest is one-to-one on valid names).
    private var attributeNames: [(start: Int, length: Int)] = []

    deinit { bytes.deallocate() }

    /// The encoding name written in the declaration.
    public static let encoding = "windows-1251"

    /// Starts a document with its XML declaration.
    /// - Parameters:
    ///   - indent: pretty-print child elements as libxml2's `format = 1` does.
    ///   - capacity: bytes to reserve up front (the expected document size).
    public init(indent: Bool = true, capacity: Int = 4_096) {
        self.indent = indent
        self.formatting = indent
        bytes = ByteBuffer(capacity: max(capacity, 64))
        bytes.append(#"<?xml version="1.0" encoding="windows-1251"?>"#)
        bytes.append(0x0A)
    }

    /// Opens an element (the root, or a child of the innermost open element).
    public mutating func startElement(_ name: String) throws(XMLError) {
        if open.isEmpty {
            guard !rootWritten else { throw misuse(name, "a document has one root element; '\(name)' would be a second") }
        } else {
            closeStartTag()
        }
        if !open.isEmpty, formatting { writeIndent(level: open.count) }
        bytes.append(0x3C)  // <
        let start = bytes.count
        let valid = Self.appendName(name, to: &bytes)
        open.append(OpenElement(name: name, nameStart: start, nameLength: bytes.count - start, switchedFormattingOff: false))
        guard valid else {
            throw buildError("'\(name)' is not a valid XML element name")
        }
        startTagOpen = true
        attributeNames.removeAll(keepingCapacity: true)
    }

    /// Adds an attribute to the element just opened; `value` is literal text.
    public mutating func attribute(_ name: String, _ value: String) throws(XMLError) {
        guard startTagOpen else { throw misuse(name, "attribute '\(name)' comes after the element's content") }
        bytes.append(0x20)
        let start = bytes.count
        guard Self.appendName(name, to: &bytes) else {
            throw buildError("'\(name)' is not a valid XML attribute name")
        }
        // Names compare by code point in XML, and equal names have equal encodings.
        let length = bytes.count - start
        for earlier in attributeNames where bytes.equal(earlier.start, start, length: earlier.length, length) {
            throw buildError("attribute '\(name)' appears twice")
        }
        attributeNames.append((start, length))
        bytes.append(0x3D)  // =
        bytes.append(0x22)  // "
        if let bad = Self.appendEscaped(value, attribute: true, to: &bytes) {
            throw buildError("attribute '\(name)' holds U+\(String(bad, radix: 16, uppercase: true)), which XML 1.0 does not allow")
        }
        bytes.append(0x22)
    }

    /// Writes the element's text: only before its first child; empty text writes nothing.
    public mutating func text(_ text: String) throws(XMLError) {
        guard !text.isEmpty else { return }
        guard startTagOpen else { throw misuse(open.last?.name ?? "", "text must come before the element's children") }
        bytes.append(0x3E)  // >
        startTagOpen = false
        if formatting {
            formatting = false
            open[open.count - 1].switchedFormattingOff = true
        }
        if let bad = Self.appendEscaped(text, attribute: false, to: &bytes) {
            throw buildError("text holds U+\(String(bad, radix: 16, uppercase: true)), which XML 1.0 does not allow")
        }
    }

    /// Closes the innermost open element.
    public mutating func endElement() throws(XMLError) {
        guard let element = open.popLast() else { throw misuse("", "no element is open") }
        if startTagOpen {
            bytes.append(0x2F)  // /
            bytes.append(0x3E)
            startTagOpen = false
        } else {
            if formatting, !open.isEmpty { writeIndent(level: open.count) }
            bytes.append(0x3C)
            bytes.append(0x2F)
            bytes.appendCopy(of: element.nameStart, length: element.nameLength)
            bytes.append(0x3E)
        }
        if element.switchedFormattingOff { formatting = indent }
        if formatting || open.isEmpty { bytes.append(0x0A) }
        if open.isEmpty { rootWritten = true }
    }

    /// The document's bytes; every element must be closed.
    public consuming func finish() throws(XMLError) -> [UInt8] {
        guard open.isEmpty else { throw misuse(open.last?.name ?? "", "element '\(open.last?.name ?? "")' is not closed") }
        guard rootWritten else { throw misuse("", "the document has no root element") }
        return bytes.array()
    }

    // MARK: Writing

    private mutating func closeStartTag() {
        guard startTagOpen else { return }
        bytes.append(0x3E)
        if formatting { bytes.append(0x0A) }
        startTagOpen = false
    }

    private mutating func writeIndent(level: Int) {
        bytes.appendSpaces(2 * min(level, 30))
    }

    private func path() -> String {
        "/" + open.map(\.name).joined(separator: "/")
    }

    private func buildError(_ message: String) -> XMLError {
        let path = path()
        return XMLError(kind: .build, source: path, path: path, message: message)
    }

    private func misuse(_ name: String, _ message: String) -> XMLError {
        XMLError(kind: .build, source: open.isEmpty ? name : path(), message: message)
    }

    /// Runs `body` over the UTF-8 of `string` without copying a native string.
    @inline(__always)
    private static func withUTF8<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    /// Appends a name as windows-1251 when it is a valid XML name (libxml2's `xmlValidateName`).
    /// ASCII and Russian names are checked here; any other name is asked of libxml2.
    static func appendName(_ name: String, to bytes: inout ByteBuffer) -> Bool {
        let fast = withUTF8(name) { utf8 -> Bool in
            guard let first = utf8.first else { return false }
            guard isASCIINameStart(first) || first == 0xD0 || first == 0xD1 else { return false }
            // One byte out per ASCII byte or two-byte letter, written through a local cursor.
            return bytes.append(atMost: utf8.count) { out -> Int? in
                let count = utf8.count
                var index = 0
                var written = 0
                while index < count {
                    let byte = utf8[index]
                    if byte < 0x80 {
                        guard isASCIINameCharacter(byte), index > 0 || isASCIINameStart(byte) else { return nil }
                        out[written] = byte
                        written += 1
                        index += 1
                        continue
                    }
                    // А…п (D0 90…D0 BF), Ё (D0 81), р…я (D1 80…D1 8F), ё (D1 91): letters in every XML edition,
                    // windows-1251 C0…EF, A8, F0…FF, B8.
                    guard index + 1 < count else { return nil }
                    let next = utf8[index + 1]
                    if byte == 0xD0 && next >= 0x90 && next <= 0xBF {
                        out[written] = next &+ 0x30
                    } else if byte == 0xD1 && next >= 0x80 && next <= 0x8F {
                        out[written] = next &+ 0x70
                    } else if byte == 0xD0 && next == 0x81 {
                        out[written] = 0xA8
                    } else if byte == 0xD1 && next == 0x91 {
                        out[written] = 0xB8
                    } else {
                        return nil
                    }
                    written += 1
                    index += 2
                }
                return written
            }
        }
        if fast { return true }
        guard isValidNameSlowly(name) else { return false }
        _ = appendEscaped(name, escaping: .none, to: &bytes)
        return true
    }

    /// libxml2's `xmlValidateName(name, 0)`, except that a NUL (where C would stop reading) is invalid.
    static func isValidNameSlowly(_ name: String) -> Bool {
        guard !name.utf8.contains(0) else { return false }
        ensureLibXML2()
        return name.withCString { sxb_valid_name($0) } == 1
    }

    /// A valid XML name (the check `appendName` makes), without writing it.
    static func isValidName(_ name: String) -> Bool {
        var scratch = ByteBuffer(capacity: 64)
        defer { scratch.deallocate() }
        return appendName(name, to: &scratch)
    }

    @inline(__always)
    private static func isASCIINameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte == 0x5F || byte == 0x3A
    }

    @inline(__always)
    private static func isASCIINameCharacter(_ byte: UInt8) -> Bool {
        isASCIINameStart(byte) || byte >= 0x30 && byte <= 0x39 || byte == 0x2D || byte == 0x2E
    }

    enum Escaping { case none, text, attribute }

    /// Appends `string` escaped for text or an attribute value; returns the first scalar XML 1.0
    /// does not allow, if any (the output is then incomplete and must be dropped).
    @inline(__always)
    static func appendEscaped(_ string: String, attribute: Bool, to bytes: inout ByteBuffer) -> UInt32? {
        appendEscaped(string, escaping: attribute ? .attribute : .text, to: &bytes)
    }

    static func appendEscaped(_ string: String, escaping: Escaping, to bytes: inout ByteBuffer) -> UInt32? {
        withUTF8(string) { utf8 -> UInt32? in
            var bad: UInt32?
            // At most 6 bytes per UTF-8 byte (`&quot;`; `&#1114111;` for 4 bytes): no check per byte below.
            _ = bytes.append(atMost: 6 * utf8.count) { out -> Int? in
                var index = 0
                var written = 0
                let count = utf8.count
                @inline(__always) func put(_ literal: StaticString) {
                    literal.withUTF8Buffer { for byte in $0 { out[written] = byte; written += 1 } }
                }
                while index < count {
                    let byte = utf8[index]
                    if byte < 0x80 {
                        index += 1
                        if byte >= 0x3F || (byte >= 0x20 && byte != 0x26 && byte != 0x3C && byte != 0x3E && byte != 0x22) {
                            out[written] = byte
                            written += 1
                            continue
                        }
                        switch byte {
                        case 0x26: if escaping == .none { out[written] = byte; written += 1 } else { put("&amp;") }
                        case 0x3C: if escaping == .none { out[written] = byte; written += 1 } else { put("&lt;") }
                        case 0x3E: if escaping == .none { out[written] = byte; written += 1 } else { put("&gt;") }
                        case 0x22: if escaping == .attribute { put("&quot;") } else { out[written] = byte; written += 1 }
                        case 0x0D: if escaping == .none { out[written] = byte; written += 1 } else { put("&#13;") }
                        case 0x0A: if escaping == .attribute { put("&#10;") } else { out[written] = byte; written += 1 }
                        case 0x09: if escaping == .attribute { put("&#9;") } else { out[written] = byte; written += 1 }
                        default:
                            bad = UInt32(byte)
                            return written
                        }
                        continue
                    }
                    // Cyrillic А…я (D0 90…D1 8F) straight to C0…FF.
                    if byte == 0xD0, index + 1 < count, utf8[index + 1] >= 0x90 {
                        out[written] = utf8[index + 1] &+ 0x30
                        written += 1
                        index += 2
                        continue
                    }
                    if byte == 0xD1, index + 1 < count, utf8[index + 1] <= 0x8F {
                        out[written] = utf8[index + 1] &+ 0x70
                        written += 1
                        index += 2
                        continue
                    }
                    let scalar: UInt32
                    if byte < 0xE0 {
                        scalar = (UInt32(byte & 0x1F) << 6) | UInt32(utf8[index + 1] & 0x3F)
                        index += 2
                    } else if byte < 0xF0 {
                        scalar = (UInt32(byte & 0x0F) << 12) | (UInt32(utf8[index + 1] & 0x3F) << 6) | UInt32(utf8[index + 2] & 0x3F)
                        index += 3
                    } else {
                        scalar = (UInt32(byte & 0x07) << 18) | (UInt32(utf8[index + 1] & 0x3F) << 12)
                            | (UInt32(utf8[index + 2] & 0x3F) << 6) | UInt32(utf8[index + 3] & 0x3F)
                        index += 4
                    }
                    if let encoded = WindowsCP1251.byte(for: scalar) {
                        out[written] = encoded
                        written += 1
                    } else {
                        if scalar == 0xFFFE || scalar == 0xFFFF {
                            bad = scalar
                            return written
                        }
                        written += writeReference(scalar, to: out + written)
                    }
                }
                return written
            }
            return bad
        }
    }

    /// The first scalar outside XML 1.0's `Char` production, if any.
    static func firstInvalidScalar(_ string: String) -> UInt32? {
        withUTF8(string) { utf8 -> UInt32? in
            // Only a control byte or the lead byte EF (of U+FFFE/U+FFFF) can start a bad scalar.
            guard utf8.contains(where: { $0 < 0x20 && $0 != 0x9 && $0 != 0xA && $0 != 0xD || $0 == 0xEF }) else { return nil }
            for scalar in string.unicodeScalars {
                switch scalar.value {
                case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: continue
                default: return scalar.value
                }
            }
            return nil
        }
    }

    /// `&#N;` in decimal, as libxml2's encoder writes a character the encoding lacks; returns the bytes written.
    private static func writeReference(_ scalar: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 0
        var value = scalar
        repeat {
            digits += 1
            value /= 10
        } while value > 0
        out[0] = 0x26
        out[1] = 0x23
        value = scalar
        for position in stride(from: digits + 1, through: 2, by: -1) {
            out[position] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
            value /= 10
        }
        out[digits + 2] = 0x3B
        return digits + 3
    }
}

/// A growable byte buffer: `put` writes without a check after `reserve` made room. Its owner
/// calls `deallocate` (no reference counting on the hot path).
struct ByteBuffer {
    private var pointer: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        pointer = .allocate(capacity: self.capacity)
    }

    /// Frees the memory; the buffer must not be used afterwards.
    func deallocate() { pointer.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, 2 * capacity)
        let newPointer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newPointer.initialize(from: pointer, count: count)
        pointer.deallocate()
        pointer = newPointer
        capacity = newCapacity
    }

    /// Lets `body` write at most `maximum` bytes at the end through a pointer; `body` returns how
    /// many it wrote, or `nil` to drop them all. Returns whether they were kept.
    @inline(__always)
    mutating func append(atMost maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int?) -> Bool {
        reserve(maximum)
        guard let written = body(pointer + count) else { return false }
        count += written
        return true
    }

    /// Writes a byte into room made by `reserve`.
    @inline(__always)
    mutating func put(_ byte: UInt8) {
        pointer[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        put(byte)
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes in
            reserve(bytes.count)
            for byte in bytes { put(byte) }
        }
    }

    mutating func appendSpaces(_ spaces: Int) {
        reserve(spaces)
        for _ in 0..<spaces { put(0x20) }
    }

    /// Whether the `length1` bytes at `start1` equal the `length2` bytes at `start2`.
    func equal(_ start1: Int, _ start2: Int, length length1: Int, _ length2: Int) -> Bool {
        guard length1 == length2 else { return false }
        for offset in 0..<length1 where pointer[start1 + offset] != pointer[start2 + offset] { return false }
        return true
    }

    /// Appends a copy of `length` bytes already written at `start`.
    mutating func appendCopy(of start: Int, length: Int) {
        reserve(length)
        for offset in 0..<length { put(pointer[start + offset]) }
    }

    /// Drops what was written after `count` bytes.
    mutating func truncate(to count: Int) {
        self.count = min(count, self.count)
    }

    func array() -> [UInt8] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
