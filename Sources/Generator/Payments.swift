import Domain

/// Decides the day's money: the provider's order list and the operations on both bank accounts.
struct PaymentPlanner: Sendable {
    let world: World
    let seed: UInt64

    /// Per-mille shares of the payment-level scenarios.
    enum Share {
        static let providerExpired = 30
        static let multiBill = 350
        static let prepaidUnpaid = 10
        static let partial = 30
        static let over = 20
        static let secondAccount = 50
        static let postpaidCombined = 300
        static let postpaidPaysBill = 100
        static let wholeRoublesWritten = 100
        static let splitUstrd = 150
    }

    struct Plan {
        var provider: [ProviderRecord] = []
        /// Operations of the main account (the 1C statement): incoming first, then outgoing.
        var main: [BankOperation] = []
        /// Operations of the second account (the camt.053 statement).
        var second: [BankOperation] = []
        /// Completed provider payments of the day (paid out the next day, less the commission).
        var providerTotal = Money.zero
    }

    func plan(dayIndex: Int, day: CivilDate, bills: [GeneratedBill], due: [GeneratedBill],
              previousProviderTotal: Money) -> Plan {
        var random = SeededRandom(seed: seed, stream: UInt64(dayIndex), 0xBA4C)
        var plan = Plan()
        var documentNumber = random.int(100...900)
        func nextNumber(_ random: inout SeededRandom) -> String {
            documentNumber += random.int(1...3)
            return String(documentNumber)
        }
        let seller = world.seller
        let mainPayee = Counterparty(name: seller.name, inn: seller.inn, kpp: seller.kpp, bank: seller.bank)
        let secondPayee = Counterparty(name: seller.name, inn: seller.inn, kpp: seller.kpp, bank: seller.secondBank)
        func payer(_ index: Int) -> Counterparty {
            let customer = world.customers[index]
            return Counterparty(name: customer.party.name, inn: customer.party.inn.value, kpp: customer.party.kpp, bank: customer.bank)
        }
        var incomingMain: [BankOperation] = []
        var incomingSecond: [BankOperation] = []
        func receive(_ amount: Money, from index: Int, purpose: String, kind: BankOperation.Kind, random: inout SeededRandom) {
            let toSecond = random.chance(perMille: Share.secondAccount)
            var operation = BankOperation(number: nextNumber(&random), date: day, amount: amount, payer: payer(index),
                                          payee: toSecond ? secondPayee : mainPayee, purpose: [purpose],
                                          direction: .incoming, kind: kind)
            if toSecond {
                operation = BankOperation(number: operation.number, date: day, amount: amount, payer: operation.payer,
                                          payee: secondPayee, purpose: PaymentPlanner.ustrdPieces(purpose, split: random.chance(perMille: Share.splitUstrd)),
                                          direction: .incoming, kind: kind)
                incomingSecond.append(operation)
            } else {
                operation.wholeRoublesWritten = amount.kopecksPart == 0 && random.chance(perMille: Share.wholeRoublesWritten)
                incomingMain.append(operation)
            }
        }

        // The provider's orders.
        var bankFallback: [GeneratedBill] = []
        var providerBills: [GeneratedBill] = []
        for bill in bills where bill.channel == .provider {
            guard let id = bill.providerOrderID else { continue }
            let customer = world.customers[bill.customerIndex]
            let opened = Timestamp(epochSeconds: bill.createdAt.epochSeconds + Int64(random.int(30...300)))
            let paidAt: Timestamp?
            let status: ProviderRecord.Status
            if bill.cancelled {
                status = random.chance(50) ? .expired : .canceled
                paidAt = nil
            } else if random.chance(perMille: Share.providerExpired) {
                status = .expired
                paidAt = nil
                bankFallback.append(bill)
            } else {
                status = .completed
                paidAt = Timestamp.moscow(day, second: random.int(60...4 * 3600 + 59 * 60))
                providerBills.append(bill)
            }
            plan.provider.append(ProviderRecord(
                id: id.rawValue, description: "Оплата заказа \(bill.orderID) (счёт \(bill.number))", amount: bill.amount,
                vat: bill.vat, status: status, createdAt: opened, merchantOrderID: bill.orderID.rawValue, paidAt: paidAt,
                customerName: customer.party.name, customerINN: customer.party.inn.value, customerEmail: customer.party.email))
            if status == .completed { plan.providerTotal += bill.amount }
        }
        // A few payment pages opened again and left unpaid.
        if !providerBills.isEmpty {
            for _ in 0..<max(1, providerBills.count / 200) {
                let bill = random.pick(providerBills)
                let customer = world.customers[bill.customerIndex]
                plan.provider.append(ProviderRecord(
                    id: random.uuid(), description: "Оплата заказа \(bill.orderID) (счёт \(bill.number))", amount: bill.amount,
                    vat: bill.vat, status: .created, createdAt: Timestamp.moscow(day, second: random.int(12 * 3600...20 * 3600)),
                    merchantOrderID: bill.orderID.rawValue, paidAt: nil, customerName: customer.party.name,
                    customerINN: customer.party.inn.value, customerEmail: customer.party.email))
            }
        }
        // Two paid provider orders with the same merchantOrderId, which is no order of ours.
        let clashID = "ORD-\(day.year)-9\(day.ddMMyyyy.prefix(4))01"
        let clashAmount = Money(rubles: Int64(random.int(5...50)) * 100 + 50)
        for _ in 0..<2 {
            let index = random.int(0...world.customers.count - 1)
            let customer = world.customers[index]
            let opened = Timestamp.moscow(day, second: random.int(9 * 3600...15 * 3600))
            plan.provider.append(ProviderRecord(
                id: random.uuid(), description: "Оплата заказа \(clashID)", amount: clashAmount,
                vat: LineAmounts.vat(includedIn: clashAmount, rate: .standard22), status: .completed, createdAt: opened,
                merchantOrderID: clashID, paidAt: Timestamp(epochSeconds: opened.epochSeconds + Int64(random.int(60...900))),
                customerName: customer.party.name, customerINN: customer.party.inn.value, customerEmail: customer.party.email))
            plan.providerTotal += clashAmount
        }

        // Prepaid orders paid by bank transfer, grouped by customer (indices, not copies: a day may hold a million bills).
        func payPrepaid(_ group: [GeneratedBill], random: inout SeededRandom) {
            var pending = group
            let customer = world.customers[group[0].customerIndex]
            if pending.count >= 2, random.chance(perMille: Share.multiBill) {
                let size = min(pending.count, random.int(2...3))
                let chunk = Array(pending.prefix(size))
                pending.removeFirst(size)
                let total = chunk.reduce(Money.zero) { $0 + $1.amount }
                let referenced = random.chance(75)
                let purpose = referenced ? Purposes.multiBill(chunk, random: &random) : random.pick(Vocabulary.unreferencedPurposes)
                receive(total, from: chunk[0].customerIndex, purpose: purpose, kind: .multiBill, random: &random)
            }
            for bill in pending {
                let roll = Int(random.below(1000))
                if roll < Share.prepaidUnpaid { continue }
                if roll < Share.prepaidUnpaid + Share.partial, bill.amount > Money(rubles: 2) {
                    let paid = PaymentPlanner.partialAmount(of: bill.amount, random: &random)
                    receive(paid, from: bill.customerIndex, purpose: Purposes.partial(bill, paid: paid, random: &random),
                            kind: .partial, random: &random)
                } else if roll < Share.prepaidUnpaid + Share.partial + Share.over {
                    let paid = PaymentPlanner.overAmount(of: bill.amount)
                    receive(paid, from: bill.customerIndex, purpose: Purposes.single(bill, random: &random),
                            kind: .over, random: &random)
                } else if random.chance(customer.unreferencedPercent) {
                    receive(bill.amount, from: bill.customerIndex, purpose: random.pick(Vocabulary.unreferencedPurposes),
                            kind: .unreferenced, random: &random)
                } else {
                    receive(bill.amount, from: bill.customerIndex, purpose: Purposes.single(bill, random: &random),
                            kind: .exact, random: &random)
                }
            }
        }
        for indices in PaymentPlanner.groupedByCustomer(bills, where: { !$0.cancelled && $0.channel == .bank }) {
            payPrepaid(indices.map { bills[$0] }, random: &random)
        }
        for indices in PaymentPlanner.groupedByCustomer(bankFallback) {
            payPrepaid(indices.map { bankFallback[$0] }, random: &random)
        }

        // Postpaid debts falling due today.
        var wrongBillUsed = false
        for indices in PaymentPlanner.groupedByCustomer(due) {
            var pending = indices.map { due[$0] }.filter { $0.shippedAmount.isPositive }
            if pending.count >= 2, random.chance(perMille: Share.postpaidCombined) {
                let total = pending.reduce(Money.zero) { $0 + $1.shippedAmount }
                let purpose = random.chance(70) ? Purposes.multiBill(pending, random: &random) : "Оплата задолженности по договору поставки"
                receive(total, from: pending[0].customerIndex, purpose: purpose, kind: .postpaid, random: &random)
                pending = []
            }
            for bill in pending {
                let amount = random.chance(perMille: Share.postpaidPaysBill) ? bill.amount : bill.shippedAmount
                if !wrongBillUsed {
                    wrongBillUsed = true
                    let wrong = BillNumber("СЧ-9\(pad(random.int(0...99_999), 5))")
                    receive(amount, from: bill.customerIndex,
                            purpose: "Оплата по счету \(wrong) от \(bill.date.russian) за продукты питания, в т.ч. НДС",
                            kind: .wrongBill, random: &random)
                } else {
                    receive(amount, from: bill.customerIndex, purpose: Purposes.postpaid(bill, random: &random),
                            kind: .postpaid, random: &random)
                }
            }
        }

        // An unknown payer or two.
        var taken = world.customerINNs
        taken.insert(world.seller.inn)
        taken.insert(world.provider.inn)
        for _ in 0..<(bills.count >= 1_000 ? 2 : 1) {
            let place = random.pick(Vocabulary.places)
            let inn = World.uniqueINN(prefix: random.pick(place.taxOffices), legal: true, random: &random, taken: &taken)
            let bankInfo = random.pick(Vocabulary.banks)
            let bank = BankDetails(bik: bankInfo.bik, account: Requisites.accountWithKey("40702810" + random.digits(12), bik: bankInfo.bik),
                                   correspondentAccount: bankInfo.correspondentAccount, name: bankInfo.name)
            let name = "ООО «\(random.pick(Vocabulary.compoundHeads))\(random.pick(Vocabulary.compoundTails))»"
            let stranger = Counterparty(name: name, inn: inn, kpp: String(inn.prefix(4)) + "01001", bank: bank)
            let purpose = random.chance(50) ? "Оплата за товар"
                : "Оплата по счету № \(random.int(100...9_999)) от \(day.adding(days: -random.int(1...5)).russian) за продукты питания"
            incomingMain.append(BankOperation(number: nextNumber(&random), date: day, amount: Money(rubles: Int64(random.int(10...500)) * 100),
                                              payer: stranger, payee: mainPayee, purpose: [purpose], direction: .incoming,
                                              kind: .unknownPayer))
        }

        // The provider's payout of yesterday's payments, less its commission.
        if previousProviderTotal.isPositive {
            let provider = world.provider
            let commission = PaymentPlanner.commission(on: previousProviderTotal, percent: provider.commissionPercent)
            let payoutPayer = Counterparty(name: provider.name, inn: provider.inn, kpp: provider.kpp, bank: provider.bank)
            incomingMain.append(BankOperation(
                number: String(random.int(1_000...9_999)), date: day, amount: previousProviderTotal - commission,
                payer: payoutPayer, payee: mainPayee,
                purpose: ["Перечисление денежных средств по договору \(provider.contract)",
                          "за \(day.adding(days: -provider.settlementLagDays).russian) за вычетом вознаграждения \(commission) руб.",
                          "НДС не облагается"],
                direction: .incoming, kind: .payout))
        }

        random.shuffle(&incomingMain)
        random.shuffle(&incomingSecond)

        // Our own payments to suppliers.
        var outgoingNumber = 1_000 + dayIndex * 7 + random.int(0...5)
        for _ in 0..<random.int(2...4) {
            let supplier = random.pick(world.suppliers)
            outgoingNumber += 1
            let template = random.pick(Vocabulary.supplierPurposes)
            let purpose = template.replacing("%N", with: String(random.int(100...9_999)))
                .replacing("%D", with: day.adding(days: -random.int(1...10)).russian)
            let amount = Money(kopecks: Int64(random.int(20_000...400_000)) * 100 + Int64(random.int(0...99)))
            let vatPart = LineAmounts.vat(includedIn: amount, rate: .standard22)
            plan.main.append(BankOperation(
                number: String(outgoingNumber), date: day, amount: amount, payer: mainPayee,
                payee: Counterparty(name: supplier.name, inn: supplier.inn, kpp: supplier.kpp, bank: supplier.bank),
                purpose: ["\(purpose). Сумма \(Purposes.rubles(amount)), в т.ч. НДС 22% \(Purposes.rubles(vatPart))"],
                direction: .outgoing, kind: .outgoing))
        }
        plan.main = incomingMain + plan.main

        // The second account: a pending credit and the bank's fee, besides the customers' payments.
        var second = incomingSecond
        let pendingIndex = random.int(0...world.customers.count - 1)
        var pending = BankOperation(number: nextNumber(&random), date: day, amount: Money(rubles: Int64(random.int(5...90)) * 100),
                                    payer: payer(pendingIndex), payee: secondPayee,
                                    purpose: ["Оплата по договору поставки № \(random.int(1...99))/26 от 12.01.2026, в т.ч. НДС"],
                                    direction: .incoming, kind: .pending)
        pending.booked = false
        second.append(pending)
        let alfa = Vocabulary.banks[1]
        let bankItself = Counterparty(name: alfa.name, inn: Requisites.innWithCheckDigits("772816897"), kpp: "770801001",
                                      bank: BankDetails(bik: alfa.bik, account: "70601810900000000001",
                                                        correspondentAccount: alfa.correspondentAccount, name: alfa.name))
        second.append(BankOperation(number: "0", date: day, amount: Money(rubles: 490), payer: secondPayee, payee: bankItself,
                                    purpose: ["Комиссия за ведение счета. НДС не облагается"], direction: .outgoing,
                                    kind: .outgoing))
        for index in second.indices {
            second[index].reference = "AB-\(day.compact)-\(pad(index + 1, 6))"
        }
        plan.second = second
        return plan
    }

