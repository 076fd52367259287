import Foundation

/// What the kernel says of this process's memory (`/proc/self/status`, Linux): the day's log line
/// and its outcome carry the peak resident set at the end of each stage, so where a night's memory
/// went is seen without a profiler (the benchmark prints the same).
public enum ProcessMemory {
    /// A field of `/proc/self/status` in KiB (`VmHWM`: the peak resident set so far, `VmRSS`: the
    /// resident set now), or `nil` where there is none (not Linux, or no such field).
    public static func kilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        // (`VmHWM:\t  123456 kB`: a tab, spaces, the number, its unit)
        let value = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
        return value.flatMap { Int($0) }
    }

    /// The peak resident set so far (`VmHWM`), in KiB.
    public static var peakKilobytes: Int? { kilobytes("VmHWM") }
}
