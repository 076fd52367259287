import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why placing a file failed: the path, the operation and the system's reason.
public struct EDOError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let reason: String

    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation) \(path): \(reason)" }

    static func errno(_ operation: String, _ path: String) -> EDOError {
        EDOError(path: path, operation: operation, reason: String(cString: strerror(Glibc.errno)))
    }
}

/// Writes files so that a reader (the EDO operator's connector) never sees half a file.
///
/// Each file is written to a hidden temporary name in the same folder
/// (`.NAME.tmp-PID`), flushed to disk with `fsync`, renamed over the final
/// name, and the folder is synced so the rename itself survives a crash.
/// A file whose bytes are already in place is left untouched, so a rerun
/// does not even change its modification time. Connectors must ignore
/// dot-files; `sweepTemporaryFiles(in:)` removes those left by a killed run.
public enum AtomicFile {
    /// What `write` did.
    public enum Outcome: String, Sendable, Hashable {
        case written, unchanged, replaced
    }

    /// Writes `bytes` to `url` atomically and durably.
    @discardableResult
    public static func write(_ bytes: [UInt8], to url: URL) throws(EDOError) -> Outcome {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        try createDirectory(directory)
        var outcome = Outcome.written
        if let existing = FileManager.default.contents(atPath: path) {
            if existing.elementsEqual(bytes) { return .unchanged }
            outcome = .replaced
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        // open(2) directly: FileManager.createFile would itself write through a hidden temporary
        // file of its own that a kill could leave behind.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .errno("create", temporary) }
        do {
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            defer { try? handle.close() }
            try handle.write(contentsOf: bytes)
            try handle.synchronize() // fsync: the bytes are on disk before the name points at them
        } catch {
            unlink(temporary)
            throw EDOError(path: temporary, operation: "write", reason: "\(error.localizedDescription)")
        }
        if rename(temporary, path) != 0 {
            let error = EDOError.errno("rename to \(url.lastPathComponent)", temporary)
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
        return outcome
    }

    /// Creates a folder and its parents.
    public static func createDirectory(_ path: String) throws(EDOError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EDOError(path: path, operation: "create folder", reason: "\(error.localizedDescription)")
        }
    }

    /// Removes temporary files a killed run left in `directory` (`.NAME.tmp-PID`), and the
    /// folders staged whole (`Staging(freshFolders: true)`) under such names with what they hold.
    /// Returns their names.
    @discardableResult
    public static func sweepTemporaryFiles(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") && name.contains(".tmp-") {
            let path = directory.appendingPathComponent(name).path
            if unlink(path) == 0 || (errno == EISDIR && (try? FileManager.default.removeItem(atPath: path)) != nil) {
                removed.append(name)
            }
        }
        return removed
    }

    /// Removes the temporary files a killed run left for one file (`.NAME.tmp-PID` beside it),
    /// touching nothing else in a folder other programs share (node_exporter's textfile folder).
    @discardableResult
    public static func sweepTemporaryFiles(of file: URL) -> [String] {
        let directory = file.deletingLastPathComponent()
        let prefix = "." + file.lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }

    private static func syncDirectory(_ path: String) throws(EDOError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open folder", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .errno("fsync folder", path) }
    }
}
