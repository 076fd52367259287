import Domain
import EDO
import Foundation
import Testing
import TestSupport

@Suite("Placing files for the EDO operator")
struct EDOTests {
    @Test("a file is written whole, and rewriting the same bytes leaves it untouched")
    func atomicWrite() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("edo/a.xml")
        #expect(try AtomicFile.write(Array("one".utf8), to: url) == .written)
        let before = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        usleep(20_000)
        #expect(try AtomicFile.write(Array("one".utf8), to: url) == .unchanged)
        let after = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        #expect(before == after)
        #expect(try AtomicFile.write(Array("two".utf8), to: url) == .replaced)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        // no temporary file remains beside it
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["a.xml"])
    }

    @Test("temporary files a killed run left behind are swept, finished files are kept")
    func sweep() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("half".utf8).write(to: dir.appendingPathComponent(".a.xml.tmp-4242"))
        try Data("whole".utf8).write(to: dir.appendingPathComponent("b.xml"))
        #expect(AtomicFile.sweepTemporaryFiles(in: dir) == [".a.xml.tmp-4242"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["b.xml"])
    }

    @Test("writing into a folder that cannot be created names the path and the reason")
    func writeError() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("file")
        try Data().write(to: blocker)
        #expect {
            try AtomicFile.write([1], to: blocker.appendingPathComponent("x/y.xml"))
        } throws: { error in
            (error as? EDOError)?.path.hasSuffix("file/x") == true
        }
    }

    @Test("the manifest is deterministic JSON listing files with their hashes")
    func manifest() throws {
        let date = try #require(CivilDate(iso: "2026-11-27"))
        let a = ManifestEntry(file: "edo/b.xml", kind: .upd, number: "12", date: date, buyerINN: "7707083893",
                              totalWithoutVAT: Money(kopecks: 100), vat: Money(kopecks: 22), total: Money(kopecks: 122),
                              sha256: SHA256.hex(Array("b".utf8)))
        let b = ManifestEntry(file: "archive/a.xml", kind: .ukd, number: "13", date: date, buyerINN: "500100732259",
                              totalWithoutVAT: Money(kopecks: -100), vat: Money(kopecks: -22), total: Money(kopecks: -122),
                              sha256: SHA256.hex(Array("a".utf8)), paperOnly: true, printForm: "archive/a.html")
        let one = try Manifest(businessDate: date, files: [a, b]).encoded()
        let two = try Manifest(businessDate: date, files: [b, a]).encoded()
        #expect(one == two)
        let text = String(decoding: one, as: UTF8.self)
        #expect(text.contains("\"business_date\" : \"2026-11-27\""))
        #expect(text.contains("\"total\" : \"-1.22\""))
        #expect(text.range(of: "archive/a.xml")!.lowerBound < text.range(of: "edo/b.xml")!.lowerBound)
        let decoded = try JSONDecoder().decode(Manifest.self, from: Data(one))
        #expect(decoded.files.count == 2 && decoded.files[0].paperOnly)
    }

    static let gostAvailable: Bool = {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && !((try? FileManager.default.subpathsOfDirectory(atPath: "/usr/lib/x86_64-linux-gnu/engines-3"))?
                .filter { $0.hasPrefix("gost") }.isEmpty ?? true)
    }()

    @Test("a GOST R 34.10-2012 detached CMS signature is made and verifies", .enabled(if: gostAvailable))
    func gostSignature() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.pem").path
        let cert = dir.appendingPathComponent("cert.pem").path
        #expect(try shell(["openssl", "genpkey", "-engine", "gost", "-algorithm", "gost2012_256",
                           "-pkeyopt", "paramset:A", "-out", key]) == 0)
        #expect(try shell(["openssl", "req", "-engine", "gost", "-x509", "-new", "-key", key, "-out", cert,
                           "-subj", "/CN=sverka test signer", "-days", "2"]) == 0)
        let document = dir.appendingPathComponent("edo/ON_NSCHFDOPPR_test.xml")
        try AtomicFile.write(Array("<Файл/>".utf8), to: document)
        let signer = DocumentSigner(arguments: [
            "openssl", "cms", "-sign", "-engine", "gost", "-binary", "-in", "{in}", "-out", "{out}", "-outform", "DER",
            "-signer", cert, "-inkey", key, "-md", "md_gost12_256",
        ])
        let signature = try signer.sign(document)
        #expect(signature.lastPathComponent == "ON_NSCHFDOPPR_test.xml.sig")
        #expect(try shell(["openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER",
                           "-in", signature.path, "-content", document.path, "-CAfile", cert, "-out", "/dev/null"]) == 0)
        // the signature is over these bytes: a changed document no longer verifies
        try Data("<Файл x=\"1\"/>".utf8).write(to: document)
        #expect(try shell(["openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER",
                           "-in", signature.path, "-content", document.path, "-CAfile", cert, "-out", "/dev/null"]) != 0)
        let algorithms = try shellOutput(["openssl", "asn1parse", "-inform", "DER", "-in", signature.path])
        #expect(algorithms.contains("GOST R 34.10-2012"))
    }

    @Test("a failing signer command is an error naming the file and the exit status")
    func failingSigner() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let document = dir.appendingPathComponent("a.xml")
        try AtomicFile.write([0x3C], to: document)
        let signer = DocumentSigner(arguments: ["/bin/sh", "-c", "echo no key >&2; exit 3", "{in}", "{out}"])
        #expect {
            try signer.sign(document)
        } throws: { error in
            let text = (error as? EDOError)?.description ?? ""
            return text.contains("a.xml") && text.contains("exited with 3") && text.contains("no key")
        }
        #expect(!FileManager.default.fileExists(atPath: document.path + ".sig"))
    }

    private func shell(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func shellOutput(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
