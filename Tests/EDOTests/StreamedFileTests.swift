import Domain
import EDO
import Foundation
import Testing
import TestSupport

@Suite("Files written a piece at a time: streams, spill files, the streamed manifest")
struct StreamedFileTests {
    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func modified(_ url: URL) throws -> Date? {
        try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
    }

    /// Deterministic bytes: more than one buffer's worth when `count` is large.
    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("a stream is invisible under its name until commit, then whole; the same bytes again leave it and its mtime untouched")
    func streamPlacement() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("sub/big.bin")
        let content = bytes(3_000_000, seed: 7)
        let stream = try AtomicFile.Stream(url: url)
        for start in stride(from: 0, to: content.count, by: 70_001) {
            try stream.write(content[start..<min(start + 70_001, content.count)])
        }
        #expect(stream.count == content.count)
        let hidden = try names(dir.appendingPathComponent("sub"))
        #expect(hidden.count == 1 && hidden[0].hasPrefix(".big.bin.tmp-"))
        #expect(try stream.commit() == .written)
        #expect(try names(dir.appendingPathComponent("sub")) == ["big.bin"])
        #expect(try Array(Data(contentsOf: url)) == content)

        let before = try modified(url)
        usleep(20_000)
        let again = try AtomicFile.Stream(url: url)
        try again.write(content)
        #expect(try again.commit() == .unchanged)
        #expect(try modified(url) == before)
        #expect(try names(dir.appendingPathComponent("sub")) == ["big.bin"])

