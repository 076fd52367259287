import Testing
import TestSupport
@testable import Ingest

/// The byte-level text helpers of the 1C statement reader give exactly what the character-level
/// definitions give (the definitions are written out here as the oracle), on random text mixing
/// the hard cases: CR, LF, CR LF, `=`, spaces, tabs, no-break spaces, combining marks after `=`
/// and after spaces, decomposed Cyrillic, a prepended mark before `=`.
@Suite("1C statement text: lines, fields, trimming and keys by bytes")
struct StatementTextTests {
    static let pieces: [String] = [
        "a", "Z", "7", " ", "\t", "\u{00A0}", "\r", "\n", "\r\n", "\n\r", "=", "==", "=\u{0301}", " \u{0301}",
        "\u{00A0}\u{0301}", "Секция", "Документ", "й", "и\u{0306}", "ё", "е\u{0308}", "\u{0600}=", "«»", "№", "€",
        "😀", "Ѐ", "\u{0483}", "Конец", "Файла", "ИНН",
    ]

    static func randomText(_ random: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
    }

    /// The lines `StatementLines` finds in the text's UTF-8 bytes read `chunkSize` bytes at a time
    /// (what the statement's reader reads by).
    static func linesByCursor(_ text: String, chunkSize: Int) -> [String] {
        var input = InMemoryStatement(Array(text.utf8))
        let cursor = StatementLines(encoding: .utf8, skippingBOM: false, chunkSize: chunkSize)
        var lines: [String] = []
        while let range = try? cursor.next(from: &input) {
            lines.append(cursor.string(range))
        }
        return lines
    }

    // The character-level definitions: the pieces between CR LF, LF or CR; the piece after the
    // last break is a line when it is not empty.
    static func linesByCharacters(_ text: String) -> [String] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: ClientBankChunkedTests.WholeText.isLineBreak).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    static func fieldByCharacters(_ line: String) -> (key: String, value: String?) {
        guard let equals = line.firstIndex(of: "=") else { return (line, nil) }
        return (trimByCharacters(String(line[..<equals])), String(line[line.index(after: equals)...]))
    }

    static func trimByCharacters(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\r" }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[start...end])
    }

    @Test("lines, fields, trimming and key equality match the character-level definitions on 20 000 random texts")
    func randomTexts() {
        var random = SplitMix64(seed: 1_2026_11_29)
        for _ in 0..<20_000 {
            let text = Self.randomText(&random)
            let other = Self.randomText(&random)
            let lines = Self.linesByCursor(text, chunkSize: Int.random(in: 1...5, using: &random))
            #expect(lines == Self.linesByCharacters(text), "\(Array(text.unicodeScalars))")
            let field = ClientBankExchange.splitField(text)
            let expected = Self.fieldByCharacters(text)
            #expect(field.key == expected.key && field.value == expected.value, "\(Array(text.unicodeScalars))")
            #expect(text.trimmingSpaces == Self.trimByCharacters(text), "\(Array(text.unicodeScalars))")
            #expect(ClientBankExchange.sameKey(text, other) == (text == other), "\(Array(text.unicodeScalars)) \(Array(other.unicodeScalars))")
            #expect(ClientBankExchange.sameKey(text, text))
        }
    }

    @Test("a value is blank exactly when every character is whitespace, decided from the first byte when it can be")
    func blankValues() {
        let pieces = ["a", "Я", " ", "\t", "\n", "\r\n", "\u{00A0}", "\u{0085}", "\u{1680}", "\u{2003}", "\u{2028}", "\u{202F}",
                      "\u{3000}", " \u{0301}", "\u{0301}", "€", "😀", "\u{200B}", "\u{FEFF}"]
        var random = SplitMix64(seed: 77)
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...4, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
            #expect(FieldChecker.isBlank(text) == text.allSatisfy(\.isWhitespace), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("keys spelled with decomposed letters are still the same keys")
    func canonicalEquivalence() {
        #expect(ClientBankExchange.sameKey("Кодировка", "Кодировка"))
        #expect(ClientBankExchange.sameKey("ДатаПоступило", "ДатаПоступило"))
        #expect(ClientBankExchange.sameKey("Плательщик1й", "Плательщик1и\u{0306}"))
        #expect(!ClientBankExchange.sameKey("СекцияДокумент", "СекцияРасчСчет"))
        #expect(ClientBankExchange.isPlainText("СекцияДокумент=Платежное поручение"))
        #expect(!ClientBankExchange.isPlainText("и\u{0306}"))
        #expect(!ClientBankExchange.isPlainText("№"))
    }

    @Test("a section finds a key spelled either way, the first of equivalent keys, and its line")
    func sectionLookups() {
        func section(_ keys: [String]) -> ClientBankSection {
            ClientBankSection(kind: "Платежное поручение", startLine: 1, endLine: keys.count + 2,
                              fields: keys.enumerated().map { ClientBankField(key: $1, value: " v\($0) ", line: $0 + 2) })
        }
        let plain = section(["Номер", "Плательщик1й", "Сумма"])
        #expect(plain.value("Сумма") == "v2")
        #expect(plain.value("Плательщик1и\u{0306}") == "v1") // the key asked for is decomposed
        #expect(plain.value("Получатель") == nil)
        #expect(plain.line(of: "Номер") == 2)
        // A decomposed key in the file: found by the composed spelling, and the first of two equivalent keys wins.
        var mixed = section(["Номер", "Плательщик1и\u{0306}", "Плательщик1й", "Сумма"])
        #expect(mixed.value("Плательщик1й") == "v1")
        #expect(mixed.line(of: "Плательщик1й") == 3)
        #expect(mixed.value("Сумма") == "v3")
        // Fields changed after the section was made are looked up as they are now.
        mixed.fields.remove(at: 1)
        #expect(mixed.value("Плательщик1й") == "v2")
        mixed.fields.append(ClientBankField(key: "Назначение\u{0301}", value: "x", line: 9))
        #expect(mixed.value("Назначение\u{0301}") == "x")
        #expect(mixed.value("Назначение") == nil)
    }

    @Test("cp1251 and cp866 decode every byte to the table's character, by bytes")
    func codePages() {
        for page in CyrillicCodePage.allCases {
            let bytes = (0...255).map(UInt8.init)
            let text = page.decode(bytes)
            #expect(text.unicodeScalars.count == 256)
            #expect(Array(text.unicodeScalars.prefix(128).map(\.value)) == (0..<128).map { UInt32($0) })
            // Every upper byte but an undefined one comes back through the encoder.
            for (offset, scalar) in text.unicodeScalars.enumerated() where offset >= 0x80 && scalar != "\u{FFFD}" {
                #expect(page.encode(String(scalar)) == [UInt8(offset)], "\(page) byte \(offset)")
            }
        }
        #expect(CyrillicCodePage.cp1251.decode([0xC0, 0xFF, 0xA8, 0xB8, 0x98, 0xB9]) == "АяЁё\u{FFFD}№")
        #expect(CyrillicCodePage.cp866.decode([0x80, 0xA0, 0xE0, 0xF0]) == "АарЁ")
    }
}
