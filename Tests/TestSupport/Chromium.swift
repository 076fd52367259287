import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium, when the machine has it (Debian's `chromium` package): the tests look at
/// the reports as a person would.
public enum Chromium {
    /// The browser binary on `PATH`, or `nil` (tests that need it are then skipped).
    public static let binary: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
                let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        return nil
    }()

    public struct Run: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Killed after the timeout.
        public let timedOut: Bool
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "no chromium binary on PATH" }
    }

    /// Runs Chromium headless with `arguments` in a throwaway profile; SIGKILL after `timeout` seconds
    /// (children may ignore SIGTERM here).
    public static func run(_ arguments: [String], timeout: TimeInterval = 90) throws -> Run {
        guard let binary else { throw Unavailable() }
        let directory = try Paths.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-dev-shm-usage", "--user-data-dir=\(directory.path)"] + arguments
        let out = directory.appendingPathComponent("stdout")
        let err = directory.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        var timedOut = false
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            timedOut = true
        }
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", timedOut: timedOut)
    }

    /// Console errors Chromium logged (`--enable-logging=stderr`): uncaught exceptions and console errors.
    public static func consoleErrors(in stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter {
            $0.contains("Uncaught") || $0.contains("ERROR:CONSOLE") || ($0.contains("CONSOLE") && $0.contains("error"))
        }
    }
}