        // Same size, one byte different at the end of the last chunk compared: replaced.
        var changed = content
        changed[changed.count - 1] &+= 1
        let third = try AtomicFile.Stream(url: url)
        try third.write(changed)
        #expect(try third.commit() == .replaced)
        #expect(try Array(Data(contentsOf: url)) == changed)
        #expect(try names(dir.appendingPathComponent("sub")) == ["big.bin"])
    }

    @Test("a discarded or dropped stream leaves no temporary file and changes nothing in place")
    func streamDiscard() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.json")
        try AtomicFile.write(Array("old".utf8), to: url)
        let stream = try AtomicFile.Stream(url: url)
        try stream.write("new bytes")
        stream.discard()
        #expect(throws: EDOError.self) { try stream.write("more") }
        do {
            let dropped = try AtomicFile.Stream(url: url)
            try dropped.write(bytes(2_000_000, seed: 1))
        }
        #expect(try names(dir) == ["a.json"])
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
    }

    @Test("streams committed together are all placed; a failing one discards the rest")
    func streamsTogether() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let streams = try (0..<3).map { index in
            let stream = try AtomicFile.Stream(url: dir.appendingPathComponent("r/\(index).csv"))
            try stream.write("file \(index)")
            return stream
        }
        #expect(try AtomicFile.Stream.commit(streams) == [.written, .written, .written])
        #expect(try names(dir.appendingPathComponent("r")) == ["0.csv", "1.csv", "2.csv"])

        // The second's final name is a folder, so its rename fails: the third is not placed either.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("s/b.csv/inner"), withIntermediateDirectories: true)
        let failing = try ["a.csv", "b.csv", "c.csv"].map { name in
            let stream = try AtomicFile.Stream(url: dir.appendingPathComponent("s/" + name))
            try stream.write(name)
            return stream
        }
        #expect(throws: EDOError.self) { try AtomicFile.Stream.commit(failing) }
        #expect(try names(dir.appendingPathComponent("s")) == ["a.csv", "b.csv"])
    }

    @Test("a spill file gives back what was appended, by range and in chunks, and has no name in its folder")
    func spill() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = try SpillFile(in: dir, name: "entries")
        #expect(try names(dir).isEmpty)
        var all: [UInt8] = []
        var ranges: [(Int, Int)] = []
        var random = SplitMix64(seed: 99)
        for index in 0..<400 {
            // Mostly small pieces (buffered), some larger than the buffer (written straight after it).
            let size = index % 50 == 7 ? 300_000 + Int(random.next() % 300_000) : Int(random.next() % 20_000)
            let piece = bytes(size, seed: UInt64(index))
            ranges.append((all.count, piece.count))
            all += piece
            try spill.append(piece)
        }
        #expect(spill.count == all.count)
        // (Compared first: a failure would print every byte.)
        for (offset, count) in ranges.shuffled(using: &random).prefix(60) {
            let same = try spill.read(offset: offset, count: count) == Array(all[offset..<(offset + count)])
            #expect(same, "\(count) bytes at \(offset)")
        }
        var streamed: [UInt8] = []
        try spill.forEachChunk { streamed += $0 }
        let same = streamed == all
        #expect(same, "\(streamed.count) bytes read back")
        #expect(throws: EDOError.self) { _ = try spill.read(offset: all.count - 1, count: 2) }
        #expect(try names(dir).isEmpty)
    }

    @Test("a spill file cut back keeps exactly the bytes before the cut, in its buffer or already written, and appends after it")
    func spillTruncated() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = try SpillFile(in: dir, name: "records")
        let first = bytes(700_000, seed: 1) // more than the buffer: written
        try spill.append(first)
        try spill.append(bytes(1_000, seed: 2)) // in the buffer
        try spill.truncate(to: first.count + 10) // a cut inside the buffer
        #expect(spill.count == first.count + 10)
        try spill.truncate(to: 500_000) // a cut inside what was written
        #expect(spill.count == 500_000)
        let after = bytes(3_000, seed: 3)
        try spill.append(after)
        var streamed: [UInt8] = []
        try spill.forEachChunk { streamed += $0 }
        // (Compared first: a failure would print every byte.)
        let kept = streamed == Array(first[..<500_000]) + after
        #expect(kept, "\(streamed.count) bytes read back")
        #expect(try spill.read(offset: 499_990, count: 20) == Array(first[499_990..<500_000]) + Array(after[..<10]))
        #expect(throws: EDOError.self) { try spill.truncate(to: streamed.count + 1) }
        #expect(throws: EDOError.self) { try spill.truncate(to: -1) }
        try spill.truncate(to: 0)
        #expect(spill.count == 0)
    }

    static let day = CivilDate(iso: "2026-11-27")!

    static func entry(_ file: String, _ index: Int) -> ManifestEntry {
        ManifestEntry(file: file, kind: DocumentKind.allCases[index % DocumentKind.allCases.count], number: "УПД-\(index) \"q\"",
                      date: day, buyerINN: "7707083893", totalWithoutVAT: Money(kopecks: Int64(index) * 1_000 - 7),
                      vat: Money(kopecks: Int64(index) * 200), total: Money(kopecks: Int64(index) * 1_200),
                      sha256: String(repeating: "0f", count: 32), signature: index % 3 == 0 ? file + ".sig" : nil,
                      paperOnly: index % 4 == 0, printForm: index % 4 == 0 ? "archive/\(index).html" : nil)
    }

    @Test("the streamed manifest is Manifest.encoded()'s bytes whatever the order appended", arguments: [0, 1, 2, 7, 3_000])
    func manifestBytes(count: Int) throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var random = SplitMix64(seed: UInt64(count) + 5)
        // Paths that sort differently from the order appended: archive/ before edo/, a shared
        // prefix, a prefix of another path, the same path twice, non-ASCII (composed and decomposed).
        let shapes = ["edo/ON_NSCHFDOPPR_%d.xml", "archive/ON_NSCHFDOPPR_%d.xml", "edo/ON_NKORSCHFDOPPR_%d.xml",
                      "edo/ON_%d", "edo/ON_%d.xml", "archive/Ёлка_%d.xml", "archive/Ё\u{301}_%d.xml", "archive/e\u{301}_%d.xml",
                      "archive/\u{e9}_%d.xml"]
        var entries: [ManifestEntry] = []
        for index in 0..<count {
            let shape = shapes[Int(random.next() % UInt64(shapes.count))]
            let number = Int(random.next() % UInt64(max(count / 2, 1)))
            entries.append(Self.entry(shape.replacingOccurrences(of: "%d", with: String(number)), index))
        }
        let expected = try Manifest(businessDate: Self.day, files: entries).encoded()
        // Sorted in one run, in runs of 1 (a merge of every entry), and in uneven runs of 7.
        for (attempt, runLength) in [4_096, 1, 7].enumerated() {
            let url = dir.appendingPathComponent("\(runLength)/manifest.json")
            let writer = try ManifestWriter(businessDate: Self.day, url: url, runLength: runLength)
            for entry in entries { try writer.append(entry) }
            #expect(writer.count == count)
            #expect(try writer.commit() == .written)
            #expect(try Array(Data(contentsOf: url)) == expected, "runs of \(runLength)")
            #expect(try names(url.deletingLastPathComponent()) == ["manifest.json"])
            if attempt == 0 {
                let again = try ManifestWriter(businessDate: Self.day, url: url, runLength: 5)
                for entry in entries { try again.append(entry) }
                #expect(try again.commit() == .unchanged)
            }
        }
    }

    @Test("a JSON frame splits where its empty top-level array is, and only there")
    func frame() throws {
        let encoded = Array("{\n  \"a\" : {\n    \"files\" : [\n\n    ]\n  },\n  \"files\" : [\n\n  ],\n  \"z\" : 1\n}".utf8)
        let frame = try JSONArrayFrame(encoded: encoded, arrayKey: "files")
        #expect(String(decoding: frame.head, as: UTF8.self) == "{\n  \"a\" : {\n    \"files\" : [\n\n    ]\n  },\n  \"files\" : [")
        #expect(String(decoding: frame.tail, as: UTF8.self) == ",\n  \"z\" : 1\n}")
        #expect(frame.head + frame.closing(empty: true) == encoded)
        #expect(String(decoding: JSONArrayFrame.member(of: ["a/b", "c"]), as: UTF8.self)
            == ",\n    [\n      \"a/b\",\n      \"c\"\n    ]")
        #expect(throws: EDOError.self) { _ = try JSONArrayFrame(encoded: encoded, arrayKey: "missing") }
    }
}
