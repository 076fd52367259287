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
        self.init(name: name, attributes: attributes.compactMap { pair in pair.value.map { Attribute(pair.key, $0) } },
                  children: children, text: text)
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
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
}

/// A node of a tree together with its path (`/Файл/Документ/ТаблСчФакт/СведТов[2]`) for messages.
public struct LocatedNode: Sendable {
    public var node: DocumentTree
    public var path: String

    /// `path/name[i]` for each child named `name` (the index is written only when there are several).
    public func children(_ name: String) -> [LocatedNode] {
        let matches = node.children(name)
        return matches.enumerated().map { index, child in
            LocatedNode(node: child, path: path + "/" + name + (matches.count > 1 ? "[\(index + 1)]" : ""))
        }
    }

    /// The first child named `name` (its path carries `[1]` when the name repeats), without
    /// building the others.
    public func child(_ name: String) -> LocatedNode? {
        guard let first = node.children.firstIndex(where: { sameName($0.name, name) }) else { return nil }
        let repeats = node.children[(first + 1)...].contains { sameName($0.name, name) }
        return LocatedNode(node: node.children[first], path: path + "/" + name + (repeats ? "[1]" : ""))
    }

    public func attribute(_ name: String) -> String? { node[attribute: name] }

    public func attributePath(_ name: String) -> String { path + "/@" + name }

    /// Every element below (and including) this one, depth first.
    public func allElements() -> [LocatedNode] {
        var result: [LocatedNode] = []
        collect(into: &result)
        return result
    }

    private func collect(into result: inout [LocatedNode]) {
        result.append(self)
        let children = node.children
        // Sibling counts by name (an index is written only when a name repeats): linear for the
        // short child lists documents have, a dictionary for long ones.
        var counts: [String: Int] = [:]
        var seen: [String: Int] = [:]
        if children.count > 32 { for child in children { counts[child.name, default: 0] += 1 } }
        for (position, child) in children.enumerated() {
            let total: Int
            let ordinal: Int
            if children.count > 32 {
                total = counts[child.name, default: 0]
                seen[child.name, default: 0] += 1
                ordinal = seen[child.name, default: 0]
            } else {
                var before = 0
                var after = 0
                for (other, sibling) in children.enumerated() where sameName(sibling.name, child.name) {
                    if other < position { before += 1 } else if other > position { after += 1 }
                }
                total = before + after + 1
                ordinal = before + 1
            }
            let suffix = total > 1 ? "[\(ordinal)]" : ""
            LocatedNode(node: child, path: path + "/" + child.name + suffix).collect(into: &result)
        }
    }
}
