import Foundation
import Testing
import TestSupport
import XML

@Suite("XSD validation")
struct SchemaTests {
    static let xsd = """
    <?xml version="1.0" encoding="UTF-8"?>
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
      <xs:include schemaLocation="types.xsd"/>
      <xs:element name="Файл">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Строка" maxOccurs="unbounded">
              <xs:complexType>
                <xs:attribute name="Сумма" type="СуммаТип" use="required"/>
              </xs:complexType>
            </xs:element>
          </xs:sequence>
          <xs:attribute name="ИдФайл" type="xs:string" use="required"/>
        </xs:complexType>
      </xs:element>
    </xs:schema>
    """
    static let types = """
    <?xml version="1.0" encoding="UTF-8"?>
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:simpleType name="СуммаТип">
        <xs:restriction base="xs:decimal"><xs:totalDigits value="19"/><xs:fractionDigits value="2"/></xs:restriction>
      </xs:simpleType>
    </xs:schema>
    """

    /// A schema in a fresh temp dir, with an include to check relative resolution.
    static func schema() throws -> XMLSchema {
        let directory = try Paths.temporaryDirectory("xml-schema")
        try Data(xsd.utf8).write(to: directory.appendingPathComponent("main.xsd"))
        try Data(types.utf8).write(to: directory.appendingPathComponent("types.xsd"))
        return try XMLSchema(contentsOf: directory.appendingPathComponent("main.xsd"))
    }

