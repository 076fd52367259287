import Domain
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One file placed for the EDO operator (or archived, for paper-only buyers).
public struct ManifestEntry: Hashable, Sendable, Codable {
    /// Path relative to the day's folder (`edo/ON_NSCHFDOPPR_….xml`).
    public var file: String
    public var kind: DocumentKind
    public var number: String
    /// `YYYY-MM-DD`.
    public var date: CivilDate
    public var buyerINN: String
    public var totalWithoutVAT: Money
    public var vat: Money
    public var total: Money
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The detached signature beside it, when a signer is configured.
    public var signature: String?
    /// The buyer has no EDO id: archived with a printable form, not for the operator.
    public var paperOnly: Bool
    /// The printable HTML form (paper-only buyers).
    public var printForm: String?

    public init(file: String, kind: DocumentKind, number: String, date: CivilDate, buyerINN: String,
                totalWithoutVAT: Money, vat: Money, total: Money, sha256: String, signature: String? = nil,
                paperOnly: Bool = false, printForm: String? = nil) {
        self.file = file
        self.kind = kind
        self.number = number
        self.date = date
        self.buyerINN = buyerINN
        self.totalWithoutVAT = totalWithoutVAT
        self.vat = vat
        self.total = total
        self.sha256 = sha256
        self.signature = signature
        self.paperOnly = paperOnly
        self.printForm = printForm
    }

    enum CodingKeys: String, CodingKey {
        case file, kind, number, date, sha256, signature
        case buyerINN = "buyer_inn"
        case totalWithoutVAT = "total_without_vat"
        case vat, total
        case paperOnly = "paper_only"
        case printForm = "print_form"
    }
}

/// `manifest.json` of a business day: every file placed, with what it is and its hash.
public struct Manifest: Hashable, Sendable, Codable {
    public var version: Int
    public var businessDate: CivilDate
    public var files: [ManifestEntry]

    public init(businessDate: CivilDate, files: [ManifestEntry]) {
        self.version = 1
        self.businessDate = businessDate
        self.files = files.sorted { $0.file < $1.file }
    }

    enum CodingKeys: String, CodingKey {
        case version
        case businessDate = "business_date"
        case files
    }

    /// Deterministic JSON (sorted keys, pretty-printed): the same day gives the same bytes —
    /// `JSONEncoder`'s with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, written without
    /// its tree of values.
    public func encoded() throws -> [UInt8] {
        var bytes = try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(self)
        bytes.append(0x0A)
        return bytes
    }
}

/// `manifest.json` written as the documents are placed, in bounded memory: the same bytes as
/// `Manifest(businessDate:files:).encoded()` of every appended entry, placed with
/// `AtomicFile.write`'s promise.
///
/// Each entry is encoded when appended. Up to `runLength` of them wait in memory; then they are
/// sorted by path as `Manifest` sorts (`String`'s `<`, stably) and set aside on disk as one sorted
/// run (`SpillFile`). `commit()` merges the runs (ties in appending order) and streams the frame
/// and the entries to the file (`AtomicFile.Stream`), so neither the entries nor their paths are
/// ever all in memory. Use it from one thread at a time.
public final class ManifestWriter {
    /// Where the manifest is placed.
    public let url: URL
    private let businessDate: CivilDate
    private let runLength: Int
    private let spill: SpillFile
    /// Entries not yet in a run: sort key (the path as NFC UTF-8) and encoded member bytes.
    private var waiting: [(key: [UInt8], member: [UInt8])] = []
    /// Where each sorted run starts and ends in `spill`.
    private var runs: [Range<Int>] = []
    private var appended = 0

    /// A writer for `manifest.json` at `url`; its spill file is made in the same folder.
    /// - Parameter runLength: how many entries are sorted in memory at a time.
    public init(businessDate: CivilDate, url: URL, runLength: Int = 4_096) throws(EDOError) {
        self.url = url
        self.businessDate = businessDate
        self.runLength = max(1, runLength)
        spill = try SpillFile(in: url.deletingLastPathComponent(), name: url.lastPathComponent + ".entries")
    }

    /// How many entries were appended.
    public var count: Int { appended }

    /// Adds one placed file.
    public func append(_ entry: ManifestEntry) throws {
        var key: [UInt8] = []
        JSONArrayFrame.appendSortKey(entry.file, to: &key)
        waiting.append((key, JSONArrayFrame.member(of: entry)))
        appended += 1
        if waiting.count >= runLength { try spillRun() }
    }

    /// Sorts the waiting entries (stably) and appends them to the spill file as one run of
    /// records: key length and member length (4 bytes each, little-endian), key, member.
    private func spillRun() throws(EDOError) {
        guard !waiting.isEmpty else { return }
        let sorted = waiting.indices.sorted { a, b in
            let order = JSONArrayFrame.compare(waiting[a].key, waiting[b].key)
            return order != 0 ? order < 0 : a < b
        }
        let start = spill.count
        for index in sorted {
            let (key, member) = waiting[index]
            var header = [UInt8](repeating: 0, count: 8)
            for shift in 0..<4 {
                header[shift] = UInt8(truncatingIfNeeded: key.count >> (8 * shift))
                header[4 + shift] = UInt8(truncatingIfNeeded: member.count >> (8 * shift))
            }
            try spill.append(header)
            try spill.append(key)
            try spill.append(member)
        }
        runs.append(start..<spill.count)
        waiting.removeAll(keepingCapacity: true)
    }

