import Foundation
import HTTP
import TestSupport
import Testing

/// A sink that records what it is given: each chunk, and restarts in between.
final class RecordingSink: BodySink {
    enum Event: Equatable {
        case chunk([UInt8])
        case restart
    }

    var events: [Event] = []
    /// Throws `Refused` once this many bytes were received (since the last restart).
    var refuseAfter: Int?

    struct Refused: Error, Equatable {
        var received: Int
    }

    /// The bytes received since the last restart.
    var body: [UInt8] {
        var bytes: [UInt8] = []
        for event in events {
            switch event {
            case .chunk(let chunk): bytes += chunk
            case .restart: bytes = []
            }
        }
        return bytes
    }

    var chunkCount: Int { events.filter { if case .chunk = $0 { true } else { false } }.count }
    var restarts: Int { events.filter { $0 == .restart }.count }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        events.append(.chunk(Array(chunk)))
        if let refuseAfter, body.count >= refuseAfter { throw Refused(received: body.count) }
    }

    func restart() throws {
        events.append(.restart)
    }
}

@Suite("HTTPClient.stream: the body as it arrives")
struct StreamTests {
    /// A body whose every position differs from its neighbours, so an order mistake shows.
    static func body(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 251) }
    }

    @Test("a body sent in many chunks arrives complete and in order, in pieces")
    func manyChunks() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Self.body(200_000)
            server.script("/feed", ScriptedResponse(headers: [("Transfer-Encoding", "chunked")], body: chunked(body, size: 700)))
            let sink = RecordingSink()
            let response = try await testClient(testConfiguration()).stream(.get(server.url("/feed")), into: sink)
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(sink.body == body)
            #expect(sink.chunkCount > 1)
            #expect(sink.restarts == 0)
        }
    }

    @Test("a retry after a 503 restarts the sink; the 503's body never reaches it")
    func retryAfter503() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Self.body(50_000)
            server.script("/feed", .status(503, body: "busy, come back"), ScriptedResponse(body: body))
            let recorder = SleepRecorder()
            let sink = RecordingSink()
            let response = try await testClient(testConfiguration(), recorder: recorder).stream(.get(server.url("/feed")), into: sink)
            #expect(response.attempts == 2)
            #expect(sink.events.first == .restart)
            #expect(sink.restarts == 1)
            #expect(sink.body == body)
            #expect(recorder.recorded.count == 1)
        }
    }

    @Test("a body cut in the middle, then whole on the retry, gives exactly the body")
    func midBodyFailureThenSuccess() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Self.body(40_000)
            server.script("/feed", ScriptedResponse(body: body).truncated(after: 15_000), ScriptedResponse(body: body))
            let sink = RecordingSink()
            let response = try await testClient(testConfiguration()).stream(.get(server.url("/feed")), into: sink)
            #expect(response.attempts == 2)
            #expect(sink.restarts == 1)
            // The first attempt delivered part of the body before it failed.
            let beforeRestart = sink.events.prefix { $0 != .restart }
            #expect(!beforeRestart.isEmpty)
            #expect(sink.body == body)
        }
    }

    @Test("an error status is not streamed: it is thrown as HTTPError, as send does")
    func errorStatusIsBuffered() async throws {
        try await LoopbackHTTPServer.with { server in
            server.script("/feed", .status(404, body: "no such day"))
            let sink = RecordingSink()
            let client = testClient(testConfiguration())
            let streamed = try #require(await expectHTTPError { try await client.stream(.get(server.url("/feed")), into: sink) })
            #expect(streamed.kind == .httpStatus)
            #expect(streamed.status == 404)
            #expect(sink.events.isEmpty)
        }
    }

    @Test("the size limit holds over the whole stream and is not retried")
    func limitTrips() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Self.body(10_000)
            server.script("/chunked", ScriptedResponse(headers: [("Transfer-Encoding", "chunked")], body: chunked(body, size: 500)))
            let sink = RecordingSink()
            let client = testClient(testConfiguration { $0.maxResponseBytes = 4096 })
            let error = try #require(await expectHTTPError { try await client.stream(.get(server.url("/chunked")), into: sink) })
            #expect(error.kind == .tooLarge)
            #expect(error.attempts == 1)
            #expect(sink.body.count <= 4096)
            #expect(server.requests(to: "/chunked").count == 1)
        }
    }

    @Test("an error the sink throws aborts the transfer and is thrown as is, not retried")
    func sinkErrorAborts() async throws {
        try await LoopbackHTTPServer.with { server in
            let body = Self.body(300_000)
            server.script("/feed", ScriptedResponse(headers: [("Transfer-Encoding", "chunked")], body: chunked(body, size: 1000)))
            let sink = RecordingSink()
            sink.refuseAfter = 5000
            do {
                _ = try await testClient(testConfiguration()).stream(.get(server.url("/feed")), into: sink)
                Issue.record("expected the sink's error")
            } catch let refused as RecordingSink.Refused {
                #expect(refused.received >= 5000)
                #expect(refused.received < body.count)
            }
            #expect(sink.restarts == 0)
            #expect(server.requests(to: "/feed").count == 1)
        }
    }

    @Test("file:// streams too, within the limit")
    func fileStreams() async throws {
        let directory = try Paths.temporaryDirectory("sverka-http-stream")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("orders.json")
        let body = Self.body(1_000_000)
        try Data(body).write(to: file)
        let sink = RecordingSink()
        let response = try await testClient(testConfiguration()).stream(.get(file.absoluteString), into: sink)
        #expect(response.status == 200)
        #expect(sink.body == body)
        #expect(sink.chunkCount > 1)

        let small = RecordingSink()
        let client = testClient(testConfiguration { $0.maxResponseBytes = 1000 })
        let error = try #require(await expectHTTPError { try await client.stream(.get(file.absoluteString), into: small) })
        #expect(error.kind == .tooLarge)
    }

    @Test("a client made only from send streams the buffered body once")
    func sendOnlyClientStreams() async throws {
        let body = Self.body(3000)
        let client = HTTPClient { request in
            HTTPResponse(status: 200, headers: [:], body: body, effectiveURL: request.url, attempts: 1)
        }
        let sink = RecordingSink()
        let response = try await client.stream(.get("https://shop.example/feed"), into: sink)
        #expect(sink.events == [.chunk(body)])
        #expect(response.body.isEmpty)
        #expect(response.status == 200)

        let buffering = BufferingSink()
        _ = try await client.stream(.get("https://shop.example/feed"), into: buffering)
        #expect(buffering.bytes == body)
    }
}
