import Domain

/// A source's URL with the business day (and page) left as placeholders:
/// `{date}` (YYYY-MM-DD), `{yyyyMMdd}`, `{ddMMyyyy}`, `{page}`, `{pageSize}`.
///
/// `https://shop.example/b2b/orders?date={date}&page={page}`,
/// `file:///srv/bank/kl_to_1c_{ddMMyyyy}.txt`.
public struct URLTemplate: Hashable, Sendable, CustomStringConvertible {
    /// The template as configured.
    public let text: String

    /// The placeholders sverka fills in.
    public static let placeholders = ["date", "yyyyMMdd", "ddMMyyyy", "page", "pageSize"]

    /// Checks the template: only known placeholders, braces balanced.
    public init(_ text: String) throws(URLTemplateError) {
        var index = text.startIndex
        while let open = text[index...].firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard text[open] == "{", let close = text[text.index(after: open)...].firstIndex(of: "}") else {
                throw URLTemplateError(reason: "unbalanced braces")
            }
            let name = String(text[text.index(after: open)..<close])
            guard URLTemplate.placeholders.contains(name) else {
                throw URLTemplateError(reason: "unknown placeholder {\(name)} (known: \(URLTemplate.placeholders.map { "{\($0)}" }.joined(separator: ", ")))")
            }
            index = text.index(after: close)
        }
        self.text = text
    }

    /// Whether the template pages (`{page}`): one request per page; otherwise one request.
    public var isPaged: Bool { text.contains("{page}") }

    /// The URL of `day` (and `page`, `pageSize` when the template has them).
    public func url(day: CivilDate, page: Int = 1, pageSize: Int? = nil) -> String {
        var result = text
        let values: [(String, String)] = [
            ("{date}", day.iso), ("{yyyyMMdd}", day.compact), ("{ddMMyyyy}", day.ddMMyyyy), ("{page}", String(page)),
            ("{pageSize}", pageSize.map(String.init) ?? ""),
        ]
        for (placeholder, value) in values { result = result.replacing(placeholder, with: value) }
        return result
    }

    /// The template as configured.
    public var description: String { text }
}

/// A URL template that cannot be used. It does not repeat the template, which may hold a secret.
public struct URLTemplateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why, in plain words.
    public var reason: String

    /// `URL template: <reason>`.
    public var description: String { "URL template: \(reason)" }
}
