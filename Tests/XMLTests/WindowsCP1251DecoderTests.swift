import Testing
import TestSupport
@testable import XML

/// The bridge's windows-1251 decoder (libxml2 reads every rendered document with it) against a
/// byte-by-byte reference over the table: every byte alone, mixed runs, and short output buffers.
@Suite("windows-1251 decoder")
struct WindowsCP1251DecoderTests {
    /// The reference: one byte at a time from `WindowsCP1251.upperHalf`, stopping where the
    /// output is full (nothing of a character is written then) or at the unassigned 0x98 (-2).
    static func reference(_ bytes: [UInt8], capacity: Int) -> (status: Int32, utf8: [UInt8], read: Int) {
        var output: [UInt8] = []
        var read = 0
        for byte in bytes {
            let encoded: [UInt8]
            if byte < 0x80 {
                encoded = [byte]
            } else {
                let value = WindowsCP1251.upperHalf[Int(byte) - 0x80]
                guard value != 0, let scalar = Unicode.Scalar(value) else { return (-2, output, read) }
                encoded = Array(String(Character(scalar)).utf8)
            }
            if output.count + encoded.count > capacity { break }
            output += encoded
            read += 1
        }
        return (Int32(output.count), output, read)
    }

    @Test("each of the 256 bytes alone decodes as the table says (0x98 is refused)")
    func everyByte() {
        for byte in 0...255 {
            let bytes = [UInt8(byte)]
            let decoded = bridgeDecodeWindows1251(bytes, capacity: 8)
            let expected = Self.reference(bytes, capacity: 8)
            #expect(decoded.status == expected.status && decoded.utf8 == expected.utf8 && decoded.read == expected.read,
                    "byte 0x\(String(byte, radix: 16))")
        }
        #expect(bridgeDecodeWindows1251([0x98], capacity: 8).status == -2)
        #expect(bridgeDecodeWindows1251([0xC0], capacity: 8).utf8 == Array("А".utf8))
        #expect(bridgeDecodeWindows1251([0xB9], capacity: 8).utf8 == Array("№".utf8))
    }

    @Test("mixed runs of ASCII and other bytes, of every length around the eight-byte steps")
    func mixedRuns() {
        var generator = SplitMix64(seed: 1_251)
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 6) {
                // ASCII runs of 0…19 bytes between runs of 0…4 upper-half bytes (never 0x98 here).
                for _ in 0..<Int(generator.next() % 20) { bytes.append(UInt8(generator.next() % 0x80)) }
                for _ in 0..<Int(generator.next() % 5) {
                    var byte = UInt8(0x80 + generator.next() % 0x80)
                    if byte == 0x98 { byte = 0xE0 }
                    bytes.append(byte)
                }
            }
            let expected = Self.reference(bytes, capacity: 4 * bytes.count + 4)
            let decoded = bridgeDecodeWindows1251(bytes, capacity: 4 * bytes.count + 4)
            #expect(decoded.status == expected.status && decoded.utf8 == expected.utf8 && decoded.read == expected.read,
                    "\(bytes)")
            #expect(String(decoding: decoded.utf8, as: UTF8.self).unicodeScalars.count == bytes.count)
        }
    }

    @Test("an output buffer too small stops before the first character that does not fit")
    func shortOutput() {
        // «<Файл ON_NSCHFDOPPR_2BM_7714698320№…€">» in windows-1251: one-, two- and three-byte UTF-8.
        let bytes: [UInt8] = [0x3C, 0xD4, 0xE0, 0xE9, 0xEB, 0x20] + Array("ON_NSCHFDOPPR_2BM_7714698320".utf8)
            + [0xB9, 0x85, 0x88, 0x22, 0x3E]
        for capacity in 0...(3 * bytes.count + 2) {
            let expected = Self.reference(bytes, capacity: capacity)
            let decoded = bridgeDecodeWindows1251(bytes, capacity: capacity)
            #expect(decoded.status == expected.status && decoded.utf8 == expected.utf8 && decoded.read == expected.read,
                    "capacity \(capacity)")
        }
        // 0x98 after a long ASCII run: what came before it is converted, then -2.
        let broken = Array("0123456789abcdefghij".utf8) + [0x98, 0x41]
        let decoded = bridgeDecodeWindows1251(broken, capacity: 64)
        #expect(decoded.status == -2 && decoded.read == 20 && decoded.utf8 == Array("0123456789abcdefghij".utf8))
    }
}
