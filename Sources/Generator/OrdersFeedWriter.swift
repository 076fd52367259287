import Domain

/// Writes the orders feed (contract: docs/orders-feed.md) for a `file://` source: one envelope with
/// `page` = `pages` = 1, one order per line, streamed order by order.
struct OrdersFeedWriter {
    private let sink: ByteSink
    private var first = true
    /// Encoded parties and warehouses, by id: the pool is small and every order repeats them.
    private var partyCache: [String: [UInt8]] = [:]
    private var warehouseCache: [String: [UInt8]] = [:]

    init(sink: ByteSink, businessDate: CivilDate) throws {
        self.sink = sink
        try sink.write("{\"business_date\":\"\(businessDate.iso)\",\"page\":1,\"pages\":1,\"orders\":[\n")
    }

    mutating func append(_ order: Order) throws {
        var json = JSONText(capacity: 2048 + order.lines.count * 256)
        if !first { json.raw(",\n") }
        first = false
        encode(order, into: &json)
        try sink.write(json.bytes)
    }

    func finish() throws {
        try sink.write("\n]}\n")
    }

    /// One order as a single line of JSON, keys in the contract's order.
    mutating func encode(_ order: Order, into json: inout JSONText) {
        json.raw("{")
        json.field("id", order.id.rawValue)
        json.raw(",")
        json.field("number", order.number)
        json.raw(",")
        json.field("created_at", order.createdAt.description)
        json.raw(",")
        json.field("status", order.status.rawValue)
        json.raw(",\"bill\":{")
        json.field("number", order.bill.number.rawValue)
        json.raw(",")
        json.field("date", order.bill.date.iso)
        json.raw(",")
        json.field("amount", order.bill.amount.description)
        json.raw("}")
        json.field("invoicebox_order_id", order.providerOrderID?.rawValue, comma: true)
        json.raw(",\"customer\":")
        json.raw(party(order.customer))
        if let consignee = order.consignee {
            json.raw(",\"consignee\":")
            var encoded = JSONText()
            OrdersFeedWriter.encode(consignee, into: &encoded)
            json.raw(encoded.bytes)
        }
        json.raw(",\"terms\":{")
        json.field("payment", order.terms.payment.rawValue)
        json.raw(",\"deferral_days\":\(order.terms.deferralDays),")
        json.field("credit_limit", order.terms.creditLimit.description)
        json.raw("},\"lines\":[")
        for (index, line) in order.lines.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"line_no\":\(line.lineNo),")
            json.field("sku", line.sku)
            json.raw(",")
            json.field("name", line.name)
            json.field("gtin", line.gtin, comma: true)
            json.raw(",\"unit\":{")
            json.field("okei", line.unit.okei)
            json.raw(",")
            json.field("name", line.unit.name)
            json.raw("},")
            json.field("quantity", line.quantity.description)
            json.raw(",")
            json.field("price", line.price.description)
            json.raw(",")
            json.field("vat_rate", line.vatRate.rawValue)
            json.raw(",\"weighed\":\(line.weighed),\"mercury\":\(line.mercury)}")
        }
        json.raw("],\"shipments\":[")
        for (index, shipment) in order.shipments.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.field("id", shipment.id.rawValue)
            json.raw(",\"warehouse\":")
            json.raw(warehouse(shipment.warehouse))
            json.raw(",")
            json.field("departed_at", shipment.departedAt.description)
            json.field("delivered_at", shipment.deliveredAt?.description, comma: true)
            json.raw(",\"lines\":[")
            for (lineIndex, line) in shipment.lines.enumerated() {
                if lineIndex > 0 { json.raw(",") }
                json.raw("{\"line_no\":\(line.lineNo),")
                json.field("quantity", line.quantity.description)
                if !line.vsd.isEmpty || order.line(line.lineNo)?.mercury == true {
                    json.raw(",\"vsd\":[")
                    for (vsdIndex, vsd) in line.vsd.enumerated() {
                        if vsdIndex > 0 { json.raw(",") }
                        json.string(vsd)
                    }
                    json.raw("]")
                }
                json.raw("}")
            }
            json.raw("]}")
        }
        json.raw("],\"returns\":[")
        for (index, back) in order.returns.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.field("id", back.id.rawValue)
            json.raw(",")
            json.field("shipment_id", back.shipmentID.rawValue)
            json.raw(",")
            json.field("stage", back.stage.rawValue)
            json.raw(",")
            json.field("at", back.at.description)
            json.raw(",")
            json.field("reason", back.reason)
            json.raw(",\"lines\":[")
            for (lineIndex, line) in back.lines.enumerated() {
                if lineIndex > 0 { json.raw(",") }
                json.raw("{\"line_no\":\(line.lineNo),")
                json.field("quantity", line.quantity.description)
                json.raw("}")
            }
            json.raw("]}")
        }
        json.raw("]}")
    }

    private mutating func party(_ party: Party) -> [UInt8] {
        if let cached = partyCache[party.id.rawValue] { return cached }
        var json = JSONText(capacity: 1024)
        OrdersFeedWriter.encode(party, into: &json)
        partyCache[party.id.rawValue] = json.bytes
        return json.bytes
    }

    private mutating func warehouse(_ warehouse: Warehouse) -> [UInt8] {
        if let cached = warehouseCache[warehouse.id.rawValue] { return cached }
        var json = JSONText(capacity: 512)
        json.raw("{")
        json.field("id", warehouse.id.rawValue)
        json.raw(",")
        json.field("name", warehouse.name)
        json.raw(",\"address\":")
        OrdersFeedWriter.encode(warehouse.address, into: &json)
        json.field("kpp", warehouse.kpp, comma: true)
        json.raw("}")
        warehouseCache[warehouse.id.rawValue] = json.bytes
        return json.bytes
    }

    static func encode(_ party: Party, into json: inout JSONText) {
        json.raw("{")
        json.field("id", party.id.rawValue)
        json.raw(",")
        json.field("kind", party.kind.rawValue)
        json.raw(",")
        json.field("name", party.name)
        json.raw(",")
        json.field("inn", party.inn.value)
        json.field("kpp", party.kpp, comma: true)
        json.raw(",\"address\":")
        encode(party.address, into: &json)
        if let bank = party.bank {
            json.raw(",\"bank\":{")
            json.field("bik", bank.bik)
            json.raw(",")
            json.field("account", bank.account)
            json.field("corr_account", bank.correspondentAccount, comma: true)
            json.raw(",")
            json.field("name", bank.name)
            json.raw("}")
        }
        json.field("email", party.email, comma: true)
        json.field("edo_id", party.edoID, comma: true)
        json.raw("}")
    }

    static func encode(_ address: Address, into json: inout JSONText) {
        json.raw("{")
        json.field("region_code", address.regionCode)
        json.raw(",")
        json.field("region", address.region)
        json.field("postal_code", address.postalCode, comma: true)
        json.field("city", address.city, comma: true)
        json.field("street", address.street, comma: true)
        json.field("house", address.house, comma: true)
        json.field("flat", address.flat, comma: true)
        json.raw(",")
        json.field("text", address.text)
        json.raw("}")
    }
}
