import CMalloc
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which allocator serves the process. The `sverka` executables link jemalloc (docs/performance.md,
/// round 11: the same day ~10 % less CPU, and malloc's free memory given back as it goes); the
/// libraries and their tests keep glibc's malloc. Found once, at first use: jemalloc exports
/// `mallctl`, glibc does not.
public enum ProcessAllocator: Sendable, Equatable, CustomStringConvertible {
    case glibc
    case jemalloc(version: String)

    /// The allocator of this process.
    public static let current: ProcessAllocator = Jemalloc.version.map { .jemalloc(version: $0) } ?? .glibc

    /// `glibc`, or `jemalloc 5.3.0-0-g…` (for the day's log line and the benchmark).
    public var description: String {
        switch self {
        case .glibc: "glibc"
        case .jemalloc(let version): "jemalloc \(version)"
        }
    }
}

/// jemalloc's control interface, found at run time (`mallctl`), so that Job needs no link to it.
enum Jemalloc {
    private typealias Control = @convention(c) (UnsafePointer<CChar>?, UnsafeMutableRawPointer?,
                                                 UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int) -> Int32

    /// `mallctl`'s address, when jemalloc is in the process.
    private static let control: Int? = {
        guard let process = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(process, "mallctl").map { Int(bitPattern: $0) }
    }()

    private static func call(_ name: String, _ old: UnsafeMutableRawPointer?, _ oldLength: UnsafeMutablePointer<Int>?) -> Bool {
        guard let control, let address = UnsafeRawPointer(bitPattern: control) else { return false }
        let function = unsafeBitCast(address, to: Control.self)
        return function(name, old, oldLength, nil, 0) == 0
    }

    /// jemalloc's version, or `nil` when it is not the allocator.
    static let version: String? = {
        var text: UnsafePointer<CChar>?
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard call("version", &text, &length), let text else { return nil }
        return String(cString: text)
    }()

    /// Gives every arena's free pages back to the system now (`arena.<MALLCTL_ARENAS_ALL>.purge`);
    /// `true` when jemalloc did.
    static func purgeAll() -> Bool { call("arena.4096.purge", nil, nil) }
}

/// Between stages the job gives back to the system what the stage freed. glibc keeps freed blocks
/// in its arenas for reuse, and a stage that allocated and freed a lot on many threads (the feed's
/// JSON, read on every core; a window of rendered documents) leaves whole free pages scattered among
/// live ones: the process would keep them as resident memory for the rest of the day.
enum FreedMemory {
    /// Returns whole free pages of every malloc arena to the system; `true` when some were released
    /// (under jemalloc: when its arenas were purged).
    @discardableResult
    static func release() -> Bool {
        switch ProcessAllocator.current {
        case .glibc: sverka_release_free_memory() == 1
        case .jemalloc: Jemalloc.purgeAll()
        }
    }
}

/// glibc gives a thread that finds the malloc arenas busy one of its own, up to eight per core, and
/// memory freed in one arena serves only that arena: with the day's work on many threads (feed
/// pages, rendering, the matcher, planners ahead) the resident set kept ~60 MiB more at its peak
/// than with two arenas per core, at the same speed (100 000 orders: 957–961 → 892 MiB, 75 s
/// either way; one arena per core was 7 s slower). Set once at start, before the threads.
public enum MallocArenas {
    /// Two per core, at least four.
    public static func standard(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(4, 2 * cores)
    }

    /// Caps the arenas at ``standard(cores:)`` unless the operator set `MALLOC_ARENA_MAX` or a
    /// glibc malloc tunable (theirs wins), or glibc's malloc does not serve the process (jemalloc).
    /// Returns the cap set, or `nil` when left alone.
    @discardableResult
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        guard ProcessAllocator.current == .glibc else { return nil }
        if operatorSets("MALLOC_ARENA_MAX", tunable: "glibc.malloc.arena_max", in: environment) { return nil }
        let arenas = standard()
        return sverka_limit_arenas(Int32(arenas)) == 1 ? arenas : nil
    }
}

/// glibc serves a block of 128 KiB or more that its arena cannot hold with a mapping of its own,
/// given back to the system when freed; but each time such a block is freed it raises that threshold
/// (up to 32 MiB), and the threshold for trimming an arena's free top with it. After the feed's blocks
/// and the bank statements, the day's large arrays and buffers came from the arenas and stayed there
/// once freed. Fixed at 256 KiB (which also keeps the trim threshold at glibc's default): 100 000
/// orders on 2 cores, the peak went from 895 to 708 MiB (the resident set through the documents step
/// from ~720 to ~610 MiB) at the same speed. Set once at start, before the threads.
public enum MallocMappedBlocks {
    /// Blocks from this size on get a mapping of their own.
    public static let threshold = 256 << 10

    /// Fixes the threshold at ``threshold`` unless the operator set `MALLOC_MMAP_THRESHOLD_` or the
    /// glibc tunable (theirs wins), or glibc's malloc does not serve the process (jemalloc).
    /// Returns the threshold set, or `nil` when left alone.
    @discardableResult
    public static func fix(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        guard ProcessAllocator.current == .glibc else { return nil }
        if operatorSets("MALLOC_MMAP_THRESHOLD_", tunable: "glibc.malloc.mmap_threshold", in: environment) { return nil }
        return sverka_set_mmap_threshold(Int32(threshold)) == 1 ? threshold : nil
    }
}

/// Whether the operator set a malloc setting: its environment variable, or its glibc tunable.
private func operatorSets(_ variable: String, tunable: String, in environment: [String: String]) -> Bool {
    if environment[variable] != nil { return true }
    return environment["GLIBC_TUNABLES"]?.contains(tunable) ?? false
}
