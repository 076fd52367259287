import CCurl
import Foundation

/// What one attempt produced.
enum AttemptOutcome: Sendable {
    /// A complete response (any status).
    case response(status: Int, headers: HTTPHeaders, body: [UInt8], effectiveURL: String, redirectURL: String?)
    /// The transfer failed.
    case failure(kind: HTTPError.Kind, curlCode: Int?, message: String?, detail: String?)
    /// The awaiting task was cancelled.
    case cancelled
    /// The body sink threw: the transfer was aborted.
    case sinkFailed(any Error)
}

/// The protocols libcurl may use, and those a redirect may lead to.
private let allowedProtocols = "https,http,sftp,file"
private let allowedRedirectProtocols = "https,http"

/// State shared with libcurl's callbacks during one transfer; confined to the transfer's thread.
private final class TransferContext {
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    let limit: Int
    var exceeded = false
    /// Body bytes received, streamed or buffered (the limit holds over all of them).
    var received = 0

    /// Where a final 2xx body goes as it arrives (nil: buffered in `body`).
    let sink: (any BodySink)?
    /// Whether the transfer is HTTP(S) (a status line says whether a body is streamed); other
    /// schemes (file, sftp) have no status: their body is streamed.
    let isHTTP: Bool
    /// The status of the latest status line.
    var status = 0
    var sinkError: (any Error)?

    let cancellation: CancellationFlag
    var cancelled = false

    let stall: StallPolicy
    let windowNanoseconds: UInt64
    var windowStart: UInt64
    var windowBytes: Int64 = 0
    var stalled = false

    init(limit: Int, stall: StallPolicy, cancellation: CancellationFlag, sink: (any BodySink)?, isHTTP: Bool) {
        self.limit = limit
        self.sink = sink
        self.isHTTP = isHTTP
        self.stall = stall
        self.cancellation = cancellation
        let components = stall.window.components
        let nanoseconds = components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
        windowNanoseconds = UInt64(max(0, nanoseconds))
        windowStart = DispatchTime.now().uptimeNanoseconds
    }

    /// Whether the rate over the window just completed fell under the minimum.
    func checkStall(transferred: Int64) -> Bool {
        guard stall.isEnabled else { return false }
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = now &- windowStart
        guard elapsed >= windowNanoseconds else { return false }
        let bytes = transferred - windowBytes
        let rate = Double(bytes) * 1_000_000_000 / Double(max(elapsed, 1))
        if rate < Double(stall.minimumBytesPerSecond) { return true }
        windowStart = now
        windowBytes = transferred
        return false
    }
}

private func context(_ pointer: UnsafeMutableRawPointer?) -> TransferContext? {
    pointer.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
}

private let writeBody: curl_write_callback = { buffer, size, count, userData in
    guard let context = context(userData) else { return 0 }
    let length = size * count
    guard length > 0, let buffer else { return length }
    if context.received + length > context.limit {
        context.exceeded = true
        return 0
    }
    context.received += length
    if let sink = context.sink, !context.isHTTP || (200...299).contains(context.status) {
        do {
            try sink.receive(UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer), count: length))
        } catch {
            context.sinkError = error
            return 0
        }
        return length
    }
    buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
        context.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private let writeHeader: curl_write_callback = { buffer, size, count, userData in
    guard let context = context(userData) else { return 0 }
    let length = size * count
    guard length > 0, let buffer else { return length }
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        // A new response (after a redirect or a 100 Continue): keep only the last one's headers.
        context.headers = HTTPHeaders()
        let fields = line.split(separator: " ", maxSplits: 2)
        context.status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if !name.isEmpty { context.headers.append(name, value) }
    }
    return length
}

private let progress: curl_xferinfo_callback = { userData, _, downloaded, _, uploaded in
    guard let context = context(userData) else { return 1 }
    if context.cancellation.isCancelled {
        context.cancelled = true
        return 1
    }
    if context.checkStall(transferred: Int64(downloaded) + Int64(uploaded)) {
        context.stalled = true
        return 1
    }
    return 0
}

/// The lower-cased scheme of a URL string ("" when none).
func scheme(of url: String) -> String {
    guard let range = url.range(of: "://") else { return "" }
    return url[..<range.lowerBound].lowercased()
}

