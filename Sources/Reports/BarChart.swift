import Domain

/// A horizontal bar chart laid out for inline SVG, in whole pixels computed with
/// integer arithmetic from kopecks (no floating point, no script).
struct BarChart: Sendable, Hashable {
    struct Bar: Sendable, Hashable {
        let label: String
        let amount: String
        let y: Int
        let textY: Int
        let width: Int
        let amountX: Int
        let color: String
    }

    let title: String
    let width: Int
    let height: Int
    let labelWidth: Int
    let barX: Int
    let barHeight: Int
    let bars: [Bar]
    let isEmpty: Bool

    static let rowHeight = 30
    static let barHeight = 18
    static let labelWidth = 150
    static let barArea = 300
    static let amountArea = 130

    /// Bars for `items`; negative amounts are drawn as empty bars (their amount is still printed).
    init(title: String, items: [(label: String, amount: Money, color: String)]) {
        self.title = title
        let maximum = items.map { max($0.amount.kopecks, 0) }.max() ?? 0
        var bars: [Bar] = []
        for (index, item) in items.enumerated() {
            let positive = max(item.amount.kopecks, 0)
            // Scale in Int64: kopecks × 300 stays far below Int64.max for any real amount.
            var barWidth = maximum > 0 ? Int(positive * Int64(BarChart.barArea) / maximum) : 0
            if positive > 0 && barWidth < 2 { barWidth = 2 }
            let y = index * BarChart.rowHeight + 6
            bars.append(Bar(label: item.label, amount: screenMoney(item.amount), y: y,
                            textY: y + BarChart.barHeight - 4, width: barWidth,
                            amountX: BarChart.labelWidth + barWidth + 8, color: item.color))
        }
        self.bars = bars
        self.width = BarChart.labelWidth + BarChart.barArea + BarChart.amountArea
        self.height = max(items.count, 1) * BarChart.rowHeight + 8
        self.labelWidth = BarChart.labelWidth - 8
        self.barX = BarChart.labelWidth
        self.barHeight = BarChart.barHeight
        self.isEmpty = items.allSatisfy { $0.amount.kopecks <= 0 }
    }
}
