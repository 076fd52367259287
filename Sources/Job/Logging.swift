import Foundation
import Logging

/// Log lines for a person at a terminal or one JSON object per line under cron.
///
/// The job logs ids, counts and amounts; it never logs tokens, and never full
/// bank details: use `LogRedaction.account(_:)` for an account number.
public struct SverkaLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-11-28T03:00:01+03:00 info  fetched orders-feed: 12 orders`
        case text
        /// `{"ts":"…","level":"info","msg":"…","source":"orders-feed"}`
        case json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let format: Format
    private let sink: @Sendable (String) -> Void
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - sink: where finished lines go (standard error in the CLI, an array in tests).
    ///   - clock: the time stamped on each line.
    public init(label: String, format: Format, clock: @escaping @Sendable () -> Date = { Date() },
                sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.sink = sink
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let timestamp = SverkaLogHandler.moscowISO(clock())
        switch format {
        case .text:
            let level = event.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink("\(timestamp) \(level) \(event.message)\(fields.isEmpty ? "" : "  " + fields)")
        case .json:
            var object: [String: String] = ["ts": timestamp, "level": event.level.rawValue, "msg": "\(event.message)", "logger": label]
            for (key, value) in merged where object[key] == nil { object[key] = "\(value)" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(object) { sink(String(decoding: data, as: UTF8.self)) }
        }
    }

    /// ISO 8601 with the Moscow offset: the operator reads Moscow time.
    static func moscowISO(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 3 * 3600)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// Keeps personal and bank data out of logs.
public enum LogRedaction {
    /// `40702810938000012345` → `4070…2345`.
    public static func account(_ account: String) -> String {
        guard account.count > 8 else { return "…" }
        return account.prefix(4) + "…" + account.suffix(4)
    }
}
