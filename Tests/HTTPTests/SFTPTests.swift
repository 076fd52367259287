import Foundation
import HTTP
import TestSupport
import Testing

/// A throwaway sshd on loopback, started and stopped by `.ci/sshd-test-server.sh`.
private struct TestSSHServer {
    let directory: URL
    let port: UInt16
    let user: String

    static let script = Paths.packageRoot.appendingPathComponent(".ci/sshd-test-server.sh")

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")
    }

    static func start() throws -> TestSSHServer {
        let directory = try Paths.temporaryDirectory("sverka-sshd")
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try LoopbackHTTPServer.unusedPort()
            let (status, output) = try run(["start", directory.path, String(port)])
            if status == 0 {
                let user = try String(contentsOf: directory.appendingPathComponent("user"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return TestSSHServer(directory: directory, port: port, user: user)
            }
            lastFailure = output
        }
        try? FileManager.default.removeItem(at: directory)
        throw SSHServerError(output: lastFailure)
    }

    func stop() {
        _ = try? Self.run(["stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func url(_ path: String) -> String { "sftp://127.0.0.1:\(port)\(path)" }

    func credentials(knownHosts: Bool = true, hostKeySHA256: String? = nil) -> SFTPCredentials {
        SFTPCredentials(
            user: user,
            privateKeyPath: file("client_key"),
            publicKeyPath: file("client_key.pub"),
            knownHostsPath: knownHosts ? file("known_hosts") : nil,
            hostKeySHA256: hostKeySHA256
        )
    }

    private static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

private struct SSHServerError: Error, CustomStringConvertible {
    var output: String
    var description: String { "sshd-test-server.sh failed: \(output)" }
}

@Suite("sftp:// against a loopback sshd")
struct SFTPTests {
    @Test("fetches a file with key auth; host key checked by known_hosts or SHA-256 pin", .enabled(if: TestSSHServer.isAvailable))
    func sftpFetch() async throws {
        let server = try TestSSHServer.start()
        defer { server.stop() }
        let content = Array("Выписка 2026-11-27;12345,67\n".utf8) + [0, 255]
        let remote = server.file("statement.txt")
        try Data(content).write(to: URL(fileURLWithPath: remote))
        let fingerprint = try String(contentsOfFile: server.file("host_key.sha256"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        let viaKnownHosts = testClient(testConfiguration { $0.sftp = server.credentials() })
        let response = try await viaKnownHosts.get(server.url(remote))
        #expect(response.status == 200)
        #expect(response.body == content)
        #expect(response.attempts == 1)

        let viaPin = testClient(testConfiguration { $0.sftp = server.credentials(knownHosts: false, hostKeySHA256: fingerprint) })
        #expect(try await viaPin.get(server.url(remote)).body == content)

        let missing = try #require(await expectHTTPError { try await viaKnownHosts.get(server.url(server.file("absent.txt"))) })
        #expect(missing.kind == .notFound)
        #expect(missing.attempts == 1)

        let wrongPin = testClient(testConfiguration {
            $0.sftp = server.credentials(knownHosts: false, hostKeySHA256: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        })
        let mismatch = try #require(await expectHTTPError { try await wrongPin.get(server.url(remote)) })
        #expect(mismatch.kind == .tls)
        #expect(mismatch.attempts == 1)

        // A known_hosts file that lists another key for this host is refused too.
        let otherKey = try String(contentsOfFile: server.file("client_key.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let wrongHosts = server.file("wrong_known_hosts")
        try Data("[127.0.0.1]:\(server.port) \(otherKey)\n".utf8).write(to: URL(fileURLWithPath: wrongHosts))
        var wrongCredentials = server.credentials()
        wrongCredentials.knownHostsPath = wrongHosts
        let wrongHostsClient = testClient(testConfiguration { $0.sftp = wrongCredentials })
        let refused = try #require(await expectHTTPError { try await wrongHostsClient.get(server.url(remote)) })
        #expect(refused.kind == .tls)
        #expect(refused.attempts == 1)

        // So is a host that the known_hosts file does not list at all.
        let hostKey = try String(contentsOfFile: server.file("host_key.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try Data("[127.0.0.2]:\(server.port) \(hostKey)\n".utf8).write(to: URL(fileURLWithPath: wrongHosts))
        let unlisted = try #require(await expectHTTPError { try await wrongHostsClient.get(server.url(remote)) })
        #expect(unlisted.kind == .tls)
    }
}
