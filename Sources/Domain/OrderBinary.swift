// The compact binary form of an order, for spilling a day's orders to a temporary file and reading
// them back a block at a time. Not an interchange format: a file is read by the build that wrote it
// (the first byte of every order is the format byte, and another is refused).
//
// An order is: the format byte, its body's length as a little-endian UInt32, then the body: every
// stored field in declaration order. Strings are a varint byte length and UTF-8; integers, money
// (kopecks), decimal units, timestamps and days are zig-zag varints; a decimal's scale, enums
// (explicit tags) and booleans are one byte; an optional is a presence byte (0/1) then the value;
// an array is a varint count then the elements. A customer, consignee or warehouse is preceded by
// its length (a varint), so a decoder can share one value per distinct party (OrderBinarySharing).

extension Order {
    /// The byte every binary order starts with: format 2 of this layout (1 had no length before parties).
    public static let binaryFormatVersion: UInt8 = 0xA2

    /// Appends the order's binary form (read back with ``init(binary:)``) to `bytes`.
    ///
    /// An order's body must be under 4 GiB (a day's order is a few kilobytes).
    public func appendBinary(to bytes: inout [UInt8]) {
        bytes.append(Order.binaryFormatVersion)
        let lengthAt = bytes.count
        bytes.append(contentsOf: [0, 0, 0, 0] as [UInt8])
        writeBody(to: &bytes)
        let length = UInt32(truncatingIfNeeded: bytes.count - lengthAt - 4)
        precondition(Int(length) == bytes.count - lengthAt - 4, "an order's binary form must be under 4 GiB")
        bytes[lengthAt] = UInt8(truncatingIfNeeded: length)
        bytes[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[lengthAt + 3] = UInt8(truncatingIfNeeded: length >> 24)
    }

    /// The order's binary form alone.
    public var binary: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        appendBinary(to: &bytes)
        return bytes
    }

    /// Reads the next order from `reader` (written by ``appendBinary(to:)``) and moves past it.
    ///
    /// Throws when the format byte is not this build's, the bytes end early, or any field is
    /// malformed; the reader is then left where it was.
    public init(binary reader: inout BinaryReader) throws(OrderBinaryError) {
        var header = reader
        let start = header.offset
        let version = try header.byte("order")
        guard version == Order.binaryFormatVersion else {
            throw OrderBinaryError(field: "order", offset: start, reason: .unsupportedVersion(version))
        }
        let declared = Int(try header.fixedUInt32("order.length"))
        guard declared <= header.remaining else {
            throw OrderBinaryError(field: "order", offset: start, reason: .truncated(needed: declared, available: header.remaining))
        }
        var body = header.limited(to: declared)
        let bodyStart = body.offset
        do { self = try Order.readBody(&body) } catch { throw error.inside("order") }
        guard body.isAtEnd else {
            throw OrderBinaryError(field: "order", offset: start,
                                   reason: .lengthMismatch(declared: declared, used: body.offset - bodyStart))
        }
        reader.advance(to: body.offset)
    }

    /// Every order in `buffer`, one after another as ``appendBinary(to:)`` wrote them, decoded in
    /// place (no copy of the buffer); with `sharing`, equal parties and warehouses share one value.
    public static func decodeBinary(_ buffer: UnsafeRawBufferPointer,
                                    sharing: OrderBinarySharing? = nil) throws(OrderBinaryError) -> [Order] {
        var reader = BinaryReader(buffer, sharing: sharing)
        var orders: [Order] = []
        while !reader.isAtEnd {
            orders.append(try Order(binary: &reader))
        }
        return orders
    }

