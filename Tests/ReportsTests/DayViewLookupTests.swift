@testable import Reports
import Testing

/// The view types give mustache their fields by name (`ViewFields`, mustache's `MustacheParent`); what each gives must be
/// exactly what reflection showed, for every stored property of every view type in a full report.
@Suite("Day view lookup")
struct DayViewLookupTests {
    /// Walks `value` and everything under it, checking every `MustacheParent` against `Mirror`;
    /// returns how many objects were checked.
    @discardableResult
    func check(_ value: Any, path: String) -> Int {
        let mirror = Mirror(reflecting: value)
        var checked = 0
        if let parent = value as? any ViewFields, mirror.displayStyle == .struct {
            checked += 1
            for child in mirror.children {
                guard let label = child.label else { continue }
                let reflected = unwrap(child.value).map(materialized)
                let named = parent.field(named: label)
                #expect((reflected == nil) == (named == nil), "\(path).\(label): present by reflection and by name alike")
                if let reflected, let named {
                    #expect(String(reflecting: reflected) == String(reflecting: named), "\(path).\(label)")
                }
            }
            #expect(parent.field(named: "noSuchField") == nil)
        }
        for (index, child) in mirror.children.enumerated() {
            checked += check(materialized(child.value), path: path + "." + (child.label ?? "[\(index)]"))
        }
        return checked
    }

    /// A register whose lines are made as read (lazily mapped from the input's rows), as the lines:
    /// what mustache gets by name.
    func materialized(_ value: Any) -> Any {
        func lines(_ lazy: some LazySequenceProtocol) -> [Any] { lazy.map { $0 } }
        guard let lazy = value as? any LazySequenceProtocol else { return value }
        return lines(lazy)
    }

    func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }

    @Test("every field of every view type is found by name as by reflection")
    func fullReport() {
        let input = Fixtures.input
        let view = DayView(input, totals: DayReportTotals(input))
        let checked = check(view, path: "view")
        // The view, its charts and bars, totals, and at least one row of each register.
        #expect(checked > 20)
    }

    @Test("an empty day's view too")
    func emptyReport() {
        let input = Fixtures.emptyInput
        #expect(check(DayView(input, totals: DayReportTotals(input)), path: "view") >= 4)
    }
}
