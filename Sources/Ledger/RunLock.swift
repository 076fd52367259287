#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Domain
import Foundation

/// At most one writing run at a time: an advisory `flock(2)` lock (`LOCK_EX|LOCK_NB`) on a
/// lock file beside the database (`<database>.lock`).
///
/// The holder writes who it is (pid, host, start time, command) into the file as one JSON
/// line; a second attempt fails at once with a ``LockError`` naming that holder. The kernel
/// releases the lock when the holder's process ends in any way (including `kill -9`), so a
/// crashed run never leaves a stale lock; the leftover text in the file is then simply
/// overwritten by the next holder. The lock is compatible with util-linux `flock(1)`.
///
/// The lock is held until ``release()`` or until the value is deallocated.
public final class RunLock {
    /// Who holds (or held) a lock.
    public struct Holder: Hashable, Sendable, Codable, CustomStringConvertible {
        public var pid: Int32
        public var hostname: String
        /// RFC 3339 time the lock was taken.
        public var startedAt: String
        /// The command line of the holder.
        public var command: String

        public init(pid: Int32, hostname: String, startedAt: String, command: String) {
            self.pid = pid
            self.hostname = hostname
            self.startedAt = startedAt
            self.command = command
        }

        public var description: String { "pid \(pid) on \(hostname) since \(startedAt), command '\(command)'" }
    }

    /// The lock file.
    public let path: String
    /// This process, as written into the lock file.
    public let holder: Holder
    private var descriptor: Int32

    /// The lock file of a ledger database: `<database>.lock`.
    public static func lockPath(forDatabase databasePath: String) -> String { databasePath + ".lock" }

    /// Takes the lock of the ledger at `databasePath` or fails at once.
    ///
    /// - Parameter command: what is running, for whoever finds the lock taken.
    /// - Throws: ``LockError`` naming the current holder when another process has it.
    public convenience init(databasePath: String, command: String) throws {
        try self.init(lockPath: RunLock.lockPath(forDatabase: databasePath), command: command)
    }

    /// Takes the lock on the file at `lockPath` (created when absent) or fails at once.
    public init(lockPath: String, command: String) throws {
        path = lockPath
        holder = Holder(pid: getpid(), hostname: RunLock.hostname(), startedAt: Timestamp.now().description,
                        command: command)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LockError(lockPath: lockPath, holder: nil, reason: "cannot open the lock file: \(RunLock.errorText(errno))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let current = RunLock.readHolder(fd)
            close(fd)
            if code == EWOULDBLOCK || code == EAGAIN {
                throw LockError(lockPath: lockPath, holder: current, reason: "another run holds the lock")
            }
            throw LockError(lockPath: lockPath, holder: nil, reason: "cannot lock the file: \(RunLock.errorText(code))")
        }
        descriptor = fd
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let bytes = Array(try encoder.encode(holder)) + [UInt8(ascii: "\n")]
            guard ftruncate(fd, 0) == 0, bytes.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == bytes.count
            else {
                throw LockError(lockPath: lockPath, holder: nil,
                                reason: "cannot write the holder into the lock file: \(RunLock.errorText(errno))")
            }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// Whether this value still holds the lock.
    public var isHeld: Bool { descriptor >= 0 }

    /// Releases the lock (clearing the holder text). Releasing twice does nothing.
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        _ = close(descriptor)
        descriptor = -1
    }

    /// Who holds the lock at `lockPath` now, without taking it: `nil` when nobody does.
    public static func currentHolder(lockPath: String) throws -> Holder? {
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw LockError(lockPath: lockPath, holder: nil, reason: "cannot open the lock file: \(errorText(errno))")
        }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return readHolder(fd) ?? Holder(pid: 0, hostname: "unknown", startedAt: "unknown", command: "unknown")
    }

    private static func readHolder(_ fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<count]))
    }

    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text) + " (errno \(code))"
    }
}

/// The ledger's run lock is taken: another run is writing (or the lock file cannot be used).
public struct LockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The lock file.
    public var lockPath: String
    /// Who holds it, as written in the lock file (`nil` when unknown).
    public var holder: RunLock.Holder?
    public var reason: String

    public init(lockPath: String, holder: RunLock.Holder?, reason: String) {
        self.lockPath = lockPath
        self.holder = holder
        self.reason = reason
    }

    public var description: String {
        var text = "\(reason) (\(lockPath))"
        if let holder {
            text += ": held by \(holder)"
        } else if reason == "another run holds the lock" {
            text += ": the holder did not say who it is"
        }
        return text
    }
}
