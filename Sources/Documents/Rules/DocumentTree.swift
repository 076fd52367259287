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

/// A node of a tree together with where it was reached from, enough to spell its path
/// (`/Файл/Документ/ТаблСчФакт/СведТов[2]`) for a message. The path is spelled only when asked
/// for (a violation is reported): walking and checking a document builds no strings.
public struct LocatedNode: Sendable {
    public var node: DocumentTree
    let trail: Trail

    /// How a node was reached. Spelling a step `name[i]` needs the siblings it was found among.
    enum Trail: Sendable {
        /// A node whose path is given, e.g. the root `/Файл`.
        case path(String)
        /// Child `index` of `siblings`, the children of the node `parent` leads to.
        indirect case child(parent: Trail, siblings: [DocumentTree], index: Int)
        /// Entry `index` of a depth-first walk.
        case walk(ElementWalk, Int)

        var spelled: String {
            switch self {
            case .path(let path):
                return path
            case .child(let parent, let siblings, let index):
                return parent.spelled + LocatedNode.step(siblings, index)
            case .walk(let walk, let index):
                let entry = walk.entries[index]
                guard entry.parent >= 0 else { return walk.rootTrail.spelled }
                return Trail.walk(walk, entry.parent).spelled + LocatedNode.step(walk.node(at: entry.parent).children, entry.index)
            }
        }
    }

    /// A node whose path is known, such as the root (`/Файл`).
    public init(node: DocumentTree, path: String) {
        self.node = node
        self.trail = .path(path)
    }

    init(node: DocumentTree, trail: Trail) {
        self.node = node
        self.trail = trail
    }

    /// The node's path; the index `[i]` is written only where same-named siblings exist.
    public var path: String { trail.spelled }

    /// `/name` or `/name[i]` for child `index` of `siblings`: `i` counts the same-named siblings
    /// up to it, written only when the name repeats.
    static func step(_ siblings: [DocumentTree], _ index: Int) -> String {
        let name = siblings[index].name
        var ordinal = 1
        var total = 0
        for (position, sibling) in siblings.enumerated() where sameName(sibling.name, name) {
            total += 1
            if position < index { ordinal += 1 }
        }
        return "/" + name + (total > 1 ? "[\(ordinal)]" : "")
    }

    /// Each child named `name`, in document order.
    public func children(_ name: String) -> [LocatedNode] {
        let siblings = node.children
        var result: [LocatedNode] = []
        for index in siblings.indices where sameName(siblings[index].name, name) {
            result.append(LocatedNode(node: siblings[index], trail: .child(parent: trail, siblings: siblings, index: index)))
        }
        return result
    }

    /// The first child named `name`, without looking at the others.
    public func child(_ name: String) -> LocatedNode? {
        let siblings = node.children
        guard let first = siblings.firstIndex(where: { sameName($0.name, name) }) else { return nil }
        return LocatedNode(node: siblings[first], trail: .child(parent: trail, siblings: siblings, index: first))
    }

    public func attribute(_ name: String) -> String? { node[attribute: name] }

    public func attributePath(_ name: String) -> String { path + "/@" + name }

    /// Every element below (and including) this one, depth first.
    public func allElements() -> [LocatedNode] { Array(ElementWalk(root: self).elements) }
}

/// The elements of a tree in depth-first order, each with its parent's position in the walk:
/// what a path needs, without any string.
final class ElementWalk: Sendable {
    struct Entry: Sendable {
        /// The parent's entry, −1 for the root.
        let parent: Int
        /// The position among the parent's children.
        let index: Int
    }

    /// An attribute the element-wide rules look at (`AttributeNames.rules` knows its name).
    struct KnownAttribute: Sendable {
        /// The element's entry.
        let position: Int
        let attribute: DocumentTree.Attribute
        let info: AttributeInfo
    }

    /// How the walk's root was reached.
    let rootTrail: LocatedNode.Trail
    let root: DocumentTree
    let entries: [Entry]
    /// The attributes with a known name, in document order (classified once for all rules).
    let known: [KnownAttribute]

    /// Walks the tree below (and including) `root`.
    init(root: LocatedNode) {
        rootTrail = root.trail
        self.root = root.node
        var entries: [Entry] = []
        var known: [KnownAttribute] = []
        let names = AttributeNames.rules
        func visit(_ node: DocumentTree, parent: Int, index: Int) {
            let position = entries.count
            entries.append(Entry(parent: parent, index: index))
            for attribute in node.attributes {
                let info = names.info(attribute.name)
                if info.kind != .other || info.limitUPD != 0 || info.limitUKD != 0 {
                    known.append(KnownAttribute(position: position, attribute: attribute, info: info))
                }
            }
            for childIndex in node.children.indices { visit(node.children[childIndex], parent: position, index: childIndex) }
        }
        visit(root.node, parent: -1, index: 0)
        self.entries = entries
        self.known = known
    }

    /// The element of entry `position` (found from the root: for messages and `allElements`).
    func node(at position: Int) -> DocumentTree {
        var steps: [Int] = []
        var current = position
        while entries[current].parent >= 0 {
            steps.append(entries[current].index)
            current = entries[current].parent
        }
        var node = root
        for step in steps.reversed() { node = node.children[step] }
        return node
    }

    /// The attribute a known entry stands for.
    func attribute(_ known: KnownAttribute) -> DocumentTree.Attribute { known.attribute }

    /// Element-wide violations reported in a fixed order of kinds within each element (`rank`),
    /// elements in document order, as the rules always reported them.
    func ranked(_ kinds: [AttributeInfo.Kind],
                _ check: (_ attribute: DocumentTree.Attribute, _ kind: AttributeInfo.Kind, _ element: () -> LocatedNode) -> RuleViolation?) -> [RuleViolation] {
        var result: [RuleViolation] = []
        var pending: [(rank: Int, violation: RuleViolation)] = []
        var current = -1
        func flush() {
            result += pending.sorted { $0.rank < $1.rank }.map(\.violation)
            pending.removeAll()
        }
        for known in known {
            guard let rank = kinds.firstIndex(of: known.info.kind) else { continue }
            if known.position != current {
                flush()
                current = known.position
            }
            if let violation = check(attribute(known), known.info.kind, { self.elements[known.position] }) {
                pending.append((rank, violation))
            }
        }
        flush()
        return result
    }

    /// The elements as located nodes.
    var elements: Elements { Elements(walk: self) }

    /// The walk as a collection of located nodes (made on access).
    struct Elements: RandomAccessCollection, Sendable {
        let walk: ElementWalk
        var startIndex: Int { 0 }
        var endIndex: Int { walk.entries.count }
        subscript(position: Int) -> LocatedNode {
            LocatedNode(node: walk.node(at: position), trail: .walk(walk, position))
        }
    }
}
