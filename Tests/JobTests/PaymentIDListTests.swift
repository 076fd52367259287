import Domain
import Foundation
@testable import Job
import Testing
import TestSupport

@Suite("payment ids kept in a file: the day's own and the matcher's payments' (those the day touched)")
struct PaymentIDListTests {
    /// Ids as the sources make them: 1C (long, with Cyrillic payers), ИнвойсБокс, camt.053, and an empty one.
    static func ids() -> [PaymentID] {
        (0..<2_500).map { number in
            switch number % 4 {
            case 0: PaymentID("bank:40702810938000012345:2026-11-27:\(number):40702810838000077121:\(number).00")
            case 1: PaymentID("invoicebox:\(UUID(uuidString: "00000000-0000-4000-8000-\(String(format: "%012d", number))")!.uuidString)")
            case 2: PaymentID(number == 2 ? "" : "bank:40702810938000012345:ПП-\(number)-ООО «Ромашка»")
            default: PaymentID("camt:\(number)")
            }
        }
    }

    @Test("written a block at a time and read back by range exactly as given; a range beyond them is an error")
    func roundTrip() throws {
        let folder = try Paths.temporaryDirectory("sverka-payment-ids")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ids = Self.ids()
        for block in [1, 7, 4_096] {
            let list = try PaymentIDList(keeping: ids, in: folder, name: "ids-\(block)", contents: "ids", block: block)
            #expect(list.count == ids.count)
            var read: [PaymentID] = []
            for start in stride(from: 0, to: list.count, by: 1_000) {
                read += try list.ids(in: start..<min(list.count, start + 1_000))
            }
            #expect(read == ids)
            let all = try list.all(), single = try list.ids(in: 2..<3), none = try list.ids(in: 9..<9)
            #expect(all == ids)
            #expect(single == [PaymentID("")])
            #expect(none.isEmpty)
            #expect(throws: OrderSpillError.self) { try list.ids(in: 2_499..<2_501) }
        }
        let empty = try PaymentIDList(keeping: [PaymentID](), in: folder, name: "none", contents: "ids")
        let emptyRead = try empty.all()
        #expect(empty.isEmpty && emptyRead.isEmpty)
        // Held in memory, the same list.
        let held = PaymentIDList(ids)
        let heldRead = try held.ids(in: 1_000..<1_024)
        #expect(heldRead == Array(ids[1_000..<1_024]))
        #expect(held.count == ids.count)
    }

    @Test("ids appended in pieces, to a file or in memory, read back as one list in the order appended")
    func appended() throws {
        let folder = try Paths.temporaryDirectory("sverka-payment-ids-appended")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ids = Self.ids()
        var inFile = try PaymentIDList(in: folder, name: "appended", contents: "ids")
        var inMemory = PaymentIDList([])
        var start = 0
        for size in [0, 1, 1_023, 5, 1_471] {
            try inFile.append(ids[start..<start + size])
            try inMemory.append(ids[start..<start + size])
            start += size
        }
        #expect(start == ids.count && inFile.count == ids.count && inMemory.count == ids.count)
        let fromFile = try inFile.all(), fromMemory = try inMemory.all()
        #expect(fromFile == ids)
        #expect(fromMemory == ids)
        let middle = try inFile.ids(in: 1_020..<1_030)
        #expect(middle == Array(ids[1_020..<1_030]))
        // The file is unlinked: nothing is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("gone through in order, a block at a time, whole or a range of it; what the body throws is thrown as it is")
    func forEach() throws {
        struct Stop: Error {}
        let folder = try Paths.temporaryDirectory("sverka-payment-ids-each")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ids = Self.ids()
        for list in [try PaymentIDList(keeping: ids, in: folder, name: "each", contents: "ids"), PaymentIDList(ids)] {
            for block in [0, 1, 7, 1_000, 10_000] {
                var seen: [PaymentID] = []
                try list.forEach(block: block) { seen.append($0) }
                #expect(seen == ids, "block \(block)")
                var part: [PaymentID] = []
                try list.forEach(in: 998..<1_003, block: block) { part.append($0) }
                #expect(part == Array(ids[998..<1_003]), "block \(block)")
            }
            var calls = 0
            #expect(throws: Stop.self) {
                try list.forEach(block: 100) { _ in
                    calls += 1
                    if calls == 3 { throw Stop() }
                }
            }
            #expect(calls == 3)
        }
    }
}

extension PaymentIDList {
    /// `ids` written to a file in `directory`, `block` at a time (as the day appends them a block at a time).
    init(keeping ids: [PaymentID], in directory: URL, name: String, contents: String, block: Int = 4_096) throws {
        try self.init(in: directory, name: name, contents: contents)
        for start in stride(from: 0, to: ids.count, by: max(1, block)) {
            try append(ids[start..<min(ids.count, start + max(1, block))])
        }
    }

    var isEmpty: Bool { count == 0 }

    /// Every id, in order.
    func all() throws -> [PaymentID] { try ids(in: 0..<count) }
}
