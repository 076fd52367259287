import Documents
import Domain
import Foundation
import Generator
import Testing
import TestSupport
import XML

/// `FNSRule.run` (one walk feeding every rule) against `ReferenceRules` (each rule on its own, paths
/// spelled eagerly, as the rules were first written): the same violations — ids, paths, lines,
/// messages, order — on the documents sverka builds, on the golden files parsed back (with lines),
/// and on thousands of broken variants of them (attributes removed or given odd values, elements
/// removed, repeated or given other text, several breaks at once).
@Suite("Beyond-XSD rules = the reference rules on broken documents")
struct RuleEquivalenceTests {
    typealias F = Fixture

    /// The base documents: the rule tests' УПД, УКД and advance invoice, the golden files parsed
    /// back, and a generated day's documents.
    static func bases() throws -> [(name: String, tree: DocumentTree, fileName: String?)] {
        let (upd, fileID) = try RuleTests.upd()
        var bases: [(name: String, tree: DocumentTree, fileName: String?)] = [
            ("fixture УПД", upd, fileID), ("fixture УКД", try RuleTests.ukd(), nil), ("fixture advance", try RuleTests.advance(), nil),
        ]
        for name in ["upd.xml", "upd-correction.xml", "ukd.xml", "advance-invoice.xml"] {
            let url = Golden.folder.appendingPathComponent(name)
            let bytes = try #require(FileManager.default.contents(atPath: url.path).map { [UInt8]($0) })
            let root = try #require(try XDocument(bytes: bytes, fileName: name).root)
            bases.append(("golden \(name)", DocumentTree(root), String(name.dropLast(4))))
        }
        let day = F.day("2026-11-27")
        for slot in VSDSlot.allCases {
            let configuration = F.configuration(slot)
            let orders = Generator.orders(day: day, count: 40, seed: 77 + UInt64(bases.count))
            let plan = DocumentPlanner.plan(DocumentsInput(businessDay: day, orders: orders, configuration: configuration))
            // One of each kind the day plans.
            var taken: [DocumentKind: Int] = [:]
            for (index, document) in plan.documents.enumerated() where taken[document.kind, default: 0] < 1 {
                taken[document.kind, default: 0] += 1
                let number = document.requiredNumber ?? DocumentNumber("ЭКВ-\(index + 1)")
                let tree = TreeBuilder.tree(for: document, number: number, configuration: configuration).tree
                bases.append(("generated \(slot) \(document.identityKey)", tree, FileNaming.fileID(for: document, configuration: configuration)))
            }
        }
        return bases
    }

    /// Values given to attributes and texts: numbers good and bad, dates, times, rates, functions,
    /// requisites, empty and over-long text.
    static let palette: [String] = [
        "", "0", "-1", "1.005", "abc", "12.5", "0.00", "861.48", "99999999999.99", "1e3", " 5", "5.",
        "27.11.2025", "31.02.2026", "01.01.2026", "2026-11-27", "06.10.00", "25.00.00", "06:10:00", "6.10.00",
        "7707083893", "770708389", "500100732207", "500100732208", "771401001", "77140100A", "50270100",
        "20%", "22%", "10%", "0%", "5%", "7%", "без НДС", "НДС исчисляется налоговым агентом", "22/122", "10/110",
        "СЧФ", "ДОП", "СЧФДОП", "СвРК", "СвЗК", "КСЧФДИС", "1115131", "1115133", "1115127", "1", "2", "3", "5",
        String(repeating: "я", count: 61), String(repeating: "к", count: 2001), String(repeating: "w", count: 300),
        "Кафе & \"Бар\" <x>", "😀",
    ]

    /// Applies `change` to the element at `path` (child positions from the root).
    static func edit(_ tree: DocumentTree, _ path: [Int], _ change: (inout DocumentTree) -> Void) -> DocumentTree {
        var copy = tree
        func walk(_ node: inout DocumentTree, _ rest: ArraySlice<Int>) {
            guard let step = rest.first else { change(&node); return }
            walk(&node.children[step], rest.dropFirst())
        }
        walk(&copy, path[...])
        return copy
    }

    /// Every element's position, depth first.
    static func positions(_ tree: DocumentTree) -> [[Int]] {
        var result: [[Int]] = [[]]
        func visit(_ node: DocumentTree, _ path: [Int]) {
            for index in node.children.indices {
                result.append(path + [index])
                visit(node.children[index], path + [index])
            }
        }
        visit(tree, [])
        return result
    }

    static func element(_ tree: DocumentTree, _ path: [Int]) -> DocumentTree {
        path.reduce(tree) { $0.children[$1] }
    }

