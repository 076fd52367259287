import CXMLBridge
import Foundation

/// A parsed XML document (libxml2 tree), read through XPath and `XNode`s.
///
/// Parsing is meant for untrusted input: the byte size is checked against a
/// limit before parsing; the network is never used; entities are never
/// substituted; no DTD is loaded and no attribute defaults are applied; no
/// huge-document mode and no recovery. A DOCTYPE that declares any entity
/// (billion laughs, XXE) or that names an external DTD is rejected with an
/// `XMLError` of kind `.rejected` ("DTD with entity declarations is not
/// accepted …"), never expanded.
///
/// The class owns the libxml2 document and frees it in `deinit`. It is
/// deliberately not `Sendable`: use it from one task at a time.
public final class XDocument {
    /// Default byte-size limit for `init(bytes:…)`: 64 MiB.
    public static let defaultMaxBytes = 64 << 20

    /// The name used in diagnostics (usually the file path).
    public let fileName: String
    /// The encoding named in the XML declaration (`nil` when the declaration
    /// names none, which means UTF-8), exactly as written, e.g. `windows-1251`.
    public internal(set) var declaredEncoding: String?

    let handle: OpaquePointer
    /// Whether the tree is this object's to free: not while a pruned parse is still building it
    /// (`parse(fileName:maxDepth:maxBytes:read:closed:)`), which frees it itself when it fails.
    var ownsTree = true