    /// Every order in `bytes`, one after another as ``appendBinary(to:)`` wrote them; with `sharing`,
    /// equal parties and warehouses share one value.
    public static func decodeBinary(_ bytes: [UInt8], sharing: OrderBinarySharing? = nil) throws(OrderBinaryError) -> [Order] {
        let result: Result<[Order], OrderBinaryError> = bytes.withUnsafeBytes { buffer in
            do throws(OrderBinaryError) { return .success(try decodeBinary(buffer, sharing: sharing)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    // MARK: Body

    private func writeBody(to bytes: inout [UInt8]) {
        bytes.appendString(id.rawValue)
        bytes.appendString(number)
        createdAt.appendBinary(to: &bytes)
        bytes.append(status.binaryTag)
        bytes.appendString(bill.number.rawValue)
        bill.date.appendBinary(to: &bytes)
        bytes.appendSigned(bill.amount.kopecks)
        bytes.appendOptionalString(providerOrderID?.rawValue)
        bytes.appendLengthPrefixed(customer.appendBinary)
        if let consignee {
            bytes.append(1)
            bytes.appendLengthPrefixed(consignee.appendBinary)
        } else {
            bytes.append(0)
        }
        bytes.append(terms.payment.binaryTag)
        bytes.appendSigned(Int64(terms.deferralDays))
        bytes.appendSigned(terms.creditLimit.kopecks)
        bytes.appendVarint(UInt64(lines.count))
        for line in lines { line.appendBinary(to: &bytes) }
        bytes.appendVarint(UInt64(shipments.count))
        for shipment in shipments { shipment.appendBinary(to: &bytes) }
        bytes.appendVarint(UInt64(returns.count))
        for item in returns { item.appendBinary(to: &bytes) }
    }

    private static func readBody(_ reader: inout BinaryReader) throws(OrderBinaryError) -> Order {
        let id = OrderID(try reader.string("id"))
        let number = try reader.string("number")
        let createdAt = try reader.timestamp("createdAt")
        let status = try reader.tag("status", OrderStatus.init(binaryTag:))
        let bill = try reader.nested("bill") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            Bill(number: BillNumber(try reader.string("number")), date: try reader.civilDate("date"), amount: try reader.money("amount"))
        }
        let providerOrderID = try reader.optionalString("providerOrderID").map { ProviderOrderID($0) }
        let customer = try reader.shared("customer", in: \.parties, Party.readBinary)
        let consignee = try reader.optional("consignee") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            try reader.shared("consignee", in: \.parties, Party.readBinary)
        }
        let terms = try reader.nested("terms") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            Terms(payment: try reader.tag("payment", Terms.Payment.init(binaryTag:)), deferralDays: try reader.int("deferralDays"),
                  creditLimit: try reader.money("creditLimit"))
        }
        let lines = try reader.array("lines", minimumElementSize: 12, OrderLine.readBinary)
        let shipments = try reader.array("shipments", minimumElementSize: 16, Shipment.readBinary)
        let returns = try reader.array("returns", minimumElementSize: 8, Return.readBinary)
        return Order(id: id, number: number, createdAt: createdAt, status: status, bill: bill, providerOrderID: providerOrderID,
                     customer: customer, consignee: consignee, terms: terms, lines: lines, shipments: shipments, returns: returns)
    }
}

// MARK: - Parts

extension Party {
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendString(id.rawValue)
        bytes.append(kind.binaryTag)
        bytes.appendString(name)
        bytes.appendString(inn.value)
        bytes.appendOptionalString(kpp)
        address.appendBinary(to: &bytes)
        if let bank {
            bytes.append(1)
            bytes.appendString(bank.bik)
            bytes.appendString(bank.account)
            bytes.appendOptionalString(bank.correspondentAccount)
            bytes.appendString(bank.name)
        } else {
            bytes.append(0)
        }
        bytes.appendOptionalString(email)
        bytes.appendOptionalString(edoID)
    }

    fileprivate static func readBinary(_ reader: inout BinaryReader) throws(OrderBinaryError) -> Party {
        let id = CustomerID(try reader.string("id"))
        let kind = try reader.tag("kind", Party.Kind.init(binaryTag:))
        let name = try reader.string("name")
        let inn = try reader.inn("inn")
        let kpp = try reader.optionalString("kpp")
        let address = try reader.nested("address", Address.readBinary)
        let bank = try reader.optional("bank") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            try reader.nested("bank") { (reader: inout BinaryReader) throws(OrderBinaryError) in
                BankDetails(bik: try reader.string("bik"), account: try reader.string("account"),
                            correspondentAccount: try reader.optionalString("correspondentAccount"), name: try reader.string("name"))
            }
        }
        let email = try reader.optionalString("email")
        let edoID = try reader.optionalString("edoID")
        return Party(id: id, kind: kind, name: name, inn: inn, kpp: kpp, address: address, bank: bank, email: email, edoID: edoID)
    }
}

extension Address {
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendString(regionCode)
        bytes.appendString(region)
        bytes.appendOptionalString(postalCode)
        bytes.appendOptionalString(city)
        bytes.appendOptionalString(street)
        bytes.appendOptionalString(house)
        bytes.appendOptionalString(flat)
        bytes.appendString(text)
    }

    fileprivate static func readBinary(_ reader: inout BinaryReader) throws(OrderBinaryError) -> Address {
        Address(regionCode: try reader.string("regionCode"), region: try reader.string("region"),
                postalCode: try reader.optionalString("postalCode"), city: try reader.optionalString("city"),
                street: try reader.optionalString("street"), house: try reader.optionalString("house"),
                flat: try reader.optionalString("flat"), text: try reader.string("text"))
    }
}

