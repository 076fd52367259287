import Foundation
import Testing
import XML

@Suite("Serialising XElement trees")
struct SerializationTests {
    static let declaration = Array(#"<?xml version="1.0" encoding="windows-1251"?>"#.utf8)

    /// Decodes windows-1251 bytes (the test's own oracle, independent of libxml2).
    static func cp1251(_ bytes: [UInt8]) -> String? {
        String(bytes: bytes, encoding: .windowsCP1251)
    }

    @Test("writes the windows-1251 declaration and Cyrillic as single cp1251 bytes")
    func cyrillicIsCP1251() throws {
        let tree = XElement("Файл", attributes: ["ИдФайл": "ON_TEST", "ВерсФорм": "5.03"], children: [
            XElement("Документ", attributes: ["КНД": "1115131"], text: "Ёжик в тумане"),
        ])
        let bytes = try tree.serialized()
        #expect(Array(bytes.prefix(Self.declaration.count)) == Self.declaration)
        // "Ё" is 0xA8 in windows-1251, "ж" is 0xE6.
        #expect(bytes.contains(0xA8))
        #expect(bytes.contains(0xE6))
        #expect(!bytes.contains(0xD0), "no UTF-8 lead byte for Cyrillic")
        let text = try #require(Self.cp1251(bytes))
        #expect(text.contains(#"<Файл ИдФайл="ON_TEST" ВерсФорм="5.03">"#))
        #expect(text.contains("<Документ КНД=\"1115131\">Ёжик в тумане</Документ>"))
    }

    @Test("characters outside cp1251 become decimal character references and parse back equal")
    func charactersOutsideCP1251() throws {
        let value = "Смайл 😀, 中文, €, №, «ёлки»"
        let tree = XElement("Корень", attributes: ["Знач": value], text: value)
        let bytes = try tree.serialized()
        let text = try #require(Self.cp1251(bytes))
        #expect(text.contains("&#128512;"))
        #expect(text.contains("&#20013;&#25991;"))
        #expect(bytes.contains(0x88) && !text.contains("&#8364;"), "€ is in cp1251 (0x88) and is written directly")
        let document = try XDocument(bytes: bytes, fileName: "roundtrip.xml")
        let root = try #require(document.root)
        #expect(root.attribute("Знач") == value)
        #expect(root.text == value)
        #expect(document.declaredEncoding == "windows-1251")
    }

    @Test("escapes & < > \" ' in text and attributes exactly as documented")
    func escaping() throws {
        let nasty = #"a & b < c > d " e ' f"#
        let tree = XElement("R", attributes: ["v": nasty, "w": "tab\tnl\ncr\r"], text: nasty + "\r")
        let bytes = try tree.serialized(indent: false)
        let text = try #require(Self.cp1251(bytes))
        #expect(text.contains(#"v="a &amp; b &lt; c &gt; d &quot; e ' f""#))
        #expect(text.contains(#"w="tab&#9;nl&#10;cr&#13;""#))
        #expect(text.contains(#">a &amp; b &lt; c &gt; d " e ' f&#13;</R>"#))
        let root = try #require(try XDocument(bytes: bytes, fileName: "escape.xml").root)
        #expect(root.attribute("v") == nasty)
        #expect(root.attribute("w") == "tab\tnl\ncr\r")
        #expect(root.text == nasty + "\r")
    }

    @Test("same tree gives the same bytes; attribute and child order are insertion order")
    func determinism() throws {
        func tree() -> XElement {
            XElement("Файл", attributes: ["Я": "1", "А": "2", "М": "3"], children: (1...5).map { index in
                XElement("СведТов", attributes: ["НомСтр": String(index), "Пусто": nil, "НаимТов": "Товар \(index)"])
            })
        }
        let first = try tree().serialized()
        for _ in 0..<20 { #expect(try tree().serialized() == first) }
        let text = try #require(Self.cp1251(first))
        #expect(text.contains(#"<Файл Я="1" А="2" М="3">"#))
        #expect(!text.contains("Пусто"), "nil attributes are left out")
        let document = try XDocument(bytes: first, fileName: "order.xml")
        let root = try #require(document.root)
        #expect(root.attributes.map(\.name) == ["Я", "А", "М"])
        #expect(root.children.compactMap { $0.attribute("НомСтр") } == ["1", "2", "3", "4", "5"])
        #expect(text.contains("\n  <СведТов НомСтр=\"1\" НаимТов=\"Товар 1\"/>\n"), "two-space indentation")
    }

    @Test("invalid names, duplicate attributes and forbidden characters are refused")
    func invalidTrees() throws {
        #expect(throws: XMLError.self) { try XElement("1bad").serialized() }
        #expect(throws: XMLError.self) { try XElement("ok", attributeList: [XAttribute("a", "1"), XAttribute("a", "2")]).serialized() }
        let error = #expect(throws: XMLError.self) {
            try XElement("R", children: [XElement("C", text: "bell \u{07}")]).serialized()
        }
        #expect(error?.kind == .build)
        #expect(error?.issues.first?.path == "/R/C")
        #expect(error?.message.contains("U+7") == true)
    }

    @Test("another encoding can be chosen; an unknown one is an error")
    func otherEncodings() throws {
        let bytes = try XElement("Файл", text: "Ж😀").serialized(encoding: "UTF-8", indent: false)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Файл>Ж😀</Файл>\n")
        let error = #expect(throws: XMLError.self) { try XElement("a").serialized(encoding: "no-such-encoding") }
        #expect(error?.kind == .serialization)
    }
}
