/// One problem found in an XML document: by the parser, by XSD validation, or
/// by a rule of a later stage.
public struct XMLIssue: Sendable, Hashable, CustomStringConvertible {
    /// How serious the issue is.
    public enum Severity: String, Sendable, Hashable {
        /// Worth knowing; the document is still acceptable.
        case warning
        /// The document is invalid.
        case error
        /// The document could not be processed at all (e.g. not well-formed).
        case fatal

        init(level: Int32) {
            switch level {
            case 1: self = .warning
            case 3: self = .fatal
            default: self = .error
            }
        }
    }

    /// The file (or other source name) the issue is about.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// Element path such as `/Файл/Документ/ТаблСчФакт/СведТов[2]`, when known.
    /// An index appears only where same-named siblings exist.
    public var path: String?
    /// What is wrong, in libxml2's or the rule's words.
    public var message: String
    /// How serious it is.
    public var severity: Severity

    /// Creates an issue.
    public init(file: String, line: Int, column: Int = 0, path: String? = nil, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.severity = severity
    }

    /// `file:line: message` (line omitted when unknown), with the path appended in parentheses.
    public var description: String {
        let location = line > 0 ? "\(file):\(line)" : file
        if let path { return "\(location): \(message) (\(path))" }
        return "\(location): \(message)"
    }
}

/// An XML operation that failed as a whole: parsing, XPath, schema compilation,
/// building or serialising. The first issue gives `line`, `column` and `message`;
/// `issues` holds every diagnostic libxml2 reported.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which operation failed.
    public enum Kind: String, Sendable, Hashable {
        /// The bytes are not well-formed XML (or use an unsupported encoding).
        case notWellFormed
        /// Well-formed, but refused for safety (DTD entities, external DTD, size limit).
        case rejected
        /// The file could not be read.
        case unreadable
        /// An XPath expression is invalid or failed.
        case xpath
        /// An XSD could not be compiled.
        case schema
        /// A tree to serialise holds an invalid name or character.
        case build
        /// libxml2 could not serialise the tree (e.g. unknown encoding).
        case serialization
    }

    /// Which operation failed.
    public var kind: Kind
    /// Source or file name the error is about.
    public var source: String
    /// Every diagnostic, first one first (never empty).
    public var issues: [XMLIssue]

    /// Creates an error from its diagnostics.
    public init(kind: Kind, source: String, issues: [XMLIssue]) {
        self.kind = kind
        self.source = source
        self.issues = issues.isEmpty
            ? [XMLIssue(file: source, line: 0, message: "\(kind.rawValue) failed", severity: .fatal)]
            : issues
    }

    /// Creates an error with a single message.
    public init(kind: Kind, source: String, line: Int = 0, column: Int = 0, path: String? = nil, message: String) {
        self.init(kind: kind, source: source, issues: [
            XMLIssue(file: source, line: line, column: column, path: path, message: message, severity: .fatal),
        ])
    }

    /// Line of the first issue (0 when unknown).
    public var line: Int { issues.first?.line ?? 0 }
    /// Column of the first issue (0 when unknown).
    public var column: Int { issues.first?.column ?? 0 }
    /// Message of the first issue.
    public var message: String { issues.first?.message ?? kind.rawValue }

    /// Every issue on its own line, `file:line: message`.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
