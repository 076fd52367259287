import Domain
import Foundation

/// Payment ids in a fixed order, held in memory or kept in a file (``SpilledTexts``) and read back a
/// block at a time: the day's own payments' ids (written as the day's payments go to their file after
/// ingest) and those of the matcher's payments (the payments the day touched), which the day's steps go
/// through in order. A large day's ids were most of what it held from ingest to its end: each is a heap
/// text (a 72-byte 1C id takes a 112-byte block).
///
/// A list kept in a file is one file for all its copies: what one copy appends, every copy lists.
struct PaymentIDList: Sendable {
    private enum Storage: Sendable {
        case memory([PaymentID])
        case file(SpilledTexts)
    }

    private var storage: Storage

    /// `ids`, held in memory (tests, and lists known to be short).
    init(_ ids: [PaymentID]) { storage = .memory(ids) }

    /// An empty list in the (already unlinked) file `.NAME.tmp-PID` in `directory`, for ids to be
    /// appended (``append(_:)``); `contents` says what they are (in an error about the file).
    init(in directory: URL, name: String, contents: String) throws {
        storage = .file(try SpilledTexts(directory: directory, name: name, contents: contents))
    }

    /// Adds `ids` after the ones listed.
    mutating func append(_ ids: some Sequence<PaymentID>) throws {
        switch storage {
        case var .memory(held):
            storage = .memory([])
            held.append(contentsOf: ids)
            storage = .memory(held)
        case let .file(file):
            try file.append(ids.lazy.map(\.rawValue))
        }
    }

    var count: Int {
        switch storage {
        case let .memory(ids): ids.count
        case let .file(file): file.count
        }
    }

    /// Calls `body` with each id of `range` (all of them by default), in order, read `block` at a time.
    func forEach(in range: Range<Int>? = nil, block: Int, _ body: (PaymentID) throws -> Void) throws {
        let range = range ?? 0..<count
        for start in stride(from: range.lowerBound, to: range.upperBound, by: max(1, block)) {
            for id in try ids(in: start..<min(range.upperBound, start + max(1, block))) { try body(id) }
        }
    }

    /// The ids at `range`.
    func ids(in range: Range<Int>) throws -> [PaymentID] {
        switch storage {
        case let .memory(ids): Array(ids[range])
        case let .file(file): try file.texts(in: range).map { PaymentID($0) }
        }
    }
}
