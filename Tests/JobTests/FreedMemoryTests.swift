import Foundation
@testable import Job
import Testing

/// `FreedMemory.release()` gives back whole free pages that lie among live blocks, which glibc
/// otherwise keeps resident for the rest of the process.
@Suite("Freed memory given back between stages")
struct FreedMemoryTests {
    static func residentKilobytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test("free pages scattered among live blocks leave the resident set when released")
    func scatteredFreePagesAreReleased() {
        // 160 MB in 1 000-byte blocks, then every block freed but one in each 64: no free page is at
        // the top of the heap, so free() alone returns nothing; nearly all pages are free.
        let blocks = (0..<160_000).map { _ in
            let block = UnsafeMutableRawPointer.allocate(byteCount: 1_000, alignment: 8)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 1_000)
            return block
        }
        var kept: [UnsafeMutableRawPointer] = []
        for (index, block) in blocks.enumerated() {
            if index % 64 == 0 { kept.append(block) } else { block.deallocate() }
        }
        let before = Self.residentKilobytes()
        let released = FreedMemory.release()
        let after = Self.residentKilobytes()
        for block in kept { block.deallocate() }
        #expect(released)
        #expect(before - after > 80_000, "resident \(before) kB → \(after) kB")
    }
}
