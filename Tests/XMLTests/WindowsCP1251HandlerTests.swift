import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import XML

/// glibc's iconv from `from` to `to` of `bytes`: the converted bytes, or `nil` where iconv refuses
/// them (EILSEQ/EINVAL) — the reference libxml2 used before the bridge's tables.
private func iconvBytes(_ bytes: [UInt8], from: String, to: String) -> [UInt8]? {
    let converter = iconv_open(to, from)
    guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    var input = bytes.map { CChar(bitPattern: $0) }
    var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
    let outputCount = output.count
    return input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer -> [UInt8]? in
            var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
            var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
            var inLeft = inBuffer.count
            var outLeft = outputCount
            guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
            return outBuffer.prefix(outputCount - outLeft).map { UInt8(bitPattern: $0) }
        }
    }
}

@Suite("windows-1251 in libxml2 by the bridge's tables = glibc's iconv")
struct WindowsCP1251HandlerTests {
    @Test("the bridge's handler is the one libxml2 finds for windows-1251")
    func registered() {
        #expect(windows1251ByTable)
    }

    @Test("every byte but 0x98 reads as iconv reads it; 0x98 ends the readable text, as after iconv")
    func reading() throws {
        // Bytes allowed in XML text, without markup: tab, line feed, 0x20…0xFF but < & and 0x98.
        var bytes: [UInt8] = [0x09, 0x0A]
        for byte in UInt8(0x20)...0xFF where byte != 0x3C && byte != 0x26 && byte != 0x98 {
            bytes.append(byte)
        }
        let converted = iconvBytes(bytes, from: "WINDOWS-1251", to: "UTF-8")
        let expected = try #require(converted)
        let document = Array(#"<?xml version="1.0" encoding="windows-1251"?><a>"#.utf8) + bytes + Array("</a>".utf8)
        let parsed = try XDocument(bytes: document, fileName: "all.xml")
        let text = try parsed.string(xpath: "string(/a)")
        #expect(Array(text.utf8) == expected)
        #expect(text.unicodeScalars.count == bytes.count)

        #expect(iconvBytes([0x98], from: "WINDOWS-1251", to: "UTF-8") == nil)
        let broken = Array(#"<?xml version="1.0" encoding="windows-1251"?><a>x"#.utf8) + [0x98] + Array("y</a>".utf8)
        #expect(throws: XMLError.self) { try XDocument(bytes: broken, fileName: "broken.xml") }
        do {
            _ = try XDocument(bytes: broken, fileName: "broken.xml")
        } catch {
            // What libxml2 reports after iconv's refusal too (`xmllint` on the same bytes): the
            // text ends at the byte that cannot be read.
            #expect("\(error)".contains("Premature end of data in tag a line 1"), "\(error)")
        }
    }

    @Test("every character of the BMP writes as iconv writes it, or as a character reference where windows-1251 has none")
    func writing() throws {
        var text = ""
        var expected: [UInt8] = []
        for value in UInt32(0x20)...0xFFFD {
            guard let scalar = Unicode.Scalar(value), value != 0x26, value != 0x3C, value != 0x3E else { continue }
            text.unicodeScalars.append(scalar)
            if let bytes = iconvBytes(Array(String(scalar).utf8), from: "UTF-8", to: "WINDOWS-1251") {
                expected += bytes
            } else {
                expected += Array("&#\(value);".utf8)
            }
        }
        let written = try XElement("a", text: text).serializedWithLibXML2(indent: false)
        let prolog = Array("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<a>".utf8)
        #expect(Array(written.prefix(prolog.count)) == prolog)
        let body = Array(written.dropFirst(prolog.count).prefix(expected.count))
        #expect(body == expected)
        #expect(Array(written.dropFirst(prolog.count + expected.count)) == Array("</a>\n".utf8))
        // 127 characters beyond ASCII have a byte each.
        #expect(expected.filter { $0 >= 0x80 }.count == 127)
    }
}
