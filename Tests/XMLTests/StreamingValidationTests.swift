import Foundation
import Testing
import TestSupport
import XML

/// `XMLSchema.validate(bytes:)` validates while parsing, without a tree. These tests pin that it
/// reports exactly what parsing into an `XDocument` and validating the tree reports (the path it
/// replaced), issue for issue: file, line, column, element path, message and severity.
@Suite("XSD validation while parsing")
struct StreamingValidationTests {
    // MARK: The reference: parse into a tree, validate the tree

    /// What `validate(bytes:)` returned before it streamed: parse errors, or the tree's issues.
    static func treeIssues(_ schema: XMLSchema, _ bytes: [UInt8], fileName: String,
                           maxBytes: Int = XDocument.defaultMaxBytes) -> [XMLIssue] {
        do {
            return schema.validate(try XDocument(bytes: bytes, fileName: fileName, maxBytes: maxBytes))
        } catch {
            return error.issues
        }
    }

    /// Expects identical issue lists from both paths and returns them.
    @discardableResult
    static func expectSame(_ schema: XMLSchema, _ bytes: [UInt8], _ name: String, maxBytes: Int = XDocument.defaultMaxBytes,
                           sourceLocation: SourceLocation = #_sourceLocation) -> [XMLIssue] {
        let tree = treeIssues(schema, bytes, fileName: name, maxBytes: maxBytes)
        let streamed = schema.validate(bytes: bytes, fileName: name, maxBytes: maxBytes)
        #expect(streamed == tree, "\(name):\nstreamed \(streamed)\ntree     \(tree)", sourceLocation: sourceLocation)
        return streamed
    }

    // MARK: A small schema with every kind of constraint

    static let xsd = """
    <?xml version="1.0" encoding="UTF-8"?>
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
      <xs:simpleType name="КодТип"><xs:restriction base="xs:string"><xs:pattern value="[0-9]{4}"/></xs:restriction></xs:simpleType>
      <xs:element name="Файл">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Заголовок">
              <xs:complexType>
                <xs:attribute name="Вид" use="required">
                  <xs:simpleType><xs:restriction base="xs:string">
                    <xs:enumeration value="СЧФ"/><xs:enumeration value="ДОП"/>
                  </xs:restriction></xs:simpleType>
                </xs:attribute>
                <xs:attribute name="Код" type="КодТип" use="required"/>
              </xs:complexType>
            </xs:element>
            <xs:element name="Строка" maxOccurs="unbounded">
              <xs:complexType>
                <xs:sequence>
                  <xs:element name="Товар" maxOccurs="unbounded">
                    <xs:complexType>
                      <xs:sequence>
                        <xs:element name="Код" type="КодТип"/>
                        <xs:element name="Примечание" type="xs:string" minOccurs="0"/>
                      </xs:sequence>
                      <xs:attribute name="Кол" type="xs:decimal" use="required"/>
                    </xs:complexType>
                  </xs:element>
                </xs:sequence>
                <xs:attribute name="Сумма" type="xs:decimal" use="required"/>
              </xs:complexType>
            </xs:element>
            <xs:element name="Итог" type="xs:decimal"/>
          </xs:sequence>
          <xs:attribute name="ИдФайл" type="xs:string" use="required"/>
        </xs:complexType>
      </xs:element>
    </xs:schema>
    """

    static func schema() throws -> XMLSchema {
        let directory = try Paths.temporaryDirectory("xml-streaming")
        try Data(xsd.utf8).write(to: directory.appendingPathComponent("main.xsd"))
        return try XMLSchema(contentsOf: directory.appendingPathComponent("main.xsd"))
    }

