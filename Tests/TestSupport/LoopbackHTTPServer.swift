#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// A request the loopback server received.
public struct RecordedRequest: Sendable {
    /// The method (`GET`, `POST`, …).
    public var method: String
    /// The request target: path with query (`/orders?page=2`).
    public var target: String
    /// The header lines, in order.
    public var headers: [(name: String, value: String)]
    /// The body (de-chunked when sent chunked).
    public var body: [UInt8]

    /// A recorded request.
    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The path without the query (`/orders`).
    public var path: String {
        String(target.prefix { $0 != "?" })
    }

    /// The raw query after `?`, or nil.
    public var query: String? {
        target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
    }

    /// The first value of query parameter `name` (percent-decoded), or nil.
    public func queryValue(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            if key == name {
                let value = parts.count > 1 ? String(parts[1]) : ""
                return value.removingPercentEncoding ?? value
            }
        }
        return nil
    }

    /// The first value of header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}

/// What the loopback server does with one request.
public struct ScriptedResponse: Sendable {
    /// How the response goes out.
    public enum Behavior: Sendable {
        /// Status line, headers and the whole body.
        case complete
        /// Headers at once (with the full `Content-Length`), then the body `bytes` at a time, pausing `every` between pieces.
        case drip(bytes: Int, every: Duration)
        /// Headers with the full `Content-Length`, only the first `after` body bytes, then a normal close.
        case truncate(after: Int)
        /// No response: the connection is reset (RST, via `SO_LINGER` 0).
        case reset
        /// No response ever, until the server stops.
        case hang
    }

    /// The status code.
    public var status: Int
    /// Header lines. `Content-Length` and `Connection: close` are added unless present.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]
    /// Wait before anything is sent.
    public var delay: Duration
    /// How the response goes out.
    public var behavior: Behavior

    /// A scripted response.
    public init(
        status: Int = 200,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        delay: Duration = .zero,
        behavior: Behavior = .complete
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.behavior = behavior
    }

    /// A response with a UTF-8 text body.
    public static func text(
        _ text: String,
        status: Int = 200,
        headers: [(name: String, value: String)] = [("Content-Type", "text/plain; charset=utf-8")]
    ) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: headers, body: Array(text.utf8))
    }

    /// A response with a status and an empty (or given) body.
    public static func status(
        _ status: Int,
        headers: [(name: String, value: String)] = [],
        body: String = ""
    ) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    /// The connection is reset without a response.
    public static let reset = ScriptedResponse(behavior: .reset)

    /// The server never answers (until stopped).
    public static let hang = ScriptedResponse(behavior: .hang)

    /// This response, sent after `delay`.
    public func delayed(by delay: Duration) -> ScriptedResponse {
        var copy = self
        copy.delay = delay
        return copy
    }

    /// This response with its body dripped `bytes` at a time every `every`.
    public func dripped(bytes: Int, every: Duration) -> ScriptedResponse {
        var copy = self
        copy.behavior = .drip(bytes: max(1, bytes), every: every)
        return copy
    }

    /// This response announcing its full length but cut after `after` body bytes.
    public func truncated(after: Int) -> ScriptedResponse {
        var copy = self
        copy.behavior = .truncate(after: after)
        return copy
    }
}

/// A failure to set up the loopback server's socket.
public struct LoopbackServerError: Error, CustomStringConvertible {
    /// The failed call.
    public var operation: String
    /// `errno` after it.
    public var code: Int32