    /// Parses `bytes`; throws `XMLError` (`.rejected` over `maxBytes` or for an
    /// unsafe DTD, `.notWellFormed` with line and column otherwise).
    public init(bytes: [UInt8], fileName: String, maxBytes: Int = XDocument.defaultMaxBytes) throws(XMLError) {
        ensureLibXML2()
        guard bytes.count <= maxBytes else {
            throw Self.sizeLimitError(byteCount: bytes.count, maxBytes: maxBytes, fileName: fileName)
        }
        var raw = sxb_issues()
        var rejected: Int32 = 0
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                sxb_doc_parse(chars.baseAddress, chars.count, &rejected, &raw)
            }
        }
        let issues = takeIssues(&raw, file: fileName, minimumLevel: 2)
        guard let parsed else {
            throw XMLError(kind: rejected != 0 ? .rejected : .notWellFormed, source: fileName, issues: issues)
        }
        self.handle = parsed
        self.fileName = fileName
        self.declaredEncoding = takeString(sxb_doc_declared_encoding(parsed))
    }

    /// The error for bytes over the size limit (also what `XMLSchema.validate(bytes:…)` reports).
    static func sizeLimitError(byteCount: Int, maxBytes: Int, fileName: String) -> XMLError {
        XMLError(kind: .rejected, source: fileName,
                 message: "document is \(byteCount) bytes, more than the limit of \(maxBytes) bytes")
    }

    /// Parses `data`; see `init(bytes:fileName:maxBytes:)`.
    public convenience init(data: Data, fileName: String, maxBytes: Int = XDocument.defaultMaxBytes) throws(XMLError) {
        try self.init(bytes: [UInt8](data), fileName: fileName, maxBytes: maxBytes)
    }

    /// Reads and parses a file. The size is checked before the file is read.
    /// `fileName` defaults to the URL's path.
    public convenience init(contentsOf url: URL, fileName: String? = nil, maxBytes: Int = XDocument.defaultMaxBytes) throws(XMLError) {
        let name = fileName ?? url.path
        let bytes: [UInt8]
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? NSNumber, size.intValue > maxBytes {
                throw XMLError(kind: .rejected, source: name,
                               message: "file is \(size.intValue) bytes, more than the limit of \(maxBytes) bytes")
            }
            bytes = [UInt8](try Data(contentsOf: url))
        } catch let error as XMLError {
            throw error
        } catch {
            throw XMLError(kind: .unreadable, source: name, message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(bytes: bytes, fileName: name, maxBytes: maxBytes)
    }

    /// A document over a tree a pruned parse made: owned once the parse accepted it, not while it
    /// is still building it.
    init(parsed handle: OpaquePointer, fileName: String, declaredEncoding: String?, owned: Bool) {
        self.handle = handle
        self.fileName = fileName
        self.declaredEncoding = declaredEncoding
        self.ownsTree = owned
    }

    deinit {
        if ownsTree { sxb_doc_free(handle) }
    }

    /// The root element, if any.
    public var root: XNode? {
        sxb_doc_root(handle).map { XNode(document: self, handle: $0) }
    }

    /// Nodes selected by an XPath 1.0 expression (elements, attributes, text…; namespace
    /// nodes are skipped), in document order.
    ///
    /// - Parameters:
    ///   - xpath: the expression. libxml2 2.9.14 rejects a location path whose first step
    ///     is a non-ASCII name written in abbreviated form (`/Файл/…`); write
    ///     `/child::Файл/…` instead (later steps may be abbreviated).
    ///   - namespaces: prefix → URI pairs to register; a default namespace
    ///     (e.g. camt.053's) must be given a prefix: `["c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"]`.
    ///   - context: the context node (default: the document).
    public func nodes(xpath: String, namespaces: [String: String] = [:], context: XNode? = nil) throws(XMLError) -> [XNode] {
        let result = try evaluate(xpath: xpath, namespaces: namespaces, context: context)
        if case .nodes(let nodes) = result { return nodes }
        throw XMLError(kind: .xpath, source: fileName, message: "XPath '\(xpath)' does not select nodes")
    }

    /// The first node selected by `xpath`, if any.
    public func node(xpath: String, namespaces: [String: String] = [:], context: XNode? = nil) throws(XMLError) -> XNode? {
        try nodes(xpath: xpath, namespaces: namespaces, context: context).first
    }

    /// The XPath string value of the expression (`string(…)` semantics: the text of the
    /// first selected node, or the converted number/boolean/string).
    public func string(xpath: String, namespaces: [String: String] = [:], context: XNode? = nil) throws(XMLError) -> String {
        switch try evaluate(xpath: xpath, namespaces: namespaces, context: context) {
        case .nodes(let nodes): return nodes.first?.text ?? ""
        case .value(let value): return value
        }
    }

    enum XPathResult {
        case nodes([XNode])
        case value(String)
    }

    func evaluate(xpath: String, namespaces: [String: String], context: XNode?) throws(XMLError) -> XPathResult {
        if let context, context.document !== self {
            throw XMLError(kind: .xpath, source: fileName, message: "the context node belongs to another document")
        }
        let pairs = namespaces.sorted { $0.key < $1.key }
        var cStrings: [UnsafeMutablePointer<CChar>?] = []
        defer { cStrings.forEach { free($0) } }
        let prefixes: [UnsafePointer<CChar>?] = pairs.map { pair in
            let copy = strdup(pair.key)
            cStrings.append(copy)
            return UnsafePointer(copy)
        }
        let uris: [UnsafePointer<CChar>?] = pairs.map { pair in
            let copy = strdup(pair.value)
            cStrings.append(copy)
            return UnsafePointer(copy)
        }
        var raw = sxb_issues()
        var nodeArray: UnsafeMutablePointer<OpaquePointer?>?
        var count = 0
        var stringValue: UnsafeMutablePointer<CChar>?
        let status = xpath.withCString { expression in
            prefixes.withUnsafeBufferPointer { prefixBuffer in
                uris.withUnsafeBufferPointer { uriBuffer in
                    sxb_xpath(handle, context?.handle, expression,
                              prefixBuffer.baseAddress, uriBuffer.baseAddress, pairs.count,
                              &nodeArray, &count, &stringValue, &raw)
                }
            }
        }
        let issues = takeIssues(&raw, file: fileName, minimumLevel: 2)
        guard status == 0 else {
            sxb_free(nodeArray)
            sxb_free(stringValue)
            let detailed = issues.map { issue in
                var issue = issue
                issue.message = "XPath '\(xpath)': \(issue.message)"
                return issue
            }
            throw XMLError(kind: .xpath, source: fileName, issues: detailed)
        }
        if let value = takeString(stringValue) {
            sxb_free(nodeArray)
            return .value(value)
        }
        var nodes: [XNode] = []
        if let nodeArray {
            defer { sxb_free(nodeArray) }
            nodes.reserveCapacity(count)
            for index in 0..<count {
                if let pointer = nodeArray[index] { nodes.append(XNode(document: self, handle: pointer)) }
            }
        }
        return .nodes(nodes)
    }
}

@available(*, unavailable, message: "XDocument owns a libxml2 tree; use it from one task at a time")
extension XDocument: Sendable {}

/// A node of an `XDocument`: element, attribute, text…
///
/// The node keeps its document alive. Like the document, it is not `Sendable`.
public struct XNode {
    /// What kind of node this is.
    public enum Kind: Sendable, Hashable {
        case element, attribute, text, cdata, comment, document, other
    }

