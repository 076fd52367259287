import Foundation

/// Writes bytes to a file through a buffer, so a large file never sits whole in memory.
final class ByteSink {
    private let handle: FileHandle
    private(set) var buffer: [UInt8] = []
    private let limit: Int
    /// Bytes written so far (flushed or not).
    private(set) var count = 0

    /// Creates (or truncates) the file at `url`.
    init(url: URL, bufferSize: Int = 1 << 20) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw GeneratorError(path: url.path, reason: "cannot create the file")
        }
        handle = try FileHandle(forWritingTo: url)
        limit = bufferSize
        buffer.reserveCapacity(bufferSize + 4096)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        count += bytes.count
        if buffer.count >= limit { try flush() }
    }

    func write(_ text: String) throws {
        let before = buffer.count
        buffer.append(contentsOf: text.utf8)
        count += buffer.count - before
        if buffer.count >= limit { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        try handle.close()
    }
}

/// A file the generator could not write.
public struct GeneratorError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
