import Foundation
import Testing
import TestSupport

/// `sverka status` after real runs, and `sverka config check` on good and broken configurations.
@Suite("sverka status and sverka config check (built binary)")
struct StatusAndConfigTests {
    @Test("status: the last runs with their outcomes, and what waits for the accountant")
    func status() async throws {
        let workspace = try Workspace.make("status")
        defer { workspace.remove() }
        let viaEnvironment = ["SVERKA_CONFIG": workspace.config.path]
        let before = try await workspace.sverka(["status"], environment: viaEnvironment)
        #expect(before.status == 0 && before.stdout.contains("No ledger yet at \(workspace.ledger.path)"), "\(before.transcript)")

        let failed = try await workspace.sverka(["run", "--date", Workspace.firstDay], environment: viaEnvironment.merging(
            ["SVERKA_BANK_MAIN_URL": "file:///nonexistent-sverka-folder/{date}.txt"]) { _, new in new })
        #expect(failed.status == 2, "\(failed.transcript)")
        let done = try await workspace.sverka(workspace.rerunBothDays)
        #expect(done.status == 1, "\(done.transcript)")

        let status = try await workspace.sverka(["status"], environment: viaEnvironment)
        #expect(status.status == 0, "\(status.transcript)")
        let lines = status.lines
        #expect(lines.first == "Lock: free")
        // Newest first, with outcome, command and counts.
        let runLines = lines.filter { $0.hasPrefix("  2026-") }
        #expect(runLines.count == 3, "\(status.stdout)")
        #expect(runLines.map { String($0.prefix(24)) } == ["  2026-11-27  exceptions", "  2026-11-26  ok        ", "  2026-11-26  failed    "],
                "\(runLines)")
        #expect(status.stdout.contains("rerun --from 2026-11-26 --to 2026-11-27  [documents=9 exceptions=5 held=1 orders=10 payments=10 quarantined=0]"))
        #expect(status.stdout.contains("5 exception(s), 1 held"))
        #expect(status.stdout.contains("the day is incomplete, nothing was written"), "the failed run says why")
        // Waiting: the unmatched, unknown-bill, over-paid and ambiguous payments; not the provider's payout.
        #expect(status.stdout.contains("payments not fully allocated: 5 (15 393,91 ₽)"), "\(status.stdout)")
        for reference in [":1544:", ":77:", ":905:", "invoicebox:8a9f3c12", "invoicebox:c47e0b95"] {
            #expect(lines.contains { $0.contains(reference) }, "\(reference) is not listed")
        }
        #expect(lines.contains { $0.contains(":905:") && $0.contains("129,60 of 5 000,00") })
        #expect(!lines.contains { $0.contains(":6013:") }, "the provider's payout waits for nobody")
        #expect(lines.contains("  documents held: 1"))
        #expect(lines.contains { $0.contains("UPD:SH-9008") && $0.contains("ВСД") })
        #expect(lines.contains("  quarantined records: 0"))