extension OrderLine {
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendSigned(Int64(lineNo))
        bytes.appendString(sku)
        bytes.appendString(name)
        bytes.appendOptionalString(gtin)
        bytes.appendString(unit.okei)
        bytes.appendString(unit.name)
        quantity.appendBinary(to: &bytes)
        bytes.appendSigned(price.kopecks)
        bytes.append(vatRate.binaryTag)
        bytes.appendBool(weighed)
        bytes.appendBool(mercury)
    }

    fileprivate static func readBinary(_ reader: inout BinaryReader) throws(OrderBinaryError) -> OrderLine {
        let lineNo = try reader.int("lineNo")
        let sku = try reader.string("sku")
        let name = try reader.string("name")
        let gtin = try reader.optionalString("gtin")
        let unit = try reader.nested("unit") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            MeasureUnit(okei: try reader.string("okei"), name: try reader.string("name"))
        }
        return OrderLine(lineNo: lineNo, sku: sku, name: name, gtin: gtin, unit: unit, quantity: try reader.decimal("quantity"),
                         price: try reader.money("price"), vatRate: try reader.tag("vatRate", VATRate.init(binaryTag:)),
                         weighed: try reader.bool("weighed"), mercury: try reader.bool("mercury"))
    }
}

extension Shipment {
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendString(id.rawValue)
        bytes.appendLengthPrefixed { bytes in
            bytes.appendString(warehouse.id.rawValue)
            bytes.appendString(warehouse.name)
            warehouse.address.appendBinary(to: &bytes)
            bytes.appendOptionalString(warehouse.kpp)
        }
        departedAt.appendBinary(to: &bytes)
        if let deliveredAt {
            bytes.append(1)
            deliveredAt.appendBinary(to: &bytes)
        } else {
            bytes.append(0)
        }
        bytes.appendVarint(UInt64(lines.count))
        for line in lines {
            bytes.appendSigned(Int64(line.lineNo))
            line.quantity.appendBinary(to: &bytes)
            bytes.appendVarint(UInt64(line.vsd.count))
            for vsd in line.vsd { bytes.appendString(vsd) }
        }
    }

    fileprivate static func readBinary(_ reader: inout BinaryReader) throws(OrderBinaryError) -> Shipment {
        let id = ShipmentID(try reader.string("id"))
        let warehouse = try reader.shared("warehouse", in: \.warehouses) { (reader: inout BinaryReader) throws(OrderBinaryError) in
            Warehouse(id: WarehouseID(try reader.string("id")), name: try reader.string("name"),
                      address: try reader.nested("address", Address.readBinary), kpp: try reader.optionalString("kpp"))
        }
        let departedAt = try reader.timestamp("departedAt")
        let deliveredAt = try reader.optional("deliveredAt") { (reader: inout BinaryReader) throws(OrderBinaryError) in
            try reader.timestamp("deliveredAt")
        }
        let lines = try reader.array("lines", minimumElementSize: 4) { (reader: inout BinaryReader) throws(OrderBinaryError) in
            ShipmentLine(lineNo: try reader.int("lineNo"), quantity: try reader.decimal("quantity"),
                         vsd: try reader.array("vsd", minimumElementSize: 1) { (reader: inout BinaryReader) throws(OrderBinaryError) in
                             try reader.string("")
                         })
        }
        return Shipment(id: id, warehouse: warehouse, departedAt: departedAt, deliveredAt: deliveredAt, lines: lines)
    }
}

extension Return {
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendString(id.rawValue)
        bytes.appendString(shipmentID.rawValue)
        bytes.append(stage.binaryTag)
        at.appendBinary(to: &bytes)
        bytes.appendString(reason)
        bytes.appendVarint(UInt64(lines.count))
        for line in lines {
            bytes.appendSigned(Int64(line.lineNo))
            line.quantity.appendBinary(to: &bytes)
        }
    }

    fileprivate static func readBinary(_ reader: inout BinaryReader) throws(OrderBinaryError) -> Return {
        Return(id: ReturnID(try reader.string("id")), shipmentID: ShipmentID(try reader.string("shipmentID")),
               stage: try reader.tag("stage", Return.Stage.init(binaryTag:)), at: try reader.timestamp("at"),
               reason: try reader.string("reason"),
               lines: try reader.array("lines", minimumElementSize: 3) { (reader: inout BinaryReader) throws(OrderBinaryError) in
                   ReturnLine(lineNo: try reader.int("lineNo"), quantity: try reader.decimal("quantity"))
               })
    }
}

