import XML

/// One finding of `sverka validate` about one file.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// Which check found it: `well-formed`, `kind`, `xsd`, or a rule's `id`.
    public var rule: String
    /// File name as given by the caller.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// Element path such as `/Файл/Документ/ТаблСчФакт/СведТов[2]`, when known.
    public var path: String?
    /// What is wrong.
    public var message: String
    /// `.warning` does not make the file invalid; `.error` and `.fatal` do.
    public var severity: XMLIssue.Severity

    /// Creates an issue.
    public init(rule: String, file: String, line: Int, path: String? = nil, message: String, severity: XMLIssue.Severity = .error) {
        self.rule = rule
        self.file = file
        self.line = line
        self.path = path
        self.message = message
        self.severity = severity
    }

    /// Wraps a libxml2 issue found by check `rule`.
    public init(rule: String, _ issue: XMLIssue) {
        self.init(rule: rule, file: issue.file, line: issue.line, path: issue.path, message: issue.message, severity: issue.severity)
    }

    /// `file:line: message (path)`; the line is left out when unknown, a warning is marked.
    public var description: String {
        let location = line > 0 ? "\(file):\(line)" : file
        let level = severity == .warning ? "warning: " : ""
        let where_ = path.map { " (\($0))" } ?? ""
        return "\(location): \(level)\(message)\(where_)"
    }
}

/// The outcome of validating one file.
public struct ValidationReport: Sendable, Hashable {
    /// File name as given by the caller.
    public var file: String
    /// The recognised kind, when the file was parsed and recognised.
    public var kind: FNSFormat?
    /// File name of the schema used, when XSD validation ran.
    public var schemaName: String?
    /// Every finding, by line (stable).
    public var issues: [ValidationIssue]

    /// Creates a report.
    public init(file: String, kind: FNSFormat? = nil, schemaName: String? = nil, issues: [ValidationIssue]) {
        self.file = file
        self.kind = kind
        self.schemaName = schemaName
        self.issues = issues
    }

    /// True when no finding is worse than a warning.
    public var isValid: Bool { issues.allSatisfy { $0.severity == .warning } }
}

/// A problem with the setup rather than with the file: the file cannot be read,
/// the schema folder is missing, there is no schema for the kind, or the schema
/// does not compile. `sverka validate` exits with 2 on these.
public struct ValidationSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file being validated, when the problem concerns one.
    public var file: String?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String? = nil, message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message`, or the message alone.
    public var description: String { file.map { "\($0): \(message)" } ?? message }
}
