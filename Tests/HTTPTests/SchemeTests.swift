import Foundation
import HTTP
import TestSupport
import Testing

@Suite("file://, protocol restrictions, Retry-After parsing")
struct SchemeTests {
    @Test("file:// reads a local file with a synthetic 200")
    func fileRead() async throws {
        let directory = try Paths.temporaryDirectory("sverka-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("orders.json")
        let content = Array("{\"orders\": [\"Молоко 3,2 %\"]}\n".utf8)
        try Data(content).write(to: file)

        let response = try await testClient(testConfiguration()).get(file.absoluteString)

        #expect(response.status == 200)
        #expect(response.body == content)
        #expect(response.attempts == 1)
        #expect(response.headers.count == 0)
    }

    @Test("file:// of a missing file is a notFound error, not retried")
    func fileMissing() async throws {
        let directory = try Paths.temporaryDirectory("sverka-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = SleepRecorder()
        let url = directory.appendingPathComponent("absent.json").absoluteString

        let error = try #require(await expectHTTPError { try await testClient(testConfiguration(), recorder: recorder).get(url) })

        #expect(error.kind == .notFound)
        #expect(error.curlCode == 37)
        #expect(error.attempts == 1)
        #expect(recorder.recorded.isEmpty)
        #expect(error.description.hasPrefix("GET \(url): not found"))
    }

    @Test("file:// respects the size limit")
    func fileTooLarge() async throws {
        let directory = try Paths.temporaryDirectory("sverka-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.bin")
        try Data(count: 10_000).write(to: file)
        let client = testClient(testConfiguration { $0.maxResponseBytes = 1000 })
        let error = try #require(await expectHTTPError { try await client.get(file.absoluteString) })
        #expect(error.kind == .tooLarge)
    }

    @Test(
        "schemes other than https, http, sftp and file are refused",
        arguments: ["ftp://127.0.0.1:1/x", "gopher://127.0.0.1:1/", "dict://127.0.0.1:1/d", "scp://127.0.0.1:1/f", "telnet://127.0.0.1:1"]
    )
    func otherProtocolsRefused(url: String) async throws {
        let recorder = SleepRecorder()
        let error = try #require(await expectHTTPError { try await testClient(testConfiguration(), recorder: recorder).get(url) })
        #expect(error.kind == .protocolNotAllowed)
        #expect(error.curlCode == 1)
        #expect(error.attempts == 1)
        #expect(recorder.recorded.isEmpty)
    }

    @Test("a malformed URL is an invalidURL error")
    func malformed() async throws {
        let error = try #require(await expectHTTPError { try await testClient(testConfiguration()).get("http://[::1") })
        #expect(error.kind == .invalidURL)
        #expect(error.attempts == 1)
    }

    @Test("sftp:// without credentials or host key check is a configuration error")
    func sftpNeedsConfiguration() async throws {
        let none = try #require(await expectHTTPError { try await testClient(testConfiguration()).get("sftp://127.0.0.1:1/f") })
        #expect(none.kind == .configuration)
        let unpinned = testClient(testConfiguration { $0.sftp = SFTPCredentials(user: "bank", privateKeyPath: "/nonexistent") })
        let error = try #require(await expectHTTPError { try await unpinned.get("sftp://127.0.0.1:1/f") })
        #expect(error.kind == .configuration)
        #expect(error.description.contains("knownHostsPath or hostKeySHA256"))
    }

    @Test("Retry-After: seconds, HTTP-date forms, past dates, garbage")
    func retryAfterParsing() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "1994-11-06T08:49:00Z"))
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(37))
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == .seconds(37))
        #expect(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: now) == .seconds(37))
        #expect(RetryAfter.parse("Sat, 05 Nov 1994 08:49:37 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
    }
}
