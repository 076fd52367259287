import Domain

/// How a bill is (to be) paid.
public enum PaymentChannel: String, Hashable, Sendable {
    /// Prepaid through the payment provider (the order carries `invoicebox_order_id`).
    case provider
    /// Prepaid by bank transfer.
    case bank
    /// Postpaid: paid by bank transfer days after shipment.
    case deferred
}

/// A bill the generator issued, as the payment side sees it: enough to generate and to check payments.
public struct GeneratedBill: Hashable, Sendable {
    public let orderID: OrderID
    /// The running number of the order in the run (1, 2, …): `ORD-2026-000123` has 123.
    public let sequence: Int
    public let number: BillNumber
    public let date: CivilDate
    /// The bill's amount: the ordered lines at their prices, rounded per line.
    public let amount: Money
    /// The VAT inside `amount` (per line, by sverka's rounding rules).
    public let vat: Money
    /// What left the warehouses, less what came back after delivery the same day: what a postpaid customer owes.
    public let shippedAmount: Money
    public let customerID: CustomerID
    public let customerINN: String
    public let channel: PaymentChannel
    public let providerOrderID: ProviderOrderID?
    public let cancelled: Bool
    /// The order's creation time (provider orders are opened just after it).
    public let createdAt: Timestamp
    /// The Moscow day the goods left (the business day of the order).
    public let shippedOn: CivilDate
    /// Index of the customer in the pool.
    let customerIndex: Int
    /// Whether the order comes back in the next day's feed with an `after_delivery` return.
    let returnsNextDay: Bool
}

/// Builds orders: each is a pure function of (seed, day index, ordinal), so it can be rebuilt later.
struct OrderFactory: Sendable {
    let world: World
    let seed: UInt64

    /// Per-mille shares of the order-level scenarios.
    enum Share {
        static let cancelled = 20
        static let shippedNotDelivered = 130
        static let twoWarehouses = 150
        static let beforeDeparture = 20
        static let afterDelivery = 30
        static let returnsNextDay = 10
        static let mercuryWithoutVSD = 10
        static let consignee = 30
    }

