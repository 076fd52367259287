import Documents
import Domain
import Testing

/// The beyond-XSD rules on a hostile document whose amounts sit at Int64's limits: their sums,
/// differences and products must not stop the process (`Money`'s own arithmetic traps on overflow),
/// they must simply fail to match what the document states, and be reported.
@Suite("Beyond-XSD rules: amounts at the limits of the number range")
struct HugeAmountsTests {
    static let largest = "92233720368547758.07" // Int64.max kopecks

    /// Every element named `name` anywhere in the tree, changed.
    static func everywhere(_ tree: DocumentTree, _ name: String, _ change: (inout DocumentTree) -> Void) -> DocumentTree {
        var copy = tree
        if copy.name == name { change(&copy) }
        for index in copy.children.indices { copy.children[index] = everywhere(copy.children[index], name, change) }
        return copy
    }

    static func set(_ node: inout DocumentTree, _ name: String, _ value: String) {
        if let index = node.attributes.firstIndex(where: { $0.name == name }) { node.attributes[index].value = value }
    }

    @Test("a huge price times a huge quantity, and lines whose sum passes the limit: reported, no trap")
    func upd() throws {
        let (tree, _) = try RuleTests.upd()
        let hostile = Self.everywhere(tree, "СведТов") { line in
            Self.set(&line, "ЦенаТов", "9223372036854775807")
            Self.set(&line, "КолТов", "9223372036854775807")
            Self.set(&line, "СтТовБезНДС", Self.largest)
            Self.set(&line, "СтТовУчНал", Self.largest)
        }
        #expect(hostile != tree)
        let issues = FNSRule.run(on: hostile, fileName: nil)
        let arithmetic = issues.filter { $0.ruleID == "ARITH-LINE" }
        #expect(arithmetic.contains { $0.message.contains("9223372036854775807 × 9223372036854775807") })
        #expect(issues.contains { $0.ruleID == "ARITH-TOTALS" }, "\(issues)")
        // A sum beyond Int64 is printed in full, as an amount.
        var lines = 0
        _ = Self.everywhere(hostile, "СведТов") { _ in lines += 1 }
        let sum = Int128(lines) * Int128(Int64.max)
        let printed = "\(sum / 100).\(sum % 100 < 10 ? "0" : "")\(sum % 100)"
        #expect(lines > 1)
        #expect(issues.contains { $0.ruleID == "ARITH-TOTALS" && $0.message.contains("sum of lines \(printed)") }, "\(issues)")
        // УКД totals over lines at the limit as well.
        let ukdHostile = Self.everywhere(try RuleTests.ukd(), "СтТовУчНал") { cost in
            Self.set(&cost, "СтоимУм", Self.largest)
        }
        _ = FNSRule.run(on: ukdHostile, fileName: nil)
    }

    @Test("УКД differences of amounts at opposite limits: reported, no trap")
    func ukd() throws {
        let tree = try RuleTests.ukd()
        let hostile = Self.everywhere(tree, "СтТовУчНал") { cost in
            Self.set(&cost, "СтоимДоИзм", Self.largest)
            Self.set(&cost, "СтоимПослеИзм", "-" + Self.largest)
        }
        #expect(hostile != tree)
        let issues = FNSRule.run(on: hostile, fileName: nil)
        #expect(issues.contains { $0.ruleID == "ARITH-UKD-LINE" }, "\(issues)")
    }
}