    /// Indices of the bills that pass `include`, grouped by customer, groups in the order their first bill appears.
    static func groupedByCustomer(_ bills: [GeneratedBill], where include: (GeneratedBill) -> Bool = { _ in true }) -> [[Int]] {
        var position: [Int: Int] = [:]
        var groups: [[Int]] = []
        for (index, bill) in bills.enumerated() where include(bill) {
            if let group = position[bill.customerIndex] {
                groups[group].append(index)
            } else {
                position[bill.customerIndex] = groups.count
                groups.append([index])
            }
        }
        return groups
    }

    /// Part of a bill: half, or the whole thousands below it.
    static func partialAmount(of amount: Money, random: inout SeededRandom) -> Money {
        let thousands = amount.kopecks / 100_000 * 100_000
        if thousands > 0, thousands < amount.kopecks, random.chance(60) { return Money(kopecks: thousands) }
        return Money(kopecks: max(100, amount.kopecks / 2 / 100 * 100))
    }

    /// More than a bill: rounded up to the next thousand (or plus five hundred when already round).
    static func overAmount(of amount: Money) -> Money {
        let next = (amount.kopecks / 100_000 + 1) * 100_000
        return Money(kopecks: next - amount.kopecks >= 100 ? next : next + 50_000)
    }

    /// The provider's commission: `percent` of `total`, rounded half up to the kopeck.
    static func commission(on total: Money, percent: ExactDecimal) -> Money {
        var denominator: Int64 = 100
        for _ in 0..<percent.scale { denominator *= 10 }
        let product = Int128(total.kopecks) * Int128(percent.units)
        let quotient = product / Int128(denominator)
        let remainder = product % Int128(denominator)
        return Money(kopecks: Int64(remainder * 2 >= Int128(denominator) ? quotient + 1 : quotient))
    }

    /// A purpose as camt.053 `Ustrd` pieces: at most 140 characters each, split at a space.
    static func ustrdPieces(_ purpose: String, split: Bool) -> [String] {
        let characters = Array(purpose)
        guard split || characters.count > 140, characters.count > 20 else { return [purpose] }
        let target = min(characters.count / 2, 140)
        var cut = target
        while cut > 0, characters[cut] != " " { cut -= 1 }
        guard cut > 0 else { return [purpose] }
        let first = String(characters[..<cut])
        let rest = String(characters[(cut + 1)...])
        return [first] + ustrdPieces(rest, split: false)
    }
}
