import Domain
import EDO
import Foundation
import Job
import Testing
import TestSupport

/// With `edo.sign_command` configured, every placed document gets its detached signature beside
/// it, and the manifest names it.
@Suite("Signing placed documents")
struct SigningTests {
    @Test("each XML of the day gets FILE.sig from the configured command, listed in manifest.json")
    func signsEveryDocument() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // A stand-in signer: the SHA-256 of the file, so the test can check what was signed.
        let config = try sandbox.sampleConfiguration().replacingOccurrences(
            of: "  program_name: sverka 1.0   # ВерсПрог",
            with: "  program_name: sverka 1.0\n  sign_command: [/bin/sh, -c, 'sha256sum \"$0\" | cut -c1-64 > \"$1\"', \"{in}\", \"{out}\"]")
        let path = try sandbox.writeConfiguration(config, name: "signed.yaml")
        let loaded = try sandbox.load(path)
        #expect(loaded.configuration.edo.signCommand?.first == "/bin/sh")
        let log = LogCapture()
        let outcomes = try await runDays([Day.d26], loaded: loaded, environment: testEnvironment(logger: log.logger()))
        #expect(outcomes.map(\.exitStatus) == [.success])

        let edo = sandbox.dayFolder(Day.d26).appendingPathComponent("edo")
        let xmls = files(in: edo).filter { $0.hasSuffix(".xml") }
        #expect(xmls.count == 3)
        for name in xmls {
            let signature = try String(contentsOf: edo.appendingPathComponent(name + ".sig"), encoding: .utf8)
            let bytes = try Data(contentsOf: edo.appendingPathComponent(name))
            #expect(signature.trimmingCharacters(in: .whitespacesAndNewlines) == SHA256.hex(bytes))
        }
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: sandbox.dayFolder(Day.d26).appendingPathComponent("manifest.json")))
        #expect(manifest.files.count == 3)
        #expect(manifest.files.allSatisfy { $0.signature == $0.file + ".sig" })
    }
}
