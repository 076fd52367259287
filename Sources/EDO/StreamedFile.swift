import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AtomicFile {
    /// A file written a piece at a time and placed with `write(_:to:)`'s promise, so its bytes
    /// are never all in memory.
    ///
    /// The pieces go (through a 1 MiB buffer) to the hidden temporary name `.NAME.tmp-PID`
    /// beside the final one. `commit()` makes them durable and compares them with what is in
    /// place: the same bytes leave the existing file untouched (the temporary goes), other bytes
    /// are renamed over the final name and the folder synced. So a reader never sees half a
    /// file, and after `commit()` returns the file and its name survive a crash. Until then
    /// nothing is visible under the final name; `discard()` (or dropping the writer
    /// uncommitted) removes the temporary file.
    ///
    /// Use it from one thread at a time.
    public final class Stream {
        /// Where the file is placed.
        public let url: URL
        private let temporary: String
        private var descriptor: Int32
        private var buffer: [UInt8] = []
        private var written = 0
        private var state = State.open

        private enum State { case open, closed(Outcome), placed, discarded }

        private static let bufferSize = 1 << 20

        /// Creates the temporary file (and the folder).
        public init(url: URL) throws(EDOError) {
            self.url = url
            let directory = url.deletingLastPathComponent().path
            try createDirectory(directory)
            temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw .errno("create", temporary) }
            buffer.reserveCapacity(Self.bufferSize)
        }

        deinit { discard() }

        /// How many bytes were written so far.
        public var count: Int { written + buffer.count }

        /// Appends `bytes`.
        public func write<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(EDOError) {
            guard case .open = state else { throw EDOError(path: url.path, operation: "write", reason: "the file is closed") }
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.bufferSize { try flush() }
        }

        /// Appends the UTF-8 bytes of `text`.
        public func write(_ text: String) throws(EDOError) {
            try write(text.utf8)
        }

        /// Appends everything `spill` holds.
        public func write(contentsOf spill: SpillFile) throws(EDOError) {
            try flush()
            try spill.forEachChunk { chunk throws(EDOError) in try self.write(chunk) }
        }

        /// Writes the bytes to the temporary file, durably, and closes it; when they are what
        /// is in place already, the temporary file is removed. Nothing is renamed yet.
        /// - Returns: what `place()` will do.
        @discardableResult
        public func close() throws(EDOError) -> Outcome {
            switch state {
            case .closed(let outcome): return outcome
            case .placed, .discarded: throw EDOError(path: url.path, operation: "close", reason: "the file is already placed or discarded")
            case .open: break
            }
            do throws(EDOError) {
                try flush()
                if fdatasync(descriptor) != 0 { throw .errno("fdatasync", temporary) }
                let closing = descriptor
                descriptor = -1
                if Glibc.close(closing) != 0 { throw .errno("close", temporary) }
                let outcome = try Self.compare(temporary, with: url.path)
                if outcome == .unchanged { unlink(temporary) }
                state = .closed(outcome)
                return outcome
            } catch {
                discard()
                throw error
            }
        }

        /// Renames the closed file over its final name (unless its bytes were already in place),
        /// without syncing the folder (`commit()` or `commit(_:)` do).
        @discardableResult
        func place() throws(EDOError) -> Outcome {
            let outcome = try close()
            if outcome != .unchanged, rename(temporary, url.path) != 0 {
                let error = EDOError.errno("rename to \(url.lastPathComponent)", temporary)
                discard()
                throw error
            }
            state = .placed
            return outcome
        }

        /// Closes, places and syncs the folder: the file is in place and survives a crash.
        @discardableResult
        public func commit() throws(EDOError) -> Outcome {
            let outcome = try place()
            if outcome != .unchanged { try AtomicFile.syncFolderOnce(url.deletingLastPathComponent().path) }
            return outcome
        }

        /// Places several files together: each is made durable first, then all are renamed, then
        /// each folder is synced once. When one fails, the ones not yet renamed are discarded.
        @discardableResult
        public static func commit(_ streams: [Stream]) throws(EDOError) -> [Outcome] {
            do throws(EDOError) {
                for stream in streams { try stream.close() }
                var outcomes: [Outcome] = []
                var folders: [String] = []
                for stream in streams {
                    let outcome = try stream.place()
                    outcomes.append(outcome)
                    let folder = stream.url.deletingLastPathComponent().path
                    if outcome != .unchanged, !folders.contains(folder) { folders.append(folder) }
                }
                for folder in folders { try AtomicFile.syncFolderOnce(folder) }
                return outcomes
            } catch {
                for stream in streams { stream.discard() }
                throw error
            }
        }

        /// Removes the temporary file; nothing is placed. Does nothing once placed.
        public func discard() {
            switch state {
            case .placed, .discarded: return
            case .open:
                if descriptor >= 0 { Glibc.close(descriptor) }
                descriptor = -1
                unlink(temporary)
            case .closed(let outcome):
                if outcome != .unchanged { unlink(temporary) }
            }
            buffer = []
            state = .discarded
        }

        private func flush() throws(EDOError) {
            guard !buffer.isEmpty else { return }
            try AtomicFile.writeAll(buffer, to: descriptor, path: temporary)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }

        /// `.unchanged` when `path` holds exactly the bytes of `temporary`, read a chunk at a time.
        private static func compare(_ temporary: String, with path: String) throws(EDOError) -> Outcome {
            let existing = open(path, O_RDONLY | O_CLOEXEC)
            guard existing >= 0 else {
                if errno == ENOENT { return .written }
                throw .errno("open", path)
            }
            defer { Glibc.close(existing) }
            let fresh = open(temporary, O_RDONLY | O_CLOEXEC)
            guard fresh >= 0 else { throw .errno("open", temporary) }
            defer { Glibc.close(fresh) }
            var a = stat()
            var b = stat()
            guard fstat(existing, &a) == 0 else { throw .errno("stat", path) }
            guard fstat(fresh, &b) == 0 else { throw .errno("stat", temporary) }
            guard a.st_size == b.st_size else { return .replaced }
            var left = [UInt8](repeating: 0, count: 1 << 18)
            var right = [UInt8](repeating: 0, count: 1 << 18)
            var offset = 0
            while true {
                let got = try AtomicFile.readChunk(existing, into: &left, at: offset, path: path)
                let other = try AtomicFile.readChunk(fresh, into: &right, at: offset, path: temporary)
                if got != other { return .replaced }
                if got == 0 { return .unchanged }
                if left[..<got] != right[..<got] { return .replaced }
                offset += got
            }
        }
    }

    /// Writes all of `bytes` at the descriptor's position.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(EDOError) {
        let complete = bytes.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var done = 0
            while done < buffer.count {
                let count = Glibc.write(descriptor, base + done, buffer.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += count
            }
            return true
        }
        if !complete { throw .errno("write", path) }
    }

    /// Reads up to `buffer.count` bytes at `offset` (fewer only at the end of the file).
    static func readChunk(_ descriptor: Int32, into buffer: inout [UInt8], at offset: Int, path: String) throws(EDOError) -> Int {
        let done = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var done = 0
            while done < raw.count {
                let count = pread(descriptor, base + done, raw.count - done, off_t(offset + done))
                if count < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                if count == 0 { break }
                done += count
            }
            return done
        }
        if done < 0 { throw .errno("read", path) }
        return done
    }

    static func syncFolderOnce(_ path: String) throws(EDOError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .errno("open folder", path) }
        defer { Glibc.close(descriptor) }
        if fsync(descriptor) != 0 { throw .errno("fsync folder", path) }
    }
}

