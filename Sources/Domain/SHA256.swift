import CSHA256

/// SHA-256 (FIPS 180-4), for content hashes of emitted files and for identity-derived GUIDs.
/// Needs no crypto library: the blocks go through the processor's SHA instructions where it has
/// them (x86-64 SHA-NI, a small C bridge: Swift cannot name those instructions), through Swift's
/// own rounds elsewhere. Both give the same digest (tests run both).
public struct SHA256: Sendable {
    /// How blocks are compressed.
    enum Rounds: Sendable {
        /// FIPS 180-4's rounds written in Swift.
        case portable
        /// The processor's SHA instructions.
        case processor
    }

    /// The processor's instructions when it has them.
    static let fastestRounds: Rounds = csha256_hardware_available() != 0 ? .processor : .portable

    private let rounds: Rounds
    /// The eight working words of the hash so far.
    private var state = SHA256.initialState
    /// A block not yet full (`buffered` bytes of it are meaningful).
    private var buffer: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var length: UInt64 = 0

    public init() { rounds = SHA256.fastestRounds }

    /// A hasher with the given rounds (tests compare them; `.processor` only where available).
    init(rounds: Rounds) { self.rounds = rounds }

    /// Adds bytes to the hash.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(contiguous: UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4_096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4_096 {
                chunk.withUnsafeBytes { update(contiguous: $0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { update(contiguous: $0) }
    }

    /// Whole blocks straight from the caller's memory; only a partial block goes through `buffer`.
    private mutating func update(contiguous bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, let base = bytes.baseAddress else { return }
        var offset = 0
        length &+= UInt64(bytes.count)
        if buffered > 0 {
            let take = min(64 - buffered, bytes.count)
            let start = buffered
            withUnsafeMutableBytes(of: &buffer) { block in
                block.baseAddress?.advanced(by: start).copyMemory(from: base, byteCount: take)
            }
            buffered += take
            offset = take
            guard buffered == 64 else { return }
            withUnsafeBytes(of: buffer) { SHA256.compress($0, state: &state, rounds: rounds) }
            buffered = 0
        }
        let whole = (bytes.count - offset) & ~63
        if whole > 0 {
            SHA256.compress(UnsafeRawBufferPointer(start: base + offset, count: whole), state: &state, rounds: rounds)
            offset += whole
        }
        let rest = bytes.count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &buffer) { block in
                block.baseAddress?.copyMemory(from: base + offset, byteCount: rest)
            }
            buffered = rest
        }
    }

    /// The digest: 32 bytes. The hasher is spent after this.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = [UInt8](repeating: 0, count: buffered < 56 ? 64 : 128)
        withUnsafeBytes(of: buffer) { block in
            for index in 0..<buffered { tail[index] = block[index] }
        }
        tail[buffered] = 0x80
        for index in 0..<8 { tail[tail.count - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(index * 8)) }
        tail.withUnsafeBytes { SHA256.compress($0, state: &state, rounds: rounds) }
        buffered = 0
        var digest = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: state) { words in
            let words = words.bindMemory(to: UInt32.self)
            for index in 0..<8 {
                let word = words[index]
                digest[index * 4] = UInt8(truncatingIfNeeded: word >> 24)
                digest[index * 4 + 1] = UInt8(truncatingIfNeeded: word >> 16)
                digest[index * 4 + 2] = UInt8(truncatingIfNeeded: word >> 8)
                digest[index * 4 + 3] = UInt8(truncatingIfNeeded: word)
            }
        }
        return digest
    }

    /// The SHA-256 of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 of `bytes` as 64 lower-case hex digits.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digest = hash(bytes)
        return String(unsafeUninitializedCapacity: 64) { text in
            let digits: StaticString = "0123456789abcdef"
            let table = digits.utf8Start
            for (index, byte) in digest.enumerated() {
                text[index * 2] = table[Int(byte >> 4)]
                text[index * 2 + 1] = table[Int(byte & 0x0F)]
            }
            return 64
        }
    }

    /// Eight words, held inline (no array, no reference counting in the rounds).
    private typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    /// 64 bytes, inline.
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private static var initialState: State {
        (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Compresses `blocks` (a whole number of 64-byte blocks) into `state`.
    private static func compress(_ blocks: UnsafeRawBufferPointer, state: inout State, rounds: Rounds) {
        guard let base = blocks.baseAddress else { return }
        if rounds == .processor {
            withUnsafeMutableBytes(of: &state) { words in
                guard let words = words.baseAddress?.assumingMemoryBound(to: UInt32.self) else { return }
                csha256_compress_blocks(words, base.assumingMemoryBound(to: UInt8.self), blocks.count / 64)
            }
            return
        }
        k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                guard let k = k.baseAddress, let w = w.baseAddress else { return }
                var offset = 0
                while offset < blocks.count {
                    compress(base + offset, k: k, schedule: w, state: &state)
                    offset += 64
                }
            }
        }
    }

    @inline(__always)
    private static func compress(_ block: UnsafeRawPointer, k: UnsafePointer<UInt32>, schedule w: UnsafeMutablePointer<UInt32>,
                                 state: inout State) {
        for i in 0..<16 {
            w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] &>> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] &>> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for i in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state.0 &+= a; state.1 &+= b; state.2 &+= c; state.3 &+= d
        state.4 &+= e; state.5 &+= f; state.6 &+= g; state.7 &+= h
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
}

/// A GUID derived from a name, not from chance: the same document identity always
/// gives the same GUID, so a rerun writes the same file name (RFC 9562 version 8,
/// from the first 16 bytes of SHA-256 of `namespace` + NUL + `name`).
public enum StableGUID {
    /// An upper-case `XXXXXXXX-XXXX-8XXX-YXXX-XXXXXXXXXXXX` string: the first 16 bytes of the
    /// SHA-256 of `namespace`, a zero byte and `name`, with the version (8) and variant bits set.
    /// (Written digit by digit: a GUID is made for every document rendered.)
    public static func make(namespace: String, name: String) -> String {
        var input: [UInt8] = []
        input.reserveCapacity(namespace.utf8.count + 1 + name.utf8.count)
        input.append(contentsOf: namespace.utf8)
        input.append(0)
        input.append(contentsOf: name.utf8)
        let digest = SHA256.hash(input)
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789ABCDEF"
            let table = digits.utf8Start
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = 0x2D  // -
                    position += 1
                }
                var byte = digest[index]
                if index == 6 { byte = (byte & 0x0F) | 0x80 }
                if index == 8 { byte = (byte & 0x3F) | 0x80 }
                text[position] = table[Int(byte >> 4)]
                text[position + 1] = table[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}
