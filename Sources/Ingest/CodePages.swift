/// The single-byte Cyrillic code pages bank exports use, decoded with our own tables
/// (Foundation's cp866 support is unreliable on Linux).
public enum CyrillicCodePage: String, Hashable, Sendable, CaseIterable {
    /// Windows-1251: `Кодировка=Windows` in 1CClientBankExchange.
    case cp1251 = "windows-1251"
    /// IBM 866: `Кодировка=DOS` in 1CClientBankExchange.
    case cp866 = "cp866"

    /// Decodes bytes; bytes 0x00–0x7F are ASCII, an undefined byte (0x98 in cp1251) becomes U+FFFD.
    ///
    /// The text's UTF-8 is written straight from a table of each upper byte's UTF-8 (a statement
    /// of a large day is tens of megabytes: appending scalars one by one was most of reading it).
    public func decode(_ bytes: some Sequence<UInt8>) -> String {
        let table = utf8Table
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
            } else {
                let entry = table[Int(byte) - 0x80]
                utf8.append(entry.0)
                utf8.append(entry.1)
                if entry.2 != 0 { utf8.append(entry.2) }
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The UTF-8 of each of bytes 0x80…0xFF (two or three bytes; a third byte of 0 is absent:
    /// every value of the tables is U+0080 or above, so its UTF-8 never contains 0).
    private var utf8Table: [(UInt8, UInt8, UInt8)] {
        switch self {
        case .cp1251: CyrillicCodePage.cp1251UTF8
        case .cp866: CyrillicCodePage.cp866UTF8
        }
    }

    private static let cp1251UTF8 = utf8(of: cp1251Table)
    private static let cp866UTF8 = utf8(of: cp866Table)

    private static func utf8(of table: [UInt16]) -> [(UInt8, UInt8, UInt8)] {
        table.map { value in
            let bytes = Array(String(Character(Unicode.Scalar(UInt32(value)) ?? "\u{FFFD}")).utf8)
            return (bytes[0], bytes[1], bytes.count > 2 ? bytes[2] : 0)
        }
    }

    /// Encodes text, or `nil` when a character has no byte in this code page.
    public func encode(_ text: String) -> [UInt8]? {
        var reverse: [UInt32: UInt8] = [:]
        for (offset, value) in table.enumerated() where value != 0xFFFD { reverse[UInt32(value)] = UInt8(0x80 + offset) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else if let byte = reverse[scalar.value] {
                bytes.append(byte)
            } else {
                return nil
            }
        }
        return bytes
    }

    /// Unicode values of bytes 0x80…0xFF.
    private var table: [UInt16] {
        switch self {
        case .cp1251: CyrillicCodePage.cp1251Table
        case .cp866: CyrillicCodePage.cp866Table
        }
    }

    private static let cp1251Table: [UInt16] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
        0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
        0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
        0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
        0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
        0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
        0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
        0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
        0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
        0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
        0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
        0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
    ]

    private static let cp866Table: [UInt16] = [
        0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
        0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
        0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
        0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
        0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
        0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
        0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
        0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
        0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
        0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
        0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
        0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
        0x0401, 0x0451, 0x0404, 0x0454, 0x0407, 0x0457, 0x040E, 0x045E,
        0x00B0, 0x2219, 0x00B7, 0x221A, 0x2116, 0x00A4, 0x25A0, 0x00A0,
    ]
}
