import XML

/// What a rule knows besides the document itself.
public struct RuleContext: Sendable {
    /// File name as given by the caller (a path is allowed; rules use what they need).
    public var fileName: String
    /// The recognised kind; `nil` when the document was not recognised.
    public var kind: FNSFormat?

    /// Creates a context.
    public init(fileName: String, kind: FNSFormat?) {
        self.fileName = fileName
        self.kind = kind
    }

    /// The last path component of `fileName`.
    public var baseName: String {
        fileName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? fileName
    }
}

/// A check of a parsed FNS document beyond its XSD: Schematron conditions,
/// arithmetic, check digits… Each rule has its own id and messages. Rules run
/// on every well-formed document, recognised or not (`context.kind` tells).
public protocol DocumentRule: Sendable {
    /// Short stable identifier, e.g. `file-name`; shown nowhere but kept in each issue.
    var id: String { get }
    /// The issues found (empty when the document satisfies the rule).
    func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue]
}

extension DocumentRule {
    /// An error of this rule about `context.fileName`.
    public func issue(_ message: String, line: Int, path: String? = nil, context: RuleContext) -> ValidationIssue {
        ValidationIssue(rule: id, file: context.fileName, line: line, path: path, message: message)
    }
}

/// The XML declaration must name `windows-1251` (any letter case), as every FNS
/// format requires.
public struct DeclaredEncodingRule: DocumentRule {
    /// Creates the rule.
    public init() {}
    /// `encoding`.
    public var id: String { "encoding" }

    /// Reports a missing or different declared encoding on line 1.
    public func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue] {
        guard let declared = document.declaredEncoding else {
            return [issue("the XML declaration names no encoding (UTF-8 assumed); FNS documents must be encoding=\"windows-1251\"", line: 1, context: context)]
        }
        guard declared.lowercased() == "windows-1251" else {
            return [issue("declared encoding is '\(declared)'; FNS documents must be encoding=\"windows-1251\"", line: 1, context: context)]
        }
        return []
    }
}

/// The file name without `.xml` must equal `Файл/@ИдФайл` (Schematron rule
/// 0400400007 of the FNS schemas, which libxml2 does not check).
public struct FileNameRule: DocumentRule {
    /// Creates the rule.
    public init() {}
    /// `file-name`.
    public var id: String { "file-name" }

    /// Compares the base name (minus a `.xml` extension in any case) with `@ИдФайл`.
    public func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue] {
        guard let root = document.root, root.name == "Файл", let fileID = root.attribute("ИдФайл") else { return [] }
        var stem = context.baseName
        if stem.lowercased().hasSuffix(".xml") { stem.removeLast(4) }
        guard stem != fileID else { return [] }
        return [issue("file name '\(stem)' (without .xml) must equal Файл/@ИдФайл '\(fileID)'",
                      line: root.line, path: root.path, context: context)]
    }
}

/// `@ИдФайл` must start with the recognised kind's prefix followed by `_`
/// (e.g. a document recognised by КНД 1115131 must be named `ON_NSCHFDOPPR_…`).
public struct FilePrefixRule: DocumentRule {
    /// Creates the rule.
    public init() {}
    /// `file-prefix`.
    public var id: String { "file-prefix" }

    /// Reports an `@ИдФайл` whose prefix does not belong to the recognised kind.
    public func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue] {
        guard let kind = context.kind, let root = document.root, let fileID = root.attribute("ИдФайл") else { return [] }
        let prefix = FNSFormat.idPrefix(of: fileID)
        guard !kind.filePrefixes.contains(prefix) || !fileID.hasPrefix(prefix + "_") else { return [] }
        return [issue("Файл/@ИдФайл starts with '\(prefix)', but a \(kind.title) \(kind.formatVersion) must start with "
                      + kind.filePrefixes.map { "'\($0)_'" }.joined(separator: " or "),
                      line: root.line, path: root.path, context: context)]
    }
}
