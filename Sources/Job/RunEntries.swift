import Domain
import EDO
import Foundation
import Synchronization

/// A list of run.json's entries (its documents, its payments): in memory, or — as the job builds
/// them — **spilled**: each entry's run.json member bytes appended to a temporary file (EDO's
/// ``SpillFile``: made in the folder the job gives and unlinked at once, so nothing stays on disk)
/// with only where each one ends in memory (8 bytes an entry), read back when asked for.
///
/// It is a `RandomAccessCollection` of its entries, `Codable` as a JSON array (the bytes an
/// `Array` of the same entries gives), and two lists are equal when their entries are, however
/// they are stored.
///
/// **Value semantics.** A copy is a view of the same entries: appending to one copy never changes
/// another. Memory storage is an `Array` (copy-on-write). A spilled list's file is shared by its
/// copies, each seeing the first `count` entries; an append goes to the shared file when this copy
/// has seen all of it, otherwise (another copy appended first) this copy's entries are copied into a
/// new file of its own in the same folder first.
///
/// **Reading back.** A spilled entry is read from the file and decoded from its JSON (money, dates,
/// optionals round-trip exactly; money beyond run.json's 16 digits of roubles is written to run.json
/// but cannot be read back, as run.json itself cannot). ``forEachEntry(_:)`` and ``encode(to:)`` report a failed read as a
/// ``RunEntriesError``; the collection's non-throwing access (`subscript`, iteration, `==`) cannot, and
/// stops the process with that error's description. The file is this process's own, unlinked and
/// already read back once when run.json is written, so only an I/O error of the disk gets there; the
/// job's own readers use the throwing forms.
public struct RunEntries<Entry: Codable & Sendable & Equatable & DirectJSONEncodable>: Sendable {
    enum Storage: Sendable {
        case memory([Entry])
        /// The first `count` entries of `spill`.
        case spilled(RunEntriesSpill<Entry>, count: Int)
    }

    private(set) var storage: Storage

    /// The entries, in memory.
    public init(_ entries: [Entry]) { storage = .memory(entries) }

    /// An empty list whose entries are appended to a temporary file made in `directory` (created
    /// if needed) as `.NAME.tmp-PID` and unlinked at once.
    /// - Parameter name: the file's name and what the entries are in messages (`run-documents`).
    /// - Throws: ``RunEntriesError`` naming the file when it cannot be made.
    public init(spillingIn directory: URL, name: String) throws(RunEntriesError) {
        storage = .spilled(try RunEntriesSpill(directory: directory, name: name), count: 0)
    }

    /// Whether the entries are in a temporary file (not in memory).
    public var isSpilled: Bool {
        if case .spilled = storage { true } else { false }
    }

    /// Appends `entry` (to the file, for a spilled list).
    /// - Throws: ``RunEntriesError`` when a spilled list's file cannot take it; the list is unchanged.
    public mutating func append(_ entry: Entry) throws(RunEntriesError) {
        switch storage {
        case .memory(var entries):
            storage = .memory([]) // (the array is uniquely referenced while it grows)
            entries.append(entry)
            storage = .memory(entries)
        case .spilled(let spill, let count):
            let member = JSONArrayFrame.member(of: entry)
            if try spill.append(member, after: count) {
                storage = .spilled(spill, count: count + 1)
            } else {
                // Another copy appended to the shared file: this one's entries go to a file of its own.
                let own = try spill.copy(first: count)
                guard try own.append(member, after: count) else {
                    throw RunEntriesError(file: own.path, entry: count, operation: "append", reason: "the copied file does not hold \(count) entries")
                }
                storage = .spilled(own, count: count + 1)
            }
        }
    }

    /// Calls `body` with every entry in order, a spilled list's read back a block at a time.
    /// - Throws: ``RunEntriesError`` when a spilled entry cannot be read back; what `body` throws.
    public func forEachEntry(_ body: (Entry) throws -> Void) throws {
        switch storage {
        case .memory(let entries):
            for entry in entries { try body(entry) }
        case .spilled(let spill, let count):
            for start in stride(from: 0, to: count, by: RunEntriesSpill<Entry>.block) {
                for entry in try spill.entries(start..<Swift.min(count, start + RunEntriesSpill<Entry>.block)) { try body(entry) }
            }
        }
    }

