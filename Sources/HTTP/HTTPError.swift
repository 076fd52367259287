import Foundation

/// A request that failed, after all its attempts.
///
/// Carries no secret: the URL is redacted (`Redaction.url`) and every
/// configured secret is scrubbed from libcurl's text.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// Could not connect (refused, unreachable, DNS).
        case connection
        /// The connection broke during the transfer (reset, body cut short, empty reply).
        case transfer
        /// The connect or total timeout expired.
        case timeout
        /// Too little data flowed (see `StallPolicy`).
        case stalled
        /// The response body exceeded the size limit.
        case tooLarge
        /// The server answered with a non-2xx status (including a 3xx not followed).
        case httpStatus
        /// TLS failed (certificate, handshake) or an SSH host key did not match.
        case tls
        /// The URL's scheme is not https, http, sftp or file (also for redirects).
        case protocolNotAllowed
        /// The URL is malformed.
        case invalidURL
        /// More redirects than allowed.
        case tooManyRedirects
        /// A `file://` or `sftp://` path that does not exist or cannot be read.
        case notFound
        /// Login refused or access denied (sftp).
        case accessDenied
        /// The client configuration is unusable (e.g. sftp without host key check).
        case configuration
        /// Any other libcurl failure.
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// The request method.
    public var method: HTTPMethod
    /// The request URL with userinfo removed and secret query parameters redacted.
    public var url: String
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// libcurl's error code (`CURLcode`), when libcurl failed.
    public var curlCode: Int?
    /// libcurl's explanation (its error buffer), secrets scrubbed.
    public var curlMessage: String?
    /// Further detail (size limit, redirect target, …), secrets scrubbed.
    public var detail: String?
    /// How many attempts were made.
    public var attempts: Int

    /// An error. `url` is redacted here, whatever is passed.
    public init(
        kind: Kind,
        method: HTTPMethod,
        url: String,
        status: Int? = nil,
        curlCode: Int? = nil,
        curlMessage: String? = nil,
        detail: String? = nil,
        attempts: Int
    ) {
        self.kind = kind
        self.method = method
        self.url = Redaction.url(url)
        self.status = status
        self.curlCode = curlCode
        self.curlMessage = curlMessage
        self.detail = detail
        self.attempts = attempts
    }

    /// Whether another attempt could succeed.
    public var isRetryable: Bool {
        switch kind {
        case .connection, .transfer, .timeout, .stalled:
            true
        case .httpStatus:
            status.map { $0 == 429 || (500...599).contains($0) } ?? false
        case .tooLarge, .tls, .protocolNotAllowed, .invalidURL, .tooManyRedirects, .notFound,
             .accessDenied, .configuration, .other:
            false
        }
    }

    /// e.g. `GET https://shop.example/b2b/orders?date=2026-11-27&page=2: HTTP 503 after 4 attempts`.
    public var description: String {
        var text = "\(method) \(url): "
        switch kind {
        case .httpStatus:
            text += "HTTP \(status.map(String.init) ?? "?")"
        default:
            text += Self.label(kind)
            if let status { text += " (HTTP \(status))" }
        }
        if let detail { text += " (\(detail))" }
        if let curlCode {
            text += " [curl \(curlCode)"
            if let curlMessage, !curlMessage.isEmpty { text += ": \(curlMessage)" }
            text += "]"
        }
        text += " after \(attempts) attempt\(attempts == 1 ? "" : "s")"
        return text
    }

    private static func label(_ kind: Kind) -> String {
        switch kind {
        case .connection: "connection failed"
        case .transfer: "transfer broken"
        case .timeout: "timed out"
        case .stalled: "transfer stalled"
        case .tooLarge: "response too large"
        case .httpStatus: "HTTP error"
        case .tls: "TLS/host verification failed"
        case .protocolNotAllowed: "protocol not allowed (only https, http, sftp, file)"
        case .invalidURL: "invalid URL"
        case .tooManyRedirects: "too many redirects"
        case .notFound: "not found"
        case .accessDenied: "access denied"
        case .configuration: "bad configuration"
        case .other: "failed"
        }
    }
}

/// Removal of secrets from URLs and texts before they reach errors and logs.
public enum Redaction {
    /// The replacement of a redacted value.
    public static let mask = "REDACTED"

    /// Query parameters whose name contains one of these (case-insensitive) are redacted.
    public static let sensitiveParameterFragments = [
        "token", "key", "password", "passwd", "pwd", "secret", "signature", "sig", "auth", "session", "credential",
    ]

    /// `url` without userinfo (`user:password@`) and with the values of sensitive
    /// query parameters replaced by `REDACTED`.
    public static func url(_ url: String) -> String {
        var rest = Substring(url)
        var result = ""
        if let schemeEnd = rest.range(of: "://") {
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                result += authority[authority.index(after: at)...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        var fragment: Substring = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[hash...]
            rest = rest[..<hash]
        }
        guard let question = rest.firstIndex(of: "?") else {
            return result + rest + fragment
        }
        result += rest[...question]
        let query = rest[rest.index(after: question)...]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals]
            let decoded = (String(name).removingPercentEncoding ?? String(name)).lowercased()
            if sensitiveParameterFragments.contains(where: { decoded.contains($0) }) {
                return "\(name)=\(mask)"
            }
            return String(parameter)
        }
        return result + parameters.joined(separator: "&") + fragment
    }

    /// `text` with every occurrence of each secret replaced by `REDACTED`.
    public static func scrub(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        return result
    }
}
