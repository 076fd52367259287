import Domain
import Foundation
@testable import Job
import Testing

/// The day's document keys kept in a file in numbering order and read back a window at a time.
@Suite("Document keys kept in a file")
struct SpilledDocumentKeysTests {
    static let day = CivilDate(iso: "2026-11-27")!

    /// Keys as the planner gives them: УПД, УКД and advance invoices, corrections, Cyrillic and long
    /// identities, dates before and after the day.
    static func keys() -> [BlockPlanning.Key] {
        (0..<3_000).map { number in
            let order = OrderID(number % 7 == 0 ? "ЗАКАЗ-\(number)" : "ORD-2026-\(number)")
            let identity = switch number % 3 {
            case 0: "UPD:SHP-\(number)-\(number % 4)"
            case 1: "UKD:RET-\(number)"
            default: "ADV:bank:40702810938000012345:2026-11-27:\(number):40702810838000077121:1000.00:\(order.rawValue)"
            }
            return BlockPlanning.Key(date: day.adding(days: number % 5 - 2), identityKey: number == 11 ? "" : identity,
                                     correctionNumber: number % 9 == 0 ? 2 : 0, orderID: order)
        }
    }

    @Test("appended in blocks, read back a window at a time exactly as appended; a range beyond them is an error")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = Self.keys()
        let spilled = try SpilledDocumentKeys(directory: folder)
        try spilled.append(keys[..<1])
        try spilled.append([BlockPlanning.Key]())
        try spilled.append(keys[1..<1_500])
        try spilled.append(keys[1_500...])
        #expect(spilled.count == keys.count)
        func fields(_ keys: some Sequence<BlockPlanning.Key>) -> [String] {
            keys.map { "\($0.date.iso)|\($0.identityKey)|\($0.correctionNumber)|\($0.orderID)" }
        }
        var read: [BlockPlanning.Key] = []
        for start in stride(from: 0, to: keys.count, by: 1_024) {
            read += try spilled.keys(in: start..<min(keys.count, start + 1_024))
        }
        #expect(fields(read) == fields(keys))
        #expect(fields(try spilled.keys(in: 11..<12)) == fields(keys[11..<12]))
        #expect(try spilled.keys(in: 5..<5).isEmpty)
        #expect(throws: OrderSpillError.self) { try spilled.keys(in: 2_999..<3_001) }
        // Nothing shows in the folder: the file is unlinked at once.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
