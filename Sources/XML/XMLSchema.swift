import CXMLBridge
import Foundation

/// A compiled W3C XML Schema (XSD), compiled once and shared.
///
/// `Sendable` is sound here: the libxml2 `xmlSchema` is never mutated after
/// `init` returns (no API of this type changes it), libxml2 documents a
/// compiled schema as shareable between threads, and every `validate` call
/// creates its own validation context (with its own dictionary and error
/// handler) and works on a document owned by the calling task. The schema is
/// freed only in `deinit`, when no task can hold it any more.
public final class XMLSchema: @unchecked Sendable {
    /// The path the schema was compiled from.
    public let path: String
    private let handle: OpaquePointer

    /// Compiles the XSD at `url`; `xs:include`/`xs:import` resolve relative to it.
    /// Files may use any encoding libxml2 knows (FNS XSDs are windows-1251).
    /// - Throws: `XMLError` of kind `.schema` listing every compile error.
    public init(contentsOf url: URL) throws(XMLError) {
        ensureLibXML2()
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw XMLError(kind: .schema, source: path, message: "schema file not found or unreadable")
        }
        var raw = sxb_issues()
        let compiled = path.withCString { sxb_schema_compile($0, &raw) }
        let issues = takeIssues(&raw, file: path, minimumLevel: 2)
        guard let compiled, issues.isEmpty else {
            if let compiled { sxb_schema_free(compiled) }
            throw XMLError(kind: .schema, source: path, issues: issues)
        }
        self.path = path
        self.handle = compiled
    }

    deinit {
        sxb_schema_free(handle)
    }

    /// Validates a parsed document. Returns every issue (empty when valid), each
    /// with its line and element path; `fileName` overrides the document's name.
    public func validate(_ document: XDocument, fileName: String? = nil) -> [XMLIssue] {
        let name = fileName ?? document.fileName
        var raw = sxb_issues()
        let status = sxb_schema_validate(handle, document.handle, &raw)
        var issues = takeIssues(&raw, file: name, minimumLevel: 2)
        if status != 0, issues.isEmpty {
            issues.append(XMLIssue(file: name, line: 0, message: status < 0
                ? "internal error of the schema validator"
                : "the document is not valid against \(URL(fileURLWithPath: path).lastPathComponent)"))
        }
        return issues
    }

    /// Parses and validates bytes. A document that cannot be parsed gives its
    /// parse errors (kind `.fatal`) as issues.
    public func validate(bytes: [UInt8], fileName: String, maxBytes: Int = XDocument.defaultMaxBytes) -> [XMLIssue] {
        do {
            let document = try XDocument(bytes: bytes, fileName: fileName, maxBytes: maxBytes)
            return validate(document)
        } catch {
            return error.issues
        }
    }
}
