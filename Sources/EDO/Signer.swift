import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes a detached signature for a placed file by running a configured command.
///
/// The command is an argument list (no shell) with two placeholders: `{in}`,
/// the file to sign, and `{out}`, where the signature goes. For a GOST R
/// 34.10-2012 CMS signature with Debian's `libengine-gost-openssl`:
///
///     ["openssl", "cms", "-sign", "-engine", "gost", "-binary", "-in", "{in}",
///      "-out", "{out}", "-outform", "DER", "-signer", "/etc/sverka/cert.pem",
///      "-inkey", "/etc/sverka/key.pem", "-md", "md_gost12_256"]
///
/// The signature is written to a temporary name and renamed to `FILE.sig`,
/// like every other placed file.
public struct DocumentSigner: Sendable {
    public var arguments: [String]
    public var timeoutSeconds: Int

    public init(arguments: [String], timeoutSeconds: Int = 60) {
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    /// Signs `file`, writing `file.sig` beside it, and returns the signature's URL.
    public func sign(_ file: URL) throws(EDOError) -> URL {
        guard let program = arguments.first else {
            throw EDOError(path: file.path, operation: "sign", reason: "no signer command configured")
        }
        let signature = file.appendingPathExtension("sig")
        let temporary = file.deletingLastPathComponent()
            .appendingPathComponent("." + signature.lastPathComponent + ".tmp-\(getpid())")
        let substituted = arguments.dropFirst().map {
            $0.replacingOccurrences(of: "{in}", with: file.path).replacingOccurrences(of: "{out}", with: temporary.path)
        }
        let result = try run(program: program, arguments: Array(substituted), describing: file.path)
        guard result.status == 0 else {
            unlink(temporary.path)
            let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw EDOError(path: file.path, operation: "sign",
                           reason: "\(program) exited with \(result.status)\(detail.isEmpty ? "" : ": " + String(detail.prefix(500)))")
        }
        guard let bytes = FileManager.default.contents(atPath: temporary.path), !bytes.isEmpty else {
            unlink(temporary.path)
            throw EDOError(path: file.path, operation: "sign", reason: "\(program) wrote no signature")
        }
        unlink(temporary.path)
        try AtomicFile.write(Array(bytes), to: signature)
        return signature
    }

    private func run(program: String, arguments: [String], describing path: String) throws(EDOError) -> (status: Int32, stderr: String) {
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw EDOError(path: path, operation: "sign", reason: "cannot start \(program): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while process.isRunning {
            if Date() > deadline {
                // Children may ignore SIGTERM here; SIGKILL cannot be ignored.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw EDOError(path: path, operation: "sign", reason: "\(program) did not finish in \(timeoutSeconds) s")
            }
            usleep(10_000)
        }
        let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, stderr)
    }
}