    /// A document whose rows at `badRows` (1-based) carry an invalid amount.
    static func document(rows: Int, badRows: Set<Int>) -> [UInt8] {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<Файл ИдФайл=\"X\">"]
        for row in 1...rows {
            lines.append("  <Строка Сумма=\"\(badRows.contains(row) ? "abc" : "\(row).50")\"/>")
        }
        lines.append("</Файл>")
        return Array(lines.joined(separator: "\n").utf8)
    }

    @Test("a valid document has no issues")
    func valid() throws {
        let schema = try Self.schema()
        #expect(schema.validate(bytes: Self.document(rows: 3, badRows: []), fileName: "ok.xml").isEmpty)
    }

    @Test("issues carry file, line and element path")
    func issuesWithLinesAndPaths() throws {
        let schema = try Self.schema()
        let issues = schema.validate(bytes: Self.document(rows: 4, badRows: [2, 4]), fileName: "bad.xml")
        #expect(issues.count == 2)
        #expect(issues.map(\.line) == [4, 6]) // row n sits on line n + 2
        #expect(issues.map(\.path) == ["/Файл/Строка[2]", "/Файл/Строка[4]"])
        #expect(issues.allSatisfy { $0.file == "bad.xml" && $0.severity == .error })
        #expect(issues[0].message.contains("Сумма"))
        #expect(issues[0].message.contains("'abc'"))
        #expect(issues[0].description.hasPrefix("bad.xml:4: "))
    }

    @Test("structure errors and parse errors are reported as issues")
    func structureAndParseErrors() throws {
        let schema = try Self.schema()
        let missing = schema.validate(bytes: Array("<Файл ИдФайл=\"X\">\n</Файл>".utf8), fileName: "m.xml")
        #expect(missing.count == 1)
        #expect(missing.first?.line == 1)
        #expect(missing.first?.message.contains("Missing child element") == true)
        let broken = schema.validate(bytes: Array("<Файл>\n<Строка>".utf8), fileName: "b.xml")
        #expect(broken.first?.severity == .fatal)
        #expect(broken.first?.file == "b.xml")
    }

    @Test("schema compile errors are thrown as a list")
    func compileErrors() throws {
        let directory = try Paths.temporaryDirectory("xml-bad-schema")
        let url = directory.appendingPathComponent("bad.xsd")
        try Data("""
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
          <xs:element name="a" type="НетТакогоТипа"/>
          <xs:element name="b" type="ТожеНет"/>
        </xs:schema>
        """.utf8).write(to: url)
        let error = #expect(throws: XMLError.self) { try XMLSchema(contentsOf: url) }
        #expect(error?.kind == .schema)
        #expect((error?.issues.count ?? 0) >= 2)
        #expect(error?.issues.contains { $0.message.contains("НетТакогоТипа") } == true)
        #expect(error?.issues.contains { $0.line == 3 } == true)
        let notXML = directory.appendingPathComponent("notxml.xsd")
        try Data("<xs:schema".utf8).write(to: notXML)
        #expect(throws: XMLError.self) { try XMLSchema(contentsOf: notXML) }
        #expect(throws: XMLError.self) { try XMLSchema(contentsOf: directory.appendingPathComponent("absent.xsd")) }
    }

    @Test("one schema shared by 8 concurrent tasks × 50 validations gives each its own issues")
    func concurrentValidation() async throws {
        let schema = try Self.schema()
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for task in 0..<8 {
                group.addTask {
                    var allRight = true
                    for round in 0..<50 {
                        let rows = 3 + (task + round) % 5
                        let bad: Set<Int> = round % 3 == 0 ? [] : [1 + (task * 7 + round) % rows]
                        let issues = schema.validate(bytes: Self.document(rows: rows, badRows: bad), fileName: "t\(task)-\(round).xml")
                        let expectedLines = bad.sorted().map { $0 + 2 }
                        if issues.map(\.line) != expectedLines || !issues.allSatisfy({ $0.file == "t\(task)-\(round).xml" }) {
                            allRight = false
                        }
                    }
                    return (task, allRight)
                }
            }
            var collected: [Int: Bool] = [:]
            for await (task, ok) in group { collected[task] = ok }
            return collected
        }
        #expect(results.count == 8)
        #expect(results.values.allSatisfy { $0 })
    }

    @Test("the official samples validate against their official schemas",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func officialSamples() throws {
        let root = try #require(Paths.officialSchemas)
        let pairs = [
            ("vscherbo_ark-upd-xml_example-upd_5.03.xml", "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"),
            ("diadoc_generate_utd820_05_01_02_hyphen_title0_resp.xml", "ON_NSCHFDOPPR_1_997_01_05_01_03.xsd"),
        ]
        for (sample, xsd) in pairs {
            let schema = try XMLSchema(contentsOf: root.appendingPathComponent(xsd))
            let document = try XDocument(contentsOf: root.appendingPathComponent("examples").appendingPathComponent(sample))
            #expect(document.declaredEncoding == "windows-1251")
            #expect(schema.validate(document) == [], "\(sample)")
            let version = try document.string(xpath: "/child::Файл/@ВерсФорм")
            #expect(xsd.contains("_0" + version.replacingOccurrences(of: ".", with: "_")))
        }
    }

    @Test("a broken amount in the 5.03 sample is reported on its line",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func brokenOfficialSample() throws {
        let root = try #require(Paths.officialSchemas)
        let schema = try XMLSchema(contentsOf: root.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"))
        var bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent("examples/vscherbo_ark-upd-xml_example-upd_5.03.xml")))
        let needle = Array("СтТовУчНал=\"14169.00\"".data(using: .windowsCP1251) ?? Data())
        let replacement = Array("СтТовУчНал=\"abc\"".data(using: .windowsCP1251) ?? Data())
        let start = try #require(bytes.firstRange(of: needle))
        let line = bytes[..<start.lowerBound].filter { $0 == 0x0A }.count + 1
        bytes.replaceSubrange(start, with: replacement)
        let issues = schema.validate(bytes: bytes, fileName: "broken.xml")
        #expect(issues.count == 1)
        #expect(issues.first?.line == line)
        #expect(issues.first?.path == "/Файл/Документ/ТаблСчФакт/СведТов[2]")
        #expect(issues.first?.message.contains("СтТовУчНал") == true)
    }
}
