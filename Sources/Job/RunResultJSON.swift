import Domain

// A document's entry in run.json writes its own JSON (``DirectJSONEncodable``): members in
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
