/// Abort rule for a transfer that makes too little progress: if fewer than
/// `minimumBytesPerSecond` flow (up or down) on average over `window`, the
/// attempt ends with `HTTPError.Kind.stalled`. Waiting for the server's first
/// byte counts too. libcurl checks about once per second while nothing flows,
/// so the abort comes up to ~1 s after `window`.
public struct StallPolicy: Sendable, Hashable {
    /// The slowest average rate accepted over a window; 0 disables the rule.
    public var minimumBytesPerSecond: Int
    /// The length of the window.
    public var window: Duration

    /// A stall rule.
    public init(minimumBytesPerSecond: Int, window: Duration) {
        self.minimumBytesPerSecond = minimumBytesPerSecond
        self.window = window
    }

    /// No stall detection (only the total timeout applies).
    public static let disabled = StallPolicy(minimumBytesPerSecond: 0, window: .zero)

    var isEnabled: Bool { minimumBytesPerSecond > 0 && window > .zero }
}

/// When and how often to retry.
///
/// Retried: connection failures, broken transfers (reset, truncated body),
/// timeouts, stalls, HTTP 5xx and 429. Never retried: other 4xx, a too-large
/// response, TLS/host-key failures, disallowed protocols, bad URLs.
/// The delay before attempt n+1 is `min(maxDelay, baseDelay · 2^(n-1))`
/// scaled by a jitter factor in [0.5, 1]; a `Retry-After` header replaces it,
/// capped at `maxRetryAfter`.
public struct RetryPolicy: Sendable, Hashable {
    /// Total number of attempts, the first included (1 = no retry).
    public var maxAttempts: Int
    /// The delay before the second attempt (before jitter).
    public var baseDelay: Duration
    /// The longest backoff delay.
    public var maxDelay: Duration
    /// The longest wait a server's `Retry-After` can impose.
    public var maxRetryAfter: Duration

    /// A retry policy.
    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// A single attempt, never retried.
    public static let none = RetryPolicy(maxAttempts: 1)
}

/// How to log in to `sftp://` servers. The user name never comes from the URL.
///
/// The server's host key must be checked: give `knownHostsPath` (an OpenSSH
/// known_hosts file) or `hostKeySHA256` (base64 SHA-256 of the host's public
/// key, as `ssh-keygen -lf` prints after `SHA256:`), or both.
public struct SFTPCredentials: Sendable {
    /// The login name.
    public var user: String
    /// A password, for password authentication.
    public var password: Credential?
    /// A private key file, for public-key authentication.
    public var privateKeyPath: String?
    /// The matching public key file (optional; libcurl derives it when absent).
    public var publicKeyPath: String?
    /// The private key's passphrase.
    public var keyPassphrase: Credential?
    /// An OpenSSH known_hosts file holding the server's host key.
    public var knownHostsPath: String?
    /// Base64 SHA-256 fingerprint of the server's host key.
    public var hostKeySHA256: String?

    /// SFTP login settings.
    public init(
        user: String,
        password: Credential? = nil,
        privateKeyPath: String? = nil,
        publicKeyPath: String? = nil,
        keyPassphrase: Credential? = nil,
        knownHostsPath: String? = nil,
        hostKeySHA256: String? = nil
    ) {
        self.user = user
        self.password = password
        self.privateKeyPath = privateKeyPath
        self.publicKeyPath = publicKeyPath
        self.keyPassphrase = keyPassphrase
        self.knownHostsPath = knownHostsPath
        self.hostKeySHA256 = hostKeySHA256
    }
}

/// Settings of an `HTTPClient`. Defaults suit a nightly batch job.
///
/// Only `https://`, `http://`, `sftp://` and `file://` URLs are fetched;
/// redirects may lead only to `https://` and `http://`. TLS peer and host
/// verification are always on.
public struct HTTPConfiguration: Sendable {
    /// Time allowed to establish a connection.
    public var connectTimeout: Duration
    /// Total time allowed for one attempt (connection included).
    public var timeout: Duration
    /// Abort rule for stalled transfers.
    public var stall: StallPolicy
    /// The largest response body accepted, in bytes; a larger one fails with `.tooLarge`.
    public var maxResponseBytes: Int
    /// Whether redirects are followed (off by default).
    public var followRedirects: Bool
    /// The most redirects followed when `followRedirects` is on.
    public var maxRedirects: Int
    /// A PEM bundle of trusted CA certificates; nil uses the system's.
    public var caBundlePath: String?
    /// Sent as `Authorization: Bearer …` on `http(s)://` requests. Never logged.
    public var bearerToken: Credential?
    /// Login for `sftp://` URLs.
    public var sftp: SFTPCredentials?
    /// Retry rules.
    public var retry: RetryPolicy
    /// The `User-Agent` header.
    public var userAgent: String

    /// A configuration.
    public init(
        connectTimeout: Duration = .seconds(15),
        timeout: Duration = .seconds(300),
        stall: StallPolicy = StallPolicy(minimumBytesPerSecond: 1, window: .seconds(60)),
        maxResponseBytes: Int = 256 * 1024 * 1024,
        followRedirects: Bool = false,
        maxRedirects: Int = 5,
        caBundlePath: String? = nil,
        bearerToken: Credential? = nil,
        sftp: SFTPCredentials? = nil,
        retry: RetryPolicy = RetryPolicy(),
        userAgent: String = "sverka"
    ) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.stall = stall
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.caBundlePath = caBundlePath
        self.bearerToken = bearerToken
        self.sftp = sftp
        self.retry = retry
        self.userAgent = userAgent
    }

    /// This configuration with a request's overrides applied.
    func applying(_ overrides: HTTPOverrides) -> HTTPConfiguration {
        var copy = self
        if let value = overrides.timeout { copy.timeout = value }
        if let value = overrides.connectTimeout { copy.connectTimeout = value }
        if let value = overrides.stall { copy.stall = value }
        if let value = overrides.maxResponseBytes { copy.maxResponseBytes = value }
        if let value = overrides.followRedirects { copy.followRedirects = value }
        if let value = overrides.retry { copy.retry = value }
        return copy
    }

    /// Every secret in this configuration, to scrub from error texts.
    var secrets: [String] {
        [bearerToken?.secret, sftp?.password?.secret, sftp?.keyPassphrase?.secret].compactMap { $0 }
    }
}
