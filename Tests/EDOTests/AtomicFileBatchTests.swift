import EDO
import Foundation
import Testing
import TestSupport

@Suite("Placing a batch of files")
struct AtomicFileBatchTests {
    /// Every name in `folder`, sorted.
    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func modified(_ url: URL) throws -> Date? {
        try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
    }

    @Test("a batch is written whole; the same bytes again leave each file and its mtime untouched",
          arguments: AtomicFile.BatchDurability.allCases)
    func batchWrite(durability: AtomicFile.BatchDurability) throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = (0..<20).map { index in
            AtomicFile.BatchFile(url: dir.appendingPathComponent(index.isMultiple(of: 2) ? "edo/\(index).xml" : "archive/\(index).html"),
                                 bytes: Array("file \(index)".utf8))
        }
        let first = try AtomicFile.write(batch: files, threads: 4, durability: durability)
        #expect(first == Array(repeating: .written, count: 20))
        for file in files { #expect(try Array(Data(contentsOf: file.url)) == file.bytes) }
        let before = try modified(files[0].url)
        usleep(20_000)
        var again = files
        again[2].bytes = Array("changed".utf8)
        let second = try AtomicFile.write(batch: again, threads: 4, durability: durability)
        #expect(second[0] == .unchanged && second[1] == .unchanged && second[2] == .replaced)
        #expect(second.filter { $0 == .unchanged }.count == 19)
        #expect(try modified(files[0].url) == before)
        #expect(try String(contentsOf: files[2].url, encoding: .utf8) == "changed")
        // no temporary file remains beside them
        #expect(try names(dir.appendingPathComponent("edo")).allSatisfy { !$0.hasPrefix(".") })
        #expect(try names(dir.appendingPathComponent("archive")).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("staged files exist only under hidden temporary names until commit")
    func stagedAreHidden() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let staging = AtomicFile.Staging(threads: 2, durability: .fileSystem)
        try staging.stage([AtomicFile.BatchFile(url: dir.appendingPathComponent("a.xml"), bytes: [1, 2, 3])])
        try staging.stage([AtomicFile.BatchFile(url: dir.appendingPathComponent("b.xml"), bytes: [4])])
        #expect(staging.count == 2)
        let hidden = try names(dir)
        #expect(hidden.count == 2)
        #expect(hidden.allSatisfy { $0.hasPrefix(".") && $0.contains(".tmp-") })
        try staging.commit()
        #expect(try names(dir) == ["a.xml", "b.xml"])
        #expect(try Array(Data(contentsOf: dir.appendingPathComponent("a.xml"))) == [1, 2, 3])
        #expect(staging.count == 0)
    }

    @Test("discarding a staging leaves no temporary file and places nothing")
    func discard() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("old".utf8).write(to: dir.appendingPathComponent("a.xml"))
        let staging = AtomicFile.Staging()
        let outcomes = try staging.stage([AtomicFile.BatchFile(url: dir.appendingPathComponent("a.xml"), bytes: Array("new".utf8)),
                                          AtomicFile.BatchFile(url: dir.appendingPathComponent("b.xml"), bytes: [1])])
        #expect(outcomes == [.replaced, .written])
        staging.discard()
        #expect(try names(dir) == ["a.xml"])
        #expect(try String(contentsOf: dir.appendingPathComponent("a.xml"), encoding: .utf8) == "old")
    }

    @Test("a file that cannot be written fails the batch, and no temporary file is left")
    func failureLeavesNoTemporaries() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A folder where b.xml's temporary file would go: creating it fails.
        let blocker = ".b.xml.tmp-\(getpid())"
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(blocker), withIntermediateDirectories: true)
        let files = ["a.xml", "b.xml", "c.xml", "d.xml"].map {
            AtomicFile.BatchFile(url: dir.appendingPathComponent($0), bytes: Array($0.utf8))
        }
        #expect {
            try AtomicFile.write(batch: files, threads: 1, durability: .fileSystem)
        } throws: { error in
            (error as? EDOError)?.path.hasSuffix(blocker) == true
        }
        #expect(try names(dir) == [blocker])
    }

    @Test("a rename that fails keeps the files already placed whole and removes the rest")
    func renameFailure() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // b.xml is a non-empty folder: its bytes are written, but nothing can be renamed over it.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b.xml/inside"), withIntermediateDirectories: true)
        let files = ["a.xml", "b.xml", "c.xml"].map {
            AtomicFile.BatchFile(url: dir.appendingPathComponent($0), bytes: Array($0.utf8))
        }
        #expect(throws: EDOError.self) { try AtomicFile.write(batch: files, threads: 2, durability: .eachFile) }
        #expect(try names(dir) == ["a.xml", "b.xml"])
        #expect(try String(contentsOf: dir.appendingPathComponent("a.xml"), encoding: .utf8) == "a.xml")
    }

    @Test("a path named twice is placed once, with its last bytes")
    func repeatedPath() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.xml")
        let outcomes = try AtomicFile.write(batch: [AtomicFile.BatchFile(url: url, bytes: [1]),
                                                    AtomicFile.BatchFile(url: url, bytes: [2])])
        #expect(outcomes == [.written, .written])
        #expect(try Array(Data(contentsOf: url)) == [2])
        // staged again in a later batch with the bytes in place: the earlier temporary file goes
        let staging = AtomicFile.Staging()
        try staging.stage([AtomicFile.BatchFile(url: url, bytes: [3])])
        #expect(try staging.stage([AtomicFile.BatchFile(url: url, bytes: [2])]) == [.unchanged])
        try staging.commit()
        #expect(try Array(Data(contentsOf: url)) == [2])
        #expect(try names(dir) == ["a.xml"])
    }
}