    /// A valid document in windows-1251; `edit` changes its text before encoding.
    static func document(_ edit: (String) -> String = { $0 }) -> [UInt8] {
        let text = """
        <?xml version="1.0" encoding="windows-1251"?>
        <Файл ИдФайл="X-1">
          <Заголовок Вид="СЧФ" Код="0042"/>
          <Строка Сумма="10.50">
            <Товар Кол="1"><Код>1001</Код></Товар>
            <Товар Кол="2"><Код>1002</Код><Примечание>A &amp; B</Примечание></Товар>
          </Строка>
          <Строка Сумма="3">
            <Товар Кол="3"><Код>1003</Код></Товар>
          </Строка>
          <Итог>13.50</Итог>
        </Файл>
        """
        return cp1251(edit(text))
    }

    static func cp1251(_ text: String) -> [UInt8] {
        Array(text.data(using: .windowsCP1251) ?? Data())
    }

    /// Variants of `document()`, by what is wrong with them (those labelled `valid:` are valid).
    static let variants: [(String, [UInt8])] = [
        ("missing required attribute", document { $0.replacingOccurrences(of: " Вид=\"СЧФ\"", with: "") }),
        ("wrong enumeration", document { $0.replacingOccurrences(of: "Вид=\"СЧФ\"", with: "Вид=\"КСЧФ\"") }),
        ("wrong order", document { $0.replacingOccurrences(of: "<Код>1003</Код>", with: "<Примечание/><Код>1003</Код>") }),
        ("bad pattern in an attribute", document { $0.replacingOccurrences(of: "Код=\"0042\"", with: "Код=\"42\"") }),
        ("bad pattern in text, first of two same-named siblings",
         document { $0.replacingOccurrences(of: "<Код>1001</Код>", with: "<Код>1x01</Код>") }),
        ("nested deep errors", document {
            $0.replacingOccurrences(of: "<Код>1002</Код>", with: "<Код>12</Код>")
                .replacingOccurrences(of: "Кол=\"3\"", with: "Кол=\"три\"")
        }),
        ("several errors in one document", document {
            $0.replacingOccurrences(of: "ИдФайл=\"X-1\"", with: "")
                .replacingOccurrences(of: "Сумма=\"3\"", with: "Сумма=\"3,00\"")
                .replacingOccurrences(of: "<Итог>13.50</Итог>", with: "<Итог>много</Итог><Лишний/>")
                .replacingOccurrences(of: "<Товар Кол=\"1\"><Код>1001</Код></Товар>", with: "<Товар Кол=\"1\"></Товар>")
        }),
        ("unexpected element", document { $0.replacingOccurrences(of: "<Итог>", with: "<Чужой/><Итог>") }),
        ("missing child at the end of an element", document { $0.replacingOccurrences(of: "<Итог>13.50</Итог>", with: "") }),
        ("text split by references, a comment and CDATA in element-only content", document {
            $0.replacingOccurrences(of: "<Строка Сумма=\"3\">", with: "<Строка Сумма=\"3\">a&amp;b&#x44;<!-- c -->d<![CDATA[e]]><![CDATA[f]]>")
        }),
        ("valid: references and CDATA pieces of one simple value (13.50)", document {
            $0.replacingOccurrences(of: "<Итог>13.50</Итог>", with: "<Итог>1&#51;<![CDATA[.5]]>0</Итог>")
        }),
        ("character references outside cp1251", document {
            $0.replacingOccurrences(of: "A &amp; B", with: "&#x4E00;&#x1F600;")
                .replacingOccurrences(of: "Код=\"0042\"", with: "Код=\"&#x4E00;\"")
        }),
        ("undeclared prefixes", document {
            $0.replacingOccurrences(of: "<Итог>13.50</Итог>", with: "<p:Итог q:a=\"1\">13.50</p:Итог>")
        }),
        ("a namespace the schema does not know", document {
            $0.replacingOccurrences(of: "<Файл ", with: "<Файл xmlns=\"urn:other\" ")
        }),
        ("valid: DOCTYPE with attribute defaults (dropped, as in the tree)", document {
            $0.replacingOccurrences(of: "?>\n", with: "?>\n<!DOCTYPE Файл [<!ATTLIST Заголовок Лишний CDATA \"x\"> <!ELEMENT Файл ANY>]>\n")
        }),
        ("malformed: mismatched end tag", document { $0.replacingOccurrences(of: "</Строка>", with: "</Строки>") }),
        ("malformed: truncated", Array(document().prefix(200))),
        ("malformed: undefined entity after a validity error", document {
            $0.replacingOccurrences(of: "Вид=\"СЧФ\"", with: "Вид=\"X\"").replacingOccurrences(of: "A &amp; B", with: "&nope;")
        }),
        ("undeclared encoding (cp1251 bytes read as UTF-8)", document {
            $0.replacingOccurrences(of: " encoding=\"windows-1251\"", with: "")
        }),
        ("declared encoding libxml2 does not know", document {
            $0.replacingOccurrences(of: "windows-1251", with: "x-no-such-charset")
        }),
        ("entity declarations are rejected", document {
            $0.replacingOccurrences(of: "?>\n", with: "?>\n<!DOCTYPE Файл [<!ENTITY e \"x\">]>\n")
        }),
        ("external DTD is rejected", document {
            $0.replacingOccurrences(of: "?>\n", with: "?>\n<!DOCTYPE Файл SYSTEM \"http://127.0.0.1:1/x.dtd\">\n")
        }),
        ("empty", []),
    ]