    /// The document the node belongs to.
    public let document: XDocument
    let handle: OpaquePointer

    init(document: XDocument, handle: OpaquePointer) {
        self.document = document
        self.handle = handle
    }

    /// The node's kind.
    public var kind: Kind {
        switch Int(sxb_node_kind(handle)) {
        case Int(SXB_NODE_ELEMENT): return .element
        case Int(SXB_NODE_ATTRIBUTE): return .attribute
        case Int(SXB_NODE_TEXT): return .text
        case Int(SXB_NODE_CDATA): return .cdata
        case Int(SXB_NODE_COMMENT): return .comment
        case Int(SXB_NODE_DOCUMENT): return .document
        default: return .other
        }
    }

    /// Local name (without prefix), e.g. `Ntry` or `СведТов`.
    public var name: String { String(cString: sxb_node_name(handle)) }

    /// Namespace prefix as written, if any.
    public var prefix: String? { sxb_node_ns_prefix(handle).map { String(cString: $0) } }

    /// Namespace URI, if any.
    public var namespaceURI: String? { sxb_node_ns_uri(handle).map { String(cString: $0) } }

    /// `prefix:name`, or `name` without a prefix.
    public var qualifiedName: String { prefix.map { "\($0):\(name)" } ?? name }

    /// Source line (for an attribute: its element's line; 0 when unknown).
    public var line: Int { Int(sxb_node_line(handle)) }

    /// Text content of the node and all its descendants (entities and character
    /// references resolved, CDATA included); an attribute's value.
    public var text: String { takeString(sxb_node_text(handle)) ?? "" }

    /// The value of attribute `name` (in no namespace, or in `namespace`), if present.
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        name.withCString { cName in
            if let namespace {
                return namespace.withCString { takeString(sxb_node_attribute(handle, cName, $0)) }
            }
            return takeString(sxb_node_attribute(handle, cName, nil))
        }
    }

    /// The element's attributes in document order (local names).
    public var attributes: [XAttribute] {
        var result: [XAttribute] = []
        var current = sxb_node_first_attribute(handle)
        while let attribute = current {
            let node = XNode(document: document, handle: attribute)
            result.append(XAttribute(node.name, node.text))
            current = sxb_node_next_attribute(attribute)
        }
        return result
    }

    /// Child elements in document order.
    public var children: [XNode] {
        var result: [XNode] = []
        var current = sxb_node_first_element_child(handle)
        while let child = current {
            result.append(XNode(document: document, handle: child))
            current = sxb_node_next_element_sibling(child)
        }
        return result
    }

    /// Child elements with local name `name` (and namespace `namespace`, when given).
    public func children(named name: String, namespace: String? = nil) -> [XNode] {
        children.filter { $0.name == name && (namespace == nil || $0.namespaceURI == namespace) }
    }

    /// The first child element named `name`, if any.
    public func child(named name: String, namespace: String? = nil) -> XNode? {
        var current = sxb_node_first_element_child(handle)
        while let child = current {
            let node = XNode(document: document, handle: child)
            if node.name == name, namespace == nil || node.namespaceURI == namespace { return node }
            current = sxb_node_next_element_sibling(child)
        }
        return nil
    }

    /// The parent element (or the document node for the root), if any.
    public var parent: XNode? {
        sxb_node_parent(handle).map { XNode(document: document, handle: $0) }
    }

    /// Element path such as `/Файл/Документ/ТаблСчФакт/СведТов[2]` (`/@name` appended
    /// for an attribute); an index appears only where same-named siblings exist.
    public var path: String { takeString(sxb_node_path(handle)) ?? "" }

    /// Nodes selected by `xpath` relative to this node; see `XDocument.nodes(xpath:namespaces:context:)`.
    public func nodes(xpath: String, namespaces: [String: String] = [:]) throws(XMLError) -> [XNode] {
        try document.nodes(xpath: xpath, namespaces: namespaces, context: self)
    }

    /// The XPath string value of `xpath` relative to this node.
    public func string(xpath: String, namespaces: [String: String] = [:]) throws(XMLError) -> String {
        try document.string(xpath: xpath, namespaces: namespaces, context: self)
    }
}

extension XNode: Equatable {
    /// Two values are equal when they denote the same node.
    public static func == (lhs: XNode, rhs: XNode) -> Bool { lhs.handle == rhs.handle }
}

extension XNode: CustomStringConvertible {
    /// `path (line N)`.
    public var description: String { "\(path) (line \(line))" }
}
