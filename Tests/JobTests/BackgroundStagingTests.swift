import EDO
import Foundation
@testable import Job
import Testing
import TestSupport

/// The outputs write a batch of documents in the background while they read the next one.
@Suite("Outputs: batches staged in the background")
struct BackgroundStagingTests {
    static func batch(_ folder: URL, _ range: Range<Int>) -> [AtomicFile.BatchFile] {
        range.map { AtomicFile.BatchFile(url: folder.appendingPathComponent("edo/doc-\($0).xml"), bytes: Array("<a>\($0)</a>".utf8)) }
    }

    @Test("batches handed over one after another are all placed by commit, and nothing before it")
    func batchesArePlacedTogether() throws {
        let folder = try Paths.temporaryDirectory("sverka-bgstaging")
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = AtomicFile.Staging(threads: 2)
        let background = BackgroundStaging(staging)
        for start in stride(from: 0, to: 60, by: 20) { try background.stage(Self.batch(folder, start..<(start + 20))) }
        try background.finish()
        let edo = folder.appendingPathComponent("edo")
        #expect(files(in: edo).filter { !$0.hasPrefix(".") }.isEmpty)   // not yet under final names
        #expect(staging.count == 60)
        try staging.commit()
        #expect(files(in: edo).count == 60)
        #expect(try String(contentsOf: edo.appendingPathComponent("doc-42.xml"), encoding: .utf8) == "<a>42</a>")
    }

    @Test("with commitEvery, the files waiting are placed once that many wait; the rest wait for the caller's commit")
    func batchesCommittedOnTheWay() throws {
        let folder = try Paths.temporaryDirectory("sverka-bgstaging")
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = AtomicFile.Staging(threads: 2)
        let background = BackgroundStaging(staging, commitEvery: 25)
        for start in stride(from: 0, to: 60, by: 10) { try background.stage(Self.batch(folder, start..<(start + 10))) }
        try background.finish()
        let edo = folder.appendingPathComponent("edo")
        // Committed after the 3rd batch (30 waiting) and the 6th (60).
        #expect(files(in: edo).filter { !$0.hasPrefix(".") }.count == 60)
        #expect(staging.count == 0)
        try background.stage(Self.batch(folder, 60..<70))
        try background.finish()
        #expect(staging.count == 10)
        #expect(files(in: edo).filter { !$0.hasPrefix(".") }.count == 60)
        try staging.commit()
        #expect(files(in: edo).count == 70)
    }

    @Test("a batch that cannot be written fails the next hand-over or the finish, and discard leaves no temporary")
    func aFailureIsReportedAndCleanedUp() throws {
        let folder = try Paths.temporaryDirectory("sverka-bgstaging")
        defer { try? FileManager.default.removeItem(at: folder) }
        // "blocked" is a file, so a folder cannot be made under it.
        try Data("x".utf8).write(to: folder.appendingPathComponent("blocked"))
        let staging = AtomicFile.Staging(threads: 2)
        let background = BackgroundStaging(staging)
        try background.stage(Self.batch(folder, 0..<10))
        try background.stage([AtomicFile.BatchFile(url: folder.appendingPathComponent("blocked/edo/x.xml"), bytes: [1])])
        var failed = false
        do {
            try background.stage(Self.batch(folder, 10..<20))
            try background.finish()
        } catch {
            failed = true
            #expect(error.path.contains("blocked"))
        }
        #expect(failed)
        _ = try? background.finish()
        staging.discard()
        #expect(files(in: folder.appendingPathComponent("edo")).filter { $0.hasPrefix(".") }.isEmpty)
        #expect(files(in: folder.appendingPathComponent("edo")).isEmpty)
    }
}
