import Foundation
import Testing
import TestSupport
@testable import Domain

/// Both ways of compressing blocks (Swift's rounds and the processor's SHA instructions) against
/// FIPS 180-4's vectors, against coreutils' `sha256sum`, and against each other on every split of
/// the input into updates.
@Suite("SHA-256")
struct SHA256Tests {
    static let processorHasSHA = SHA256.fastestRounds == .processor
    static var everyRounds: [SHA256.Rounds] { processorHasSHA ? [.portable, .processor] : [.portable] }

    static func hex(_ digest: [UInt8]) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static func digest(_ bytes: [UInt8], rounds: SHA256.Rounds, splits: [Int] = []) -> [UInt8] {
        var hasher = SHA256(rounds: rounds)
        var start = 0
        for split in splits.sorted() where split >= start && split <= bytes.count {
            hasher.update(bytes[start..<split])
            start = split
        }
        hasher.update(bytes[start...])
        return hasher.finalize()
    }

    @Test("FIPS 180-4 vectors, with each kind of rounds", arguments: everyRounds)
    func vectors(rounds: SHA256.Rounds) {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (text, expected) in cases {
            #expect(Self.hex(Self.digest(Array(text.utf8), rounds: rounds)) == expected, "\(text)")
        }
        #expect(Self.hex(Self.digest([UInt8](repeating: 0x61, count: 1_000_000), rounds: rounds))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("every length around the block and padding edges, split anyhow: both kinds of rounds agree")
    func lengthsAndSplits() {
        var random = SplitMix64(seed: 0x5A_256)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let whole = Self.digest(bytes, rounds: .portable)
            let splits = (0..<3).map { _ in Int.random(in: 0...max(length, 1), using: &random) }
            for rounds in Self.everyRounds {
                #expect(Self.digest(bytes, rounds: rounds) == whole, "length \(length)")
                #expect(Self.digest(bytes, rounds: rounds, splits: splits) == whole, "length \(length) split at \(splits)")
            }
            var byteByByte = SHA256()
            for byte in bytes { byteByByte.update(CollectionOfOne(byte)) }
            #expect(byteByByte.finalize() == whole, "length \(length) a byte at a time")
            #expect(SHA256.hash(bytes.lazy.map { $0 }) == whole, "length \(length) as a non-contiguous sequence")
        }
    }

    @Test("the digest of large random inputs is coreutils' sha256sum's",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum")))
    func againstCoreutils() throws {
        var random = SplitMix64(seed: 2_026_11_29)
        for length in [1, 55, 56, 64, 4_095, 65_537, 1_048_583] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString)")
            try Data(bytes).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [file.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let expected = try #require(printed.split(separator: " ").first.map(String.init))
            #expect(SHA256.hex(bytes) == expected, "length \(length)")
            for rounds in Self.everyRounds {
                #expect(Self.hex(Self.digest(bytes, rounds: rounds, splits: [length / 3, length / 2])) == expected,
                        "length \(length), \(rounds)")
            }
        }
    }
}
