/// The HTTP methods sverka uses.
public enum HTTPMethod: String, Sendable, Hashable, CustomStringConvertible {
    /// `GET`.
    case get = "GET"
    /// `POST`.
    case post = "POST"

    /// The method as it goes on the wire (`GET`, `POST`).
    public var description: String { rawValue }
}

/// One header line: a name (compared case-insensitively) and a value.
public struct HTTPHeader: Sendable, Hashable {
    /// The header name as given (e.g. `Content-Type`).
    public var name: String
    /// The header value, without surrounding whitespace.
    public var value: String

    /// A header line.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of headers with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The header lines, in order.
    public private(set) var fields: [HTTPHeader]

    /// Headers from a list of lines.
    public init(_ fields: [HTTPHeader] = []) {
        self.fields = fields
    }

    /// Headers from `name: value` pairs, in the order written.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { HTTPHeader(name: $0.0, value: $0.1) }
    }

    /// The first value of the header `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of the header `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Whether a header `name` is present (case-insensitive).
    public func contains(_ name: String) -> Bool {
        self[name] != nil
    }

    /// Adds a line, keeping any existing lines of the same name.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(HTTPHeader(name: name, value: value))
    }

    /// Replaces every line named `name` by one line with `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        append(name, value)
    }

    /// Removes every line named `name` (case-insensitive).
    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.lowercased() == name.lowercased() }
    }

    /// The number of lines.
    public var count: Int { fields.count }

    /// Iterates over the lines in order.
    public func makeIterator() -> IndexingIterator<[HTTPHeader]> {
        fields.makeIterator()
    }
}

/// Settings of one request that take precedence over the client's `HTTPConfiguration`.
/// A nil field means "as configured".
public struct HTTPOverrides: Sendable, Hashable {
    /// Total time allowed for one attempt.
    public var timeout: Duration?
    /// Time allowed to establish the connection.
    public var connectTimeout: Duration?
    /// Abort rule for transfers that stall.
    public var stall: StallPolicy?
    /// The largest response body accepted, in bytes.
    public var maxResponseBytes: Int?
    /// Whether to follow redirects.
    public var followRedirects: Bool?
    /// Retry rules (e.g. `RetryPolicy.none` for a request that must not be repeated).
    public var retry: RetryPolicy?

    /// Overrides; every field defaults to "as configured".
    public init(
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil,
        stall: StallPolicy? = nil,
        maxResponseBytes: Int? = nil,
        followRedirects: Bool? = nil,
        retry: RetryPolicy? = nil
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.stall = stall
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
        self.retry = retry
    }
}

/// A request: method, URL (`https://`, `http://`, `sftp://` or `file://`), headers and body.
///
/// Its `description` shows the method and the URL with secrets redacted, never headers.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// `GET` or `POST`.
    public var method: HTTPMethod
    /// The URL, as a string.
    public var url: String
    /// Extra request headers. The bearer token of the configuration is added by the client.
    public var headers: HTTPHeaders
    /// The request body (sent with `POST`).
    public var body: [UInt8]
    /// Per-request settings that replace the client's configuration.
    public var overrides: HTTPOverrides

    /// A request.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        overrides: HTTPOverrides = HTTPOverrides()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.overrides = overrides
    }

    /// A `GET` request.
    public static func get(_ url: String, headers: HTTPHeaders = [:], overrides: HTTPOverrides = HTTPOverrides()) -> HTTPRequest {
        HTTPRequest(method: .get, url: url, headers: headers, overrides: overrides)
    }

    /// A `POST` request with a body.
    public static func post(
        _ url: String,
        body: [UInt8],
        headers: HTTPHeaders = [:],
        overrides: HTTPOverrides = HTTPOverrides()
    ) -> HTTPRequest {
        HTTPRequest(method: .post, url: url, headers: headers, body: body, overrides: overrides)
    }

    /// `METHOD url` with the URL's secrets redacted.
    public var description: String {
        "\(method) \(Redaction.url(url))"
    }
}

/// A response whose transfer completed.
public struct HTTPResponse: Sendable {
    /// The HTTP status. For `file://` and `sftp://`, a synthetic 200 once the transfer succeeded.
    public var status: Int
    /// The headers of the final response (after redirects). Empty for `file://` and `sftp://`.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]
    /// The URL finally fetched (differs from the request's after followed redirects).
    /// May contain secrets of the request URL: show `Redaction.url(effectiveURL)` instead.
    public var effectiveURL: String
    /// How many attempts the request took (1 when the first one succeeded).
    public var attempts: Int

    /// A response.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8], effectiveURL: String, attempts: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.effectiveURL = effectiveURL
        self.attempts = attempts
    }

    /// The body decoded as UTF-8, or nil when it is not valid UTF-8.
    public var text: String? {
        String(validating: body, as: UTF8.self)
    }
}
