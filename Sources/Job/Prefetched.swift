import Foundation
import Synchronization

/// Batches made on a thread of their own and taken here one by one, in the order made, with at
/// most `ahead` made and not yet taken: the day's outputs read the ledger's documents on one core
/// while the batch before is listed and placed on this one.
///
/// The producer gets a `yield` to hand each batch over; `yield` blocks while `ahead` batches wait,
/// and throws ``Cancelled`` once the consumer has stopped (so the producer ends, whatever it holds
/// — a read transaction — let go). The consumer calls ``next()`` until it gives `nil` (the producer
/// finished) or throws (the producer's error, after every batch it made before it); a consumer that
/// stops early calls ``cancel()``, which waits for the producer to end.
final class Prefetched<Batch: Sendable>: Sendable {
    /// What `yield` throws once the consumer has stopped.
    struct Cancelled: Error {}

    private let channel: Channel
    private let producer: Background<Void>
    /// `next()` gave `nil` or threw, or `cancel()` was called: the producer has ended and been waited for.
    private let ended = Mutex(false)

    /// Starts `produce` on a thread of its own.
    init(ahead: Int, _ produce: @escaping @Sendable (_ yield: (Batch) throws -> Void) throws -> Void) {
        let channel = Channel(ahead: ahead)
        self.channel = channel
        producer = Background {
            let outcome = Result { try produce { batch in try channel.put(batch) } }
            channel.finish(outcome)
        }
    }

    /// The next batch in the order made; `nil` once the producer finished and every batch was taken.
    /// - Throws: the producer's error, once the batches made before it were taken.
    func next() throws -> Batch? {
        switch channel.take() {
        case .batch(let batch):
            return batch
        case .finished:
            end()
            return nil
        case .failed(let error):
            end()
            throw error
        }
    }

    /// Stops the producer at its next `yield` (batches made and not taken are dropped) and waits for
    /// it; nothing once ``next()`` has given `nil` or thrown.
    func cancel() {
        channel.cancel()
        end()
    }

    private func end() {
        let first = ended.withLock { ended in
            defer { ended = true }
            return !ended
        }
        if first { producer.wait() }
    }

    /// The batches between the two threads.
    private final class Channel: Sendable {
        enum Taken {
            case batch(Batch)
            case finished
            case failed(any Error)
        }

        private struct State {
            var ready: [Batch] = []
            var finished: Result<Void, any Error>?
            var cancelled = false
        }

        private let state = Mutex(State())
        /// One signal per batch handed over, and one when the producer ends.
        private let available = DispatchSemaphore(value: 0)
        /// Free places for batches made ahead.
        private let room: DispatchSemaphore

        init(ahead: Int) {
            // Made at 0 and given its places after: libdispatch traps when a semaphore is freed
            // below the value it was made with, as `room` is when the consumer stops while a batch
            // made ahead was never taken.
            room = DispatchSemaphore(value: 0)
            for _ in 0..<max(1, ahead) { room.signal() }
        }

        func put(_ batch: Batch) throws {
            room.wait()
            try state.withLock { current in
                if current.cancelled { throw Cancelled() }
                current.ready.append(batch)
            }
            available.signal()
        }

        func finish(_ outcome: Result<Void, any Error>) {
            state.withLock { $0.finished = outcome }
            available.signal()
        }

        /// Waits for a batch or the end (each batch and the end signal once, in that order).
        func take() -> Taken {
            available.wait()
            let taken: Taken = state.withLock { current in
                if !current.ready.isEmpty { return .batch(current.ready.removeFirst()) }
                if case .failure(let error) = current.finished { return .failed(error) }
                return .finished
            }
            if case .batch = taken { room.signal() }
            return taken
        }

        func cancel() {
            state.withLock { $0.cancelled = true }
            room.signal() // a producer waiting for room wakes to find it cancelled
        }
    }
}
