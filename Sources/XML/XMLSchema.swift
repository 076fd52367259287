import CXMLBridge
import Foundation

/// A compiled W3C XML Schema (XSD), compiled once and shared.
///
/// `Sendable` is sound here: the libxml2 `xmlSchema` is never mutated after
/// `init` returns (no API of this type changes it), libxml2 documents a
/// compiled schema as shareable between threads, and every `validate` call
/// creates its own validation context (with its own dictionary and error
/// handler) and works on a document, or a parser context, owned by the calling task. The schema is
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
        return issues(&raw, status: status, file: name)
    }

    /// Parses and validates bytes in one pass, without building a tree: the same
    /// issues as parsing them into an `XDocument` (same limits and rejections) and
    /// validating that with `validate(_:fileName:)`, at about two thirds of the
    /// cost. A document that cannot be parsed gives its parse errors (kind
    /// `.fatal`) as issues, exactly as `XDocument(bytes:fileName:maxBytes:)` throws them.
    public func validate(bytes: [UInt8], fileName: String, maxBytes: Int = XDocument.defaultMaxBytes) -> [XMLIssue] {
        ensureLibXML2()
        guard bytes.count <= maxBytes else {
            return XDocument.sizeLimitError(byteCount: bytes.count, maxBytes: maxBytes, fileName: fileName).issues
        }
        var raw = sxb_issues()
        var rejected: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                sxb_schema_validate_bytes(handle, chars.baseAddress, chars.count, &rejected, &raw)
            }
        }
        guard status != SXB_NOT_ACCEPTED else {
            let parseIssues = takeIssues(&raw, file: fileName, minimumLevel: 2)
            return XMLError(kind: rejected != 0 ? .rejected : .notWellFormed, source: fileName, issues: parseIssues).issues
        }
        return issues(&raw, status: status, file: fileName)
    }

    /// The validator's issues (errors and fatal errors), or one saying the document is
    /// invalid when libxml2 reported a failure without a diagnostic.
    private func issues(_ raw: inout sxb_issues, status: Int32, file: String) -> [XMLIssue] {
        var issues = takeIssues(&raw, file: file, minimumLevel: 2)
        if status != 0, issues.isEmpty {
            issues.append(XMLIssue(file: file, line: 0, message: status < 0
                ? "internal error of the schema validator"
                : "the document is not valid against \(URL(fileURLWithPath: path).lastPathComponent)"))
        }
        return issues
    }
}
