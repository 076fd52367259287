import Domain

// A manifest entry writes its own JSON (``DirectJSONEncodable``): members in `SortedJSONEncoder`'s
// key order, `nil` optionals left out — the bytes its `Codable` conformance gives (tested).
extension ManifestEntry: DirectJSONEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("buyer_inn", buyerINN)
        json.member("date", date)
        json.member("file", file)
        json.member("kind", kind)
        json.member("number", number)
        json.member("paper_only", paperOnly)
        json.member("print_form", ifPresent: printForm)
        json.member("sha256", sha256)
        json.member("signature", ifPresent: signature)
        json.member("total", total)
        json.member("total_without_vat", totalWithoutVAT)
        json.member("vat", vat)
        json.endObject()
    }
}
