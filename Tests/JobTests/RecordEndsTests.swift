import Domain
import Foundation
@testable import Job
import Testing
import TestSupport

@Suite("Where a spill's records end, held in ~4 bytes a record")
struct RecordEndsTests {
    @Test("the ends an array of Int gives, through appends and truncations across blocks and chunks",
          arguments: [16, 9, 6])
    func sameAsAnArray(chunkShift: Int) {
        var ends = RecordEnds(chunkShift: chunkShift)
        var expected: [Int] = []
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<40 {
            for _ in 0..<next(700) {
                let end = (expected.last ?? 0) + next(5_000)
                #expect(ends.canAppend([end]))
                ends.append(end)
                expected.append(end)
            }
            if round % 3 == 2 {
                let kept = next(expected.count + 1)
                ends.truncate(to: kept)
                expected.removeSubrange(kept...)
            }
            #expect(ends.count == expected.count)
            #expect(ends.last == expected.last)
            let wrong = expected.indices.filter { ends[$0] != expected[$0] }
            #expect(wrong.isEmpty, "round \(round): wrong at \(wrong.prefix(5)) of \(expected.count)")
        }
        ends.truncate(to: 0)
        #expect(ends.count == 0 && ends.last == nil)
    }

    @Test("a block of records spanning 4 GiB or more, or ends that go back, cannot follow")
    func limits() {
        var ends = RecordEnds()
        ends.append(10)
        #expect(!ends.canAppend([9]))
        #expect(ends.canAppend([10, Int(UInt32.max)]))
        #expect(!ends.canAppend([Int(UInt32.max) + 1]))
        // The next block starts where the last record of this one ends: its records count from there.
        for index in 1..<RecordEnds.recordsPerBlock { ends.append(10 + index) }
        let blockEnd = 10 + RecordEnds.recordsPerBlock - 1
        #expect(ends.canAppend([blockEnd + Int(UInt32.max)]))
        #expect(!ends.canAppend([blockEnd + Int(UInt32.max) + 1]))
    }

    @Test("a spill refuses such records before writing any byte of them")
    func spillRefuses() throws {
        let folder = try Paths.temporaryDirectory("sverka-record-ends")
        defer { try? FileManager.default.removeItem(at: folder) }
        let spill = try RecordSpill(directory: folder, name: "records", contents: "records")
        try spill.append([1, 2, 3], ends: [1, 3])
        #expect(throws: OrderSpillError.self) { try spill.append([4, 5], ends: [2, 1]) }
        #expect(spill.count == 2 && spill.byteCount == 3)
        let read = try spill.records(0..<2)
        #expect(read.bytes == [1, 2, 3] && read.ends == [1, 3])
    }
}