    func make(dayIndex: Int, day: CivilDate, ordinal: Int, sequence: Int) -> (order: Order, bill: GeneratedBill) {
        var random = SeededRandom(seed: seed, stream: UInt64(dayIndex), UInt64(ordinal), 1)
        let customers = world.customers
        let keyAccounts = max(1, customers.count / 5)
        let customerIndex = random.chance(50) ? random.int(0...keyAccounts - 1) : random.int(0...customers.count - 1)
        let customer = customers[customerIndex]
        let serial = pad(sequence, 6)
        let orderID = OrderID("ORD-\(day.year)-\(serial)")
        let billNumber = BillNumber("СЧ-\(serial)")

        let previousDay = day.adding(days: -1)
        let createdAt = Timestamp.moscow(previousDay, second: random.int(9 * 3600...21 * 3600 + 3599))

        let cancelled = random.chance(perMille: Share.cancelled)
        let delivered = !cancelled && !random.chance(perMille: Share.shippedNotDelivered)

        // Lines
        let count = random.chance(5) ? random.int(16...30) : 1 + random.coinFlips(12)
        var chosen: [Int] = []
        var taken = Set<Int>()
        let catalogue = Catalogue.products
        while chosen.count < count {
            let index = random.int(0...catalogue.count - 1)
            if taken.insert(index).inserted { chosen.append(index) }
        }
        var lines: [OrderLine] = []
        lines.reserveCapacity(count)
        var amount = Money.zero
        var vat = Money.zero
        for (offset, productIndex) in chosen.enumerated() {
            let product = catalogue[productIndex]
            let quantity: ExactDecimal
            if product.weighed {
                let grams = random.chance(60)
                    ? random.pick([500, 1_000, 1_500, 2_000, 2_500, 3_000, 5_000, 10_000])
                    : random.int(6...160) * 50
                quantity = ExactDecimal(units: Int64(grams), scale: 3)
            } else {
                quantity = ExactDecimal(Int64(random.chance(70) ? random.int(1...6) : random.pick([8, 10, 12, 20, 24, 30, 48])))
            }
            // Before 2026 the standard rate was 20 %: the rate must be valid on the bill's date.
            let rate = product.vatRate.isValid(on: previousDay) ? product.vatRate : .standard20
            let line = OrderLine(lineNo: offset + 1, sku: product.sku, name: product.name, gtin: product.gtin, unit: product.unit,
                                 quantity: quantity, price: product.price, vatRate: rate,
                                 weighed: product.weighed, mercury: product.mercury)
            let amounts = LineAmounts(quantity: quantity, unitPriceWithVAT: product.price, rate: rate)
            amount += amounts.total
            vat += amounts.vat
            lines.append(line)
        }

        let channel: PaymentChannel
        if customer.terms.payment == .postpaid {
            channel = .deferred
        } else {
            channel = random.chance(customer.providerPercent) ? .provider : .bank
        }
        let providerOrderID = channel == .provider ? ProviderOrderID(random.uuid()) : nil

        var consignee: Party?
        if customer.party.kind == .legal, random.chance(perMille: Share.consignee), let kpp = customer.party.kpp {
            var branch = customer.party
            branch.id = CustomerID(customer.party.id.rawValue + "-B")
            branch.name = customer.party.name + ", обособленное подразделение"
            branch.kpp = String(kpp.prefix(4)) + "02" + String(kpp.suffix(3))
            let place = Vocabulary.places.first { $0.regionCode == customer.party.address.regionCode } ?? Vocabulary.places[0]
            branch.address = World.makeAddress(place: place, random: &random)
            branch.bank = nil
            consignee = branch
        }

        // Shipments
        var shipments: [Shipment] = []
        var returns: [Return] = []
        var shippedAmount = Money.zero
        var returnsNextDay = false
        if !cancelled {
            var groups: [[Int]]
            if lines.count >= 2, random.chance(perMille: Share.twoWarehouses) {
                var first: [Int] = []
                var second: [Int] = []
                for index in lines.indices {
                    if random.chance(50) { first.append(index) } else { second.append(index) }
                }
                if first.isEmpty, let moved = second.popLast() { first.append(moved) }
                if second.isEmpty, let moved = first.popLast() { second.append(moved) }
                groups = [first, second]
            } else {
                groups = [Array(lines.indices)]
            }
            let firstWarehouse = random.chance(60) ? 0 : 1
            var departure = random.int(5 * 3600...11 * 3600 + 3599)
            for (groupIndex, group) in groups.enumerated() {
                let warehouse = world.warehouses[(firstWarehouse + groupIndex) % world.warehouses.count]
                let departedAt = Timestamp.moscow(day, second: departure)
                let deliveredAt = delivered ? Timestamp.moscow(day, second: departure + random.int(3600...6 * 3600)) : nil
                var shipmentLines: [ShipmentLine] = []
                for index in group {
                    let line = lines[index]
                    var quantity = line.quantity
                    if line.weighed {
                        // Weighed goods leave 1–5 % lighter than ordered.
                        let grams = max(1, (line.quantity.units * Int64(random.int(950...990)) + 999) / 1000)
                        quantity = ExactDecimal(units: grams, scale: 3)
                    }
                    let vsd = line.mercury ? [random.uuid()] : []
                    shipmentLines.append(ShipmentLine(lineNo: line.lineNo, quantity: quantity, vsd: vsd))
                }
                shipments.append(Shipment(id: ShipmentID("SH-\(serial)-\(groupIndex + 1)"), warehouse: warehouse,
                                          departedAt: departedAt, deliveredAt: deliveredAt, lines: shipmentLines))
                departure += random.int(0...3 * 3600)
            }

            // A mercury line that left without its ВСД.
            if random.chance(perMille: Share.mercuryWithoutVSD) {
                outer: for shipmentIndex in shipments.indices {
                    for lineIndex in shipments[shipmentIndex].lines.indices where !shipments[shipmentIndex].lines[lineIndex].vsd.isEmpty {
                        shipments[shipmentIndex].lines[lineIndex].vsd = []
                        break outer
                    }
                }
            }

            // Taken off the vehicle before departure: already subtracted from the shipment.
            if random.chance(perMille: Share.beforeDeparture) {
                let candidates = shipments.indices.flatMap { shipmentIndex in
                    shipments[shipmentIndex].lines.indices.compactMap { lineIndex -> (Int, Int)? in
                        let shipped = shipments[shipmentIndex].lines[lineIndex]
                        guard let line = lines.first(where: { $0.lineNo == shipped.lineNo }), !line.weighed,
                              shipped.quantity.units >= 2, shipped.quantity.scale == 0 else { return nil }
                        return (shipmentIndex, lineIndex)
                    }
                }
                if !candidates.isEmpty {
                    let (shipmentIndex, lineIndex) = random.pick(candidates)
                    let shipped = shipments[shipmentIndex].lines[lineIndex]
                    let takenOff = Int64(random.int(1...Int(shipped.quantity.units) - 1))
                    shipments[shipmentIndex].lines[lineIndex].quantity = ExactDecimal(shipped.quantity.units - takenOff)
                    let shipment = shipments[shipmentIndex]
                    let at = Timestamp(epochSeconds: shipment.departedAt.epochSeconds - Int64(random.int(10...90) * 60))
                    returns.append(Return(id: ReturnID("RT-\(serial)-\(returns.count + 1)"), shipmentID: shipment.id,
                                          stage: .beforeDeparture, at: at,
                                          reason: random.pick(Vocabulary.beforeDepartureReasons),
                                          lines: [ReturnLine(lineNo: shipped.lineNo, quantity: ExactDecimal(takenOff))]))
                }
            }

            for shipment in shipments {
                for shipped in shipment.lines {
                    if let line = lines.first(where: { $0.lineNo == shipped.lineNo }) {
                        shippedAmount += Money.multiply(line.price, by: shipped.quantity)
                    }
                }
            }

            if delivered, random.chance(perMille: Share.afterDelivery) {
                let back = afterDeliveryReturn(shipments: shipments, lines: lines, serial: serial, number: returns.count + 1,
                                               at: nil, random: &random)
                if let back {
                    returns.append(back.return)
                    shippedAmount -= back.value
                }
            } else if delivered, random.chance(perMille: Share.returnsNextDay) {
                returnsNextDay = true
            }
        }

        let status: OrderStatus = cancelled ? .cancelled : (delivered ? .delivered : .shipped)
        let order = Order(id: orderID, number: String(sequence), createdAt: createdAt, status: status,
                          bill: Bill(number: billNumber, date: previousDay, amount: amount),
                          providerOrderID: providerOrderID, customer: customer.party, consignee: consignee,
                          terms: customer.terms, lines: lines, shipments: shipments, returns: returns)
        let bill = GeneratedBill(orderID: orderID, sequence: sequence, number: billNumber, date: previousDay, amount: amount,
                                 vat: vat, shippedAmount: shippedAmount, customerID: customer.party.id,
                                 customerINN: customer.party.inn.value, channel: channel, providerOrderID: providerOrderID,
                                 cancelled: cancelled, createdAt: createdAt, shippedOn: day, customerIndex: customerIndex,
                                 returnsNextDay: returnsNextDay)
        return (order, bill)
    }

