import Foundation
import HTTP
import TestSupport
import Testing

@Suite("Bearer tokens and redaction")
struct SecretsTests {
    /// Every text a failure can surface as.
    private func surfaces(of error: HTTPError) -> [String] {
        var dumped = ""
        dump(error, to: &dumped)
        return [error.description, String(describing: error), String(reflecting: error), "\(error)", dumped]
    }

    @Test("a token from an environment variable is sent and never shown")
    func tokenFromEnvironment() async throws {
        let token = "env-t0ken-\(UUID().uuidString)"
        let name = "SVERKA_TEST_TOKEN_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        setenv(name, token + "\n", 1)
        defer { unsetenv(name) }
        let credential = try Credential.environment(name)
        #expect(credential.source == .environment(name))
        var dumped = ""
        dump(credential, to: &dumped)
        for text in [credential.description, "\(credential)", String(reflecting: credential), dumped] {
            #expect(!text.contains(token))
        }
        #expect(credential.description.contains(name))

        try await LoopbackHTTPServer.with { server in
            server.script("/ok", .text("fine"))
            server.script("/fail", .status(503, body: "down"))
            let reports = ReportLog()
            let client = HTTPClient.live(
                testConfiguration { $0.bearerToken = credential },
                sleep: SleepRecorder().sleep,
                onRetry: { error, _ in reports.append("\(error)") }
            )

            _ = try await client.get(server.url("/ok"))
            #expect(server.requests(to: "/ok").first?.header("Authorization") == "Bearer \(token)")

            let error = try #require(await expectHTTPError { try await client.get(server.url("/fail")) })
            #expect(server.requests(to: "/fail").allSatisfy { $0.header("Authorization") == "Bearer \(token)" })
            #expect(error.attempts == 3)
            for text in surfaces(of: error) + reports.lines {
                #expect(!text.contains(token))
            }
            #expect(reports.lines.count == 2)
        }
    }

    @Test("a token from a file (trailing newline trimmed) is sent and never shown, even on connection failure")
    func tokenFromFile() async throws {
        let token = "file-t0ken-\(UUID().uuidString)"
        let directory = try Paths.temporaryDirectory("sverka-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("token")
        try Data((token + "\r\n").utf8).write(to: file)
        let credential = try Credential.file(file.path)
        #expect(!credential.description.contains(token))

        try await LoopbackHTTPServer.with { server in
            server.script("/ok", .text("fine"))
            let client = testClient(testConfiguration { $0.bearerToken = credential })
            _ = try await client.get(server.url("/ok"))
            #expect(server.requests.first?.header("authorization") == "Bearer \(token)")
        }

        let refusing = try LoopbackHTTPServer.refusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let client = testClient(testConfiguration { $0.bearerToken = credential })
        let error = try #require(await expectHTTPError { try await client.get("http://127.0.0.1:\(port)/x?token=\(token)") })
        #expect(error.kind == .connection)
        for text in surfaces(of: error) {
            #expect(!text.contains(token))
        }
    }

    @Test("missing or empty credentials are errors naming the variable or file")
    func missingCredentials() throws {
        let name = "SVERKA_TEST_UNSET_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        #expect(throws: CredentialError(source: .environment(name), reason: "is not set")) {
            try Credential.environment(name)
        }
        setenv(name, " \n", 1)
        defer { unsetenv(name) }
        do {
            _ = try Credential.environment(name)
            Issue.record("an empty variable must fail")
        } catch {
            #expect(error.description == "credential: environment variable \(name) is empty")
        }

        let directory = try Paths.temporaryDirectory("sverka-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("absent").path
        #expect(throws: CredentialError(source: .file(missing), reason: "does not exist")) {
            try Credential.file(missing)
        }
        let empty = directory.appendingPathComponent("empty")
        try Data("\n".utf8).write(to: empty)
        do {
            _ = try Credential.file(empty.path)
            Issue.record("an empty file must fail")
        } catch {
            #expect(error.description == "credential: file \(empty.path) is empty")
        }
    }

    @Test("URL userinfo and secret query parameters are redacted")
    func urlRedaction() {
        #expect(
            Redaction.url("https://user:pa55w0rd@shop.example/b2b/orders?date=2026-11-27&token=abc&page=2&api_key=k1#frag")
                == "https://shop.example/b2b/orders?date=2026-11-27&token=REDACTED&page=2&api_key=REDACTED#frag"
        )
        #expect(Redaction.url("https://shop.example/b2b/orders?date=2026-11-27&page=2")
            == "https://shop.example/b2b/orders?date=2026-11-27&page=2")
        #expect(Redaction.url("sftp://bank@files.example:2222/out/statement.txt")
            == "sftp://files.example:2222/out/statement.txt")
        #expect(Redaction.url("https://x.example/?Password=1&SECRET=2&access%5Ftoken=3&flag")
            == "https://x.example/?Password=REDACTED&SECRET=REDACTED&access%5Ftoken=REDACTED&flag")
        #expect(Redaction.url("file:///tmp/orders.json") == "file:///tmp/orders.json")
        #expect(Redaction.scrub("bearer abc and abc", secrets: ["abc"]) == "bearer REDACTED and REDACTED")
    }

    @Test("a failing request's error carries the redacted URL; the server still got the real one")
    func errorsRedactURL() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/orders", .status(404))
            let client = testClient(testConfiguration())
            let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://robot:hunter2@")
                + "/orders?date=2026-11-27&secret=sh-h&page=2"

            let error = try #require(await expectHTTPError { try await client.get(url) })

            #expect(error.url == server.url("/orders?date=2026-11-27&secret=REDACTED&page=2"))
            #expect(error.description == "GET \(error.url): HTTP 404 after 1 attempt")
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("sh-h"))
            #expect(server.requests.first?.queryValue("secret") == "sh-h")
            #expect(HTTPRequest.get(url).description == "GET \(error.url)")
        }
    }

    @Test("HTTPError description format")
    func errorDescription() {
        let error = HTTPError(
            kind: .httpStatus, method: .get, url: "https://shop.example/b2b/orders?date=2026-11-27&page=2",
            status: 503, attempts: 4
        )
        #expect(error.description == "GET https://shop.example/b2b/orders?date=2026-11-27&page=2: HTTP 503 after 4 attempts")
        let timeout = HTTPError(
            kind: .timeout, method: .post, url: "https://u:p@edo.example/send?key=1",
            curlCode: 28, curlMessage: "Operation timed out after 1000 milliseconds", attempts: 1
        )
        #expect(timeout.description
            == "POST https://edo.example/send?key=REDACTED: timed out [curl 28: Operation timed out after 1000 milliseconds] after 1 attempt")
    }
}