    /// Writes the entries as run.json's array members (``JSONArrayFrame/member(of:)``, the first
    /// without its comma) to `stream`: a spilled list's stored bytes copied a chunk at a time.
    func writeMembers(to stream: AtomicFile.Stream) throws {
        switch storage {
        case .memory(let entries):
            for (index, entry) in entries.enumerated() {
                let member = JSONArrayFrame.member(of: entry)
                try stream.write(index == 0 ? member.dropFirst() : member[...])
            }
        case .spilled(let spill, let count):
            var first = true
            try spill.forEachChunk(first: count) { chunk in
                try stream.write(first ? chunk.dropFirst() : chunk[...])
                first = false
            }
        }
    }
}

extension RunEntries: RandomAccessCollection {
    public typealias Index = Int

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .memory(let entries): entries.count
        case .spilled(_, let count): count
        }
    }

    /// The entry at `position` (a spilled one read back with the block around it, kept for the next access).
    public subscript(position: Int) -> Entry {
        switch storage {
        case .memory(let entries):
            return entries[position]
        case .spilled(let spill, let count):
            precondition(position >= 0 && position < count, "RunEntries: index \(position) out of 0..<\(count)")
            do {
                return try spill.entry(at: position, of: count)
            } catch {
                fatalError("\(error)")
            }
        }
    }
}

extension RunEntries: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Entry...) { self.init(elements) }
}

extension RunEntries: Equatable {
    /// The same entries in the same order, however each list is stored.
    public static func == (lhs: RunEntries, rhs: RunEntries) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.memory(let left), .memory(let right)):
            return left == right
        case (.spilled(let left, let leftCount), .spilled(let right, let rightCount)) where left === right:
            return leftCount == rightCount
        default:
            return lhs.count == rhs.count && lhs.elementsEqual(rhs)
        }
    }
}

extension RunEntries: Codable {
    /// A JSON array of the entries.
    public init(from decoder: any Decoder) throws {
        self.init(try [Entry](from: decoder))
    }

    /// As a JSON array of the entries (an `Array`'s bytes); a spilled list's are read back a block at a time.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try forEachEntry { try container.encode($0) }
    }
}

/// A spilled list's entry could not be kept or read back.
public struct RunEntriesError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The temporary file (`FOLDER/.NAME.tmp-PID`, already unlinked once made).
    public var file: String
    /// The entry's position, when it is about one.
    public var entry: Int?
    /// What was done: `create`, `append`, `read`, `decode`, `copy`.
    public var operation: String
    public var reason: String

    public init(file: String, entry: Int?, operation: String, reason: String) {
        self.file = file
        self.entry = entry
        self.operation = operation
        self.reason = reason
    }

    public var description: String {
        "run.json's entries kept aside in \(file): \(operation)" + (entry.map { " entry \($0)" } ?? "") + ": \(reason)"
    }
}

/// The temporary file of a spilled ``RunEntries``: entries' run.json member bytes one after another,
/// where each ends, and the last block read back decoded. Shared by the list's copies; every access
/// takes the lock (appends from one thread, reads from any).
final class RunEntriesSpill<Entry: Decodable & Sendable>: Sendable {
    private struct State: @unchecked Sendable { // (the file is used only under the lock)
        let file: SpillFile
        /// Where each entry ends in the file (its start is the previous one's end).
        var ends: [Int] = []
        /// The last block decoded (`block` entries from `cachedStart`).
        var cachedStart = 0
        var cached: [Entry] = []
    }

    /// How many entries are read back and decoded at once.
    static var block: Int { 256 }
    /// How many bytes are copied at once.
    static var chunk: Int { 1 << 20 }

    private let state: Mutex<State>
    let directory: URL
    let name: String
    /// Where the file was made (it is unlinked at once): for messages.
    let path: String

    init(directory: URL, name: String) throws(RunEntriesError) {
        self.directory = directory
        self.name = name
        let file: SpillFile
        do {
            file = try SpillFile(in: directory, name: name)
        } catch {
            throw RunEntriesError(file: SpillFile.path(in: directory, name: name), entry: nil, operation: "create", reason: "\(error)")
        }
        path = file.path
        state = Mutex(State(file: file))
    }

    /// Appends one entry's bytes when the file holds exactly `count` entries.
    /// - Returns: `false` (nothing appended) when it holds more.
    func append(_ member: [UInt8], after count: Int) throws(RunEntriesError) -> Bool {
        try state.withLock { (state) throws(RunEntriesError) -> Bool in
            guard state.ends.count == count else { return false }
            let end = (state.ends.last ?? 0) + member.count
            do {
                try state.file.append(member)
            } catch {
                throw RunEntriesError(file: path, entry: count, operation: "append", reason: "\(error)")
            }
            state.ends.append(end)
            return true
        }
    }

