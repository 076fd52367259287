import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension AtomicFile {
    /// One file of a batch: its final place and its bytes.
    public struct BatchFile: Sendable, Hashable {
        /// The file's path, its folder's and its name (worked out once: a day places a hundred
        /// thousand files, and URL arithmetic per file was a tenth of placing them).
        public let path: String
        let directory: String
        let name: String
        public var bytes: [UInt8]

        /// The file at `url` (a file URL).
        public init(url: URL, bytes: [UInt8]) {
            self.init(path: url.path, bytes: bytes)
        }

        /// The file at `path` (absolute).
        public init(path: String, bytes: [UInt8]) {
            self.path = path
            self.bytes = bytes
            if let slash = path.utf8.lastIndex(of: 0x2F) {
                directory = slash == path.utf8.startIndex ? "/" : String(path[..<slash])
                name = String(path[path.utf8.index(after: slash)...])
            } else {
                directory = "."
                name = path
            }
        }

        /// The file's URL.
        public var url: URL { URL(fileURLWithPath: path) }
    }

    /// How a batch's bytes are made durable before the files get their final names.
    public enum BatchDurability: String, Sendable, Hashable, CaseIterable {
        /// `fdatasync` on each temporary file, from the writer threads.
        case eachFile
        /// One `syncfs(2)` on the file system of the batch's folders (Linux; elsewhere `eachFile`).
        /// It also flushes whatever else is pending on that file system.
        case fileSystem
    }

    /// Places many files with `write(_:to:)`'s promise, made durable together rather than one by one.
    ///
    /// Every file whose bytes differ from what is in place is written to its hidden temporary
    /// name (`.NAME.tmp-PID`) by `threads` threads; only when all of them are on disk
    /// (`durability`) are they renamed over their final names, and then each folder is synced
    /// once. So a reader never sees half a file, and when this returns every placed file and its
    /// name survive a crash. A file whose bytes are already in place is left untouched (its
    /// modification time too). When anything fails, no temporary file is left behind; files
    /// renamed before the failure are whole and stay.
    ///
    /// A path named more than once is placed once, with its last bytes; each of its items
    /// reports that write's outcome.
    ///
    /// - Returns: what happened to each file, in the order given.
    @discardableResult
    public static func write(batch files: [BatchFile], threads: Int = 8,
                             durability: BatchDurability = .eachFile) throws(EDOError) -> [Outcome] {
        let staging = Staging(threads: threads, durability: durability)
        do throws(EDOError) {
            let outcomes = try staging.stage(files)
            try staging.commit()
            return outcomes
        } catch {
            staging.discard()
            throw error
        }
    }

    /// Files written to their temporary names batch after batch, and placed under their final
    /// names together by `commit()`: the same promise as `write(batch:)` for everything staged,
    /// with one wait for the disk instead of one per batch.
    ///
    /// Until `commit()` returns, no staged file is visible under its final name. A staged
    /// file's writing to disk is started at once (in the background), so `commit()` mostly finds
    /// it done. Use it from one thread at a time; call `discard()` when giving up, so no
    /// temporary file is left behind (a killed process's are swept by `sweepTemporaryFiles(in:)`).
    ///
    /// With `freshFolders`, a folder that does not exist yet when its first file is staged is
    /// staged whole: made under a hidden temporary name beside it (`.NAME.tmp-PID`), its files
    /// written there under their own names, and the folder renamed into place by the `commit()`
    /// that places fresh folders — one rename for all its files, which appear together. (A new
    /// day's `edo/` holds tens of thousands of files: per file, that saves the lookup of what is in
    /// place and the rename, each a walk of a large folder's index.)
    public final class Staging {
        public let threads: Int
        public let durability: BatchDurability
        /// Whether new folders are staged whole.
        public let freshFolders: Bool
        /// Staged temporary file → final path, in staging order.
        private var pending: [(temporary: String, path: String, directory: String)] = []
        private var pendingIndex: [String: Int] = [:]
        private var directories: [String] = []
        private var knownDirectories = Set<String>()
        /// A new folder staged whole → its temporary folder; and the order they were made in.
        private var fresh: [String: String] = [:]
        private var freshOrder: [String] = []

        public init(threads: Int = 8, durability: BatchDurability = .fileSystem, freshFolders: Bool = false) {
            self.threads = max(1, threads)
            self.durability = durability
            self.freshFolders = freshFolders
        }

        /// How many files wait for `commit()` under temporary names of their own (files in a
        /// folder staged whole are not counted: they keep no name in memory).
        public var count: Int { pending.count }

        /// Folders staged whole, waiting for a `commit()` that places them.
        public var freshFolderCount: Int { freshOrder.count }

        /// Writes each file whose bytes differ from what is in place to its temporary name.
        /// A path staged again replaces its earlier bytes. When this throws, the batch's
        /// temporary files are removed (earlier batches stay staged).
        ///
        /// - Returns: what `commit()` will have done to each file, in the order given.
        @discardableResult
        public func stage(_ files: [BatchFile]) throws(EDOError) -> [Outcome] {
            guard !files.isEmpty else { return [] }
            var last: [String: Int] = [:]
            for (index, file) in files.enumerated() { last[file.path] = index }
            let placed = files.indices.filter { last[files[$0].path] == $0 }
            let suffix = ".tmp-\(getpid())"
            for index in placed {
                let directory = files[index].directory
                if knownDirectories.insert(directory).inserted {
                    if freshFolders, !exists(directory) {
                        try stageFreshFolder(directory, suffix: suffix)
                    } else {
                        try createDirectory(directory)
                        directories.append(directory)
                    }
                }
            }
            let syncEach = durability == .eachFile || BatchSync.syncfs == nil
            let state = BatchState(count: files.count)
            let freshFolders = fresh
            Workers.run(count: placed.count, threads: threads) { position in
                guard !state.failed else { return }
                let index = placed[position]
                let file = files[index]
                do throws(EDOError) {
                    if let folder = freshFolders[file.directory] {
                        // Nothing is in place in a folder staged whole: the file goes in under its name.
                        try writeTemporary(file.bytes, to: folder + "/" + file.name, sync: syncEach) { _ in }
                        state.record(index, outcome: .written, temporary: nil)
                        return
                    }
                    let existing = try sameBytes(file.bytes, at: file.path)
                    let temporary = file.directory + "/." + file.name + suffix
                    if existing == .same {
                        state.record(index, outcome: .unchanged, temporary: nil)
                        return
                    }
                    try writeTemporary(file.bytes, to: temporary, sync: syncEach) { state.created($0) }
                    state.record(index, outcome: existing == .absent ? .written : .replaced, temporary: temporary)
                } catch {
                    state.fail(error)
                }
            }
            if let error = state.failure {
                state.removeTemporaries()
                throw error
            }
            for index in placed {
                let path = files[index].path
                let temporary = state.temporary(of: index)
                if let earlier = pendingIndex[path] {
                    // Staged before: the new bytes replace the old (same temporary name), or, when
                    // they are what is in place, the earlier temporary file goes.
                    if temporary == nil {
                        unlink(pending[earlier].temporary)
                        pending[earlier].temporary = ""
                        pendingIndex[path] = nil
                    }
                } else if let temporary {
                    pendingIndex[path] = pending.count
                    pending.append((temporary, path, files[index].directory))
                }
            }
            return files.indices.map { state.outcome(of: last[files[$0].path] ?? $0) ?? .written }
        }

        /// Makes every staged file durable, renames each over its final name, then syncs each
        /// folder once. When a rename fails, the files not yet renamed are discarded.
        ///
        /// - Parameter placingFreshFolders: whether folders staged whole are renamed into place too
        ///   (after the files, each then synced in its parent folder); `false` leaves them staged,
        ///   so their files keep going in under their own names.
        public func commit(placingFreshFolders: Bool = true) throws(EDOError) {
            let staged = pending.filter { !$0.temporary.isEmpty }
            let folders = placingFreshFolders ? freshOrder : []
            guard !staged.isEmpty || !folders.isEmpty else {
                reset()
                return
            }
            if durability == .fileSystem, BatchSync.syncfs != nil, let directory = directories.first ?? folders.first.map(Self.parent) {
                try BatchSync.syncFileSystem(of: directory)
            }
            var renamedDirectories = Set<String>()
            var failure: EDOError?
            for (position, file) in staged.enumerated() {
                if rename(file.temporary, file.path) == 0 {
                    renamedDirectories.insert(file.directory)
                    continue
                }
                failure = EDOError.errno("rename to \((file.path as NSString).lastPathComponent)", file.temporary)
                for rest in staged[position...] { unlink(rest.temporary) }
                break
            }
            reset()
            for folder in folders {
                guard let temporary = fresh.removeValue(forKey: folder) else { continue }
                freshOrder.removeAll { $0 == folder }
                if failure == nil, durability == .eachFile || BatchSync.syncfs == nil {
                    // Its files were synced one by one; its own entries are synced before it gets its name.
                    do throws(EDOError) { try syncFolder(temporary) } catch { failure = error }
                }
                if failure == nil, rename(temporary, folder) == 0 {
                    renamedDirectories.insert(Self.parent(of: folder))
                    directories.append(folder)
                    continue
                }
                if failure == nil { failure = EDOError.errno("rename to \((folder as NSString).lastPathComponent)", temporary) }
                try? FileManager.default.removeItem(atPath: temporary)
                knownDirectories.remove(folder)
            }
            for directory in renamedDirectories.sorted() {
                do throws(EDOError) {
                    try syncFolder(directory)
                } catch {
                    if failure == nil { failure = error }
                }
            }
            if let failure { throw failure }
        }

        /// Removes every staged temporary file and folder; nothing is placed.
        public func discard() {
            for file in pending where !file.temporary.isEmpty { unlink(file.temporary) }
            reset()
            for folder in freshOrder {
                if let temporary = fresh[folder] { try? FileManager.default.removeItem(atPath: temporary) }
                knownDirectories.remove(folder)
            }
            fresh.removeAll()
            freshOrder.removeAll()
        }

        /// Makes the hidden temporary folder `directory` is staged in (its parents as needed; a
        /// folder of the same name a killed run of the same process id left is removed first).
        private func stageFreshFolder(_ directory: String, suffix: String) throws(EDOError) {
            let parent = Self.parent(of: directory)
            let name = (directory as NSString).lastPathComponent
            let temporary = parent + "/." + name + suffix
            try createDirectory(parent)
            if exists(temporary) { try? FileManager.default.removeItem(atPath: temporary) }
            guard mkdir(temporary, 0o755) == 0 else { throw .errno("create folder", temporary) }
            fresh[directory] = temporary
            freshOrder.append(directory)
        }

        private func exists(_ path: String) -> Bool {
            var status = stat()
            return lstat(path, &status) == 0
        }

        private static func parent(of path: String) -> String {
            (path as NSString).deletingLastPathComponent
        }

        private func reset() {
            pending.removeAll()
            pendingIndex.removeAll()
        }
    }

    private enum Existing { case absent, same, different }

    /// Whether `path` already holds exactly `bytes` (sizes compared first, so a new or grown
    /// file is not read).
    private static func sameBytes(_ bytes: [UInt8], at path: String) throws(EDOError) -> Existing {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return .absent }
            throw .errno("open", path)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .errno("stat", path) }
        guard Int(status.st_size) == bytes.count else { return .different }
        var existing = [UInt8](repeating: 0, count: bytes.count)
        let complete = existing.withUnsafeMutableBytes { buffer -> Bool? in
            guard let base = buffer.baseAddress else { return true }
            var done = 0
            while done < buffer.count {
                let count = read(descriptor, base + done, buffer.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if count == 0 { return false } // shrank while being read
                done += count
            }
            return true
        }
        guard let complete else { throw .errno("read", path) }
        return complete && existing == bytes ? .same : .different
    }

    /// Writes `bytes` to a new `temporary` file (`created` is told its path as soon as it exists),
    /// with `fdatasync` when `sync`. On failure the file is removed.
    private static func writeTemporary(_ bytes: [UInt8], to temporary: String, sync: Bool,
                                       created: (String) -> Void) throws(EDOError) {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .errno("create", temporary) }
        created(temporary)
        var failure: EDOError?
        do throws(EDOError) {
            try AtomicFile.writeAll(bytes, to: descriptor, path: temporary)
        } catch {
            failure = error
        }
        if failure == nil, sync, fdatasync(descriptor) != 0 { failure = .errno("fdatasync", temporary) }
        if close(descriptor) != 0, failure == nil { failure = .errno("close", temporary) }
        if let failure { throw failure }
    }

    private static func syncFolder(_ path: String) throws(EDOError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .errno("open folder", path) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw .errno("fsync folder", path) }
    }

    /// The temporary files of a batch and what became of each file, shared by the writer threads.
    private final class BatchState: Sendable {
        private struct State {
            var outcomes: [Outcome?]
            var temporaries: [String?]
            /// Temporary files that exist on disk now (created, not yet renamed).
            var existing = Set<String>()
            var failure: EDOError?
        }

        private let state: Mutex<State>

        init(count: Int) {
            state = Mutex(State(outcomes: Array(repeating: nil, count: count),
                                temporaries: Array(repeating: nil, count: count)))
        }

        var failed: Bool { state.withLock { $0.failure != nil } }
        var failure: EDOError? { state.withLock { $0.failure } }

        func created(_ temporary: String) { _ = state.withLock { $0.existing.insert(temporary) } }

        func record(_ index: Int, outcome: Outcome, temporary: String?) {
            state.withLock {
                $0.outcomes[index] = outcome
                $0.temporaries[index] = temporary
            }
        }

        func fail(_ error: EDOError) { state.withLock { if $0.failure == nil { $0.failure = error } } }

        func temporary(of index: Int) -> String? { state.withLock { $0.temporaries[index] } }

        func outcome(of index: Int) -> Outcome? { state.withLock { $0.outcomes[index] } }

        func renamed(_ temporary: String) { _ = state.withLock { $0.existing.remove(temporary) } }

        /// Removes every temporary file still on disk.
        func removeTemporaries() {
            let paths = state.withLock { state -> Set<String> in
                defer { state.existing.removeAll() }
                return state.existing
            }
            for path in paths { unlink(path) }
        }
    }
}

/// Runs `body(0..<count)` on `threads` threads, each taking the next index until none is left.
enum Workers {
    static func run(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Counter()
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let index = next.claim(below: count) { body(index) }
            }
            thread.start()
        }
        group.wait()
    }

    private final class Counter: Sendable {
        private let value = Mutex(0)

        func claim(below count: Int) -> Int? {
            value.withLock { value -> Int? in
                guard value < count else { return nil }
                defer { value += 1 }
                return value
            }
        }
    }
}

/// `syncfs(2)`, looked up at run time (the Glibc module does not declare it).
enum BatchSync {
    typealias SyncFS = @convention(c) (Int32) -> Int32

    static let syncfs: SyncFS? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
        #else
        return nil
        #endif
    }()

    static func syncFileSystem(of directory: String) throws(EDOError) {
        guard let syncfs else { return }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .errno("open folder", directory) }
        defer { close(descriptor) }
        if syncfs(descriptor) != 0 { throw .errno("syncfs", directory) }
    }
}
