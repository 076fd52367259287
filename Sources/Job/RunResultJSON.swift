import Domain

// A document's and a payment's entries in run.json write their own JSON (``DirectJSONEncodable``): members in
// `SortedJSONEncoder`'s key order, `nil` optionals left out — the bytes its `Codable`
// conformance gives (tested).
extension RunResult.DocumentEntry: DirectJSONEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("customer_inn", customerINN)
        json.member("date", date)
        json.member("file", file)
        json.member("kind", kind)
        json.member("number", number)
        json.member("order_id", ifPresent: orderID)
        json.member("paper_only", paperOnly)
        json.member("shipment_id", ifPresent: shipmentID)
        json.member("total", total)
        json.member("total_without_vat", totalWithoutVAT)
        json.member("vat", vat)
        json.endObject()
    }
}

extension RunResult.PaymentEntry: DirectJSONEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("allocations", allocations)
        json.member("amount", amount)
        json.member("id", id)
        json.member("payer_inn", ifPresent: payerINN)
        json.member("received_on", receivedOn)
        json.member("source", source)
        json.member("status", status)
        json.member("unallocated", unallocated)
        json.endObject()
    }
}

extension RunResult.PaymentEntry.State: DirectJSONEncodable {}

extension RunResult.PaymentEntry.AllocationEntry: DirectJSONEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("amount", amount)
        json.member("bill_number", billNumber)
        json.member("method", method)
        json.member("order_id", orderID)
        json.endObject()
    }
}
