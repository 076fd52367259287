import Foundation
@testable import Job
import Testing

/// `FreedMemory.release()` gives back whole free pages that lie among live blocks, which glibc
/// otherwise keeps resident for the rest of the process.
@Suite("Freed memory given back between stages")
struct FreedMemoryTests {
    /// Whether the page holding `address` is in memory (`mincore(2)`): a question about these
    /// pages only, so tests running at the same time in this process do not change the answer.
    static func isResident(page address: UInt) -> Bool {
        var vector: UInt8 = 0
        guard let pointer = UnsafeMutableRawPointer(bitPattern: address) else { return false }
        return mincore(pointer, Self.pageSize, &vector) == 0 && vector & 1 == 1
    }

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    @Test("free pages scattered among live blocks leave the resident set when released")
    func scatteredFreePagesAreReleased() {
        // 160 MB in 1 000-byte blocks, then every block freed but one in each 64: no free page is at
        // the top of the heap, so free() alone returns nothing; nearly all pages are free.
        let blocks = (0..<160_000).map { _ in
            let block = UnsafeMutableRawPointer.allocate(byteCount: 1_000, alignment: 8)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 1_000)
            return block
        }
        let page = UInt(Self.pageSize)
        func pageOf(_ pointer: UnsafeMutableRawPointer) -> UInt { UInt(bitPattern: pointer) / page * page }
        var kept: [UnsafeMutableRawPointer] = []
        var keptPages = Set<UInt>()
        var freedPages = Set<UInt>()
        for (index, block) in blocks.enumerated() {
            if index % 64 == 0 {
                kept.append(block)
                keptPages.insert(pageOf(block))
                keptPages.insert(pageOf(block + 999))
            } else {
                freedPages.insert(pageOf(block + 500))
            }
        }
        for (index, block) in blocks.enumerated() where index % 64 != 0 { block.deallocate() }
        // Pages that held only freed blocks (a page with a live block, or a neighbour's header, stays).
        let candidates = freedPages.subtracting(keptPages).filter { !keptPages.contains($0 &- page) && !keptPages.contains($0 &+ page) }
        let before = candidates.filter(Self.isResident).count
        let released = FreedMemory.release()
        let after = candidates.filter(Self.isResident).count
        for block in kept { block.deallocate() }
        #expect(released)
        #expect(candidates.count > 20_000)
        // free() alone leaves them resident; the release gives nearly all of them back (pages other
        // threads of this process reuse at the same moment may stay: a tenth is allowed for them).
        #expect(before > candidates.count * 9 / 10, "\(before) of \(candidates.count) free pages resident before the release")
        #expect(after < candidates.count / 10, "\(after) of \(candidates.count) free pages still resident after the release")
    }
}

@Suite("the process's allocator")
struct ProcessAllocatorTests {
    @Test("the tests run on glibc's malloc: only the sverka executables link jemalloc")
    func testsRunOnGlibc() {
        // (EndToEndTests' sample days check that the built binary runs on jemalloc.)
        #expect(ProcessAllocator.current == .glibc)
        #expect(Jemalloc.version == nil)
        #expect(!Jemalloc.purgeAll())
        #expect(ProcessAllocator.current.description == "glibc")
        #expect(ProcessAllocator.jemalloc(version: "5.3.0-0-g54eaed1").description == "jemalloc 5.3.0-0-g54eaed1")
    }
}

@Suite("malloc arenas: two per core unless the operator says otherwise")
struct MallocArenasTests {
    @Test("two per core, at least four")
    func standard() {
        #expect(MallocArenas.standard(cores: 1) == 4)
        #expect(MallocArenas.standard(cores: 2) == 4)
        #expect(MallocArenas.standard(cores: 8) == 16)
    }

    @Test("the operator's MALLOC_ARENA_MAX or glibc tunable wins; otherwise the cap is set")
    func operatorFirst() {
        #expect(MallocArenas.limit(environment: ["MALLOC_ARENA_MAX": "1"]) == nil)
        #expect(MallocArenas.limit(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=3"]) == nil)
        #expect(MallocArenas.limit(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"]) == MallocArenas.standard())
        #expect(MallocArenas.limit(environment: [:]) == MallocArenas.standard())
    }
}

@Suite("malloc's own mappings for large blocks: a fixed threshold unless the operator says otherwise")
struct MallocMappedBlocksTests {
    @Test("the operator's MALLOC_MMAP_THRESHOLD_ or glibc tunable wins; otherwise the threshold is fixed")
    func operatorFirst() {
        #expect(MallocMappedBlocks.fix(environment: ["MALLOC_MMAP_THRESHOLD_": "131072"]) == nil)
        #expect(MallocMappedBlocks.fix(environment: ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"]) == nil)
        #expect(MallocMappedBlocks.fix(environment: [:]) == MallocMappedBlocks.threshold)
    }
}