    /// A new file in the same folder holding the first `count` entries.
    func copy(first count: Int) throws(RunEntriesError) -> RunEntriesSpill {
        let copy = try RunEntriesSpill(directory: directory, name: name)
        let ends = state.withLock { Array($0.ends.prefix(count)) }
        do {
            try forEachChunk(first: count) { chunk in
                try copy.state.withLock { (state) throws(EDOError) in try state.file.append(chunk) }
            }
        } catch let error as RunEntriesError {
            throw error
        } catch {
            throw RunEntriesError(file: copy.path, entry: nil, operation: "copy", reason: "\(error)")
        }
        copy.state.withLock { $0.ends = ends }
        return copy
    }

    /// Calls `body` with the bytes of the first `count` entries, in order, a chunk at a time.
    /// - Throws: ``RunEntriesError`` when the file cannot be read; what `body` throws.
    func forEachChunk(first count: Int, _ body: ([UInt8]) throws -> Void) throws {
        let total = state.withLock { count == 0 ? 0 : $0.ends[count - 1] }
        var offset = 0
        while offset < total {
            let size = min(Self.chunk, total - offset)
            let bytes = try state.withLock { (state) throws(RunEntriesError) -> [UInt8] in
                do {
                    return try state.file.read(offset: offset, count: size)
                } catch {
                    throw RunEntriesError(file: path, entry: nil, operation: "read",
                                          reason: "bytes \(offset)..<\(offset + size) of \(total): \(error)")
                }
            }
            try body(bytes)
            offset += size
        }
    }

    /// The entries at `positions`, decoded.
    func entries(_ positions: Range<Int>) throws(RunEntriesError) -> [Entry] {
        try state.withLock { (state) throws(RunEntriesError) -> [Entry] in try Self.decode(positions, in: &state, path: path) }
    }

    /// The entry at `position` of a list of `count`, from the block around it (kept for the next access).
    func entry(at position: Int, of count: Int) throws(RunEntriesError) -> Entry {
        try state.withLock { (state) throws(RunEntriesError) -> Entry in
            if position >= state.cachedStart, position < state.cachedStart + state.cached.count {
                return state.cached[position - state.cachedStart]
            }
            let start = position - position % Self.block
            let entries = try Self.decode(start..<min(count, start + Self.block), in: &state, path: path)
            state.cachedStart = start
            state.cached = entries
            return entries[position - start]
        }
    }

    /// Reads back and decodes the entries at `positions` (as the members of a JSON array).
    private static func decode(_ positions: Range<Int>, in state: inout State, path: String) throws(RunEntriesError) -> [Entry] {
        guard !positions.isEmpty else { return [] }
        guard positions.lowerBound >= 0, positions.upperBound <= state.ends.count else {
            throw RunEntriesError(file: path, entry: positions.lowerBound, operation: "read",
                                  reason: "entries \(positions.lowerBound)..<\(positions.upperBound) of \(state.ends.count)")
        }
        let start = positions.lowerBound == 0 ? 0 : state.ends[positions.lowerBound - 1]
        let end = state.ends[positions.upperBound - 1]
        var bytes: [UInt8]
        do {
            bytes = try state.file.read(offset: start, count: end - start)
        } catch {
            throw RunEntriesError(file: path, entry: positions.lowerBound, operation: "read",
                                  reason: "entries \(positions.lowerBound)..<\(positions.upperBound): \(error)")
        }
        // The members (each `,\n    {…}`) as an array: the first comma becomes its bracket.
        guard bytes.first == UInt8(ascii: ",") else {
            throw RunEntriesError(file: path, entry: positions.lowerBound, operation: "decode", reason: "the entry does not start a member")
        }
        bytes[0] = UInt8(ascii: "[")
        bytes.append(UInt8(ascii: "]"))
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: Data(bytes))
        } catch {
            throw RunEntriesError(file: path, entry: positions.lowerBound, operation: "decode",
                                  reason: "entries \(positions.lowerBound)..<\(positions.upperBound): \(error)")
        }
        guard entries.count == positions.count else {
            throw RunEntriesError(file: path, entry: positions.lowerBound, operation: "decode",
                                  reason: "entries \(positions.lowerBound)..<\(positions.upperBound) read back as \(entries.count)")
        }
        return entries
    }
}
