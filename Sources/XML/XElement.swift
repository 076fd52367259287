import CXMLBridge

/// An attribute: a name and its literal value (escaped when written).
public struct XAttribute: Sendable, Hashable {
    /// Attribute name, e.g. `ИдФайл`.
    public var name: String
    /// Literal value; `&`, `<`, `>`, `"` and tab/CR/LF are escaped when written.
    public var value: String

    /// Creates an attribute.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An element of an XML tree to write: a `Sendable` value built in memory and
/// serialised natively to windows-1251 (`XMLByteWriter`) or through libxml2's tree API.
///
/// Attributes and children are written in insertion order. An element holds
/// either text, child elements, or both (text is then written first). Names
/// are not namespace-aware (FNS formats use none).
///
/// What `serialized()` writes as references:
/// * in text: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, CR → `&#13;`;
///   `"` and `'` are written as they are (legal in text);
/// * in attribute values (always delimited by `"`): `&` → `&amp;`, `<` → `&lt;`,
///   `>` → `&gt;`, `"` → `&quot;`, TAB → `&#9;`, LF → `&#10;`, CR → `&#13;`;
///   `'` is written as it is (legal inside `"…"`);
/// * characters the output encoding lacks (emoji, CJK… for windows-1251)
///   become decimal character references such as `&#128512;`.
///
/// Parsing the output gives back exactly the same names, values and text.
public struct XElement: Sendable, Hashable {
    /// Element name, e.g. `Файл`.
    public var name: String
    /// Attributes in the order they are written.
    public var attributes: [XAttribute]
    /// Text content, written before any child elements.
    public var text: String?
    /// Child elements in the order they are written.
    public var children: [XElement]

    /// Creates an element; attributes whose value is `nil` are left out, so
    /// optional fields can be listed in place: `["КПП": kpp]`.
    public init(_ name: String, attributes: KeyValuePairs<String, String?> = [:], text: String? = nil, children: [XElement] = []) {
        self.name = name
        self.attributes = attributes.compactMap { pair in pair.value.map { XAttribute(pair.key, $0) } }
        self.text = text
        self.children = children
    }

    /// Creates an element from a ready list of attributes.
    public init(_ name: String, attributeList: [XAttribute], text: String? = nil, children: [XElement] = []) {
        self.name = name
        self.attributes = attributeList
        self.text = text
        self.children = children
    }

    /// The windows-1251 encoding name written in the XML declaration of FNS files.
    public static let windows1251 = "windows-1251"

    /// The document as bytes, starting with
    /// `<?xml version="1.0" encoding="windows-1251"?>` (or the given encoding).
    /// Deterministic: the same tree always gives the same bytes.
    ///
    /// windows-1251 is written natively (`XMLByteWriter`), byte-identical to libxml2's output;
    /// any other encoding goes through libxml2 (`serializedWithLibXML2`).
    ///
    /// - Parameters:
    ///   - encoding: output encoding known to libxml2.
    ///   - indent: pretty-print child elements with two-space indentation.
    /// - Throws: `XMLError` `.build` for an invalid name, a duplicate attribute or a
    ///   character XML 1.0 does not allow (e.g. U+0001); `.serialization` when
    ///   libxml2 cannot write the encoding.
    public func serialized(encoding: String = XElement.windows1251, indent: Bool = true) throws(XMLError) -> [UInt8] {
        guard encoding == XElement.windows1251 else { return try serializedWithLibXML2(encoding: encoding, indent: indent) }
        var writer = XMLByteWriter(indent: indent)
        try write(to: &writer)
        return try writer.finish()
    }

    /// Writes this element and its descendants to `writer`.
    public func write(to writer: inout XMLByteWriter) throws(XMLError) {
        try writer.startElement(name)
        for attribute in attributes { try writer.attribute(attribute.name, attribute.value) }
        if let text { try writer.text(text) }
        for child in children { try child.write(to: &writer) }
        try writer.endElement()
    }

