// The compact binary form of a payment, for keeping a day's payments in a temporary file and reading
// them back a block at a time (the day's write, the matcher). Not an interchange format: a file is
// read by the process that wrote it.
//
// A payment is its stored fields in declaration order, in OrderBinary.swift's primitives (strings a
// varint byte length and UTF-8, money and days zig-zag varints, an optional a presence byte then the
// value, the source one tag byte), then the allocations written with it (a varint count, then each
// allocation's payment id, order id, bill number, kopecks and method tag). Its record as the source
// gave it (`raw`) is written last only when asked for (the payments as the sources' readers keep them
// aside); the day's own payments' file keeps the records in a file of their own.

extension Payment {
    /// Appends the payment's binary form, with `allocations` (those the ledger already holds for it,
    /// for the matcher), to `bytes`; read back with ``decodeBinary(_:withRecords:)``. `raw` is written
    /// last with `withRecord` only.
    public func appendBinary(to bytes: inout [UInt8], allocations: [Allocation] = [], withRecord: Bool = false) {
        bytes.appendString(id.rawValue)
        bytes.append(source.binaryTag)
        receivedOn.appendBinary(to: &bytes)
        bytes.appendSigned(amount.kopecks)
        bytes.appendOptionalString(payerINN)
        bytes.appendOptionalString(payerName)
        bytes.appendString(purpose)
        bytes.appendOptionalString(documentNumber)
        if let documentDate {
            bytes.append(1)
            documentDate.appendBinary(to: &bytes)
        } else {
            bytes.append(0)
        }
        bytes.appendOptionalString(providerOrderID?.rawValue)
        bytes.appendOptionalString(merchantOrderID)
        bytes.appendVarint(UInt64(allocations.count))
        for allocation in allocations {
            bytes.appendString(allocation.paymentID.rawValue)
            bytes.appendString(allocation.orderID.rawValue)
            bytes.appendString(allocation.billNumber.rawValue)
            bytes.appendSigned(allocation.amount.kopecks)
            bytes.append(allocation.method.binaryTag)
        }
        if withRecord { bytes.appendString(raw) }
    }

    /// Every payment in `bytes`, one after another as ``appendBinary(to:allocations:withRecord:)`` wrote
    /// them, each with its allocations (its `raw` empty unless `withRecords`: they were written with theirs).
    ///
    /// Throws when the bytes end early or a field is malformed, naming the payment's place and field.
    public static func decodeBinary(_ bytes: [UInt8],
                                    withRecords: Bool = false) throws(OrderBinaryError) -> [(payment: Payment, allocations: [Allocation])] {
        let result: Result<[(payment: Payment, allocations: [Allocation])], OrderBinaryError> = bytes.withUnsafeBytes { buffer in
            var reader = BinaryReader(buffer)
            var payments: [(payment: Payment, allocations: [Allocation])] = []
            while !reader.isAtEnd {
                do throws(OrderBinaryError) {
                    payments.append(try Payment.read(&reader, withRecord: withRecords))
                } catch {
                    return .failure(error.inside("payment[\(payments.count)]"))
                }
            }
            return .success(payments)
        }
        return try result.get()
    }

    private static func read(_ reader: inout BinaryReader,
                             withRecord: Bool) throws(OrderBinaryError) -> (payment: Payment, allocations: [Allocation]) {
        var payment = Payment(
            id: PaymentID(try reader.string("id")), source: try reader.tag("source", Source.init(binaryTag:)),
            receivedOn: try reader.civilDate("receivedOn"), amount: try reader.money("amount"),
            payerINN: try reader.optionalString("payerINN"), payerName: try reader.optionalString("payerName"),
            purpose: try reader.string("purpose"), documentNumber: try reader.optionalString("documentNumber"),
            documentDate: try reader.optional("documentDate") { (reader: inout BinaryReader) throws(OrderBinaryError) in
                try reader.civilDate("documentDate")
            },
            providerOrderID: try reader.optionalString("providerOrderID").map { ProviderOrderID($0) },
            merchantOrderID: try reader.optionalString("merchantOrderID"), raw: "")
        let allocations = try reader.array("allocations", minimumElementSize: 5) { (reader: inout BinaryReader) throws(OrderBinaryError) in
            Allocation(paymentID: PaymentID(try reader.string("paymentID")), orderID: OrderID(try reader.string("orderID")),
                       billNumber: BillNumber(try reader.string("billNumber")), amount: try reader.money("amount"),
                       method: try reader.tag("method", AllocationMethod.init(binaryTag:)))
        }
        if withRecord { payment.raw = try reader.string("raw") }
        return (payment, allocations)
    }
}

extension Payment.Source: BinaryTagged {
    static let binaryCases: [Payment.Source] = [.invoicebox, .bank1C, .camt053]
}

extension AllocationMethod: BinaryTagged {
    static let binaryCases: [AllocationMethod] = [.pin, .provider, .reference, .innExactAmount, .innSubset,
                                                  .innOldestFirst, .customerCredit]
}