    /// e.g. `bind: Address already in use`.
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// A real HTTP/1.1 server on 127.0.0.1 (random free port) for tests.
///
/// Responses come from the `handler` given at start, or else from per-path
/// queues set with `script(_:_:)`: each request to the path takes the next
/// response, and the last one repeats. A request nothing answers gets a 404.
/// Every response closes its connection. Every request is recorded (also
/// those answered by `.reset` or `.hang`). One thread accepts, one thread
/// serves each connection. `stop()` wakes every blocked thread (hanging and
/// dripping ones too), waits for them and closes every socket. The threads
/// keep the server alive until then: always call `stop()` (e.g. in a `defer`),
/// or use `with(handler:_:)`.
///
/// ```swift
/// let server = try LoopbackHTTPServer()
/// defer { server.stop() }
/// server.script("/orders", .status(503), .text("[]"))
/// ```
public final class LoopbackHTTPServer: Sendable {
    /// The port listened on.
    public let port: UInt16

    private let listener: Int32
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let handler: (@Sendable (RecordedRequest) -> ScriptedResponse?)?
    private let threads = DispatchGroup()
    private let state = Mutex(State())

    private struct State {
        var scripts: [String: [ScriptedResponse]] = [:]
        var requests: [RecordedRequest] = []
        var stopped = false
    }

