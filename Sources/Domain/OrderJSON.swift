// The stored types of an order write their own JSON (``DirectJSONEncodable``): members in the
// order ``SortedJSONEncoder`` sorts their keys (UTF-8 bytes: capitals before small letters, a
// key before its longer extensions), optionals left out when `nil`.

/// Where the parts of an order that the ledger also stores on their own lie in the order's JSON,
/// as byte offsets into the buffer the order was written to. A part's bytes there are the part's
/// own JSON (compact JSON nests a value's bytes unchanged).
public struct OrderJSONLayout: Sendable {
    /// The customer (`Order.customer`).
    public var customer: Range<Int> = 0..<0
    /// Each shipment's warehouse, in the order's shipment order.
    public var warehouses: [Range<Int>] = []
    /// Each shipment line's ВСД list, by shipment then by line, in the order's order.
    public var vsd: [[Range<Int>]] = []

    /// An empty layout, filled by ``Order/writeJSON(to:layout:)``.
    public init() {}
}

extension Order: DirectJSONEncodable {
    /// Writes the order's JSON.
    public func writeJSON(to json: inout JSONBytes) {
        var layout: OrderJSONLayout?
        write(to: &json, layout: &layout)
    }

    /// Writes the order's JSON and notes in `layout` where its customer, its warehouses and its
    /// lines' ВСД lists were written.
    public func writeJSON(to json: inout JSONBytes, layout: inout OrderJSONLayout) {
        var recorded: OrderJSONLayout? = OrderJSONLayout()
        recorded?.warehouses.reserveCapacity(shipments.count)
        recorded?.vsd.reserveCapacity(shipments.count)
        write(to: &json, layout: &recorded)
        if let recorded { layout = recorded }
    }

    private func write(to json: inout JSONBytes, layout: inout OrderJSONLayout?) {
        json.beginObject()
        json.member("bill", bill)
        json.member("consignee", ifPresent: consignee)
        json.member("createdAt", createdAt)
        json.key("customer")
        let customerStart = json.count
        customer.writeJSON(to: &json)
        layout?.customer = customerStart..<json.count
        json.member("id", id)
        json.member("lines", lines)
        json.member("number", number)
        json.member("providerOrderID", ifPresent: providerOrderID)
        json.member("returns", returns)
        json.key("shipments")
        json.beginArray()
        for shipment in shipments {
            json.separator()
            shipment.write(to: &json, layout: &layout)
        }
        json.endArray()
        json.member("status", status)
        json.member("terms", terms)
        json.endObject()
    }
}

extension OrderStatus: DirectJSONEncodable {}
extension Terms.Payment: DirectJSONEncodable {}
extension Party.Kind: DirectJSONEncodable {}
extension Return.Stage: DirectJSONEncodable {}
extension VATRate: DirectJSONEncodable {}

extension Bill: DirectJSONEncodable {
    /// Writes `amount`, `date`, `number`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("amount", amount)
        json.member("date", date)
        json.member("number", number)
        json.endObject()
    }
}

extension Terms: DirectJSONEncodable {
    /// Writes `creditLimit`, `deferralDays`, `payment`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("creditLimit", creditLimit)
        json.member("deferralDays", deferralDays)
        json.member("payment", payment)
        json.endObject()
    }
}

extension Party: DirectJSONEncodable {
    /// Writes `address`, `bank`?, `edoID`?, `email`?, `id`, `inn`, `kind`, `kpp`?, `name`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("address", address)
        json.member("bank", ifPresent: bank)
        json.member("edoID", ifPresent: edoID)
        json.member("email", ifPresent: email)
        json.member("id", id)
        json.member("inn", inn)
        json.member("kind", kind)
        json.member("kpp", ifPresent: kpp)
        json.member("name", name)
        json.endObject()
    }
}

extension Address: DirectJSONEncodable {
    /// Writes `city`?, `flat`?, `house`?, `postalCode`?, `region`, `regionCode`, `street`?, `text`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("city", ifPresent: city)
        json.member("flat", ifPresent: flat)
        json.member("house", ifPresent: house)
        json.member("postalCode", ifPresent: postalCode)
        json.member("region", region)
        json.member("regionCode", regionCode)
        json.member("street", ifPresent: street)
        json.member("text", text)
        json.endObject()
    }
}