    /// The same order again on a later day, with a return after delivery recorded that day.
    func reissue(dayIndex: Int, day: CivilDate, ordinal: Int, sequence: Int, on later: CivilDate) -> Order? {
        var (order, _) = make(dayIndex: dayIndex, day: day, ordinal: ordinal, sequence: sequence)
        var random = SeededRandom(seed: seed, stream: UInt64(dayIndex), UInt64(ordinal), 2)
        let at = Timestamp.moscow(later, second: random.int(9 * 3600...17 * 3600))
        guard order.status == .delivered,
              let back = afterDeliveryReturn(shipments: order.shipments, lines: order.lines, serial: pad(sequence, 6),
                                             number: order.returns.count + 1, at: at, random: &random) else { return nil }
        order.returns.append(back.return)
        return order
    }

    /// Part of one delivered line comes back.
    private func afterDeliveryReturn(shipments: [Shipment], lines: [OrderLine], serial: String, number: Int, at: Timestamp?,
                                     random: inout SeededRandom) -> (return: Return, value: Money)? {
        let candidates = shipments.indices.flatMap { shipmentIndex in
            shipments[shipmentIndex].lines.indices.compactMap { lineIndex -> (Int, Int)? in
                shipments[shipmentIndex].lines[lineIndex].quantity.isPositive ? (shipmentIndex, lineIndex) : nil
            }
        }
        guard !candidates.isEmpty else { return nil }
        let (shipmentIndex, lineIndex) = random.pick(candidates)
        let shipment = shipments[shipmentIndex]
        let shipped = shipment.lines[lineIndex]
        guard let line = lines.first(where: { $0.lineNo == shipped.lineNo }), let delivered = shipment.deliveredAt else { return nil }
        let quantity: ExactDecimal
        if line.weighed {
            quantity = random.chance(50) ? shipped.quantity
                : ExactDecimal(units: max(1, shipped.quantity.units * Int64(random.int(10...90)) / 100), scale: 3)
        } else {
            quantity = ExactDecimal(Int64(random.int(1...Int(shipped.quantity.units))))
        }
        let when = at ?? Timestamp(epochSeconds: delivered.epochSeconds + Int64(random.int(5...90) * 60))
        let back = Return(id: ReturnID("RT-\(serial)-\(number)"), shipmentID: shipment.id, stage: .afterDelivery, at: when,
                          reason: random.pick(Vocabulary.afterDeliveryReasons),
                          lines: [ReturnLine(lineNo: line.lineNo, quantity: quantity)])
        return (back, Money.multiply(line.price, by: quantity))
    }
}

extension Timestamp {
    /// The instant `second` seconds after Moscow midnight of `day`, written with the Moscow offset.
    static func moscow(_ day: CivilDate, second: Int) -> Timestamp {
        Timestamp(epochSeconds: Int64(day.daysSinceEpoch) * 86_400 + Int64(second) - Int64(Timestamp.moscowOffsetSeconds))
    }
}