    /// Bytes 0x98 (undefined in windows-1251) in an attribute value.
    static let outsideCP1251: [UInt8] = {
        var bytes = document()
        if let range = bytes.firstRange(of: Array("X-1".utf8)) { bytes.replaceSubrange(range, with: [0x98, 0x98]) }
        return bytes
    }()

    @Test("a valid document gives no issues either way")
    func valid() throws {
        let schema = try Self.schema()
        #expect(Self.expectSame(schema, Self.document(), "ok.xml").isEmpty)
    }

    @Test("invalid, malformed and unusual documents give the tree's issues, issue for issue",
          arguments: variants.indices)
    func differential(index: Int) throws {
        let schema = try Self.schema()
        let (label, bytes) = Self.variants[index]
        let issues = Self.expectSame(schema, bytes, "case-\(index).xml")
        if label.hasPrefix("valid:") {
            #expect(issues.isEmpty, "\(label): \(issues)")
        } else {
            #expect(!issues.isEmpty, "\(label) gave no issue")
        }
        #expect(issues.allSatisfy { $0.file == "case-\(index).xml" })
    }

    @Test("bytes outside windows-1251 and the size limit give the parse errors of today")
    func encodingAndSize() throws {
        let schema = try Self.schema()
        let outside = Self.expectSame(schema, Self.outsideCP1251, "outside.xml")
        #expect(outside.first?.severity == .fatal)
        let bytes = Self.document()
        let limited = Self.expectSame(schema, bytes, "big.xml", maxBytes: bytes.count - 1)
        #expect(limited.count == 1)
        #expect(limited.first?.message == "document is \(bytes.count) bytes, more than the limit of \(bytes.count - 1) bytes")
        #expect(limited.first?.severity == .fatal)
        #expect(Self.expectSame(schema, bytes, "exact.xml", maxBytes: bytes.count).isEmpty)
    }