/// Bytes set aside on disk while a register is produced, read back when it is written out: an
/// anonymous file (created as `.NAME.tmp-PID` in a given folder and unlinked at once, so it
/// disappears with the process, and a kill between the two leaves only a name
/// `AtomicFile.sweepTemporaryFiles(in:)` removes). Small appends go through a 256 KiB buffer.
///
/// Use it from one thread at a time.
public final class SpillFile {
    private var descriptor: Int32
    /// Where the file was made (it is unlinked at once): for messages.
    public let path: String
    private var buffer: [UInt8] = []
    private var written = 0
    private static let bufferSize = 1 << 18

    /// Creates the file in `directory` (created if needed) under the hidden name `.NAME.tmp-PID`, then unlinks it.
    public init(in directory: URL, name: String) throws(EDOError) {
        try AtomicFile.createDirectory(directory.path)
        path = Self.path(in: directory, name: name)
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .errno("create", path) }
        unlink(path)
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The name a spill file of `name` gets in `directory` (`.NAME.tmp-PID`) while it is made.
    public static func path(in directory: URL, name: String) -> String {
        directory.path + "/." + name + ".tmp-\(getpid())"
    }

    /// How many bytes it holds.
    public var count: Int { written + buffer.count }

    /// Appends `bytes`. A piece of the buffer's size or more goes straight to the file, so the buffer
    /// never holds more than twice its size (it keeps its capacity between flushes: a block of
    /// records written at once would otherwise stay allocated as long as the file).
    public func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(EDOError) {
        if let piece = bytes as? [UInt8], piece.count >= Self.bufferSize {
            try flush()
            try AtomicFile.writeAll(piece, to: descriptor, path: path)
            written += piece.count
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// `count` bytes from `offset` (appended earlier).
    public func read(offset: Int, count: Int) throws(EDOError) -> [UInt8] {
        try flush()
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try AtomicFile.readChunk(descriptor, into: &bytes, at: offset, path: path)
        guard got == count else { throw EDOError(path: path, operation: "read", reason: "\(got) of \(count) bytes at \(offset)") }
        return bytes
    }

    /// Drops every byte from `count` on.
    public func truncate(to count: Int) throws(EDOError) {
        guard count >= 0, count <= self.count else {
            throw EDOError(path: path, operation: "truncate", reason: "\(count) of \(self.count) bytes")
        }
        if count >= written {
            buffer.removeSubrange((count - written)...)
            return
        }
        buffer.removeAll(keepingCapacity: true)
        // (Appends write at the file's position: it moves back to the cut.)
        guard ftruncate(descriptor, off_t(count)) == 0, lseek(descriptor, off_t(count), SEEK_SET) == off_t(count) else {
            throw .errno("truncate", path)
        }
        written = count
    }

    /// Calls `body` with everything appended, in order, a chunk at a time.
    public func forEachChunk(_ body: ([UInt8]) throws(EDOError) -> Void) throws(EDOError) {
        try flush()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < written {
            let got = try AtomicFile.readChunk(descriptor, into: &chunk, at: offset, path: path)
            guard got > 0 else { throw EDOError(path: path, operation: "read", reason: "ended at \(offset) of \(written) bytes") }
            try body(got == chunk.count ? chunk : Array(chunk[..<got]))
            offset += got
        }
    }

    private func flush() throws(EDOError) {
        guard !buffer.isEmpty else { return }
        // Appends go to the end: reads use pread, so the file position is only ever moved by writes.
        try AtomicFile.writeAll(buffer, to: descriptor, path: path)
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
