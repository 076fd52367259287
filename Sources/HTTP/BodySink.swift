/// Receives a response body as it arrives, so that a large body never has to be in memory whole.
///
/// `HTTPClient.stream(_:into:)` calls the sink on the transfer's thread, one call at a time and
/// never concurrently; the caller is suspended until the stream returns or throws, so the sink
/// needs no locking. What the sink throws aborts the transfer and is thrown to the caller as is
/// (it is not retried).
public protocol BodySink: AnyObject {
    /// The next piece of the body, in order. The bytes are only valid during the call.
    func receive(_ chunk: UnsafeRawBufferPointer) throws

    /// The request is tried again after a failed attempt (which may have delivered part of a
    /// body): forget everything received so far. Called before each retry attempt, never before
    /// the first.
    func restart() throws
}

/// A sink that keeps the whole body (what `send` returns, for a caller that wants the bytes).
public final class BufferingSink: BodySink {
    /// The bytes received since the last restart.
    public private(set) var bytes: [UInt8] = []

    /// An empty sink.
    public init() {}

    /// Appends the chunk.
    public func receive(_ chunk: UnsafeRawBufferPointer) throws {
        bytes.append(contentsOf: chunk)
    }

    /// Forgets the bytes received.
    public func restart() throws {
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Carries a sink to the transfer's thread.
///
/// Safe because the sink is used by one thread at a time: the awaiting caller is suspended for
/// the whole stream, and each attempt's transfer thread finishes before the next one starts.
struct SinkHandle: @unchecked Sendable {
    let sink: any BodySink
}