    /// One break of `tree`, drawn from `random`.
    static func randomBreak(_ tree: DocumentTree, _ random: inout SplitMix64) -> DocumentTree {
        let all = positions(tree)
        let path = all[Int(random.next() % UInt64(all.count))]
        let node = element(tree, path)
        let value = palette[Int(random.next() % UInt64(palette.count))]
        switch random.next() % 6 {
        case 0 where !path.isEmpty:
            return edit(tree, Array(path.dropLast())) { $0.children.remove(at: path[path.count - 1]) }
        case 1 where !path.isEmpty:
            return edit(tree, Array(path.dropLast())) { $0.children.insert(node, at: path[path.count - 1] + 1) }
        case 2 where node.children.isEmpty:
            return edit(tree, path) { $0.text = value }
        case 3 where !node.attributes.isEmpty:
            let index = Int(random.next() % UInt64(node.attributes.count))
            return edit(tree, path) { $0.attributes.remove(at: index) }
        default:
            guard !node.attributes.isEmpty else { return tree }
            let index = Int(random.next() % UInt64(node.attributes.count))
            return edit(tree, path) { $0.attributes[index].value = value }
        }
    }

    /// The systematic variants of `tree`: each element removed and repeated, each text and each
    /// attribute value replaced (two palette values each, texts three, drawn from `random`), each attribute removed.
    static func variants(_ tree: DocumentTree, _ random: inout SplitMix64) -> [DocumentTree] {
        var result: [DocumentTree] = []
        for path in positions(tree) {
            let node = element(tree, path)
            if let last = path.last {
                let parent = Array(path.dropLast())
                result.append(edit(tree, parent) { $0.children.remove(at: last) })
                result.append(edit(tree, parent) { $0.children.insert(node, at: last + 1) })
            }
            if node.children.isEmpty && !node.text.isEmpty {
                for _ in 0..<3 {
                    let value = palette[Int(random.next() % UInt64(palette.count))]
                    result.append(edit(tree, path) { $0.text = value })
                }
            }
            if node.name == "Подписант" {
                // Powers of attorney: each way of signing with and without each kind of power.
                for method in ["1", "3", "5"] {
                    result.append(edit(tree, path) { $0.attributes.append(.init("СпосПодтПолном", method)) })
                }
                for child in ["СвДоверЭл", "СвДоверБум"] {
                    result.append(edit(tree, path) { $0.children.append(DocumentTree(child, ["ДатаВыдДовер": "01.01.2026"])) })
                }
            }
            for index in node.attributes.indices {
                result.append(edit(tree, path) { $0.attributes.remove(at: index) })
                for _ in 0..<2 {
                    let value = palette[Int(random.next() % UInt64(palette.count))]
                    result.append(edit(tree, path) { $0.attributes[index].value = value })
                }
            }
        }
        return result
    }

    @Test("the rule list is the reference's, in the same order")
    func sameRules() {
        #expect(BeyondXSDRules.all.map(\.id) == ReferenceRules.all.map(\.id))
        #expect(BeyondXSDRules.all.map(\.formats) == ReferenceRules.all.map(\.formats))
    }

    @Test("clean documents, systematic and random breaks: the same violations as the reference")
    func sameViolations() throws {
        var random = SplitMix64(seed: 0x5EB_4A_2026)
        var checked = 0
        var broken = 0
        var seen = Set<String>()
        for base in try Self.bases() {
            var trees = [base.tree] + Self.variants(base.tree, &random)
            for _ in 0..<100 {
                var tree = base.tree
                for _ in 0..<(1 + Int(random.next() % 4)) { tree = Self.randomBreak(tree, &random) }
                trees.append(tree)
            }
            for (index, tree) in trees.enumerated() {
                for fileName in index == 0 ? [base.fileName, nil, "other"] : [base.fileName] {
                    let actual = FNSRule.run(on: tree, fileName: fileName)
                    let expected = ReferenceRules.run(on: tree, fileName: fileName)
                    #expect(actual == expected, "\(base.name), variant \(index): \(actual) ≠ \(expected)")
                    checked += 1
                    if !expected.isEmpty { broken += 1 }
                    seen.formUnion(expected.map(\.ruleID))
                }
                if index % 25 == 0 {
                    // Each rule alone (as `sverka validate` runs them) gives that rule's share.
                    for rule in BeyondXSDRules.all {
                        #expect(FNSRule.run([rule], on: tree, fileName: base.fileName)
                                    == ReferenceRules.run(on: tree, fileName: base.fileName, only: [rule.id]),
                                "\(base.name), variant \(index), rule \(rule.id) alone")
                    }
                }
            }
        }
        #expect(checked > 5_000, "variants checked: \(checked)")
        #expect(broken > checked / 3, "variants with violations: \(broken) of \(checked)")
        // Every rule (and the unknown-format answer) was exercised by some variant.
        #expect(seen.isSuperset(of: Set(BeyondXSDRules.all.map(\.id) + ["FORMAT"])),
                "never fired: \(Set(BeyondXSDRules.all.map(\.id) + ["FORMAT"]).subtracting(seen).sorted())")
    }
}