    /// The document as libxml2 writes it (`xmlDocDumpFormatMemoryEnc`) in any encoding it knows:
    /// the reference the native windows-1251 writer is compared with. Same checks and errors as
    /// `serialized(encoding:indent:)`.
    public func serializedWithLibXML2(encoding: String = XElement.windows1251, indent: Bool = true) throws(XMLError) -> [UInt8] {
        ensureLibXML2()
        try check(path: "")
        guard let document = sxb_wdoc_new() else {
            throw XMLError(kind: .serialization, source: name, message: "cannot create a libxml2 document")
        }
        defer { sxb_wdoc_free(document) }
        try append(to: document, parent: nil)
        var bytes: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = encoding.withCString { sxb_wdoc_serialize(document, $0, indent ? 1 : 0, &bytes, &length) }
        guard status == 0, let bytes else {
            throw XMLError(kind: .serialization, source: name, message: "libxml2 cannot serialise the document as '\(encoding)'")
        }
        defer { sxb_free(bytes) }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    private func append(to document: OpaquePointer, parent: OpaquePointer?) throws(XMLError) {
        guard let node = name.withCString({ sxb_wdoc_add_element(document, parent, $0) }) else {
            throw XMLError(kind: .serialization, source: name, message: "cannot create element '\(name)'")
        }
        for attribute in attributes {
            let status = attribute.name.withCString { cName in
                attribute.value.withCString { sxb_wnode_add_attribute(node, cName, $0) }
            }
            guard status == 0 else {
                throw XMLError(kind: .serialization, source: name, message: "cannot add attribute '\(attribute.name)'")
            }
        }
        if let text, !text.isEmpty {
            guard text.withCString({ sxb_wnode_add_text(node, $0) }) == 0 else {
                throw XMLError(kind: .serialization, source: name, message: "cannot add text to '\(name)'")
            }
        }
        for child in children {
            try child.append(to: document, parent: node)
        }
    }

    /// Rejects what libxml2 would write as ill-formed XML.
    private func check(path parentPath: String) throws(XMLError) {
        var ancestors: [String] = []
        try check(ancestors: &ancestors, root: parentPath)
    }

    /// The checks of `check(path:)`; the element's path is spelled out only for an error.
    private func check(ancestors: inout [String], root: String) throws(XMLError) {
        ancestors.append(name)
        defer { ancestors.removeLast() }
        func path() -> String { root + "/" + ancestors.joined(separator: "/") }
        guard XMLByteWriter.isValidName(name) else {
            throw XMLError(kind: .build, source: path(), path: path(), message: "'\(name)' is not a valid XML element name")
        }
        for (index, attribute) in attributes.enumerated() {
            guard XMLByteWriter.isValidName(attribute.name) else {
                throw XMLError(kind: .build, source: path(), path: path(), message: "'\(attribute.name)' is not a valid XML attribute name")
            }
            // Names compare by code point in XML: byte equality of their UTF-8.
            guard !attributes[..<index].contains(where: { $0.name.utf8.elementsEqual(attribute.name.utf8) }) else {
                throw XMLError(kind: .build, source: path(), path: path(), message: "attribute '\(attribute.name)' appears twice")
            }
            if let bad = Self.firstInvalidCharacter(attribute.value) {
                throw XMLError(kind: .build, source: path(), path: path(),
                               message: "attribute '\(attribute.name)' holds U+\(String(bad.value, radix: 16, uppercase: true)), which XML 1.0 does not allow")
            }
        }
        if let text, let bad = Self.firstInvalidCharacter(text) {
            throw XMLError(kind: .build, source: path(), path: path(),
                           message: "text holds U+\(String(bad.value, radix: 16, uppercase: true)), which XML 1.0 does not allow")
        }
        for child in children {
            try child.check(ancestors: &ancestors, root: root)
        }
    }

    /// The first scalar outside XML 1.0's `Char` production, if any.
    static func firstInvalidCharacter(_ string: String) -> Unicode.Scalar? {
        XMLByteWriter.firstInvalidScalar(string).flatMap(Unicode.Scalar.init)
    }
}
