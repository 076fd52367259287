import Domain

/// Writes the provider's order list (ИнвойсБокс API v3 envelope `{"data":[…],"metaData":{…}}`).
enum InvoiceboxWriter {
    static func write(_ records: [ProviderRecord], to sink: ByteSink) throws {
        try sink.write("{\"data\":[\n")
        for (index, record) in records.enumerated() {
            try sink.write((index > 0 ? ",\n" : "") + json(record))
        }
        try sink.write("\n],\"metaData\":{\"totalCount\":\(records.count),\"page\":1,\"pageSize\":\(max(100, records.count))}}\n")
    }

    /// One provider order as a line of JSON (amounts as JSON numbers, the way the provider writes them).
    static func json(_ record: ProviderRecord) -> String {
        var json = JSONText(capacity: 700)
        json.raw("{")
        json.field("id", record.id)
        json.raw(",")
        json.field("description", record.description)
        json.raw(",\"currencyId\":\"RUB\",\"amount\":\(number(record.amount)),\"vatAmount\":\(number(record.vat)),")
        json.field("status", record.status.rawValue)
        json.raw(",")
        json.field("createdAt", record.createdAt.description)
        json.raw(",")
        json.field("merchantOrderId", record.merchantOrderID)
        json.raw(",")
        json.field("expirationDate", Timestamp(epochSeconds: record.createdAt.epochSeconds + 3 * 86_400).description)
        json.raw(",")
        json.field("paymentUrl", "https://go.invoicebox.ru/order/\(record.id)")
        json.field("paidAt", record.paidAt?.description, comma: true)
        json.raw(",\"customer\":{\"type\":\"legal\",")
        json.field("name", record.customerName)
        json.raw(",")
        json.field("vatNumber", record.customerINN)
        json.raw(",")
        json.field("email", record.customerEmail ?? "")
        json.raw("}}")
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Money as the provider's JSON number: `2429.73`, `6583.5`, `1250`.
    static func number(_ amount: Money) -> String {
        let text = amount.description
        if text.hasSuffix(".00") { return String(text.dropLast(3)) }
        if text.hasSuffix("0") { return String(text.dropLast()) }
        return text
    }
}
