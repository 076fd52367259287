#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTP

/// What the bytes of a statement say about their encoding, worked out as they pass by, piece
/// after piece: whether they are valid UTF-8 as a whole and hold a Cyrillic letter
/// (U+0400–U+04FF), and whether they start with a UTF-8 byte order mark.
///
/// The byte order mark is itself valid UTF-8 and no Cyrillic letter, so the bytes with it are valid
/// UTF-8 holding Cyrillic exactly when the bytes after it are.
struct EncodingEvidence: Sendable {
    /// The continuation bytes the sequence at hand still needs (0: between characters).
    private var pending = 0
    /// The range the next byte must fall in when `pending > 0` (narrower than 80…BF right after
    /// E0, ED, F0 and F4: no overlong forms, no surrogates, nothing above U+10FFFF).
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private var invalid = false
    private var cyrillic = false
    /// The first bytes (up to three), for the byte order mark.
    private var first: [UInt8] = []

    /// Takes the next piece of the bytes.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if first.count < 3 { first += bytes.prefix(3 - first.count) }
        guard !invalid else { return }
        let count = bytes.count
        var index = 0
        while index < count {
            if pending == 0 {
                // ASCII eight bytes at a time.
                while index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                }
                guard index < count else { break }
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF:
                    pending = 1; low = 0x80; high = 0xBF
                    if byte >= 0xD0 && byte <= 0xD3 { cyrillic = true }
                case 0xE0: pending = 2; low = 0xA0; high = 0xBF
                case 0xE1...0xEC, 0xEE, 0xEF: pending = 2; low = 0x80; high = 0xBF
                case 0xED: pending = 2; low = 0x80; high = 0x9F
                case 0xF0: pending = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: pending = 3; low = 0x80; high = 0xBF
                case 0xF4: pending = 3; low = 0x80; high = 0x8F
                default:
                    invalid = true
                    return
                }
            } else {
                let byte = bytes[index]
                index += 1
                guard byte >= low && byte <= high else {
                    invalid = true
                    return
                }
                pending -= 1
                low = 0x80
                high = 0xBF
            }
        }
    }

    /// Whether the bytes seen are valid UTF-8 (none cut short at the end) holding Cyrillic: then
    /// the statement is read as UTF-8 whatever it declares.
    var isUTF8WithCyrillic: Bool { !invalid && pending == 0 && cyrillic }

    /// Whether the bytes start with a UTF-8 byte order mark (EF BB BF).
    var hasBOM: Bool { first == [0xEF, 0xBB, 0xBF] }

    /// The evidence of `bytes` as a whole.
    static func of(_ bytes: [UInt8]) -> EncodingEvidence {
        var evidence = EncodingEvidence()
        bytes.withUnsafeBytes { evidence.feed($0) }
        return evidence
    }
}

/// Where a statement's bytes are read from, in order from the start, as many times as needed.
protocol StatementBytes {
    /// Starts again from the first byte.
    mutating func rewind() throws(SourceError)
    /// Fills `buffer` from the front with the next bytes; 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceError) -> Int
}

/// A statement's bytes held by the caller.
struct InMemoryStatement: StatementBytes {
    let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func rewind() { offset = 0 }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
        }
        offset += count
        return count
    }
}

/// A statement's bytes in an open file, read with `pread` (the file's own offset is left alone).
struct StatementFileBytes: StatementBytes {
    /// The open file (not owned: whoever opened it closes it).
    let descriptor: Int32
    /// How errors name the file.
    let location: String?
    /// The source errors name (`bank-1c`, `bank-camt053`).
    let source: String
    private var offset: off_t = 0

    init(descriptor: Int32, location: String?, source: String = SourceName.bank1C) {
        self.descriptor = descriptor
        self.location = location
        self.source = source
    }

    mutating func rewind() { offset = 0 }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = pread(descriptor, base, buffer.count, offset)
            if count >= 0 {
                offset += off_t(count)
                return count
            }
            if errno == EINTR { continue }
            throw SourceError(source: source, location: location,
                              reason: "the statement could not be read back: \(systemError(errno))")
        }
    }
}

/// `strerror` of a C error number.
func systemError(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// A bank statement's body written, as it arrives, to a temporary file nobody else can see, so that
/// the statement never has to be in memory whole: `ClientBankExchange.read(_:ourAccounts:)` or
/// `Camt053.read(_:ourAccounts:)` then reads it back in small pieces.
///
/// The file is created in the given directory (by default the system's temporary directory:
/// `TMPDIR`, else `/tmp`) and unlinked at once: it has no name, and its space is freed when the
/// spool is released or the process ends, even after a crash. While the bytes arrive the spool
/// notes whether they are valid UTF-8 holding Cyrillic and whether they start with a byte order
/// mark, which is what deciding the statement's encoding needs from the whole file.
///
/// As a `BodySink` it is called by one thread at a time; it is not meant to be shared.
public final class StatementSpool: BodySink {
    /// The source errors name (`bank-1c`, `bank-camt053`).
    let source: String
    private let descriptor: Int32
    private var written: off_t = 0
    private(set) var evidence = EncodingEvidence()

    /// An empty spool in `directory` (nil: `TMPDIR`, else `/tmp`) for a statement of `source`.
    ///
    /// - Throws: `SourceError` (of `source`) when the file cannot be created.
    public init(directory: String? = nil, source: String = SourceName.bank1C) throws(SourceError) {
        self.source = source
        let folder = directory ?? Self.temporaryDirectory
        var template = Array("\(folder.hasSuffix("/") ? String(folder.dropLast()) : folder)/sverka-statement-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { name -> Int32 in
            guard let base = name.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else {
            throw SourceError(source: source,
                              reason: "no temporary file for the statement could be created in \(folder): \(systemError(errno))")
        }
        // No name from here on: nothing is left behind, whatever happens next.
        _ = template.withUnsafeBufferPointer { name in name.baseAddress.map { unlink($0) } }
        // Not handed to the programs the job starts (a signer…).
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
    }

    /// A spool over a file already open (owned from now on), for tests: e.g. `/dev/full`.
    init(descriptor: Int32, source: String = SourceName.bank1C) {
        self.descriptor = descriptor
        self.source = source
    }

    deinit { close(descriptor) }

    private static var temporaryDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }

    /// The bytes received since the last restart.
    public var byteCount: Int { Int(written) }

    /// Appends the chunk to the file.
    ///
    /// - Throws: `SourceError` (of the spool's source) when it cannot be written (a full disk…).
    public func receive(_ chunk: UnsafeRawBufferPointer) throws {
        evidence.feed(chunk)
        guard let base = chunk.baseAddress else { return }
        var done = 0
        while done < chunk.count {
            let count = pwrite(descriptor, base + done, chunk.count - done, written)
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError(source: source,
                                  reason: "the statement could not be written to its temporary file: \(systemError(errno))")
            }
            done += count
            written += off_t(count)
        }
    }

    /// Empties the file: the body starts again.
    ///
    /// - Throws: `SourceError` (of the spool's source) when the file cannot be truncated.
    public func restart() throws {
        written = 0
        evidence = EncodingEvidence()
        guard ftruncate(descriptor, 0) == 0 else {
            throw SourceError(source: source,
                              reason: "the statement's temporary file could not be emptied: \(systemError(errno))")
        }
    }

    /// The spooled bytes, to be read in pieces.
    var bytes: StatementFileBytes { StatementFileBytes(descriptor: descriptor, location: nil, source: source) }
}
