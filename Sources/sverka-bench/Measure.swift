import Foundation
import Job
#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a small seeded generator, so every run sees the same data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// The peak resident set size so far (VmHWM), for printing.
func peakRSS() -> String {
    ProcessMemory.peakKilobytes.map { megabytes(kilobytes: $0) } ?? "unknown"
}

func megabytes(kilobytes: Int) -> String { String(format: "%.0f MB", Double(kilobytes) / 1024) }

/// Resets VmHWM to the current RSS (Linux ≥ 4.0: writing 5 to /proc/self/clear_refs), so a
/// peak measured afterwards belongs to what runs afterwards. False where that is not possible.
@discardableResult
func resetPeakRSS() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
    return true
}

/// User + system CPU seconds of this process so far (the machine may be shared: wall time alone misleads).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func seconds(_ duration: Duration) -> String {
    String(format: "%.3fs", seconds(duration) as Double)
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// `--name value` from the arguments, or nil.
func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// The logical CPUs this process may run on.
var activeProcessors: Int { ProcessInfo.processInfo.activeProcessorCount }
