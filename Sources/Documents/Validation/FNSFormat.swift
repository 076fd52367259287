import XML

/// A kind of FNS document sverka can validate: title, file-name prefix, КНД and
/// format version (`Файл/@ВерсФорм`).
public struct FNSFormat: Sendable, Hashable, CustomStringConvertible {
    /// Human name, e.g. `УПД, титул продавца`.
    public let title: String
    /// The prefix of `@ИдФайл` and of schema file names, e.g. `ON_NSCHFDOPPR`.
    public let filePrefix: String
    /// Other `@ИдФайл` prefixes of the same format, e.g. 5.01's `ON_NSCHFDOPPRMARK`.
    public let alternativePrefixes: [String]
    /// `Документ/@КНД`, e.g. `1115131`.
    public let knd: String
    /// `Файл/@ВерсФорм`, e.g. `5.03`.
    public let formatVersion: String

    /// Creates a kind.
    public init(title: String, filePrefix: String, alternativePrefixes: [String] = [], knd: String, formatVersion: String) {
        self.title = title
        self.filePrefix = filePrefix
        self.alternativePrefixes = alternativePrefixes
        self.knd = knd
        self.formatVersion = formatVersion
    }

    /// `УПД, титул продавца 5.03 (ON_NSCHFDOPPR, КНД 1115131)`.
    public var description: String { "\(title) \(formatVersion) (\(filePrefix), КНД \(knd))" }

    /// Every `@ИдФайл` prefix this kind accepts.
    public var filePrefixes: [String] { [filePrefix] + alternativePrefixes }

    /// The two-digit version parts used in schema file names: `5.03` → `["05", "03"]`.
    public var schemaVersionParts: [String] {
        formatVersion.split(separator: ".").map { part in
            part.count == 1 ? "0\(part)" : String(part)
        }
    }

    /// УПД (счёт-фактура и документ об отгрузке), seller title, format 5.03 (order ЕД-7-26/970@).
    public static let updSeller503 = FNSFormat(
        title: "УПД, титул продавца", filePrefix: "ON_NSCHFDOPPR", knd: "1115131", formatVersion: "5.03")
    /// УПД seller title, format 5.01 (order ММВ-7-15/820@); `…MARK`/`…PROS` prefixes for marked/traceable goods.
    public static let updSeller501 = FNSFormat(
        title: "УПД, титул продавца", filePrefix: "ON_NSCHFDOPPR",
        alternativePrefixes: ["ON_NSCHFDOPPRMARK", "ON_NSCHFDOPPRPROS"], knd: "1115131", formatVersion: "5.01")
    /// УПД buyer title, format 5.03.
    public static let updBuyer503 = FNSFormat(
        title: "УПД, титул покупателя", filePrefix: "ON_NSCHFDOPPOK", knd: "1115132", formatVersion: "5.03")
    /// УПД buyer title, format 5.01.
    public static let updBuyer501 = FNSFormat(
        title: "УПД, титул покупателя", filePrefix: "ON_NSCHFDOPPOK",
        alternativePrefixes: ["ON_NSCHFDOPPOKMARK", "ON_NSCHFDOPPOKPROS"], knd: "1115132", formatVersion: "5.01")
    /// УКД (корректировочный счёт-фактура), seller title, format 5.01 (ЕД-7-26/736@).
    /// The КНД 1115127 comes from third-party code and is unverified (see FORMAT-NOTES).
    public static let ukdSeller501 = FNSFormat(
        title: "УКД, титул продавца", filePrefix: "ON_NKORSCHFDOPPR",
        alternativePrefixes: ["ON_NKORSCHFDOPPRMARK"], knd: "1115127", formatVersion: "5.01")
    /// Акт сверки взаимных расчётов, sender title, format 5.01.
    public static let reconciliationAct501 = FNSFormat(
        title: "Акт сверки, титул отправителя", filePrefix: "ON_AKTSVEROTP", knd: "1110332", formatVersion: "5.01")

    /// Every kind sverka knows.
    public static let all: [FNSFormat] = [
        updSeller503, updSeller501, updBuyer503, updBuyer501, ukdSeller501, reconciliationAct501,
    ]

    /// The prefix part of an `@ИдФайл`: its first two `_`-separated parts (`ON_NSCHFDOPPR`).
    public static func idPrefix(of fileID: String) -> String {
        fileID.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false).prefix(2).joined(separator: "_")
    }

    /// Recognises a document by its root `Файл`, `Файл/@ВерсФорм`, `Документ/@КНД` and
    /// the `@ИдФайл` prefix. КНД and version decide; when КНД is missing or unknown,
    /// the `@ИдФайл` prefix and version decide.
    ///
    /// - Returns: the kind, or a message saying why the document is not recognised.
    public static func recognise(_ document: XDocument, among kinds: [FNSFormat] = all) -> Result<FNSFormat, RecognitionFailure> {
        guard let root = document.root else {
            return .failure(RecognitionFailure(line: 0, message: "the document has no root element"))
        }
        guard root.name == "Файл", root.namespaceURI == nil else {
            return .failure(RecognitionFailure(
                line: root.line,
                message: "root element is <\(root.qualifiedName)>, not <Файл>: not an FNS document"))
        }
        let version = root.attribute("ВерсФорм")
        let knd = root.child(named: "Документ")?.attribute("КНД")
        let prefix = root.attribute("ИдФайл").map(idPrefix(of:))
        let sameVersion = kinds.filter { $0.formatVersion == version }
        if let knd {
            let byKND = sameVersion.filter { $0.knd == knd }
            if byKND.count == 1 { return .success(byKND[0]) }
            if let prefix, let match = byKND.first(where: { $0.filePrefixes.contains(prefix) }) {
                return .success(match)
            }
        }
        if let prefix, let match = sameVersion.first(where: { $0.filePrefixes.contains(prefix) }) {
            return .success(match)
        }
        let known = kinds.map { "\($0.filePrefix) \($0.formatVersion)" }.joined(separator: ", ")
        return .failure(RecognitionFailure(
            line: root.line,
            message: "unknown document kind (ВерсФорм=\(version.map { "'\($0)'" } ?? "absent"), "
                + "КНД=\(knd.map { "'\($0)'" } ?? "absent"), ИдФайл prefix=\(prefix.map { "'\($0)'" } ?? "absent")); "
                + "known kinds: \(known)"))
    }
}

/// Why a document was not recognised as a known kind.
public struct RecognitionFailure: Error, Sendable, Hashable {
    /// Line of the root element (0 when there is none).
    public let line: Int
    /// The explanation.
    public let message: String
}