    @Test("paths and lines are the tree's: an index only where same-named siblings exist, also later ones")
    func pathsAndLines() throws {
        let schema = try Self.schema()
        // The first Товар of two: its sibling comes after the error, the index is still [1].
        let first = schema.validate(bytes: Self.document { $0.replacingOccurrences(of: "Кол=\"1\"", with: "Кол=\"x\"") }, fileName: "a.xml")
        #expect(first.map(\.path) == ["/Файл/Строка[1]/Товар[1]"])
        #expect(first.map(\.line) == [5])
        #expect(first.map(\.column) == [0])
        // The only Товар of the second Строка has no index; its Код has none either.
        let only = schema.validate(bytes: Self.document { $0.replacingOccurrences(of: "<Код>1003</Код>", with: "<Код>3</Код>") }, fileName: "b.xml")
        #expect(only.map(\.path) == ["/Файл/Строка[2]/Товар/Код"])
        #expect(only.map(\.line) == [9])
        // An end-of-element issue is reported on the element's start line.
        let missing = schema.validate(bytes: Self.document { $0.replacingOccurrences(of: "<Код>1001</Код>", with: "") }, fileName: "c.xml")
        #expect(missing.map(\.path) == ["/Файл/Строка[1]/Товар[1]"])
        #expect(missing.map(\.line) == [5])
        #expect(missing.first?.message.contains("Missing child element") == true)
        // An issue on the root and one on an element without siblings.
        let root = schema.validate(bytes: Self.document {
            $0.replacingOccurrences(of: " ИдФайл=\"X-1\"", with: "").replacingOccurrences(of: "<Итог>13.50</Итог>", with: "<Итог>x</Итог>")
        }, fileName: "d.xml")
        #expect(root.map(\.path) == ["/Файл", "/Файл/Итог"])
        #expect(root.map(\.line) == [2, 11])
    }

    // MARK: The project's schemas and golden documents

    static let goldenFolder = Paths.packageRoot.appendingPathComponent("Tests/DocumentsTests/Golden", isDirectory: true)
    static let updSchema = "ON_NSCHFDOPPR_sverka_05_03.xsd"
    static let golden: [(file: String, schema: String)] = [
        ("upd.xml", updSchema), ("upd-correction.xml", updSchema), ("advance-invoice.xml", updSchema),
        ("ukd.xml", "ON_NKORSCHFDOPPR_sverka_05_01.xsd"),
    ]

    static func golden(_ name: String) throws -> String {
        let data = try Data(contentsOf: goldenFolder.appendingPathComponent(name))
        return try #require(String(data: data, encoding: .windowsCP1251))
    }

    @Test("the golden documents are valid either way")
    func goldenValid() throws {
        for (file, xsd) in Self.golden {
            let schema = try XMLSchema(contentsOf: Paths.schemas.appendingPathComponent(xsd))
            let bytes = [UInt8](try Data(contentsOf: Self.goldenFolder.appendingPathComponent(file)))
            #expect(Self.expectSame(schema, bytes, file).isEmpty, "\(file)")
        }
    }

    /// Edits of the golden УПД, each breaking it in one more way.
    static func goldenVariants() throws -> [(String, [UInt8])] {
        let upd = try golden("upd.xml")
        func variant(_ label: String, _ edit: (String) -> String) -> (String, [UInt8]) {
            (label, cp1251(edit(upd)))
        }
        return [
            variant("missing КНД") { $0.replacingOccurrences(of: " КНД=\"1115131\"", with: "") },
            variant("wrong Функция") { $0.replacingOccurrences(of: "Функция=\"СЧФДОП\"", with: "Функция=\"ЧТОТО\"") },
            variant("СвПокуп before ДокПодтвОтгрНом") { text in
                guard let buyer = text.range(of: "      <СвПокуп>"), let end = text.range(of: "</СвПокуп>\n"),
                      let proof = text.range(of: "      <ДокПодтвОтгрНом ") else { return text }
                var result = text
                let block = String(text[buyer.lowerBound..<end.upperBound])
                result.removeSubrange(buyer.lowerBound..<end.upperBound)
                result.insert(contentsOf: block, at: result.range(of: "      <ДокПодтвОтгрНом ")?.lowerBound ?? proof.lowerBound)
                return result
            },
            variant("bad ИНН pattern") { $0.replacingOccurrences(of: "ИННЮЛ=\"5027012348\"", with: "ИННЮЛ=\"50270\"") },
            variant("second ТекстИнф without Значен") { $0.replacingOccurrences(of: " Значен=\"ORD-2026-000123\"", with: "") },
            variant("bad amount in a later СведТов, deep date error") {
                $0.replacingOccurrences(of: "СтТовУчНал=\"947.62\"", with: "СтТовУчНал=\"9,47\"")
                    .replacingOccurrences(of: "ДатаПРД=\"27.11.2026\"", with: "ДатаПРД=\"2026-11-27\"")
            },
            variant("text where elements are expected") { $0.replacingOccurrences(of: "<Акциз>", with: "<Акциз>текст") },
            variant("malformed") { $0.replacingOccurrences(of: "</ГрузОт>", with: "</ГрузОтпр>") },
            variant("no encoding declaration") { $0.replacingOccurrences(of: " encoding=\"windows-1251\"", with: "") },
        ]
    }