        let limited = try await workspace.sverka(["status", "--runs", "1"], environment: viaEnvironment)
        #expect(limited.lines.filter { $0.hasPrefix("  2026-") }.count == 1)
    }

    @Test("config check: the samples' configuration is valid (exit 0)")
    func validConfiguration() async throws {
        let workspace = try Workspace.make("config-ok")
        defer { workspace.remove() }
        let check = try await workspace.sverka(["config", "check", "--config", workspace.config.path])
        #expect(check.status == 0, "\(check.transcript)")
        #expect(check.lines.first == "\(workspace.config.path): valid")
        // The environment overrides are applied and shown.
        #expect(check.stdout.contains("ledger: \(workspace.ledger.path)") && check.stdout.contains("output: \(workspace.output.path)"))
    }

    @Test("config check: a bad ИНН, a bad account and a URL without {date} exit 64, each named by its key path")
    func invalidValues() async throws {
        let workspace = try Workspace.make("config-bad")
        defer { workspace.remove() }
        var text = try String(contentsOf: workspace.config, encoding: .utf8)
        let edits = [
            ("inn: \"7714698320\"", "inn: \"7714698321\""),
            ("url: file://{config_dir}/days/{date}/kl_to_1c_{ddMMyyyy}.txt", "url: file://{config_dir}/days/kl_to_1c.txt"),
            ("provider_inn: \"7708051171\"", "provider_inn: \"770805117\""),
            ("write_off_limit: \"0.00\"", "write_off_limit: \"5.00\""),
        ]
        for (old, new) in edits {
            #expect(text.contains(old))
            text = text.replacingOccurrences(of: old, with: new)
        }
        let broken = workspace.root.appendingPathComponent("broken.yaml")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let check = try await workspace.sverka(["config", "check", "--config", broken.path])
        #expect(check.status == 64, "\(check.transcript)")
        for path in ["seller.inn", "sources.banks[0].url", "sources.invoicebox.provider_inn", "policies.write_off_limit"] {
            #expect(check.lines.contains { $0.hasPrefix("error: \(path): ") }, "\(path) not named:\n\(check.stdout)")
        }
        #expect(check.lines.last == "\(broken.path): 4 error(s), 0 warning(s)")
        // A run refuses the same configuration with 64 and writes nothing.
        let run = try await workspace.sverka(["run", "--date", Workspace.firstDay, "--config", broken.path])
        #expect(run.status == 64 && run.stderr.contains("seller.inn"), "\(run.transcript)")
        #expect(!FileManager.default.fileExists(atPath: workspace.output.path))
    }

    @Test("config check: a missing key, a mistyped value, an unreadable file exit 64 and name the key")
    func missingKeys() async throws {
        let workspace = try Workspace.make("config-missing")
        defer { workspace.remove() }
        let text = try String(contentsOf: workspace.config, encoding: .utf8)
        let cases: [(name: String, edit: (String) -> String, expected: String)] = [
            ("no-position", { $0.replacingOccurrences(of: "  position: Генеральный директор\n", with: "") },
             "error: signer.position: is required but missing"),
            ("no-provider-inn", { $0.replacingOccurrences(of: "    provider_inn: \"7708051171\"", with: "    # provider_inn:") },
             "error: sources.invoicebox.provider_inn: is required but missing"),
            ("text-attempts", { $0.replacingOccurrences(of: "max_attempts: 4", with: "max_attempts: four") },
             "error: http.max_attempts: "),
        ]
        for item in cases {
            let edited = item.edit(text)
            #expect(edited != text, "\(item.name): the edit changed nothing")
            let file = workspace.root.appendingPathComponent("\(item.name).yaml")
            try edited.write(to: file, atomically: true, encoding: .utf8)
            let check = try await workspace.sverka(["config", "check", "--config", file.path])
            #expect(check.status == 64, "\(item.name): \(check.transcript)")
            #expect(check.stdout.contains(item.expected), "\(item.name): \(check.stdout)")
        }
        let absent = try await workspace.sverka(["config", "check", "--config", workspace.root.appendingPathComponent("absent.yaml").path])
        #expect(absent.status == 64 && absent.stdout.contains("cannot be read"), "\(absent.transcript)")
    }

    @Test("usage errors exit 64: a reversed range, a bad date, an unknown option, a missing configuration")
    func usageErrors() async throws {
        let workspace = try Workspace.make("usage")
        defer { workspace.remove() }
        let config = ["--config", workspace.config.path]
        let cases: [(arguments: [String], message: String)] = [
            (["rerun", "--from", Workspace.secondDay, "--to", Workspace.firstDay] + config, "is after --to"),
            (["run", "--date", "2026-13-01"] + config, "is not a YYYY-MM-DD date"),
            (["run", "--bogus"] + config, "Unknown option"),
            (["run", "--date", Workspace.firstDay, "--config", workspace.root.appendingPathComponent("absent.yaml").path], "cannot be read"),
        ]
        for (arguments, message) in cases {
            let outcome = try await workspace.sverka(arguments)
            #expect(outcome.status == 64, "\(arguments): \(outcome.transcript)")
            #expect(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.output.path), "a usage error wrote something")
    }
}
