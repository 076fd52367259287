import Foundation

/// Sends requests. A struct of closures so that callers and tests can replace it;
/// `live(_:)` is the real one over libcurl, with retries.
public struct HTTPClient: Sendable {
    /// Sends a request and returns its response, or throws `HTTPError`
    /// (or `CancellationError` when the task is cancelled).
    /// The live client throws for every final status outside 200...299.
    public var send: @Sendable (HTTPRequest) async throws -> HTTPResponse

    /// The streaming send, when the client has one (the live client); otherwise `stream(_:into:)`
    /// sends with `send` and gives the sink the whole body at once.
    var streamBody: (@Sendable (HTTPRequest, SinkHandle) async throws -> HTTPResponse)?

    /// A client from a send function. Its `stream(_:into:)` sends with `send` and gives the sink
    /// the whole body at once, so a test double needs only `send`.
    public init(send: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.send = send
    }

    /// A client from a send function and a streaming one (see `stream(_:into:)`).
    public init(
        send: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse,
        stream: @escaping @Sendable (HTTPRequest, any BodySink) async throws -> HTTPResponse
    ) {
        self.send = send
        self.streamBody = { request, handle in try await stream(request, handle.sink) }
    }

    /// Sends `request` and hands the body of its final 2xx response to `sink` as it arrives
    /// (`sink.restart()` before each retry); returns the response with an empty `body`.
    ///
    /// The live client streams from libcurl's write callback; any other final status is
    /// buffered and thrown as `HTTPError`, as `send` does. The size limit holds over the whole
    /// body; retries, stall detection, cancellation and redirects are those of `send`. An error
    /// the sink throws aborts the transfer and is thrown as is, not retried.
    public func stream(_ request: HTTPRequest, into sink: any BodySink) async throws -> HTTPResponse {
        let handle = SinkHandle(sink: sink)
        if let streamBody { return try await streamBody(request, handle) }
        var response = try await send(request)
        try response.body.withUnsafeBytes { try handle.sink.receive($0) }
        response.body = []
        return response
    }

    /// `GET url`.
    public func get(_ url: String, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
        try await send(.get(url, headers: headers))
    }

    /// `POST url` with a body.
    public func post(_ url: String, body: [UInt8], headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
        try await send(.post(url, body: body, headers: headers))
    }

    /// The real client over libcurl.
    ///
    /// Each attempt runs on its own thread (libcurl blocks), so the
    /// cooperative pool is never blocked; cancelling the task aborts the transfer.
    /// - Parameters:
    ///   - configuration: timeouts, limits, credentials, retry policy.
    ///   - sleep: waits between attempts (injected by tests).
    ///   - jitter: a random number in 0...1 that scales backoff delays into [50 %, 100 %].
    ///   - now: the current time, to interpret a `Retry-After` HTTP-date.
    ///   - onRetry: told of each failed attempt that will be retried and the delay
    ///     before the next one (for logging; the error carries no secret).
    public static func live(
        _ configuration: HTTPConfiguration,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        now: @escaping @Sendable () -> Date = { Date() },
        onRetry: @escaping @Sendable (HTTPError, Duration) -> Void = { _, _ in }
    ) -> HTTPClient {
        let retrier = Retrier(configuration: configuration, sleep: sleep, jitter: jitter, now: now, onRetry: onRetry)
        var client = HTTPClient { request in try await retrier.send(request, into: nil) }
        client.streamBody = { request, handle in try await retrier.send(request, into: handle) }
        return client
    }
}

/// The retry loop of the live client.
private struct Retrier: Sendable {
    let configuration: HTTPConfiguration
    let sleep: @Sendable (Duration) async throws -> Void
    let jitter: @Sendable () -> Double
    let now: @Sendable () -> Date
    let onRetry: @Sendable (HTTPError, Duration) -> Void

    /// Sends with retries; with a sink, the final 2xx body goes to it (restarted before each retry).
    func send(_ request: HTTPRequest, into sink: SinkHandle?) async throws -> HTTPResponse {
        let settings = configuration.applying(request.overrides)
        let secrets = settings.secrets + request.headers.values(for: "Authorization")
        let maxAttempts = max(1, settings.retry.maxAttempts)
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            if attempt > 1, let sink { try sink.sink.restart() }
            let outcome = await Self.attempt(request, settings, sink: sink)
            let error: HTTPError
            var retryAfter: Duration?
            switch outcome {
            case .cancelled:
                throw CancellationError()
            case .sinkFailed(let sinkError):
                throw sinkError
            case let .response(status, headers, body, effectiveURL, redirectURL):
                if (200...299).contains(status) {
                    // Streamed, the body went to the sink.
                    return HTTPResponse(
                        status: status, headers: headers, body: sink == nil ? body : [], effectiveURL: effectiveURL,
                        attempts: attempt
                    )
                }
                var detail: String?
                if (300...399).contains(status) {
                    let target = redirectURL.map(Redaction.url) ?? headers["Location"].map(Redaction.url) ?? "?"
                    detail = settings.followRedirects
                        ? "redirect to \(target) not followed" : "redirect to \(target) not followed: redirects are off"
                }
                error = HTTPError(
                    kind: .httpStatus, method: request.method, url: request.url, status: status,
                    detail: detail.map { Redaction.scrub($0, secrets: secrets) }, attempts: attempt
                )
                retryAfter = headers["Retry-After"].flatMap { RetryAfter.parse($0, now: now()) }
            case let .failure(kind, curlCode, message, detail):
                error = HTTPError(
                    kind: kind, method: request.method, url: request.url, curlCode: curlCode,
                    curlMessage: message.map { Redaction.scrub($0, secrets: secrets) },
                    detail: detail.map { Redaction.scrub($0, secrets: secrets) }, attempts: attempt
                )
            }
            guard error.isRetryable, attempt < maxAttempts else { throw error }
            let delay = retryAfter.map { min($0, settings.retry.maxRetryAfter) }
                ?? Self.backoff(after: attempt, policy: settings.retry, jitter: jitter())
            onRetry(error, delay)
            try await sleep(delay)
        }
    }

    /// The backoff delay after the `attempt`-th failure.
    static func backoff(after attempt: Int, policy: RetryPolicy, jitter: Double) -> Duration {
        let base = seconds(policy.baseDelay)
        let cap = seconds(policy.maxDelay)
        let exponential = min(cap, base * pow(2, Double(min(attempt - 1, 62))))
        let factor = 0.5 + 0.5 * min(1, max(0, jitter))
        return .milliseconds(Int64((exponential * factor * 1000).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let components = duration.components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Runs one attempt on a dedicated thread; cancelling the task aborts the transfer.
    static func attempt(_ request: HTTPRequest, _ settings: HTTPConfiguration, sink: SinkHandle?) async -> AttemptOutcome {
        let cancellation = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: performAttempt(request, configuration: settings, cancellation: cancellation, sink: sink))
                }
                thread.name = "sverka-http"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}

/// Parsing of the `Retry-After` header.
public enum RetryAfter {
    /// The wait a `Retry-After` value asks for: delay-seconds (`120`) or an
    /// HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`, also RFC 850 and asctime forms)
    /// relative to `now`. A date in the past gives zero; an unreadable value nil.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let seconds = Int64(text) else { return nil }
            return .seconds(seconds)
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let interval = date.timeIntervalSince(now)
                return interval > 0 ? .milliseconds(Int64((interval * 1000).rounded())) : .zero
            }
        }
        return nil
    }
}
