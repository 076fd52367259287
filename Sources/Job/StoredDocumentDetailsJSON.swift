import Documents
import Domain

extension StoredDocumentDetails: DirectJSONEncodable {
    /// Writes `buyerName`, `correctionDate`?, `lines`, `paperOnly`, `printForm`?, `printFormName`?:
    /// the bytes ``SortedJSONEncoder`` (and `JSONEncoder` with `.sortedKeys`) writes for the details.
    func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("buyerName", buyerName)
        json.member("correctionDate", ifPresent: correctionDate)
        json.member("lines", lines)
        json.member("paperOnly", paperOnly)
        json.member("printForm", ifPresent: printForm)
        json.member("printFormName", ifPresent: printFormName)
        json.endObject()
    }
}