extension BankDetails: DirectJSONEncodable {
    /// Writes `account`, `bik`, `correspondentAccount`?, `name`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("account", account)
        json.member("bik", bik)
        json.member("correspondentAccount", ifPresent: correspondentAccount)
        json.member("name", name)
        json.endObject()
    }
}

extension MeasureUnit: DirectJSONEncodable {
    /// Writes `name`, `okei`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("name", name)
        json.member("okei", okei)
        json.endObject()
    }
}

extension OrderLine: DirectJSONEncodable {
    /// Writes `gtin`?, `lineNo`, `mercury`, `name`, `price`, `quantity`, `sku`, `unit`, `vatRate`, `weighed`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("gtin", ifPresent: gtin)
        json.member("lineNo", lineNo)
        json.member("mercury", mercury)
        json.member("name", name)
        json.member("price", price)
        json.member("quantity", quantity)
        json.member("sku", sku)
        json.member("unit", unit)
        json.member("vatRate", vatRate)
        json.member("weighed", weighed)
        json.endObject()
    }
}

extension Warehouse: DirectJSONEncodable {
    /// Writes `address`, `id`, `kpp`?, `name`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("address", address)
        json.member("id", id)
        json.member("kpp", ifPresent: kpp)
        json.member("name", name)
        json.endObject()
    }
}

extension Shipment: DirectJSONEncodable {
    /// Writes `deliveredAt`?, `departedAt`, `id`, `lines`, `warehouse`.
    public func writeJSON(to json: inout JSONBytes) {
        var layout: OrderJSONLayout?
        write(to: &json, layout: &layout)
    }

    /// Writes the shipment; with a layout, appends where its warehouse and its lines' ВСД lists went.
    fileprivate func write(to json: inout JSONBytes, layout: inout OrderJSONLayout?) {
        json.beginObject()
        json.member("deliveredAt", ifPresent: deliveredAt)
        json.member("departedAt", departedAt)
        json.member("id", id)
        json.key("lines")
        json.beginArray()
        if layout == nil {
            for line in lines {
                json.separator()
                line.writeJSON(to: &json)
            }
        } else {
            var vsd: [Range<Int>] = []
            vsd.reserveCapacity(lines.count)
            for line in lines {
                json.separator()
                vsd.append(line.write(to: &json))
            }
            layout?.vsd.append(vsd)
        }
        json.endArray()
        json.key("warehouse")
        let warehouseStart = json.count
        warehouse.writeJSON(to: &json)
        layout?.warehouses.append(warehouseStart..<json.count)
        json.endObject()
    }
}

extension ShipmentLine: DirectJSONEncodable {
    /// Writes `lineNo`, `quantity`, `vsd`.
    public func writeJSON(to json: inout JSONBytes) {
        _ = write(to: &json)
    }

    /// Writes the line and returns where its ВСД list went.
    fileprivate func write(to json: inout JSONBytes) -> Range<Int> {
        json.beginObject()
        json.member("lineNo", lineNo)
        json.member("quantity", quantity)
        json.key("vsd")
        let start = json.count
        vsd.writeJSON(to: &json)
        let range = start..<json.count
        json.endObject()
        return range
    }
}

extension Return: DirectJSONEncodable {
    /// Writes `at`, `id`, `lines`, `reason`, `shipmentID`, `stage`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("at", at)
        json.member("id", id)
        json.member("lines", lines)
        json.member("reason", reason)
        json.member("shipmentID", shipmentID)
        json.member("stage", stage)
        json.endObject()
    }
}

extension ReturnLine: DirectJSONEncodable {
    /// Writes `lineNo`, `quantity`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("lineNo", lineNo)
        json.member("quantity", quantity)
        json.endObject()
    }
}

extension LineAmounts: DirectJSONEncodable {
    /// Writes `quantity`, `rate`, `total`, `totalWithoutVAT`, `unitPriceWithVAT`, `unitPriceWithoutVAT`, `vat`.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("quantity", quantity)
        json.member("rate", rate)
        json.member("total", total)
        json.member("totalWithoutVAT", totalWithoutVAT)
        json.member("unitPriceWithVAT", unitPriceWithVAT)
        json.member("unitPriceWithoutVAT", unitPriceWithoutVAT)
        json.member("vat", vat)
        json.endObject()
    }
}

extension DocumentKind: DirectJSONEncodable {}
extension AllocationMethod: DirectJSONEncodable {}
