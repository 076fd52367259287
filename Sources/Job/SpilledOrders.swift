import Domain
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An ``OrderSpill`` in a temporary file: the day's orders in their binary form
/// (`Order.appendBinary(to:)`), one after another, read back with `pread` a block at a time. What
/// it keeps in memory is each order's end offset (8 bytes an order).
///
/// The file is unlinked as soon as it is made: it never shows in the folder, and a run killed at
/// any point leaves nothing behind (the system frees it with the last descriptor).
final class SpilledOrders: OrderSpill {
    private struct State {
        /// Where each order ends in the file (its start is the previous one's end).
        var ends: [Int] = []
        var size: Int { ends.last ?? 0 }
    }

    private let descriptor: Int32
    private let state = Mutex(State())
    /// The folder the file was made in (for messages).
    let directory: URL

    /// Makes the (already unlinked) file in `directory`.
    /// - Throws: `OrderSpillError` when it cannot be made.
    init(directory: URL) throws {
        self.directory = directory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var template = Array(directory.appendingPathComponent(".sverka-orders-XXXXXX").path.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { name in name.baseAddress.map { mkstemp($0) } ?? -1 }
        guard made >= 0 else {
            throw OrderSpillError(reason: "cannot make a temporary file in \(directory.path): \(Self.errorText())")
        }
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        _ = fcntl(made, F_SETFD, FD_CLOEXEC) // not inherited by a signing command the job starts
        descriptor = made
    }

    deinit { close(descriptor) }

    var count: Int { state.withLock { $0.ends.count } }

    /// How many bytes the file holds.
    var byteCount: Int { state.withLock { $0.size } }

    func append(_ orders: [Order]) throws {
        guard !orders.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(orders.count * 2_048)
        var ends: [Int] = []
        ends.reserveCapacity(orders.count)
        for order in orders {
            order.appendBinary(to: &bytes)
            ends.append(bytes.count)
        }
        try state.withLock { state in
            let start = state.size
            try write(bytes, at: start)
            state.ends += ends.lazy.map { $0 + start }
        }
    }

    func truncate(to count: Int) throws {
        try state.withLock { state in
            guard count >= 0, count <= state.ends.count else {
                throw OrderSpillError(reason: "cannot keep the first \(count) of \(state.ends.count) orders")
            }
            state.ends.removeSubrange(count...)
            guard ftruncate(descriptor, off_t(state.size)) == 0 else {
                throw OrderSpillError(reason: "cannot cut the temporary file in \(directory.path): \(Self.errorText())")
            }
        }
    }

    func orders(in positions: Range<Int>) throws -> [Order] {
        guard !positions.isEmpty else { return [] }
        let (start, end) = try state.withLock { state -> (Int, Int) in
            guard positions.lowerBound >= 0, positions.upperBound <= state.ends.count else {
                throw OrderSpillError(reason: "positions \(positions.lowerBound)..<\(positions.upperBound) of \(state.ends.count) orders")
            }
            return (positions.lowerBound == 0 ? 0 : state.ends[positions.lowerBound - 1], state.ends[positions.upperBound - 1])
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: end - start, alignment: 8)
        defer { buffer.deallocate() }
        try read(into: buffer, at: start)
        let orders: [Order]
        do {
            orders = try Order.decodeBinary(UnsafeRawBufferPointer(buffer), sharing: OrderBinarySharing())
        } catch {
            throw OrderSpillError(reason: "orders \(positions.lowerBound)..<\(positions.upperBound) read back: \(error)")
        }
        guard orders.count == positions.count else {
            throw OrderSpillError(reason: "orders \(positions.lowerBound)..<\(positions.upperBound) read back as \(orders.count) orders")
        }
        return orders
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < buffer.count {
                let written = pwrite(descriptor, base + done, buffer.count - done, off_t(offset + done))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw OrderSpillError(reason: "cannot write the temporary file in \(directory.path): \(Self.errorText())")
                }
                done += written
            }
        }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let read = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else {
                throw OrderSpillError(reason: "cannot read the temporary file in \(directory.path) back: "
                                      + (read == 0 ? "it ends early" : Self.errorText()))
            }
            done += read
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