    /// The next record of a run at `offset`: its key, member and where the one after starts.
    private func record(at offset: Int) throws(EDOError) -> (key: [UInt8], member: [UInt8], next: Int) {
        let header = try spill.read(offset: offset, count: 8)
        var keyLength = 0
        var memberLength = 0
        for shift in 0..<4 {
            keyLength |= Int(header[shift]) << (8 * shift)
            memberLength |= Int(header[4 + shift]) << (8 * shift)
        }
        let body = try spill.read(offset: offset + 8, count: keyLength + memberLength)
        return (Array(body[..<keyLength]), Array(body[keyLength...]), offset + 8 + keyLength + memberLength)
    }

    /// Writes the manifest (entries sorted by path) and places it.
    @discardableResult
    public func commit() throws -> AtomicFile.Outcome {
        try spillRun()
        let frame = try JSONArrayFrame(encoded: try Manifest(businessDate: businessDate, files: []).encoded(), arrayKey: "files")
        let stream = try AtomicFile.Stream(url: url)
        do {
            try stream.write(frame.head)
            // The head record of each run; the smallest key goes next, the earliest run on a tie.
            var heads: [(key: [UInt8], member: [UInt8], next: Int)?] = try runs.map { run throws(EDOError) in
                run.isEmpty ? nil : try record(at: run.lowerBound)
            }
            var first = true
            while true {
                var best: Int?
                for (index, head) in heads.enumerated() {
                    guard let head else { continue }
                    if let current = best, let other = heads[current], JSONArrayFrame.compare(head.key, other.key) >= 0 { continue }
                    best = index
                }
                guard let best, let head = heads[best] else { break }
                // Each member was set aside with its leading comma; the first one written has none.
                try stream.write(first ? head.member.dropFirst() : head.member[...])
                first = false
                heads[best] = head.next < runs[best].upperBound ? try record(at: head.next) : nil
            }
            try stream.write(frame.closing(empty: first))
            return try stream.commit()
        } catch {
            stream.discard()
            throw error
        }
    }
}

/// A pretty-printed JSON object (`SortedJSONEncoder`'s bytes) split where the elements of one of
/// its top-level arrays go, so that array can be written an element at a time and the whole stays
/// byte for byte what encoding the object at once gives.
///
/// Encode the object with that array empty; `head` runs up to and including its `[`, `tail` from
/// just after its `]`. Between them go the `member(_:)` bytes of each element (the first without
/// its leading comma), then `closing(empty:)`.
public struct JSONArrayFrame: Sendable {
    /// Up to and including the array's `[`.
    public let head: [UInt8]
    /// After the array's `]`.
    public let tail: [UInt8]

    /// Splits `encoded` (pretty-printed, with `"arrayKey" : []` a member of the top-level object).
    /// - Throws: `EDOError` when `encoded` holds no such empty top-level array.
    public init(encoded: [UInt8], arrayKey: String) throws(EDOError) {
        // A top-level member's line starts with a line break and two spaces; strings never hold a
        // raw line break, so this is found only where the member is.
        let marker = Array("\n  \"\(arrayKey)\" : [\n\n  ]".utf8)
        guard let start = Self.find(marker, in: encoded) else {
            throw EDOError(path: arrayKey, operation: "frame JSON", reason: "no empty top-level array \"\(arrayKey)\"")
        }
        let open = start + marker.count - 5 // just after "[", before "\n\n  ]"
        head = Array(encoded[..<open])
        tail = Array(encoded[(start + marker.count)...])
    }

    /// The array's closing line and the rest of the object.
    public func closing(empty: Bool) -> [UInt8] {
        Self.closingLine(empty: empty) + tail
    }

    /// The array's closing line alone (for a `tail` framed again around a second array).
    public static func closingLine(empty: Bool) -> [UInt8] {
        Array((empty ? "\n\n  ]" : "\n  ]").utf8)
    }

    /// One element as a member of the array: a comma, a line break, then `element`'s JSON
    /// pretty-printed at the array's depth (two levels), `/` not escaped — the bytes encoding the
    /// whole object gives there (``DirectJSONEncodable``). Drop the comma of the first member.
    public static func member<Element: DirectJSONEncodable>(of element: Element) -> [UInt8] {
        var json = JSONBytes(escapesSlashes: false, prettyPrinted: true, depth: 2, capacity: 512)
        json.bytes.append(contentsOf: [0x2C, 0x0A, 0x20, 0x20, 0x20, 0x20])
        element.writeJSON(to: &json)
        return json.bytes
    }

    /// Appends `text`'s sort key: its UTF-8 bytes in Unicode normalisation form C, whose byte order
    /// is `String`'s `<` (Unicode scalars of the canonical composition, compared in order).
    static func appendSortKey(_ text: String, to keys: inout [UInt8]) {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            keys.append(contentsOf: text.utf8)
        } else {
            keys.append(contentsOf: text.precomposedStringWithCanonicalMapping.utf8)
        }
    }

    /// Compares two sort keys byte by byte (a prefix first).
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let length = min(a.count, b.count)
        let order = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b -> Int32 in
                guard length > 0, let left = a.baseAddress, let right = b.baseAddress else { return 0 }
                return memcmp(left, right, length)
            }
        }
        return order != 0 ? Int(order) : a.count - b.count
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