    /// Starts a server on 127.0.0.1 with a free port.
    /// - Parameter handler: answers requests; returning nil falls back to the scripts.
    public init(handler: (@Sendable (RecordedRequest) -> ScriptedResponse?)? = nil) throws {
        self.handler = handler
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw LoopbackServerError(operation: "pipe", code: errno) }
        let (listener, port): (Int32, UInt16)
        do {
            (listener, port) = try Self.openListener()
        } catch {
            close(pipeFDs[0])
            close(pipeFDs[1])
            throw error
        }
        self.listener = listener
        self.port = port
        self.wakeReader = pipeFDs[0]
        self.wakeWriter = pipeFDs[1]
        threads.enter()
        let acceptor = Thread { [self] in
            defer { threads.leave() }
            acceptLoop()
        }
        acceptor.name = "loopback-http-accept"
        acceptor.start()
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT` followed by `pathAndQuery` (which starts with `/`).
    public func url(_ pathAndQuery: String) -> String { baseURL + pathAndQuery }

    /// Queues responses for `path` (without query); they replace any queued before.
    public func script(_ path: String, _ responses: [ScriptedResponse]) {
        state.withLock { $0.scripts[path] = responses }
    }

    /// Queues responses for `path` (without query); they replace any queued before.
    public func script(_ path: String, _ responses: ScriptedResponse...) {
        script(path, responses)
    }

    /// Every request received so far, in order of arrival.
    public var requests: [RecordedRequest] {
        state.withLock { $0.requests }
    }

    /// The requests received for `path` (without query).
    public func requests(to path: String) -> [RecordedRequest] {
        requests.filter { $0.path == path }
    }

    /// Stops the server: wakes and ends every connection (hanging ones too),
    /// waits for its threads and closes its sockets. Safe to call twice.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
        let finished = threads.wait(timeout: .now() + 10) == .success
        close(listener)
        if finished {
            close(wakeReader)
            close(wakeWriter)
        }
    }

    /// A loopback port that nothing listens on right now (bound, then released).
    public static func unusedPort() throws -> UInt16 {
        let (fd, port) = try openListener()
        close(fd)
        return port
    }

    /// A loopback port that refuses connections for as long as the value lives: bound without
    /// `SO_REUSEADDR` and never listening, so no other socket (another test's server) can take it, nor
    /// can the kernel hand it out as a free port, between its choice and a connection to it (a port
    /// from ``unusedPort()`` can be taken by then).
    public final class RefusingPort: @unchecked Sendable { // (the descriptor is only closed, once)
        public let port: UInt16
        private let descriptor: Int32

        fileprivate init(descriptor: Int32, port: UInt16) {
            self.descriptor = descriptor
            self.port = port
        }

        deinit { close(descriptor) }
    }

    /// A port that refuses connections while the value returned lives.
    public static func refusingPort() throws -> RefusingPort {
        let (fd, port) = try openListener(listening: false)
        return RefusingPort(descriptor: fd, port: port)
    }

    /// Runs `body` with a fresh server and stops it afterwards.
    public static func with<T>(
        handler: (@Sendable (RecordedRequest) -> ScriptedResponse?)? = nil,
        _ body: (LoopbackHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try LoopbackHTTPServer(handler: handler)
        defer { server.stop() }
        return try await body(server)
    }

    // MARK: Sockets

    /// A socket bound to a free loopback port, listening (with `SO_REUSEADDR`), or not (without it).
    private static func openListener(listening: Bool = true) throws -> (Int32, UInt16) {
        #if os(Linux)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw LoopbackServerError(operation: "socket", code: errno) }
        var one: Int32 = 1
        if listening { _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError(operation: "bind", code: code)
        }
        guard !listening || listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError(operation: "listen", code: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError(operation: "getsockname", code: code)
        }
        setNonBlocking(fd)
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    private enum Wait {
        case ready, stopped, timedOut
    }

    /// Waits until `fd` is ready for `events`, the server stops, or `timeout` passes (nil: forever).
    private func wait(_ fd: Int32?, _ events: Int16, timeout: Duration?) -> Wait {
        var fds = [pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
        if let fd { fds.append(pollfd(fd: fd, events: events, revents: 0)) }
        let milliseconds: Int32 = timeout.map {
            let components = $0.components
            return Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
        } ?? -1
        while true {
            let result = poll(&fds, nfds_t(fds.count), milliseconds)
            if result < 0 && errno == EINTR { continue }
            if result < 0 { return .stopped }
            if fds[0].revents != 0 { return .stopped }
            if result == 0 { return .timedOut }
            return .ready
        }
    }

    /// Sleeps `duration` unless the server stops first (then false).
    private func pause(_ duration: Duration) -> Bool {
        guard duration > .zero else { return true }
        return wait(nil, 0, timeout: duration) == .timedOut
    }

    private func acceptLoop() {
        while wait(listener, Int16(POLLIN), timeout: nil) == .ready {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            Self.setNonBlocking(fd)
            threads.enter()
            let connection = Thread { [self] in
                defer { threads.leave() }
                serve(fd)
            }
            connection.name = "loopback-http-connection"
            connection.start()
        }
    }

    // MARK: One connection

    private func serve(_ fd: Int32) {
        var reader = Reader(fd: fd, server: self)
        guard let request = reader.readRequest() else {
            close(fd)
            return
        }
        state.withLock { $0.requests.append(request) }
        let response = respond(to: request)
        guard pause(response.delay) else {
            close(fd)
            return
        }
        switch response.behavior {
        case .reset:
            var option = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        case .hang:
            _ = wait(nil, 0, timeout: nil)
        case .complete:
            if sendAll(fd, head(of: response)) { _ = sendAll(fd, response.body) }
        case .truncate(let after):
            if sendAll(fd, head(of: response)) { _ = sendAll(fd, Array(response.body.prefix(max(0, after)))) }
        case .drip(let bytes, let every):
            if sendAll(fd, head(of: response)) {
                var offset = 0
                while offset < response.body.count {
                    let end = min(response.body.count, offset + bytes)
                    guard sendAll(fd, Array(response.body[offset..<end])) else { break }
                    offset = end
                    guard offset < response.body.count, pause(every) else { break }
                }
            }
        }
        close(fd)
    }

    /// The scripted answer to a recorded request.
    private func respond(to request: RecordedRequest) -> ScriptedResponse {
        if let handler, let response = handler(request) { return response }
        let scripted = state.withLock { state -> ScriptedResponse? in
            guard var queue = state.scripts[request.path], let next = queue.first else { return nil }
            if queue.count > 1 {
                queue.removeFirst()
                state.scripts[request.path] = queue
            }
            return next
        }
        return scripted ?? .text("no script for \(request.path)\n", status: 404)
    }

    private func head(of response: ScriptedResponse) -> [UInt8] {
        var lines = ["HTTP/1.1 \(response.status) \(Self.reason(response.status))"]
        let names = Set(response.headers.map { $0.name.lowercased() })
        for header in response.headers { lines.append("\(header.name): \(header.value)") }
        if !names.contains("content-length") && !names.contains("transfer-encoding") {
            lines.append("Content-Length: \(response.body.count)")
        }
        if !names.contains("connection") { lines.append("Connection: close") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Writes all of `bytes`; false when the peer went away or the server stopped.
    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard wait(fd, Int16(POLLOUT), timeout: nil) == .ready else { return false }
            } else {
                return false
            }
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }

    /// Reads one request from a connection.
    private struct Reader {
        let fd: Int32
        let server: LoopbackHTTPServer
        var buffer: [UInt8] = []

        /// Reads more bytes into the buffer; false on EOF, error or stop.
        mutating func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    buffer.append(contentsOf: chunk[0..<count])
                    return true
                }
                if count == 0 { return false }
                guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
                guard server.wait(fd, Int16(POLLIN), timeout: nil) == .ready else { return false }
            }
        }

        /// Reads up to and including the next CRLF; nil on EOF.
        mutating func line() -> String? {
            while true {
                if let end = crlf(from: 0) {
                    let text = String(decoding: buffer[0..<end], as: UTF8.self)
                    buffer.removeFirst(end + 2)
                    return text
                }
                guard buffer.count < 1_048_576, fill() else { return nil }
            }
        }

        mutating func bytes(_ count: Int) -> [UInt8]? {
            while buffer.count < count {
                guard fill() else { return nil }
            }
            let result = Array(buffer[0..<count])
            buffer.removeFirst(count)
            return result
        }

        func crlf(from start: Int) -> Int? {
            guard buffer.count >= 2 else { return nil }
            var index = start
            while index + 1 < buffer.count {
                if buffer[index] == 13 && buffer[index + 1] == 10 { return index }
                index += 1
            }
            return nil
        }

        mutating func readRequest() -> RecordedRequest? {
            guard let requestLine = line() else { return nil }
            let parts = requestLine.split(separator: " ")
            guard parts.count >= 2 else { return nil }
            var headers: [(name: String, value: String)] = []
            while let headerLine = line(), !headerLine.isEmpty {
                guard let colon = headerLine.firstIndex(of: ":") else { continue }
                headers.append((
                    String(headerLine[..<colon]).trimmingCharacters(in: .whitespaces),
                    String(headerLine[headerLine.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                ))
            }
            func header(_ name: String) -> String? {
                headers.first { $0.name.lowercased() == name }?.value
            }
            if header("expect")?.lowercased() == "100-continue" {
                guard server.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
            }
            var body: [UInt8] = []
            if header("transfer-encoding")?.lowercased().contains("chunked") == true {
                while let sizeLine = line() {
                    let hex = sizeLine.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
                    guard let size = Int(hex, radix: 16) else { return nil }
                    if size == 0 {
                        while let trailer = line(), !trailer.isEmpty {}
                        break
                    }
                    guard let chunk = bytes(size), line() != nil else { return nil }
                    body += chunk
                }
            } else if let length = header("content-length").flatMap({ Int($0) }), length > 0 {
                guard let content = bytes(length) else { return nil }
                body = content
            }
            return RecordedRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
        }
    }
}

/// `body` in HTTP/1.1 chunked transfer coding, in pieces of `size` bytes (a scripted response's
/// body with `Transfer-Encoding: chunked`).
public func chunked(_ body: [UInt8], size: Int) -> [UInt8] {
    var result: [UInt8] = []
    var offset = 0
    while offset < body.count {
        let end = min(body.count, offset + size)
        result += Array(String(end - offset, radix: 16).utf8) + [13, 10] + body[offset..<end] + [13, 10]
        offset = end
    }
    return result + Array("0\r\n\r\n".utf8)
}
