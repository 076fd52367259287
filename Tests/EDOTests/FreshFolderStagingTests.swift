import EDO
import Foundation
import Testing
import TestSupport

/// `AtomicFile.Staging(freshFolders: true)`: a folder that does not exist yet is staged whole
/// under a hidden name and renamed into place by the commit that places fresh folders.
@Suite("Placing a new folder whole")
struct FreshFolderStagingTests {
    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func file(_ dir: URL, _ path: String, _ text: String) -> AtomicFile.BatchFile {
        AtomicFile.BatchFile(url: dir.appendingPathComponent(path), bytes: Array(text.utf8))
    }

    @Test("a new folder's files stay out of sight through commits that leave it staged, then appear together",
          arguments: AtomicFile.BatchDurability.allCases)
    func stagedWhole(durability: AtomicFile.BatchDurability) throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("reports"), withIntermediateDirectories: true)
        let staging = AtomicFile.Staging(threads: 3, durability: durability, freshFolders: true)
        let first = try staging.stage((0..<40).map { file(dir, "edo/\($0).xml", "первый \($0)") } + [file(dir, "reports/r.csv", "r")])
        #expect(first == Array(repeating: .written, count: 41))
        #expect(staging.count == 1) // only the file in the existing folder waits under a name of its own
        #expect(staging.freshFolderCount == 1)
        try staging.commit(placingFreshFolders: false)
        #expect(try names(dir.appendingPathComponent("reports")) == ["r.csv"])
        #expect(try names(dir) == [".edo.tmp-\(getpid())", "reports"])
        // A later batch: more files, one path again with new bytes.
        _ = try staging.stage((40..<60).map { file(dir, "edo/\($0).xml", "второй \($0)") } + [file(dir, "edo/3.xml", "заново")])
        #expect(try names(dir) == [".edo.tmp-\(getpid())", "reports"])
        try staging.commit()
        #expect(staging.freshFolderCount == 0)
        #expect(try names(dir) == ["edo", "reports"])
        let placed = try names(dir.appendingPathComponent("edo"))
        #expect(placed.count == 60)
        #expect(placed.allSatisfy { !$0.hasPrefix(".") })
        #expect(try String(contentsOf: dir.appendingPathComponent("edo/3.xml"), encoding: .utf8) == "заново")
        #expect(try String(contentsOf: dir.appendingPathComponent("edo/59.xml"), encoding: .utf8) == "второй 59")
        #expect(try String(contentsOf: dir.appendingPathComponent("edo/0.xml"), encoding: .utf8) == "первый 0")
        // The folder exists now: files staged after go the way of any file (same bytes: unchanged).
        let again = try staging.stage([file(dir, "edo/0.xml", "первый 0"), file(dir, "edo/60.xml", "новый")])
        #expect(again == [.unchanged, .written])
        #expect(staging.count == 1)
        try staging.commit()
        #expect(try names(dir.appendingPathComponent("edo")).count == 61)
    }

    @Test("a folder that exists is not staged whole; discarding a fresh folder removes it and places nothing")
    func existingAndDiscarded() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try AtomicFile.write(batch: [file(dir, "edo/a.xml", "a")])
        let staging = AtomicFile.Staging(threads: 2, freshFolders: true)
        let outcomes = try staging.stage([file(dir, "edo/a.xml", "a"), file(dir, "edo/b.xml", "b"),
                                          file(dir, "archive/c.html", "c")])
        #expect(outcomes == [.unchanged, .written, .written])
        #expect(staging.count == 1)
        #expect(staging.freshFolderCount == 1)
        staging.discard()
        #expect(try names(dir) == ["edo"])
        #expect(try names(dir.appendingPathComponent("edo")) == ["a.xml"])
        // Nothing was placed, so a new staging starts the folder again.
        let next = AtomicFile.Staging(threads: 2, freshFolders: true)
        _ = try next.stage([file(dir, "archive/c.html", "c2")])
        try next.commit()
        #expect(try String(contentsOf: dir.appendingPathComponent("archive/c.html"), encoding: .utf8) == "c2")
    }

    @Test("a folder a killed run left staged is swept with the temporary files")
    func sweptAfterAKill() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let left = dir.appendingPathComponent(".edo.tmp-999999")
        try FileManager.default.createDirectory(at: left, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: left.appendingPathComponent("x.xml"))
        try Data("t".utf8).write(to: dir.appendingPathComponent(".run.json.tmp-999999"))
        try Data("keep".utf8).write(to: dir.appendingPathComponent("run.json"))
        let swept = AtomicFile.sweepTemporaryFiles(in: dir)
        #expect(swept == [".edo.tmp-999999", ".run.json.tmp-999999"])
        #expect(try names(dir) == ["run.json"])
    }
}
