import Foundation
import Synchronization
import Testing

@testable import Job

@Suite("Job: batches made on another thread, taken in order (the outputs' document reads)")
struct PrefetchedTests {
    struct Broken: Error, Equatable { var after: Int }

    @Test("every batch arrives once, in the order made, then nil")
    func inOrder() throws {
        let batches = Prefetched<[Int]>(ahead: 1) { yield in
            for start in stride(from: 0, to: 1_000, by: 7) { try yield(Array(start..<min(1_000, start + 7))) }
        }
        var taken: [Int] = []
        while let batch = try batches.next() { taken += batch }
        #expect(taken == Array(0..<1_000))
        batches.cancel() // after the end: nothing to stop, returns at once
    }

    @Test("the producer is never more than `ahead` batches ahead of the consumer")
    func bounded() throws {
        let made = Mutex(0)
        let batches = Prefetched<Int>(ahead: 2) { yield in
            for index in 0..<50 {
                made.withLock { $0 += 1 }
                try yield(index)
            }
        }
        var taken = 0
        while let index = try batches.next() {
            #expect(index == taken)
            taken += 1
            Thread.sleep(forTimeInterval: 0.002) // let the producer run ahead as far as it may
            // Made: the taken ones, at most two waiting, and one being handed over.
            #expect(made.withLock { $0 } <= taken + 3)
        }
        #expect(taken == 50)
    }

    @Test("the producer's error comes after every batch made before it")
    func failure() throws {
        let batches = Prefetched<Int>(ahead: 4) { yield in
            for index in 0..<3 { try yield(index) }
            throw Broken(after: 3)
        }
        var taken: [Int] = []
        #expect(throws: Broken(after: 3)) {
            while let index = try batches.next() { taken.append(index) }
        }
        #expect(taken == [0, 1, 2])
    }

    @Test("a consumer that stops early ends the producer (it sees Cancelled) and waits for it")
    func cancelled() throws {
        let outcome = Mutex<String?>(nil)
        let batches = Prefetched<Int>(ahead: 1) { yield in
            do {
                for index in 0..<1_000_000 { try yield(index) }
                outcome.withLock { $0 = "ran to the end" }
            } catch is Prefetched<Int>.Cancelled {
                outcome.withLock { $0 = "cancelled" }
                throw Prefetched<Int>.Cancelled()
            }
        }
        #expect(try batches.next() == 0)
        #expect(try batches.next() == 1)
        // Let the producer make the next batch and wait for room: a batch made and never taken.
        Thread.sleep(forTimeInterval: 0.05)
        batches.cancel()
        // cancel() returned: the producer has ended, and it ended because the consumer stopped.
        #expect(outcome.withLock { $0 } == "cancelled")
    }

    @Test("stopped with batches made and never taken, again and again: freed without a trap")
    func freedWhileAhead() throws {
        // (libdispatch traps when a semaphore is freed below the value it was made with.)
        for ahead in 1...3 {
            for _ in 0..<20 {
                let batches = Prefetched<Int>(ahead: ahead) { yield in
                    for index in 0..<100 { try yield(index) }
                }
                #expect(try batches.next() == 0)
                Thread.sleep(forTimeInterval: 0.002)
                batches.cancel()
            }
        }
    }
}
