import Domain

extension DocumentLineRecord: DirectJSONEncodable {
    /// Writes `amounts`, `lineNo`: the bytes ``SortedJSONEncoder`` writes for the record.
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("amounts", amounts)
        json.member("lineNo", lineNo)
        json.endObject()
    }
}
