import XML

extension DocumentTree {
    /// The element tree of a parsed document, with line numbers (for `sverka validate`).
    public init(_ node: XNode) {
        let children = node.children.filter { $0.kind == .element }
        self.init(name: node.name,
                  attributes: node.attributes.map { Attribute($0.name, $0.value) },
                  children: children.map(DocumentTree.init),
                  text: children.isEmpty ? node.text : "",
                  line: node.line)
    }

    /// The XML value tree to serialise, in the same order.
    public var element: XElement {
        XElement(name, attributeList: attributes.map { XAttribute($0.name, $0.value) },
                 text: text.isEmpty ? nil : text, children: children.map(\.element))
    }

    /// The document as windows-1251 bytes, written straight from this tree (no `XElement`, no
    /// libxml2): the same bytes as `element.serializedWithLibXML2()`, the same `.build` errors.
    public func serialized(indent: Bool = true) throws(XMLError) -> [UInt8] {
        var writer = XMLByteWriter(indent: indent, capacity: 16_384)
        try write(to: &writer)
        return try writer.finish()
    }

    private func write(to writer: inout XMLByteWriter) throws(XMLError) {
        try withUnsafePointer(to: self) { (tree) throws(XMLError) in try Self.write(tree, to: &writer) }
    }

    /// Writes the element at `tree` and its descendants. The tree is read in place through
    /// pointers: an element taken out of its parent's array as a value is a copy (a retain and a
    /// release of each of its parts), ~8 % of the serialisation.
    private static func write(_ tree: UnsafePointer<DocumentTree>, to writer: inout XMLByteWriter) throws(XMLError) {
        try writer.startElement(tree.pointee.name)
        try tree.pointee.attributes.withUnsafeBufferPointer { (attributes) throws(XMLError) in
            for index in attributes.indices { try writer.attribute(attributes[index].name, attributes[index].value) }
        }
        try writer.text(tree.pointee.text)
        try tree.pointee.children.withUnsafeBufferPointer { (children) throws(XMLError) in
            guard let base = children.baseAddress else { return }
            for index in children.indices { try write(base + index, to: &writer) }
        }
        try writer.endElement()
    }
}

/// One beyond-XSD rule in the `sverka validate` rule list (`FNSValidator.standardRules`):
/// it runs on any parsed УПД 5.03 or УКД 5.01 and reports each violation with its rule id,
/// line and path.
public struct BeyondXSDValidationRule: DocumentRule {
    public let rule: FNSRule

    public init(_ rule: FNSRule) { self.rule = rule }

    public var id: String { rule.id }

    public func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue] {
        guard let root = document.root, root.name == "Файл" else { return [] }
        let format: DocumentFormat
        switch context.kind {
        case FNSFormat.updSeller503?: format = .upd503
        case FNSFormat.ukdSeller501?: format = .ukd501
        default: return []
        }
        guard rule.formats.contains(format) else { return [] }
        let input = RuleInput(root: DocumentTree(root), fileName: nil, format: format)
        return rule.check(input).map {
            ValidationIssue(rule: $0.ruleID, file: context.fileName, line: $0.line ?? root.line, path: $0.path, message: $0.message)
        }
    }
}

extension BeyondXSDRules {
    /// The rules `sverka validate` adds after the XSD. The file-name check is left to the
    /// validator's own `FileNameRule`, which knows the file's real name.
    public static var validationRules: [any DocumentRule] {
        all.filter { $0.id != fileName.id }.map(BeyondXSDValidationRule.init)
    }
}