private func milliseconds(_ duration: Duration) -> Int {
    let components = duration.components
    return max(1, Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000))
}

/// Runs one attempt of `request`, blocking the calling thread.
func performAttempt(
    _ request: HTTPRequest,
    configuration: HTTPConfiguration,
    cancellation: CancellationFlag,
    sink: SinkHandle? = nil
) -> AttemptOutcome {
    guard let easy = CurlEasy() else {
        return .failure(kind: .other, curlCode: nil, message: nil, detail: "libcurl could not be initialised")
    }
    let context = TransferContext(
        limit: max(0, configuration.maxResponseBytes),
        stall: configuration.stall,
        cancellation: cancellation,
        sink: sink?.sink,
        isHTTP: ["http", "https"].contains(scheme(of: request.url))
    )
    return withExtendedLifetime(context) {
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        let urlScheme = scheme(of: request.url)
        if urlScheme == "sftp" {
            if let problem = sftpProblem(configuration.sftp) {
                return .failure(kind: .configuration, curlCode: nil, message: nil, detail: problem)
            }
        }
        do throws(CurlEasy.OptionError) {
            try configure(easy, request: request, configuration: configuration, scheme: urlScheme)
            try easy.set(CURLOPT_WRITEFUNCTION, writeCallback: writeBody, "WRITEFUNCTION")
            try easy.set(CURLOPT_WRITEDATA, pointer: contextPointer, "WRITEDATA")
            try easy.set(CURLOPT_HEADERFUNCTION, writeCallback: writeHeader, "HEADERFUNCTION")
            try easy.set(CURLOPT_HEADERDATA, pointer: contextPointer, "HEADERDATA")
            try easy.set(CURLOPT_XFERINFOFUNCTION, xferinfoCallback: progress, "XFERINFOFUNCTION")
            try easy.set(CURLOPT_XFERINFODATA, pointer: contextPointer, "XFERINFODATA")
            try easy.set(CURLOPT_NOPROGRESS, false, "NOPROGRESS")
        } catch {
            return .failure(
                kind: .configuration,
                curlCode: Int(error.code.rawValue),
                message: String(cString: curl_easy_strerror(error.code)),
                detail: "libcurl refused option \(error.option)"
            )
        }

        let code = easy.perform()
        if context.cancelled || cancellation.isCancelled { return .cancelled }
        if let sinkError = context.sinkError { return .sinkFailed(sinkError) }
        if context.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(
                kind: .tooLarge,
                curlCode: Int(code.rawValue),
                message: nil,
                detail: "more than \(configuration.maxResponseBytes) bytes"
            )
        }
        if context.stalled {
            let stall = configuration.stall
            return .failure(
                kind: .stalled,
                curlCode: Int(code.rawValue),
                message: nil,
                detail: "less than \(stall.minimumBytesPerSecond) bytes/s over \(stall.window)"
            )
        }
        guard code == CURLE_OK else {
            return .failure(
                kind: classify(code),
                curlCode: Int(code.rawValue),
                message: easy.message(for: code),
                detail: nil
            )
        }
        let effectiveURL = easy.effectiveURL ?? request.url
        let isHTTP = ["http", "https"].contains(scheme(of: effectiveURL))
        return .response(
            status: isHTTP ? easy.responseCode : 200,
            headers: isHTTP ? context.headers : HTTPHeaders(),
            body: context.body,
            effectiveURL: effectiveURL,
            redirectURL: isHTTP ? easy.redirectURL : nil
        )
    }
}

/// Why an sftp configuration cannot be used, or nil.
private func sftpProblem(_ sftp: SFTPCredentials?) -> String? {
    guard let sftp else { return "sftp:// needs SFTPCredentials in the configuration" }
    if sftp.knownHostsPath == nil && sftp.hostKeySHA256 == nil {
        return "sftp:// needs knownHostsPath or hostKeySHA256 to verify the server"
    }
    if sftp.password == nil && sftp.privateKeyPath == nil {
        return "sftp:// needs a password or a private key"
    }
    return nil
}

