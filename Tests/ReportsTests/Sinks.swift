import Reports

/// A report file gathered in memory, a piece at a time.
final class MemorySink: ReportSink {
    var bytes: [UInt8] = []
    var pieces = 0

    func write(_ bytes: [UInt8]) throws {
        self.bytes += bytes
        pieces += 1
    }
}

/// What the tests' sinks and rows throw.
struct SinkFailure: Error {}

/// A sink that fails once `limit` bytes were written.
final class FailingSink: ReportSink {
    var written = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func write(_ bytes: [UInt8]) throws {
        written += bytes.count
        if written > limit { throw SinkFailure() }
    }
}
