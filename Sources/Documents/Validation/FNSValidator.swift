import Foundation
import XML

/// Validates FNS XML documents (УПД, УКД, акт сверки): well-formedness, the
/// declared encoding, the kind, the XSD chosen by `SchemaCatalog`, and a list of
/// `DocumentRule`s. Thread-safe; validate files concurrently if you like.
public struct FNSValidator: Sendable {
    /// Where the schemas come from.
    public let catalog: SchemaCatalog
    /// Rules applied to every well-formed document after the XSD.
    public let rules: [any DocumentRule]
    /// Largest file accepted, in bytes.
    public let maxBytes: Int
    /// Kinds recognised.
    public let kinds: [FNSFormat]

    /// The rules sverka applies by default: encoding, `@ИдФайл` prefix, file name, and the
    /// documents' beyond-XSD rules (Schematron conditions, arithmetic, requisites, dates…).
    public static var standardRules: [any DocumentRule] {
        [DeclaredEncodingRule(), FilePrefixRule(), FileNameRule()] + BeyondXSDRules.validationRules
    }

    /// Creates a validator.
    public init(catalog: SchemaCatalog, rules: [any DocumentRule] = FNSValidator.standardRules,
                kinds: [FNSFormat] = FNSFormat.all, maxBytes: Int = XDocument.defaultMaxBytes) {
        self.catalog = catalog
        self.rules = rules
        self.kinds = kinds
        self.maxBytes = maxBytes
    }

    /// Reads and validates a file; `displayName` (default: the path) names it in issues.
    /// - Throws: `ValidationSetupError` when the file cannot be read or no usable schema exists.
    public func validate(fileAt url: URL, displayName: String? = nil) throws(ValidationSetupError) -> ValidationReport {
        let name = displayName ?? url.path
        let bytes: [UInt8]
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? NSNumber, size.intValue > maxBytes {
                return ValidationReport(file: name, issues: [ValidationIssue(
                    rule: "well-formed", file: name, line: 0,
                    message: "file is \(size.intValue) bytes, more than the limit of \(maxBytes) bytes", severity: .fatal)])
            }
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw ValidationSetupError(file: name, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try validate(bytes: bytes, fileName: name)
    }

    /// Validates a document held in memory; `fileName` is used by the file-name rule.
    /// - Throws: `ValidationSetupError` when no usable schema exists for its kind.
    public func validate(bytes: [UInt8], fileName: String) throws(ValidationSetupError) -> ValidationReport {
        let document: XDocument
        do {
            document = try XDocument(bytes: bytes, fileName: fileName, maxBytes: maxBytes)
        } catch {
            return ValidationReport(file: fileName, issues: error.issues.map { ValidationIssue(rule: "well-formed", $0) })
        }
        var issues: [ValidationIssue] = []
        var kind: FNSFormat?
        var schemaName: String?
        switch FNSFormat.recognise(document, among: kinds) {
        case .success(let recognised):
            kind = recognised
            let (schema, file) = try catalog.schema(for: recognised)
            schemaName = file.lastPathComponent
            issues += schema.validate(document, fileName: fileName).map { ValidationIssue(rule: "xsd", $0) }
        case .failure(let failure):
            issues.append(ValidationIssue(rule: "kind", file: fileName, line: failure.line, message: failure.message))
        }
        let context = RuleContext(fileName: fileName, kind: kind)
        for rule in rules {
            issues += rule.check(document, context: context)
        }
        let ordered = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        return ValidationReport(file: fileName, kind: kind, schemaName: schemaName, issues: ordered)
    }
}
