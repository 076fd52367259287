/// A deterministic pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// The generator never touches Foundation's or the system's randomness, and every
/// draw is integer arithmetic, so the same seed gives the same sequence on every
/// platform and every Swift version. Bounded draws use rejection sampling, not
/// floating point.
public struct SeededRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var state = seed
        s0 = SeededRandom.splitMix(&state)
        s1 = SeededRandom.splitMix(&state)
        s2 = SeededRandom.splitMix(&state)
        s3 = SeededRandom.splitMix(&state)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// A generator for one named stream under `seed` (e.g. one order of one day): the streams
    /// are independent, so generating one record never shifts another's draws.
    public init(seed: UInt64, stream: UInt64...) {
        var mixed = seed
        for part in stream {
            var state = mixed ^ (part &* 0xD6E8_FEB8_6659_FD93)
            mixed = SeededRandom.splitMix(&state) ^ part
        }
        self.init(seed: mixed)
    }

    /// SplitMix64: one step of the seeding sequence.
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform integer in `0..<bound` (`bound` > 0), without modulo bias.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        let threshold = (0 &- bound) % bound
        while true {
            let value = next()
            if value >= threshold { return value % bound }
        }
    }

    /// A uniform integer in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(below(width))
    }

    /// A uniform 64-bit integer in `range`.
    public mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int64(below(width))
    }

    /// True with probability `perMille` / 1000.
    public mutating func chance(perMille: Int) -> Bool {
        Int(below(1000)) < perMille
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool {
        Int(below(100)) < percent
    }

    /// A uniformly chosen element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + Int(below(UInt64(items.count)))]
    }

    /// An index chosen with the given integer weights (not all zero).
    public mutating func weighted(_ weights: [Int]) -> Int {
        let total = weights.reduce(0, +)
        var roll = Int(below(UInt64(total)))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }

    /// The number of successes in `trials` fair coin flips (binomial, mean `trials / 2`).
    public mutating func coinFlips(_ trials: Int) -> Int {
        var count = 0
        var remaining = trials
        while remaining > 0 {
            let bits = next()
            let take = min(remaining, 64)
            let mask: UInt64 = take == 64 ? ~0 : (1 << UInt64(take)) - 1
            count += (bits & mask).nonzeroBitCount
            remaining -= take
        }
        return count
    }

    /// Shuffles in place (Fisher–Yates).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            let other = Int(below(UInt64(index + 1)))
            if other != index { items.swapAt(index, other) }
        }
    }

    /// A version-4 style uuid (lower-case, 36 characters) made of random bits.
    public mutating func uuid() -> String {
        let high = next()
        let low = next()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `count` random decimal digits.
    public mutating func digits(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count)
        for _ in 0..<count { text.append(Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(below(10))))) }
        return text
    }
}
