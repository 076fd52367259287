/// A read-only element tree the beyond-XSD rules run on: the document sverka is about to emit
/// (built from its XML value tree) or any parsed file (`sverka validate`).
///
/// Names, attributes in document order, element children, text and, for parsed files, the
/// line of each element. The renderer builds documents as this tree, the rules check it, and
/// the XML module serialises it.
public struct DocumentTree: Hashable, Sendable {
    /// An attribute: name and literal value.
    public struct Attribute: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    /// Attributes in the order they are written.
    public var attributes: [Attribute]
    public var children: [DocumentTree]
    public var text: String
    /// The element's line in the parsed file; `nil` for a tree built in memory.
    public var line: Int?

    public init(name: String, attributes: [Attribute] = [], children: [DocumentTree] = [], text: String = "",
                line: Int? = nil) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
    }

    /// An element whose optional attributes are left out when `nil`: `["КПП": kpp]`.
    public init(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:], children: [DocumentTree] = [],
                text: String = "") {
        // One allocation of the right size (compactMap would grow the array step by step).
        var present: [Attribute] = []
        present.reserveCapacity(attributes.count)
        for (key, value) in attributes {
            if let value { present.append(Attribute(key, value)) }
        }
        self.init(name: name, attributes: present, children: children, text: text)
    }

    /// The attribute's value, if present.
    public subscript(attribute name: String) -> String? { attributes.first { sameName($0.name, name) }?.value }

    /// Children with this name, in document order.
    public func children(_ name: String) -> [DocumentTree] { children.filter { sameName($0.name, name) } }

    /// The first child with this name.
    public func child(_ name: String) -> DocumentTree? { children.first { sameName($0.name, name) } }

    /// Follows a path of child names (`["Документ", "СвСчФакт"]`), first match at each step.
    public func descendant(_ path: [String]) -> DocumentTree? {
        var node: DocumentTree? = self
        for step in path { node = node?.child(step) }
        return node
    }
}

/// XML names are equal when their code points are (XML does not normalise names), which is
/// byte equality of their UTF-8, and much cheaper than `String`'s canonical equivalence.
@inline(__always)
func sameName(_ a: String, _ b: String) -> Bool {
    let count = a.utf8.count
    guard count == b.utf8.count else { return false }
    let fast = a.utf8.withContiguousStorageIfAvailable { first in
        b.utf8.withContiguousStorageIfAvailable { second in sameBytes(first.baseAddress, second.baseAddress, count) }
    }
    if let fast, let equal = fast { return equal }
    return a.utf8.elementsEqual(b.utf8)
}