    @Test("broken golden УПД: the tree's issues, issue for issue")
    func goldenDifferential() throws {
        let schema = try XMLSchema(contentsOf: Paths.schemas.appendingPathComponent(Self.updSchema))
        for (label, bytes) in try Self.goldenVariants() {
            let issues = Self.expectSame(schema, bytes, "upd.xml")
            #expect(!issues.isEmpty, "\(label) gave no issue")
        }
    }

    @Test("random attribute corruptions of the golden УПД: the tree's issues (60 seeded cases)")
    func randomCorruptions() throws {
        let schema = try XMLSchema(contentsOf: Paths.schemas.appendingPathComponent(Self.updSchema))
        let upd = try Self.golden("upd.xml")
        // Every attribute value's range, as UTF-8 offsets.
        let utf8 = Array(upd.utf8)
        let values: [Range<Int>] = upd.ranges(of: /="[^"]*"/).map { range in
            upd.utf8.distance(from: upd.startIndex, to: range.lowerBound)..<upd.utf8.distance(from: upd.startIndex, to: range.upperBound)
        }
        try #require(values.count > 50)
        var random = SplitMix64(seed: 0x5A5)
        let replacements = ["", "x", "-1", "99999999999999999999.999", "27.13.2026", "ЧТО-ТО", "  ", "0"]
        var invalid = 0
        for round in 0..<60 {
            var bytes = utf8
            let picks = Set((0..<(1 + Int(random.next() % 4))).map { _ in Int(random.next() % UInt64(values.count)) })
            // Replace from the end so earlier offsets stay right.
            for pick in picks.sorted(by: >) {
                let replacement = replacements[Int(random.next() % UInt64(replacements.count))]
                bytes.replaceSubrange(values[pick], with: Array("=\"\(replacement)\"".utf8))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let issues = Self.expectSame(schema, Self.cp1251(text), "r\(round).xml")
            if !issues.isEmpty { invalid += 1 }
        }
        #expect(invalid > 30)
    }

    @Test("the official 5.03 sample, valid and broken: the tree's issues",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func officialSample() throws {
        let root = try #require(Paths.officialSchemas)
        let schema = try XMLSchema(contentsOf: root.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"))
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("examples/vscherbo_ark-upd-xml_example-upd_5.03.xml")))
        #expect(Self.expectSame(schema, bytes, "sample.xml").isEmpty)
        let text = try #require(String(data: Data(bytes), encoding: .windowsCP1251))
        let broken = text.replacingOccurrences(of: " КНД=\"1115131\"", with: "")
            .replacingOccurrences(of: "СтТовУчНал=\"14169.00\"", with: "СтТовУчНал=\"abc\"")
        #expect(Self.expectSame(schema, Self.cp1251(broken), "broken.xml").count >= 2)
    }

    // MARK: Threads

    @Test("8 tasks × 40 validations with one shared schema give the sequential results")
    func parallel() async throws {
        let schema = try Self.schema()
        let cases = Self.variants.map(\.1) + [Self.document(), Self.outsideCP1251]
        let expected = cases.enumerated().map { schema.validate(bytes: $1, fileName: "p\($0).xml") }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<40 {
                        let index = (task * 7 + round) % cases.count
                        if schema.validate(bytes: cases[index], fileName: "p\(index).xml") != expected[index] { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(expected.contains { !$0.isEmpty })
    }
}
