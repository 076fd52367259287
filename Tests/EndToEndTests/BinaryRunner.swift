import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the built `sverka` executable (and other programs) and runs them as a user or cron would:
/// a real process, arguments, environment, working folder; stdout and stderr go to files (no pipe
/// can fill up), the exit status is what the shell would see.
enum BinaryRunner {
    struct RunError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// What a finished process left.
    struct Outcome: Sendable {
        let status: Int32
        /// True when the process ended by a signal (`status` is then the signal number).
        let signalled: Bool
        let stdout: String
        let stderr: String
        let elapsed: Duration
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        /// stdout and stderr, for failure messages.
        var transcript: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// The `sverka` executable: `$SVERKA_BINARY`, else beside the running test
    /// bundle (SwiftPM puts every product of a build in one folder), else
    /// `.build/debug/sverka` under the package root.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["SVERKA_BINARY"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        for base in [Bundle.main.executableURL, Bundle.main.bundleURL] + Bundle.allBundles.map(\.bundleURL) {
            guard let base else { continue }
            var folder = base.resolvingSymlinksInPath()
            // Walk out of a bundle (…/X.xctest/Contents/MacOS/X) to the products folder.
            for _ in 0..<4 {
                folder.deleteLastPathComponent()
                candidates.append(folder.appendingPathComponent("sverka"))
            }
        }
        candidates.append(Paths.packageRoot.appendingPathComponent(".build/debug/sverka"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }) else {
            throw RunError(message: "sverka binary not found; looked at \(candidates.map(\.path))")
        }
        return found
    }

    /// A program on `PATH` (`flock`, `systemd-analyze`, `bash`), or nil.
    static func program(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        for folder in folders {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The test process's environment without any `SVERKA_*` variable (a developer's own
    /// settings must not leak into a test), plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SVERKA_") }
        // Loopback servers are reached directly even where a proxy is configured.
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        environment["no_proxy"] = "127.0.0.1,localhost"
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// A started process, to be awaited or killed.
    final class Running {
        let process: Process
        let arguments: [String]
        private let outURL: URL
        private let errURL: URL
        private let started: ContinuousClock.Instant
        /// Set once the test has killed the process itself: waiting for its end is then no timeout.
        private var killedByTest = false

        fileprivate init(process: Process, arguments: [String], outURL: URL, errURL: URL) {
            self.process = process
            self.arguments = arguments
            self.outURL = outURL
            self.errURL = errURL
            started = .now
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        /// Sends SIGKILL (no handler can run: the process stops between any two instructions).
        func kill9() {
            killedByTest = true
            _ = kill(process.processIdentifier, SIGKILL)
        }

        /// Waits for the end; after `timeout` (from its start) the process is killed and an issue
        /// recorded, unless the test killed it already (a holder of a lock, say, kept for a test that
        /// took long on a busy machine: SIGKILL ends it, and that is no timeout).
        func wait(timeout: Duration = .seconds(120)) async throws -> Outcome {
            let deadline = started + timeout
            while process.isRunning {
                if !killedByTest && ContinuousClock.now >= deadline {
                    kill9()
                    Issue.record("\(arguments) timed out after \(timeout); killed")
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            process.waitUntilExit()
            let elapsed = ContinuousClock.now - started
            defer {
                try? FileManager.default.removeItem(at: outURL)
                try? FileManager.default.removeItem(at: errURL)
            }
            return Outcome(
                status: process.terminationStatus,
                signalled: process.terminationReason == .uncaughtSignal,
                stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                elapsed: elapsed)
        }
    }

    /// Starts `executable` (default: the built `sverka`) in `directory` with `environment`
    /// (see `environment(_:)`). stdout and stderr go to hidden files in `scratch`.
    static func start(_ arguments: [String], executable: URL? = nil, in directory: URL, scratch: URL? = nil,
                      environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = try executable ?? binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = Self.environment(environment)
        let folder = scratch ?? directory
        let outURL = folder.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = folder.appendingPathComponent(".stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw RunError(message: "cannot create output files in \(folder.path)")
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try out.close()
        try err.close()
        return Running(process: process, arguments: arguments, outURL: outURL, errURL: errURL)
    }

    /// Runs to the end (or `timeout`, then SIGKILL and an issue).
    static func run(_ arguments: [String], executable: URL? = nil, in directory: URL, scratch: URL? = nil,
                    environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Outcome {
        try await start(arguments, executable: executable, in: directory, scratch: scratch, environment: environment)
            .wait(timeout: timeout)
    }
}
