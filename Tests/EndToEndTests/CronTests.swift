import Foundation
import Testing
import TestSupport

/// cron/: the systemd units, the crontab line, and the nightly wrapper run for real.
@Suite("cron and systemd files (built binary)")
struct CronTests {
    static let cron = Paths.packageRoot.appendingPathComponent("cron", isDirectory: true)
    static let installedWrapper = "/usr/local/lib/sverka/sverka-nightly"

    static func text(_ name: String) throws -> String {
        try String(contentsOf: cron.appendingPathComponent(name), encoding: .utf8)
    }

    /// `Key=value` lines of a unit file (the last value of a key wins, as in systemd).
    static func settings(_ unit: String) -> [String: String] {
        var settings: [String: String] = [:]
        for line in unit.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return settings
    }

    @Test("systemd-analyze verify accepts the service and the timer (paths substituted), without warnings",
          .enabled(if: BinaryRunner.program("systemd-analyze") != nil, "systemd-analyze is not installed"))
    func systemdUnits() async throws {
        let analyze = try #require(BinaryRunner.program("systemd-analyze"))
        let folder = try Paths.temporaryDirectory("sverka-units")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The wrapper is not installed here: point ExecStart at a copy that exists and is executable.
        let wrapper = folder.appendingPathComponent("sverka-nightly")
        try FileManager.default.copyItem(at: Self.cron.appendingPathComponent("sverka-nightly"), to: wrapper)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        let service = try Self.text("sverka.service")
        #expect(service.contains("ExecStart=\(Self.installedWrapper)\n"))
        try service.replacingOccurrences(of: Self.installedWrapper, with: wrapper.path)
            .write(to: folder.appendingPathComponent("sverka.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Self.cron.appendingPathComponent("sverka.timer"), to: folder.appendingPathComponent("sverka.timer"))

        let verify = try await BinaryRunner.run(["verify", "sverka.service", "sverka.timer"], executable: analyze, in: folder)
        #expect(verify.status == 0, "\(verify.transcript)")
        // systemd only warns about unknown keys or unparsable values: any line about our units is a finding.
        let complaints = (verify.stdout + verify.stderr).split(separator: "\n").filter { $0.contains("sverka") }
        #expect(complaints.isEmpty, "\(complaints.joined(separator: "\n"))")

        // The timer's calendar expression, as written in the file.
        let timer = Self.settings(try Self.text("sverka.timer"))
        let calendar = try #require(timer["OnCalendar"])
        #expect(calendar == "*-*-* 03:15:00 Europe/Moscow")
        let parsed = try await BinaryRunner.run(["calendar", calendar], executable: analyze, in: folder)
        #expect(parsed.status == 0 && parsed.stdout.contains("Normalized form: *-*-* 03:15:00 Europe/Moscow"), "\(parsed.transcript)")
        #expect(timer["Unit"] == "sverka.service" && timer["Persistent"] == "true")
        // Exceptions for the accountant (1) are not a failed service; the secrets file is the wrapper's.
        let settings = Self.settings(service)
        #expect(settings["SuccessExitStatus"] == "1" && settings["Type"] == "oneshot")
        #expect(settings["Environment"] == "SVERKA_ENV_FILE=/etc/sverka/sverka.env")
    }

    @Test("the crontab line: five time fields and the installed wrapper, at 03:15 Moscow time")
    func crontab() throws {
        let lines = try Self.text("sverka.crontab").split(separator: "\n").map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
        let variables = lines.filter { $0.range(of: #"^[A-Z_]+=\S+$"#, options: .regularExpression) != nil }
        #expect(variables.contains("CRON_TZ=Europe/Moscow"))
        let jobs = lines.filter { !variables.contains($0) }
        #expect(jobs.count == 1, "\(jobs)")
        let fields = try #require(jobs.first).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(fields.count == 6, "5 time fields and the command: \(fields)")
        let field = #"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$"#
        let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
        for (index, value) in fields.prefix(5).enumerated() {
            #expect(value.range(of: field, options: .regularExpression) != nil, "field \(index + 1): \(value)")
            for number in value.split(whereSeparator: { !$0.isNumber }).compactMap({ Int($0) }) where !value.contains("/") {
                #expect(ranges[index].contains(number), "field \(index + 1): \(number) out of range")
            }
        }
        #expect(Array(fields.prefix(2)) == ["15", "3"])
        #expect(fields[5] == Self.installedWrapper, "the crontab and the service run the same wrapper")
    }

    /// A temporary setup for the wrapper: env file, log folder, lock file, samples.
    struct Setup {
        let workspace: Workspace
        let logs: URL
        let lock: URL
        let environment: [String: String]

        init(_ label: String, envFileExtra: String = "") throws {
            workspace = try Workspace.make(label)
            logs = workspace.root.appendingPathComponent("logs", isDirectory: true)
            lock = workspace.root.appendingPathComponent("sverka-nightly.lock")
            let envFile = workspace.root.appendingPathComponent("sverka.env")
            // What /etc/sverka/sverka.env would hold on a server.
            try """
            SVERKA_CONFIG=\(workspace.config.path)
            SVERKA_OUTPUT_DIR=\(workspace.output.path)
            SVERKA_LEDGER=\(workspace.ledger.path)
            SVERKA_METRICS_TEXTFILE=\(workspace.root.path)/metrics/sverka.prom
            \(envFileExtra)
            """.write(to: envFile, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(at: workspace.root.appendingPathComponent("metrics"), withIntermediateDirectories: true)
            environment = [
                "SVERKA_BIN": try BinaryRunner.binary().path, "SVERKA_ENV_FILE": envFile.path,
                "SVERKA_LOG_DIR": logs.path, "SVERKA_LOCK_FILE": lock.path,
            ]
        }

        func wrapper(_ arguments: [String]) async throws -> BinaryRunner.Outcome {
            let bash = try #require(BinaryRunner.program("bash"))
            return try await BinaryRunner.run([CronTests.cron.appendingPathComponent("sverka-nightly").path] + arguments,
                                              executable: bash, in: workspace.root, environment: environment)
        }

        /// Every line of every log file, each decoded as a JSON object.
        func logLines() throws -> [[String: Any]] {
            let names = try FileManager.default.contentsOfDirectory(atPath: logs.path)
            #expect(names.count == 1 && names.first?.range(of: #"^sverka-\d{4}-\d{2}-\d{2}\.log$"#, options: .regularExpression) != nil,
                    "\(names)")
            var objects: [[String: Any]] = []
            for name in names {
                let text = try String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object != nil, "not a JSON line in \(name): \(line)")
                    if let object { objects.append(object) }
                }
            }
            return objects
        }
    }

    @Test("the wrapper: the exit code passes through (0, 1, 2), the log gets JSON lines, metrics are written",
          .enabled(if: BinaryRunner.program("bash") != nil && BinaryRunner.program("flock") != nil, "bash or flock missing"))
    func wrapperRuns() async throws {
        let setup = try Setup("cron-wrapper")
        defer { setup.workspace.remove() }
        #expect(FileManager.default.isExecutableFile(atPath: Self.cron.appendingPathComponent("sverka-nightly").path))

        let first = try await setup.wrapper(["--date", Workspace.firstDay])
        #expect(first.status == 0, "\(first.transcript)")
        #expect(FileManager.default.fileExists(atPath: setup.workspace.day(Workspace.firstDay).appendingPathComponent("run.json").path))
        let second = try await setup.wrapper(["--date", Workspace.secondDay])
        #expect(second.status == 1, "\(second.transcript)")

        let lines = try setup.logLines()
        let messages = lines.compactMap { $0["msg"] as? String }
        #expect(messages.contains("business day 2026-11-26: ok") && messages.contains("business day 2026-11-27: exceptions"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("2026-11-27: exceptions — 9 document(s)") }, "the summary is in the log too")
        #expect(lines.filter { $0["exit_code"] != nil }.compactMap { $0["exit_code"] as? Int } == [0, 1])
        #expect(lines.allSatisfy { $0["ts"] is String && $0["level"] is String })

        // node_exporter's textfile, written atomically after each run.
        let metrics = try String(contentsOf: setup.workspace.root.appendingPathComponent("metrics/sverka.prom"), encoding: .utf8)
        #expect(metrics.contains("sverka_last_run_status{outcome=\"exceptions\"} 1"), "\(metrics)")
        #expect(metrics.contains("sverka_runs_total{outcome=\"ok\"} 1") && metrics.contains("sverka_runs_total{outcome=\"exceptions\"} 1"))
    }

    @Test("the wrapper: a failing source gives 2, a bad configuration 64, a missing binary or log folder 2 (never 1)",
          .enabled(if: BinaryRunner.program("bash") != nil && BinaryRunner.program("flock") != nil, "bash or flock missing"))
    func wrapperFailures() async throws {
        let broken = try Setup("cron-source", envFileExtra: "SVERKA_BANK_MAIN_URL=file:///nonexistent-sverka-folder/{date}.txt")
        defer { broken.workspace.remove() }
        let failed = try await broken.wrapper(["--date", Workspace.firstDay])
        #expect(failed.status == 2, "\(failed.transcript)")
        #expect(try broken.logLines().contains { ($0["msg"] as? String)?.contains("bank-1c:main") == true && $0["level"] as? String == "error" })

        let usage = try Setup("cron-usage", envFileExtra: "SVERKA_CONFIG=/nonexistent-sverka-folder/sverka.yaml")

        defer { usage.workspace.remove() }
        let badConfig = try await usage.wrapper(["--date", Workspace.firstDay])
        #expect(badConfig.status == 64, "\(badConfig.transcript)")

        var missing = try Setup("cron-missing-binary")

        defer { missing.workspace.remove() }
        missing = Setup(workspace: missing.workspace, logs: missing.logs, lock: missing.lock,
                        environment: missing.environment.merging(["SVERKA_BIN": "/nonexistent-sverka-folder/sverka"]) { _, new in new })
        let noBinary = try await missing.wrapper([])
        #expect(noBinary.status == 2, "\(noBinary.transcript)")
        #expect(noBinary.stderr.contains("missing or not executable"))

        var unwritable = try Setup("cron-no-logs")

        defer { unwritable.workspace.remove() }
        let file = unwritable.workspace.root.appendingPathComponent("a-file")
        try Data().write(to: file)
        unwritable = Setup(workspace: unwritable.workspace, logs: file.appendingPathComponent("logs"), lock: unwritable.lock,
                           environment: unwritable.environment.merging(["SVERKA_LOG_DIR": file.appendingPathComponent("logs").path]) { _, new in new })
        let noLogs = try await unwritable.wrapper([])
        #expect(noLogs.status == 2, "a wrapper that cannot log must not look like success (1): \(noLogs.transcript)")
        #expect(!FileManager.default.fileExists(atPath: unwritable.workspace.output.path), "sverka ran without a log")
    }

    @Test("the wrapper with its lock file held by flock exits 75 at once; an unusable lock file is 2, not 75",
          .enabled(if: BinaryRunner.program("bash") != nil && BinaryRunner.program("flock") != nil, "bash or flock missing"))
    func wrapperLocked() async throws {
        let flock = try #require(BinaryRunner.program("flock"))
        let setup = try Setup("cron-lock")
        defer { setup.workspace.remove() }
        let holder = try LockTests.holdLock(setup.lock.path, in: setup.workspace.root)
        defer { holder.kill9() }
        #expect(try await LockTests.waitUntil { try await Self.held(setup.lock.path, flock: flock, in: setup.workspace.root) })

        let locked = try await setup.wrapper(["--date", Workspace.firstDay])
        #expect(locked.status == 75, "\(locked.transcript)")
        #expect(locked.elapsed < .seconds(120), "it waited for the lock (held for 10 minutes)")
        #expect(locked.stderr.contains("another sverka-nightly holds \(setup.lock.path)"))
        #expect(try setup.logLines().contains { ($0["msg"] as? String)?.contains("another sverka-nightly holds") == true })
        #expect(!FileManager.default.fileExists(atPath: setup.workspace.output.path), "sverka ran although the lock was held")
        holder.kill9()
        _ = try await holder.wait()

        let unusable = try Setup("cron-lock-unusable")

        defer { unusable.workspace.remove() }
        let moved = Setup(workspace: unusable.workspace, logs: unusable.logs, lock: unusable.lock,
                          environment: unusable.environment.merging(["SVERKA_LOCK_FILE": "/nonexistent-sverka-folder/lock"]) { _, new in new })
        let cannotLock = try await moved.wrapper([])
        #expect(cannotLock.status == 2, "\(cannotLock.transcript)")
        #expect(cannotLock.stderr.contains("cannot open the lock file"))
    }

    static func held(_ path: String, flock: URL, in folder: URL) async throws -> Bool {
        try await LockTests.isLocked(path, flock: flock, in: folder)
    }
}

extension CronTests.Setup {
    init(workspace: Workspace, logs: URL, lock: URL, environment: [String: String]) {
        self.workspace = workspace
        self.logs = logs
        self.lock = lock
        self.environment = environment
    }
}
