import Foundation

/// A secret (a bearer token, a password) and where it came from.
///
/// The secret is only handed to libcurl. `description`, `debugDescription`
/// and reflection (`dump`, `"\(credential)"`) show the source, never the value.
public struct Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Where a secret came from.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// An environment variable, by name.
        case environment(String)
        /// A file, by path.
        case file(String)
        /// Given directly in code (tests).
        case inline

        /// e.g. `environment variable SHOP_TOKEN`, `file /run/secrets/shop`.
        public var description: String {
            switch self {
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            case .inline: "inline value"
            }
        }
    }

    /// Where the secret came from.
    public let source: Source
    let secret: String

    /// A credential given directly (for tests); prefer `environment(_:)` or `file(_:)`.
    public init(secret: String) throws(CredentialError) {
        let trimmed = Credential.trimmed(secret)
        guard !trimmed.isEmpty else { throw CredentialError(source: .inline, reason: "is empty") }
        self.source = .inline
        self.secret = trimmed
    }

    private init(source: Source, secret: String) {
        self.source = source
        self.secret = secret
    }

    /// Reads the secret from the environment variable `name` (trailing whitespace and newlines trimmed).
    /// - Throws: `CredentialError` naming the variable when it is unset or empty.
    public static func environment(_ name: String) throws(CredentialError) -> Credential {
        let source = Source.environment(name)
        guard let raw = getenv(name) else { throw CredentialError(source: source, reason: "is not set") }
        let value = trimmed(String(cString: raw))
        guard !value.isEmpty else { throw CredentialError(source: source, reason: "is empty") }
        return Credential(source: source, secret: value)
    }

    /// Reads the secret from the file at `path` (UTF-8; trailing whitespace and newlines trimmed).
    /// - Throws: `CredentialError` naming the file when it is missing, unreadable or empty.
    public static func file(_ path: String) throws(CredentialError) -> Credential {
        let source = Source.file(path)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw CredentialError(source: source, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CredentialError(source: source, reason: "is not UTF-8 text")
        }
        let value = trimmed(text)
        guard !value.isEmpty else { throw CredentialError(source: source, reason: "is empty") }
        return Credential(source: source, secret: value)
    }

    /// `Credential(<source>, redacted)`.
    public var description: String { "Credential(\(source), redacted)" }
    /// Same as `description`.
    public var debugDescription: String { description }
    /// Shows only the source.
    public var customMirror: Mirror { Mirror(self, children: ["source": source]) }

    private static func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while let last = result.last, last.isWhitespace || last.isNewline {
            result.removeLast()
        }
        return String(result)
    }
}

/// A secret could not be loaded. Names the variable or file, never a value.
public struct CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The variable or file.
    public var source: Credential.Source
    /// What is wrong (`is not set`, `is empty`, `does not exist`, …).
    public var reason: String

    /// An error.
    public init(source: Credential.Source, reason: String) {
        self.source = source
        self.reason = reason
    }

    /// e.g. `credential: environment variable SHOP_TOKEN is not set`.
    public var description: String { "credential: \(source) \(reason)" }
}
