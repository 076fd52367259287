import Foundation
import Synchronization
import HTTP
import TestSupport
import Testing

@Suite("HTTPClient against the loopback server")
struct HTTPClientTests {
    @Test("GET 200: body, headers, query and user agent")
    func getOK() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/b2b/orders", .text("[1,2]", headers: [("Content-Type", "application/json"), ("X-Shop", "42")]))
            let client = testClient(testConfiguration())
            let url = server.url("/b2b/orders?date=2026-11-27&page=2")

            let response = try await client.get(url, headers: ["Accept": "application/json"])

            #expect(response.status == 200)
            #expect(response.text == "[1,2]")
            #expect(response.headers["x-shop"] == "42")
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.attempts == 1)
            #expect(response.effectiveURL == url)
            let requests = server.requests
            try #require(requests.count == 1)
            #expect(requests[0].method == "GET")
            #expect(requests[0].target == "/b2b/orders?date=2026-11-27&page=2")
            #expect(requests[0].queryValue("page") == "2")
            #expect(requests[0].header("accept") == "application/json")
            #expect(requests[0].header("User-Agent") == "sverka")
        }
    }

    @Test("POST 200: binary body and headers arrive intact")
    func postOK() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/upload", .status(201, body: "stored"))
            let client = testClient(testConfiguration())
            let body: [UInt8] = [0, 1, 2, 255, 13, 10] + Array("{\"сумма\": 12345}".utf8)

            let response = try await client.post(
                server.url("/upload"), body: body, headers: ["Content-Type": "application/json", "X-Batch": "7"]
            )

            #expect(response.status == 201)
            #expect(response.text == "stored")
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.body == body)
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("X-Batch") == "7")
            #expect(request.header("Content-Length") == "\(body.count)")
        }
    }

    @Test("a large POST body arrives intact")
    func largePost() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/big", .status(200))
            let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let response = try await testClient(testConfiguration()).post(server.url("/big"), body: body)
            #expect(response.status == 200)
            #expect(server.requests.first?.body == body)
        }
    }

    @Test("a chunked POST body is recorded de-chunked")
    func chunkedPost() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/chunks", .status(204))
            let body = Array(String(repeating: "строка;", count: 2000).utf8)
            let response = try await testClient(testConfiguration())
                .post(server.url("/chunks"), body: body, headers: ["Transfer-Encoding": "chunked"])
            #expect(response.status == 204)
            let request = try #require(server.requests.first)
            #expect(request.header("Transfer-Encoding") == "chunked")
            #expect(request.body == body)
        }
    }

    @Test("stopping the server ends hanging and dripping connections promptly")
    func stopWakesConnections() async throws {
        let server = try LoopbackHTTPServer()
        server.script("/hang", .hang)
        server.script("/drip", ScriptedResponse(body: Array(repeating: 1, count: 100)).dripped(bytes: 1, every: .seconds(60)))
        let client = testClient(testConfiguration { $0.timeout = .seconds(30); $0.retry = .none })
        let hanging = Task { try await client.get(server.url("/hang")) }
        let dripping = Task { try await client.get(server.url("/drip")) }
        while server.requests.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        let clock = ContinuousClock()
        let start = clock.now

        server.stop()

        // Under the client's 30 s timeout with room for a 2-core machine under load (a run of the whole
        // suite beside two builds took 10.08 s here): without stop() both wait for that timeout.
        #expect(clock.now - start < .seconds(25))
        let hangError = await expectHTTPError { try await hanging.value }
        let dripError = await expectHTTPError { try await dripping.value }
        #expect(hangError?.kind == .transfer)
        #expect(dripError?.kind == .transfer)
        #expect(clock.now - start < .seconds(25))
        server.stop()  // a second stop is harmless
    }

    @Test("503, 503, 200: success after 3 attempts with exponential backoff")
    func retriesServerErrors() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/flaky", .status(503), .status(503), .text("ok"))
            let recorder = SleepRecorder()
            let client = testClient(testConfiguration(), recorder: recorder)

            let response = try await client.get(server.url("/flaky"))

            #expect(response.status == 200)
            #expect(response.text == "ok")
            #expect(response.attempts == 3)
            #expect(server.requests(to: "/flaky").count == 3)
            #expect(recorder.recorded == [.milliseconds(10), .milliseconds(20)])
        }
    }

    @Test("jitter scales the backoff into [50 %, 100 %] and maxDelay caps it")
    func jitterAndCap() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/down", .status(502))
            let recorder = SleepRecorder()
            let configuration = testConfiguration {
                $0.retry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(300))
            }
            let client = HTTPClient.live(configuration, sleep: recorder.sleep, jitter: { 0 })

            let error = await expectHTTPError { try await client.get(server.url("/down")) }

            #expect(error?.attempts == 5)
            #expect(recorder.recorded == [.milliseconds(50), .milliseconds(100), .milliseconds(150), .milliseconds(150)])
        }
    }

    @Test("429 with Retry-After in seconds: the sleep gets that delay")
    func retryAfterSeconds() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/limited", .status(429, headers: [("Retry-After", "7")]), .text("done"))
            let recorder = SleepRecorder()
            let client = testClient(testConfiguration(), recorder: recorder)

            let response = try await client.get(server.url("/limited"))

            #expect(response.attempts == 2)
            #expect(recorder.recorded == [.seconds(7)])
        }
    }

    @Test("Retry-After as an HTTP-date is relative to now, and capped by maxRetryAfter")
    func retryAfterDateAndCap() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script(
                "/date",
                .status(503, headers: [("Retry-After", "Fri, 27 Nov 2026 03:00:30 GMT")]),
                .status(429, headers: [("Retry-After", "3600")]),
                .text("done")
            )
            let recorder = SleepRecorder()
            let now = try #require(ISO8601DateFormatter().date(from: "2026-11-27T03:00:00Z"))
            let configuration = testConfiguration {
                $0.retry.maxRetryAfter = .seconds(60)
                $0.retry.maxAttempts = 4
            }
            let client = HTTPClient.live(configuration, sleep: recorder.sleep, jitter: { 1 }, now: { now })

            let response = try await client.get(server.url("/date"))

            #expect(response.attempts == 3)
            #expect(recorder.recorded == [.seconds(30), .seconds(60)])
        }
    }

    @Test("a short Retry-After is really waited for")
    func retryAfterRealWait() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/slow-down", .status(429, headers: [("Retry-After", "1")]), .text("done"))
            let client = HTTPClient.live(testConfiguration())
            let clock = ContinuousClock()
            let start = clock.now

            let response = try await client.get(server.url("/slow-down"))

            let elapsed = clock.now - start
            #expect(response.attempts == 2)
            #expect(elapsed >= .milliseconds(950))
        }
    }

    @Test("4xx other than 429 is not retried", arguments: [400, 401, 404, 409])
    func clientErrorsNotRetried(status: Int) async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/x", .status(status, body: "nope"), .text("would succeed"))
            let recorder = SleepRecorder()
            let client = testClient(testConfiguration(), recorder: recorder)

            let error = try #require(await expectHTTPError { try await client.get(server.url("/x?page=1")) })

            #expect(error.kind == .httpStatus)
            #expect(error.status == status)
            #expect(error.attempts == 1)
            #expect(error.curlCode == nil)
            #expect(error.description == "GET \(server.url("/x?page=1")): HTTP \(status) after 1 attempt")
            #expect(server.requests.count == 1)
            #expect(recorder.recorded.isEmpty)
        }
    }

    @Test("500 forever: bounded attempts, and the error says how many")
    func serverErrorForever() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/broken", .status(500))
            let recorder = SleepRecorder()
            let client = testClient(testConfiguration { $0.retry.maxAttempts = 4 }, recorder: recorder)

            let error = try #require(await expectHTTPError { try await client.get(server.url("/broken")) })

            #expect(error.kind == .httpStatus)
            #expect(error.status == 500)
            #expect(error.attempts == 4)
            #expect(error.description.hasSuffix(": HTTP 500 after 4 attempts"))
            #expect(server.requests.count == 4)
            #expect(recorder.recorded.count == 3)
        }
    }

    @Test("retries are reported to onRetry with their delay")
    func onRetryReports() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/flaky", .status(503), .text("ok"))
            let seen = SleepRecorder()
            let reports = ReportLog()
            let client = HTTPClient.live(
                testConfiguration(), sleep: seen.sleep, jitter: { 1 },
                onRetry: { error, delay in reports.append("\(error) / \(delay)") }
            )
            _ = try await client.get(server.url("/flaky"))
            #expect(reports.lines == ["GET \(server.url("/flaky")): HTTP 503 after 1 attempt / 0.01 seconds"])
        }
    }

    @Test("connection refused: retried, then a connection error")
    func connectionRefused() async throws {
        let refusing = try LoopbackHTTPServer.refusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let recorder = SleepRecorder()
        let client = testClient(testConfiguration(), recorder: recorder)

        let error = try #require(await expectHTTPError { try await client.get("http://127.0.0.1:\(port)/orders") })

        #expect(error.kind == .connection)
        #expect(error.curlCode == 7)
        #expect(error.status == nil)
        #expect(error.attempts == 3)
        #expect(recorder.recorded.count == 2)
        #expect(error.description.contains("connection failed"))
        #expect(error.description.hasSuffix("after 3 attempts"))
    }

    @Test("a reset connection is retried")
    func resetRetried() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/r", .reset, .reset, .text("finally"))
            let client = testClient(testConfiguration())

            let response = try await client.get(server.url("/r"))

            #expect(response.text == "finally")
            #expect(response.attempts == 3)
        }
    }

    @Test("reset forever and a truncated body end as transfer errors after all attempts")
    func brokenTransfers() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/reset", .reset)
            server.script("/cut", ScriptedResponse.text(String(repeating: "x", count: 5000)).truncated(after: 1000))
            let client = testClient(testConfiguration())

            let reset = try #require(await expectHTTPError { try await client.get(server.url("/reset")) })
            #expect(reset.kind == .transfer)
            #expect(reset.attempts == 3)

            let cut = try #require(await expectHTTPError { try await client.get(server.url("/cut")) })
            #expect(cut.kind == .transfer)
            #expect(cut.curlCode == 18)  // CURLE_PARTIAL_FILE
            #expect(cut.attempts == 3)
            #expect(server.requests(to: "/cut").count == 3)
        }
    }

    @Test("a hanging server hits the total timeout")
    func totalTimeout() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/hang", .hang)
            let client = testClient(testConfiguration { $0.timeout = .seconds(1); $0.retry = .none })

            let error = try #require(await expectHTTPError { try await client.get(server.url("/hang")) })

            #expect(error.kind == .timeout)
            #expect(error.curlCode == 28)
            #expect(error.attempts == 1)
            #expect(error.isRetryable)
            #expect(server.requests(to: "/hang").count == 1)
        }
    }

    @Test("a dripping transfer below the minimum rate is aborted as stalled")
    func stalled() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = [UInt8](repeating: 65, count: 1000)
            server.script("/drip", ScriptedResponse(body: body).dripped(bytes: 1, every: .milliseconds(300)))
            let configuration = testConfiguration {
                $0.timeout = .seconds(20)
                $0.stall = StallPolicy(minimumBytesPerSecond: 100, window: .seconds(1))
                $0.retry = .none
            }

            let error = try #require(await expectHTTPError { try await testClient(configuration).get(server.url("/drip")) })

            #expect(error.kind == .stalled)
            #expect(error.isRetryable)
            #expect(error.description.contains("less than 100 bytes/s"))
        }
    }

    @Test("a slow but steady drip completes under the stall rule")
    func steadyDrip() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Array("0123456789".utf8)
            server.script("/drip", ScriptedResponse(body: body).dripped(bytes: 2, every: .milliseconds(50)))
            let configuration = testConfiguration {
                $0.stall = StallPolicy(minimumBytesPerSecond: 1, window: .seconds(1))
            }
            let response = try await testClient(configuration).get(server.url("/drip"))
            #expect(response.body == body)
        }
    }

    @Test("a response over the size limit fails as tooLarge and is not retried")
    func tooLarge() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = [UInt8](repeating: 66, count: 10_000)
            // Announced by Content-Length (libcurl refuses before reading)…
            server.script("/announced", ScriptedResponse(body: body))
            // …and chunked, without a length (the write callback aborts).
            server.script(
                "/chunked",
                ScriptedResponse(headers: [("Transfer-Encoding", "chunked")], body: chunked(body, size: 500))
            )
            let recorder = SleepRecorder()
            let client = testClient(testConfiguration { $0.maxResponseBytes = 4096 }, recorder: recorder)

            for path in ["/announced", "/chunked"] {
                let error = try #require(await expectHTTPError { try await client.get(server.url(path)) })
                #expect(error.kind == .tooLarge)
                #expect(error.attempts == 1)
                #expect(error.description.contains("response too large (more than 4096 bytes)"))
                #expect(server.requests(to: path).count == 1)
            }
            #expect(recorder.recorded.isEmpty)

            let big = HTTPRequest.get(server.url("/chunked"), overrides: HTTPOverrides(maxResponseBytes: 20_000))
            #expect(try await client.send(big).body == body)
        }
    }

    @Test("a 302 is not followed by default, and followed when asked")
    func redirects() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/old", .status(302, headers: [("Location", "/new?token=t0ps3cret")]))
            server.script("/new", .text("moved here"))
            let client = testClient(testConfiguration())

            let error = try #require(await expectHTTPError { try await client.get(server.url("/old")) })
            #expect(error.kind == .httpStatus)
            #expect(error.status == 302)
            #expect(error.attempts == 1)
            #expect(error.description.contains("/new?token=REDACTED"))
            #expect(!error.description.contains("t0ps3cret"))
            #expect(server.requests(to: "/new").isEmpty)

            let following = testClient(testConfiguration { $0.followRedirects = true })
            let response = try await following.get(server.url("/old"))
            #expect(response.status == 200)
            #expect(response.text == "moved here")
            #expect(response.effectiveURL == server.url("/new?token=t0ps3cret"))

            let perRequest = HTTPRequest.get(server.url("/old"), overrides: HTTPOverrides(followRedirects: true))
            #expect(try await client.send(perRequest).text == "moved here")
        }
    }

    @Test("redirect loops stop at maxRedirects; redirects to file:// are refused")
    func redirectLimits() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/loop", .status(302, headers: [("Location", "/loop")]))
            server.script("/evil", .status(302, headers: [("Location", "file:///etc/passwd")]))
            let client = testClient(testConfiguration { $0.followRedirects = true; $0.maxRedirects = 3 })

            let loop = try #require(await expectHTTPError { try await client.get(server.url("/loop")) })
            #expect(loop.kind == .tooManyRedirects)
            #expect(server.requests(to: "/loop").count == 4)

            let evil = try #require(await expectHTTPError { try await client.get(server.url("/evil")) })
            #expect(evil.kind == .protocolNotAllowed)
            #expect(evil.attempts == 1)
        }
    }

    @Test("cancelling the task aborts a hanging transfer")
    func cancellation() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/hang", .hang)
            let client = testClient(testConfiguration { $0.timeout = .seconds(30) })
            let task = Task { try await client.get(server.url("/hang")) }
            while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            let clock = ContinuousClock()
            let start = clock.now
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(clock.now - start < .seconds(20)) // far below the 30 s timeout: the cancellation did it
        }
    }

    @Test("concurrent requests are served in parallel")
    func concurrentRequests() async throws {
        // Proven by overlap, not by timing: the server counts requests in flight at once.
        let inFlight = Mutex<(now: Int, most: Int)>((0, 0))
        try await LoopbackHTTPServer.with(handler: { request in
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            usleep(300_000)
            inFlight.withLock { $0.now -= 1 }
            return ScriptedResponse.text("page \(request.queryValue("page") ?? "?")")
        }) { server in
            let client = testClient(testConfiguration())
            let texts = try await withThrowingTaskGroup(of: String?.self) { group in
                for page in 1...8 {
                    group.addTask { try await client.get(server.url("/orders?page=\(page)")).text }
                }
                var texts: [String] = []
                for try await text in group { texts.append(text ?? "") }
                return texts.sorted()
            }
            #expect(texts == (1...8).map { "page \($0)" }.sorted())
            #expect(inFlight.withLock { $0.most } >= 2)
        }
    }
}

/// Collects lines from concurrent callers.
final class ReportLog: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