// MARK: - Scalars

extension Timestamp {
    /// Seconds since the epoch, then the offset, as zig-zag varints.
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendSigned(epochSeconds)
        bytes.appendSigned(Int64(offsetSeconds))
    }
}

extension CivilDate {
    /// Days since 1970-01-01 as a zig-zag varint.
    public func appendBinary(to bytes: inout [UInt8]) {
        bytes.appendSigned(Int64(daysSinceEpoch))
    }

    /// The days (either way from the epoch) a `CivilDate` holds.
    static let binaryDayRange = Int64(daysSinceEpochRange.lowerBound)...Int64(daysSinceEpochRange.upperBound)
}

extension ExactDecimal {
    /// The scale in one byte, then the units as a zig-zag varint.
    fileprivate func appendBinary(to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: scale))
        bytes.appendSigned(units)
    }
}

extension BinaryReader {
    public mutating func money(_ field: StaticString) throws(OrderBinaryError) -> Money {
        Money(kopecks: try signed(field))
    }

    fileprivate mutating func timestamp(_ field: StaticString) throws(OrderBinaryError) -> Timestamp {
        let epochSeconds = try signed(field)
        let start = offset
        let offsetValue = try signed(field)
        guard let offsetSeconds = Int32(exactly: offsetValue) else {
            throw error(field, at: start, .outOfRange("UTC offset \(offsetValue) s"))
        }
        return Timestamp(epochSeconds: epochSeconds, offsetSeconds: offsetSeconds)
    }

    public mutating func civilDate(_ field: StaticString) throws(OrderBinaryError) -> CivilDate {
        let start = offset
        let days = try signed(field)
        guard CivilDate.binaryDayRange.contains(days) else { throw error(field, at: start, .outOfRange("day \(days)")) }
        return CivilDate(daysSinceEpoch: Int(days))
    }

    fileprivate mutating func decimal(_ field: StaticString) throws(OrderBinaryError) -> ExactDecimal {
        let start = offset
        let scale = Int(try byte(field))
        guard scale <= ExactDecimal.maximumScale else { throw error(field, at: start, .outOfRange("decimal scale \(scale)")) }
        return ExactDecimal(units: try signed(field), scale: scale)
    }

    fileprivate mutating func inn(_ field: StaticString) throws(OrderBinaryError) -> INN {
        let start = offset
        let text = try string(field)
        do { return try INN(text) } catch { throw self.error(field, at: start, .invalidValue(error.description)) }
    }

    /// An enum's one-byte tag, mapped by `make` (`nil` for a tag no case has).
    mutating func tag<Value>(_ field: StaticString, _ make: (UInt8) -> Value?) throws(OrderBinaryError) -> Value {
        let start = offset
        let raw = try byte(field)
        guard let value = make(raw) else { throw error(field, at: start, .badTag(raw)) }
        return value
    }
}

// MARK: - Enum tags (fixed: never reorder a list, add new cases at its end)

/// An enum written as one byte: its place in `binaryCases`, a list fixed once and for all (a case's
/// tag never changes; new cases go at the end).
protocol BinaryTagged: Equatable {
    static var binaryCases: [Self] { get }
}

extension BinaryTagged {
    var binaryTag: UInt8 {
        guard let index = Self.binaryCases.firstIndex(of: self) else {
            preconditionFailure("\(self) is missing from \(Self.self).binaryCases")
        }
        return UInt8(index)
    }

    init?(binaryTag: UInt8) {
        guard Int(binaryTag) < Self.binaryCases.count else { return nil }
        self = Self.binaryCases[Int(binaryTag)]
    }
}

extension OrderStatus: BinaryTagged {
    static let binaryCases: [OrderStatus] = [.shipped, .delivered, .cancelled]
}

extension Terms.Payment: BinaryTagged {
    static let binaryCases: [Terms.Payment] = [.prepaid, .postpaid]
}

extension Party.Kind: BinaryTagged {
    static let binaryCases: [Party.Kind] = [.legal, .soleTrader]
}

extension Return.Stage: BinaryTagged {
    static let binaryCases: [Return.Stage] = [.beforeDeparture, .afterDelivery]
}

extension VATRate: BinaryTagged {
    static let binaryCases: [VATRate] = [
        .standard22, .standard20, .reduced10, .zero, .exempt, .calculated22, .calculated20, .calculated10,
    ]
}