private func configure(
    _ easy: CurlEasy,
    request: HTTPRequest,
    configuration: HTTPConfiguration,
    scheme: String
) throws(CurlEasy.OptionError) {
    try easy.set(CURLOPT_URL, request.url, "URL")
    try easy.set(CURLOPT_NOSIGNAL, true, "NOSIGNAL")
    try easy.set(CURLOPT_PROTOCOLS_STR, allowedProtocols, "PROTOCOLS_STR")
    try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, allowedRedirectProtocols, "REDIR_PROTOCOLS_STR")
    try easy.set(CURLOPT_FOLLOWLOCATION, configuration.followRedirects, "FOLLOWLOCATION")
    try easy.set(CURLOPT_MAXREDIRS, max(0, configuration.maxRedirects), "MAXREDIRS")
    try easy.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout), "CONNECTTIMEOUT_MS")
    try easy.set(CURLOPT_TIMEOUT_MS, milliseconds(configuration.timeout), "TIMEOUT_MS")
    try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(max(0, configuration.maxResponseBytes)), "MAXFILESIZE_LARGE")
    try easy.set(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
    try easy.set(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
    if let path = configuration.caBundlePath {
        try easy.set(CURLOPT_CAINFO, path, "CAINFO")
    }
    try easy.set(CURLOPT_USERAGENT, configuration.userAgent, "USERAGENT")

    switch request.method {
    case .get:
        try easy.set(CURLOPT_HTTPGET, true, "HTTPGET")
    case .post:
        try easy.set(CURLOPT_POST, true, "POST")
        try easy.setPostBody(request.body)
    }

    if scheme == "http" || scheme == "https" {
        try easy.set(CURLOPT_ACCEPT_ENCODING, "", "ACCEPT_ENCODING")
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        if let token = configuration.bearerToken, !request.headers.contains("Authorization") {
            lines.append("Authorization: Bearer \(token.secret)")
        }
        if !request.headers.contains("Expect") {
            lines.append("Expect:")  // no 100-continue round trip for POST bodies
        }
        try easy.set(CURLOPT_HTTPHEADER, lines: lines, "HTTPHEADER")
    }

    if scheme == "sftp", let sftp = configuration.sftp {
        try easy.set(CURLOPT_USERNAME, sftp.user, "USERNAME")
        try easy.set(CURLOPT_SSH_AUTH_TYPES, Int(sverka_curl_ssh_auth_key_and_password()), "SSH_AUTH_TYPES")
        if let password = sftp.password {
            try easy.set(CURLOPT_PASSWORD, password.secret, "PASSWORD")
        }
        if let path = sftp.privateKeyPath {
            try easy.set(CURLOPT_SSH_PRIVATE_KEYFILE, path, "SSH_PRIVATE_KEYFILE")
        }
        if let path = sftp.publicKeyPath {
            try easy.set(CURLOPT_SSH_PUBLIC_KEYFILE, path, "SSH_PUBLIC_KEYFILE")
        }
        if let passphrase = sftp.keyPassphrase {
            try easy.set(CURLOPT_KEYPASSWD, passphrase.secret, "KEYPASSWD")
        }
        if let path = sftp.knownHostsPath {
            try easy.set(CURLOPT_SSH_KNOWNHOSTS, path, "SSH_KNOWNHOSTS")
        }
        if let fingerprint = sftp.hostKeySHA256 {
            try easy.set(CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, fingerprint, "SSH_HOST_PUBLIC_KEY_SHA256")
        }
    }
}

/// The kind of a libcurl failure.
private func classify(_ code: CURLcode) -> HTTPError.Kind {
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL:
        .protocolNotAllowed
    case CURLE_URL_MALFORMAT:
        .invalidURL
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
        .connection
    case CURLE_OPERATION_TIMEDOUT:
        .timeout
    case CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_HTTP2,
         CURLE_HTTP2_STREAM, CURLE_SSH:
        .transfer
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
         CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
         CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
         CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
        .tls
    case CURLE_TOO_MANY_REDIRECTS:
        .tooManyRedirects
    case CURLE_FILE_COULDNT_READ_FILE, CURLE_REMOTE_FILE_NOT_FOUND:
        .notFound
    case CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED, CURLE_AUTH_ERROR:
        .accessDenied
    case CURLE_FILESIZE_EXCEEDED:
        .tooLarge
    default:
        .other
    }
}
