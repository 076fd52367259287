import Testing
import TestSupport
@testable import XML

/// The native windows-1251 writer against libxml2's serialiser, the reference it must match byte
/// for byte.
@Suite("Native windows-1251 serialiser = libxml2")
struct NativeSerializationTests {
    /// Valid names: ASCII, Russian, and names only libxml2's slow check accepts (Greek, CJK, Ukrainian
    /// letters outside А…я, combining marks), some of which windows-1251 lacks.
    static let names = ["Файл", "Документ", "СведТов", "ОКЕИ_Тов", "a", "B-1.x", "_u", "ns:el", "Ёлка", "ёж", "Їжак", "ґанок",
                        "λόγος", "中文", "x\u{0301}", "Рус_2", "Z", "ИдФайл", "КНД", "НаимТов", "ДатаДок", "ВремИнфПр"]

    /// Pieces of values: escapes, whitespace, Cyrillic, signs in and out of windows-1251, C1 controls,
    /// the unassigned 0x98 position, emoji, CJK, the last BMP characters.
    static let pieces = ["", "a", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\r\n", " ", "  x  ", "]]>", "&amp;",
                         "Ёжик", "ъЪ", "«ёлки»", "№ 5", "€", "—", "…", "\u{A0}", "\u{AD}", "\u{85}", "\u{98}", "\u{2116}",
                         "😀", "👍🏽", "中文", "λ", "\u{FFFD}", "\u{E000}", "\u{10FFFF}", "Ї", "ґ", "ß", "0.50", "1115131"]

    static func value(_ random: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
    }

    static func tree(_ random: inout SplitMix64, depth: Int) -> XElement {
        var attributes: [XAttribute] = []
        for name in names.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)) {
            attributes.append(XAttribute(name, value(&random)))
        }
        let textRoll = Int.random(in: 0..<4, using: &random)
        let text: String? = textRoll == 0 ? value(&random) : textRoll == 1 ? nil : (textRoll == 2 && depth > 3 ? "t" : nil)
        var children: [XElement] = []
        if depth < 6 {
            for _ in 0..<Int.random(in: 0...3, using: &random) { children.append(tree(&random, depth: depth + 1)) }
        }
        return XElement(names.randomElement(using: &random) ?? "a", attributeList: attributes, text: text, children: children)
    }

    static func expectSame(_ tree: XElement, indent: Bool, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let native = try tree.serialized(indent: indent)
        let reference = try tree.serializedWithLibXML2(indent: indent)
        #expect(native == reference, comment, sourceLocation: sourceLocation)
        if native != reference, let index = native.indices.first(where: { $0 >= reference.count || native[$0] != reference[$0] }) {
            Issue.record("first difference at byte \(index): native \(native[index...].prefix(40)) vs libxml2 \(reference[index...].prefix(40))",
                         sourceLocation: sourceLocation)
        }
    }

    @Test("random trees: the same bytes with and without indentation", arguments: 0..<8)
    func randomTrees(batch: UInt64) throws {
        for offset in 0..<50 as Range<UInt64> {
            let seed = batch * 1_000 + offset
            var random = SplitMix64(seed: seed) // a failing tree is reproduced from its seed
            let tree = Self.tree(&random, depth: 0)
            try Self.expectSame(tree, indent: true, "seed \(seed), indented")
            try Self.expectSame(tree, indent: false, "seed \(seed), not indented")
        }
    }

    @Test("every allowed character of the BMP, in text and in an attribute, and beyond it")
    func everyCharacter() throws {
        var scalars: [Unicode.Scalar] = []
        for value in UInt32(0x9)...0xFFFD {
            guard let scalar = Unicode.Scalar(value), value >= 0x20 || value == 0x9 || value == 0xA || value == 0xD else { continue }
            scalars.append(scalar)
        }
        scalars += [0x10000, 0x1F600, 0x1F44D, 0x10FFFF].compactMap(Unicode.Scalar.init)
        var all = ""
        all.unicodeScalars.append(contentsOf: scalars)
        let tree = XElement("all", attributeList: [XAttribute("v", all)], text: all)
        try Self.expectSame(tree, indent: true, "all characters")
        // windows-1251 has 127 characters beyond ASCII (0x98 is unassigned); each is one byte.
        let native = try tree.serialized()
        #expect(native.filter { $0 >= 0x80 }.count == 2 * 127)
    }

    @Test("empty, text-only, text with children, deep nesting past libxml2's 60-space indent limit")
    func shapes() throws {
        try Self.expectSame(XElement("Пусто"), indent: true, "empty root")
        try Self.expectSame(XElement("R", text: ""), indent: true, "empty text is no text")
        try Self.expectSame(XElement("R", text: "только текст"), indent: true, "text only")
        let mixed = XElement("R", children: [
            XElement("A", text: "текст", children: [XElement("B", children: [XElement("C")]), XElement("D", text: "x")]),
            XElement("E", children: [XElement("F")]),
        ])
        try Self.expectSame(mixed, indent: true, "text and children")
        var deep = XElement("Лист", attributeList: [XAttribute("a", "1")])
        for level in 0..<45 { deep = XElement("Уровень\(level)", children: [deep, XElement("Сосед")]) }
        try Self.expectSame(deep, indent: true, "45 levels")
        let bytes = try deep.serialized()
        #expect(bytes.contains(0x0A), "indented")
    }

    @Test("the same errors for invalid names, duplicate attributes and forbidden characters")
    func sameErrors() throws {
        let bad: [XElement] = [
            XElement("1bad"),
            XElement(""),
            XElement("a b"),
            XElement("a\u{0}b"),
            XElement("R", children: [XElement("ok", attributeList: [XAttribute("bad name", "1")])]),
            XElement("ok", attributeList: [XAttribute("a", "1"), XAttribute("a", "2")]),
            XElement("ok", attributeList: [XAttribute("Ж", "1"), XAttribute("ж", "2"), XAttribute("Ж", "3")]),
            XElement("R", children: [XElement("C", text: "bell \u{07}")]),
            XElement("R", attributeList: [XAttribute("v", "x\u{FFFE}")]),
            XElement("R", attributeList: [XAttribute("v", "nul \u{0}")], text: "\u{1}"),
            XElement("Ѐ"),  // Cyrillic, but not a letter for libxml2's name check
        ]
        for tree in bad {
            var native: XMLError?
            var reference: XMLError?
            do { _ = try tree.serialized() } catch { native = error }
            do { _ = try tree.serializedWithLibXML2() } catch { reference = error }
            #expect(native != nil, "\(tree.name) is refused")
            #expect(native == reference, "\(tree.name): \(native?.description ?? "-") vs \(reference?.description ?? "-")")
            #expect(native?.kind == .build)
        }
        let error = #expect(throws: XMLError.self) {
            try XElement("R", children: [XElement("C", attributeList: [XAttribute("a", "1"), XAttribute("a", "2")])]).serialized()
        }
        #expect(error?.issues.first?.path == "/R/C")
        #expect(error?.message == "attribute 'a' appears twice")
    }

    @Test("names: the fast check agrees with libxml2's xmlValidateName")
    func nameCheck() {
        let candidates = Self.names + ["", "1", "-a", ".a", "a:b", "a/b", "Ѐ", "ѐ", "Ѝ", "Ў", "ў", "Я1", "1Я", "Я-я.я_я", "я ", " я",
                                       "Ё", "ё", "ѓ", "\u{0400}", "\u{044F}\u{0450}", "a\u{0}"]
        for name in candidates {
            let slow = XMLByteWriter.isValidNameSlowly(name)
            #expect(XMLByteWriter.isValidName(name) == slow, "\(name.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    /// The error a call throws, if any.
    static func failure(_ call: () throws(XMLError) -> Void) -> XMLError? {
        do { try call() } catch { return error }
        return nil
    }

    /// The error `finish` throws, if any.
    static func finishFailure(_ writer: consuming XMLByteWriter) -> XMLError? {
        do { _ = try writer.finish() } catch { return error }
        return nil
    }

    @Test("the writer refuses calls out of order")
    func writerOrder() throws {
        var writer = XMLByteWriter()
        try writer.startElement("R")
        try writer.startElement("C")
        try writer.endElement()
        #expect(Self.failure { () throws(XMLError) in try writer.attribute("late", "1") }?.kind == .build)
        #expect(Self.failure { () throws(XMLError) in try writer.text("late text") }?.kind == .build)
        try writer.endElement()
        #expect(Self.failure { () throws(XMLError) in try writer.endElement() }?.kind == .build)
        #expect(Self.failure { () throws(XMLError) in try writer.startElement("Second") }?.kind == .build)

        var open = XMLByteWriter()
        try open.startElement("R")
        #expect(Self.finishFailure(open)?.kind == .build)
        #expect(Self.finishFailure(XMLByteWriter())?.kind == .build)

        var complete = XMLByteWriter(indent: false)
        try complete.startElement("R")
        try complete.attribute("a", "ж")
        try complete.text("т")
        try complete.endElement()
        #expect(try complete.finish() == Array(#"<?xml version="1.0" encoding="windows-1251"?>"#.utf8) + [0x0A]
            + Array(#"<R a=""#.utf8) + [0xE6] + Array(#"">"#.utf8) + [0xF2] + Array("</R>\n".utf8))
    }
}
