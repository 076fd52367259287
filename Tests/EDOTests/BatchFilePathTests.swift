import Foundation
import Testing
@testable import EDO

/// A batch file's folder and name are cut from its path once, as URL arithmetic would give them.
@Suite("Batch files: folder and name from the path")
struct BatchFilePathTests {
    @Test("folder and name agree with URL's for nested, top-level and Cyrillic paths",
          arguments: ["/work/out/2026-11-27/edo/ON_NSCHFDOPPR_2BM_1.xml", "/c.xml", "/out/архив/Счёт-фактура №1.html", "/a/b/.hidden"])
    func split(path: String) {
        let file = AtomicFile.BatchFile(path: path, bytes: [1])
        let url = URL(fileURLWithPath: path)
        #expect(file.path == url.path)
        #expect(file.directory == url.deletingLastPathComponent().path)
        #expect(file.name == url.lastPathComponent)
        #expect(AtomicFile.BatchFile(url: url, bytes: [1]) == file)
        #expect(file.url == url)
    }

    @Test("files placed by path land where their URLs say")
    func placedByPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("batch-path-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [AtomicFile.BatchFile(path: folder.path + "/edo/a.xml", bytes: Array("a".utf8)),
                     AtomicFile.BatchFile(path: folder.path + "/archive/b.html", bytes: Array("b".utf8))]
        let outcomes = try AtomicFile.write(batch: files)
        #expect(outcomes == [.written, .written])
        #expect(try Data(contentsOf: folder.appendingPathComponent("edo/a.xml")) == Data("a".utf8))
        #expect(try Data(contentsOf: folder.appendingPathComponent("archive/b.html")) == Data("b".utf8))
        #expect(try AtomicFile.write(batch: files) == [.unchanged, .unchanged])
    }
}
