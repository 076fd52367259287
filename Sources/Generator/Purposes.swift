import Domain

/// Payment purposes (назначение платежа) in the styles people type them.
enum Purposes {
    static let monthsGenitive = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                                 "октября", "ноября", "декабря"]

    /// `2 429-73`: the amount as accountants type it in purposes.
    static func rubles(_ amount: Money) -> String {
        let grouped = amount.formatted(grouping: " ", decimalSeparator: "-")
        return grouped
    }

    /// `в т.ч. НДС 349-64` or `НДС не облагается`.
    static func vatClause(_ vat: Money, random: inout SeededRandom) -> String {
        guard vat.isPositive else { return "НДС не облагается" }
        return random.chance(50) ? "в т.ч. НДС \(rubles(vat))" : "в т.ч. НДС"
    }

    /// A purpose quoting one bill, in one of many forms.
    static func single(_ bill: GeneratedBill, random: inout SeededRandom) -> String {
        let number = bill.number.rawValue
        let digits = String(number.drop { !$0.isASCIIDigit })
        let short = String(bill.sequence)
        let date = bill.date.russian
        let shortDate = "\(date.prefix(6))\(date.suffix(2))"
        switch random.int(0...10) {
        case 0: return "Оплата по счету № \(number) от \(date) г. Сумма \(rubles(bill.amount)), \(vatClause(bill.vat, random: &random))"
        case 1: return "Оплата по сч. \(number) от \(date) за продукты питания, \(vatClause(bill.vat, random: &random))"
        case 2: return "опл. сч.\(short)"
        case 3: return "Оплата счета №\(short) от \(shortDate)"
        case 4: return "Оплата по счёту СЧ\(digits) за товар"
        case 5: return "Оплата по счету сч-\(short) за продукты"
        case 6: return "Предоплата по счету \(digits) от \(date), \(vatClause(bill.vat, random: &random))"
        case 7: return "Оплата заказа \(bill.orderID)"
        case 8: return "ОПЛАТА ПО СЧЕТУ N \(number) ОТ \(date)Г. \(vatClause(bill.vat, random: &random).uppercased())"
        case 9:
            let month = monthsGenitive[bill.date.month - 1]
            return "Оплата по счету на оплату № \(number) от \(bill.date.day) \(month) \(bill.date.year) г."
        default: return "Оплата по счету \(number) от \(date) за продукты питания. \(vatClause(bill.vat, random: &random))"
        }
    }

    /// A partial payment of one bill.
    static func partial(_ bill: GeneratedBill, paid: Money, random: inout SeededRandom) -> String {
        switch random.int(0...2) {
        case 0:
            let vat = bill.vat.isPositive ? "в т.ч. НДС" : "НДС не облагается"
            return "Оплата по счету № \(bill.number) от \(bill.date.russian) г. Сумма \(rubles(paid)), \(vat)"
        case 1: return "Частичная оплата по счету \(bill.number) от \(bill.date.russian)"
        default: return "Оплата по сч. \(bill.sequence) (частично)"
        }
    }

    /// One payment for several bills.
    static func multiBill(_ bills: [GeneratedBill], random: inout SeededRandom) -> String {
        let numbers = bills.map(\.number.rawValue)
        switch random.int(0...2) {
        case 0:
            return "Оплата по счетам \(numbers.joined(separator: ", ")) от \(bills[0].date.russian) за продукты. В т.ч. НДС"
        case 1:
            return "Оплата сч. \(bills.map { String($0.sequence) }.joined(separator: ", "))"
        default:
            let last = numbers[numbers.count - 1]
            return "Оплата по счетам №№ \(numbers.dropLast().joined(separator: ", ")) и \(last)"
        }
    }

    /// A postpaid customer settling a bill after delivery.
    static func postpaid(_ bill: GeneratedBill, random: inout SeededRandom) -> String {
        switch random.int(0...4) {
        case 0: return "Оплата по счету № \(bill.number) от \(bill.date.russian) за поставленный товар, в т.ч. НДС"
        case 1: return "Оплата задолженности по счету \(bill.number)"
        case 2: return "Оплата за товар по УПД, счет \(bill.number) от \(bill.date.russian)"
        case 3: return "Оплата за поставленный товар"
        default: return single(bill, random: &random)
        }
    }
}
