import Documents
import Foundation
import Testing
import TestSupport
import XML

@Suite("FNS document validation")
struct ValidatorTests {
    static let fileID503 = "ON_NSCHFDOPPR_2LT-600072763_2LT-600070554_20260817_a52bb884-0009-4984-a002-39e9cc326cd4_0_1_0_0_0_00"

    /// A small stand-in for an FNS schema: `Файл` with `ИдФайл`, `ВерсФорм` and a
    /// `Документ` carrying `КНД` and rows with a decimal `Сумма`.
    static let testXSD = """
    <?xml version="1.0" encoding="UTF-8"?>
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
      <xs:element name="Файл">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Документ">
              <xs:complexType>
                <xs:sequence>
                  <xs:element name="Строка" minOccurs="0" maxOccurs="unbounded">
                    <xs:complexType><xs:attribute name="Сумма" type="xs:decimal" use="required"/></xs:complexType>
                  </xs:element>
                </xs:sequence>
                <xs:attribute name="КНД" type="xs:string" use="required"/>
              </xs:complexType>
            </xs:element>
          </xs:sequence>
          <xs:attribute name="ИдФайл" type="xs:string" use="required"/>
          <xs:attribute name="ВерсФорм" type="xs:string" use="required"/>
        </xs:complexType>
      </xs:element>
    </xs:schema>
    """

    static func schemaFolder() throws -> URL {
        let folder = try Paths.temporaryDirectory("fns-schemas")
        try Data(testXSD.utf8).write(to: folder.appendingPathComponent("ON_NSCHFDOPPR_test_05_03.xsd"))
        return folder
    }

    static func document(id: String, version: String = "5.03", knd: String? = "1115131", amounts: [String] = ["1.00"]) throws -> [UInt8] {
        try XElement("Файл", attributes: ["ИдФайл": id, "ВерсФорм": version], children: [
            XElement("Документ", attributes: ["КНД": knd], children: amounts.map { XElement("Строка", attributes: ["Сумма": $0]) }),
        ]).serialized()
    }

    static func parse(_ xml: String) throws -> XDocument {
        try XDocument(bytes: Array(xml.utf8), fileName: "t.xml")
    }

    // MARK: Kinds

    @Test("kinds are recognised by КНД and version, or by the ИдФайл prefix")
    func recognition() throws {
        func kind(_ id: String, _ version: String, _ knd: String?) throws -> FNSFormat? {
            let knd = knd.map { " КНД=\"\($0)\"" } ?? ""
            let document = try Self.parse("<Файл ИдФайл=\"\(id)\" ВерсФорм=\"\(version)\"><Документ\(knd)/></Файл>")
            return try? FNSFormat.recognise(document).get()
        }
        #expect(try kind("ON_NSCHFDOPPR_A_B", "5.03", "1115131") == .updSeller503)
        #expect(try kind("ON_NSCHFDOPPR_A_B", "5.01", "1115131") == .updSeller501)
        #expect(try kind("ON_NSCHFDOPPOK_A_B", "5.03", "1115132") == .updBuyer503)
        #expect(try kind("ON_NSCHFDOPPOK_A_B", "5.01", "1115132") == .updBuyer501)
        #expect(try kind("ON_NKORSCHFDOPPR_A_B", "5.01", "1115127") == .ukdSeller501)
        #expect(try kind("ON_AKTSVEROTP_A_B", "5.01", "1110332") == .reconciliationAct501)
        #expect(try kind("ON_NKORSCHFDOPPR_A_B", "5.01", nil) == .ukdSeller501, "prefix decides without КНД")
        #expect(try kind("ON_NSCHFDOPPRPROS_A_B", "5.01", "0000000") == .updSeller501, "5.01 traceable-goods prefix")
        #expect(try kind("ON_NSCHFDOPPR_A_B", "5.02", "1115131") == nil, "5.02 is not supported")
        #expect(try kind("ON_SOMETHING_A", "5.03", "9999999") == nil)
    }

    @Test("an unknown document gets a clear message with its line")
    func unknownKind() throws {
        let foreign = try Self.parse("<?xml version=\"1.0\"?>\n<Invoice/>")
        let failure = try #require(FNSFormat.recognise(foreign).failureValue)
        #expect(failure.line == 2)
        #expect(failure.message.contains("root element is <Invoice>, not <Файл>"))
        let odd = try Self.parse("<Файл ИдФайл=\"XX_YY_1\" ВерсФорм=\"9.99\"><Документ КНД=\"1\"/></Файл>")
        let message = try #require(FNSFormat.recognise(odd).failureValue).message
        #expect(message.contains("unknown document kind"))
        #expect(message.contains("ВерсФорм='9.99'") && message.contains("КНД='1'") && message.contains("'XX_YY'"))
        #expect(message.contains("ON_NSCHFDOPPR 5.03"))
    }

    // MARK: Schema choice

    @Test("schema file names match by prefix and _MM_mm version")
    func schemaNames() {
        #expect(SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd", kind: .updSeller503))
        #expect(SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_sverka_05_03.xsd", kind: .updSeller503))
        #expect(SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_1_997_01_05_01_03.xsd", kind: .updSeller501))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_1_997_01_05_01_03.xsd", kind: .updSeller503))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd", kind: .updSeller501))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPOK_1_997_02_05_03_01.xsd", kind: .updSeller503))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPRMARK_05_03.xsd", kind: .updSeller503))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_x_05_031.xsd", kind: .updSeller503))
        #expect(!SchemaCatalog.matches(fileName: "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd.bak", kind: .updSeller503))
        #expect(SchemaCatalog.matches(fileName: "ON_AKTSVEROTP_1_972_01_05_01_01.xsd", kind: .reconciliationAct501))
    }

    @Test("the greatest matching name wins and a schema is compiled once")
    func schemaChoiceAndCache() throws {
        let folder = try Self.schemaFolder()
        try Data(Self.testXSD.utf8).write(to: folder.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"))
        try Data("not a schema".utf8).write(to: folder.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_01_03.xsd"))
        let catalog = try SchemaCatalog(directory: folder)
        #expect(catalog.schemaFile(for: .updSeller503)?.lastPathComponent == "ON_NSCHFDOPPR_test_05_03.xsd")
        let first = try catalog.schema(for: .updSeller503)
        let second = try catalog.schema(for: .updSeller503)
        #expect(first.schema === second.schema)
        let broken = #expect(throws: ValidationSetupError.self) { try catalog.schema(for: .updSeller501) }
        #expect(broken?.message.contains("does not compile") == true)
        let missing = #expect(throws: ValidationSetupError.self) { try catalog.schema(for: .updBuyer503) }
        #expect(missing?.message.contains("no schema for УПД, титул покупателя 5.03") == true)
        #expect(throws: ValidationSetupError.self) { try SchemaCatalog(directory: folder.appendingPathComponent("absent")) }
    }

    @Test("the default schema folder: the executable's package first, then ./schemas")
    func defaultSchemaFolder() throws {
        let package = try Paths.temporaryDirectory("fns-package")
        try Data("// swift-tools-version: 6.1".utf8).write(to: package.appendingPathComponent("Package.swift"))
        try FileManager.default.createDirectory(at: package.appendingPathComponent("schemas"), withIntermediateDirectories: true)
        let binFolder = package.appendingPathComponent(".build/x86_64-unknown-linux-gnu/debug")
        try FileManager.default.createDirectory(at: binFolder, withIntermediateDirectories: true)
        let elsewhere = try Paths.temporaryDirectory("fns-cwd")
        let found = SchemaCatalog.defaultDirectory(executable: binFolder.appendingPathComponent("sverka"), currentDirectory: elsewhere)
        #expect(found?.resolvingSymlinksInPath().path == package.appendingPathComponent("schemas").resolvingSymlinksInPath().path)
        let loose = try Paths.temporaryDirectory("fns-loose")
        #expect(SchemaCatalog.defaultDirectory(executable: loose.appendingPathComponent("sverka"), currentDirectory: elsewhere) == nil)
        try FileManager.default.createDirectory(at: elsewhere.appendingPathComponent("schemas"), withIntermediateDirectories: true)
        #expect(SchemaCatalog.defaultDirectory(executable: nil, currentDirectory: elsewhere)?.lastPathComponent == "schemas")
    }

    // MARK: Validator

    @Test("a correct document named after its ИдФайл has no issues")
    func validDocument() throws {
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Self.schemaFolder()))
        let report = try validator.validate(bytes: Self.document(id: "ON_NSCHFDOPPR_A_B"), fileName: "out/ON_NSCHFDOPPR_A_B.xml")
        #expect(report.issues == [])
        #expect(report.isValid)
        #expect(report.kind == .updSeller503)
        #expect(report.schemaName == "ON_NSCHFDOPPR_test_05_03.xsd")
    }

    @Test("file name, ИдФайл prefix, XSD and encoding issues each come with their line")
    func issues() throws {
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Self.schemaFolder()))
        let bytes = try Self.document(id: "ON_NSCHFDOPPRX_A_B", amounts: ["1.00", "abc"])
        let report = try validator.validate(bytes: bytes, fileName: "wrong-name.xml")
        #expect(!report.isValid)
        #expect(report.issues.map(\.rule) == ["file-prefix", "file-name", "xsd"])
        #expect(report.issues.map(\.line) == [2, 2, 5])
        #expect(report.issues[1].description.hasPrefix("wrong-name.xml:2: file name 'wrong-name' (without .xml) must equal Файл/@ИдФайл 'ON_NSCHFDOPPRX_A_B'"))
        #expect(report.issues[2].path == "/Файл/Документ/Строка[2]")
        #expect(report.issues[2].message.contains("'abc'"))

        let utf8 = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Файл ИдФайл=\"ON_NSCHFDOPPR_A\" ВерсФорм=\"5.03\"><Документ КНД=\"1115131\"/></Файл>".utf8)
        let encoding = try validator.validate(bytes: utf8, fileName: "ON_NSCHFDOPPR_A.xml")
        #expect(encoding.issues.map(\.rule) == ["encoding"])
        #expect(encoding.issues.first?.line == 1)
        #expect(encoding.issues.first?.message.contains("'UTF-8'") == true)
    }

    @Test("not well-formed and unknown documents are reported, not thrown")
    func brokenAndUnknown() throws {
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Self.schemaFolder()))
        let broken = try validator.validate(bytes: Array("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<a>\n</b>".utf8), fileName: "b.xml")
        #expect(broken.issues.count == 1)
        #expect(broken.issues.first?.rule == "well-formed")
        #expect(broken.issues.first?.line == 3)
        #expect(broken.issues.first?.severity == .fatal)
        let unknown = try validator.validate(bytes: Self.document(id: "ON_ODD_A", version: "5.03", knd: "42"), fileName: "ON_ODD_A.xml")
        #expect(unknown.issues.map(\.rule) == ["kind"])
        #expect(unknown.kind == nil)
        #expect(!unknown.isValid)
    }

    @Test("no schema for the kind is a setup error")
    func missingSchema() throws {
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Self.schemaFolder()))
        let error = #expect(throws: ValidationSetupError.self) {
            try validator.validate(bytes: Self.document(id: "ON_AKTSVEROTP_A", version: "5.01", knd: "1110332"), fileName: "ON_AKTSVEROTP_A.xml")
        }
        #expect(error?.message.contains("ON_AKTSVEROTP") == true)
        #expect(throws: ValidationSetupError.self) { try validator.validate(fileAt: URL(fileURLWithPath: "/nonexistent/x.xml")) }
    }

    @Test("extra rules plug in through DocumentRule")
    func customRule() throws {
        struct NoZeroAmounts: DocumentRule {
            var id: String { "no-zero" }
            func check(_ document: XDocument, context: RuleContext) -> [ValidationIssue] {
                let rows = (try? document.nodes(xpath: "/child::Файл/Документ/Строка[@Сумма = 0]")) ?? []
                return rows.map { issue("amount must not be zero", line: $0.line, path: $0.path, context: context) }
            }
        }
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Self.schemaFolder()),
                                     rules: FNSValidator.standardRules + [NoZeroAmounts()])
        let report = try validator.validate(bytes: Self.document(id: "ON_NSCHFDOPPR_Z", amounts: ["0.00", "2", "0"]), fileName: "ON_NSCHFDOPPR_Z.xml")
        #expect(report.issues.map(\.rule) == ["no-zero", "no-zero"])
        #expect(report.issues.map(\.line) == [4, 6])
    }

    @Test("the official 5.03 sample: exactly the file-name issue; renamed, none",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func officialSample() throws {
        let root = try #require(Paths.officialSchemas)
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: root))
        let sample = root.appendingPathComponent("examples/vscherbo_ark-upd-xml_example-upd_5.03.xml")
        let report = try validator.validate(fileAt: sample, displayName: "sample.xml")
        #expect(report.kind == .updSeller503)
        #expect(report.schemaName == "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd")
        #expect(report.issues.map(\.rule) == ["file-name"])
        #expect(report.issues.first?.line == 2)
        let bytes = try [UInt8](Data(contentsOf: sample))
        #expect(try validator.validate(bytes: bytes, fileName: "in/\(Self.fileID503).xml").issues == [])

        let diadoc = root.appendingPathComponent("examples/diadoc_generate_utd820_05_01_02_hyphen_title0_resp.xml")
        let old = try validator.validate(fileAt: diadoc)
        #expect(old.kind == .updSeller501)
        #expect(old.schemaName == "ON_NSCHFDOPPR_1_997_01_05_01_03.xsd")
        #expect(old.issues.map(\.rule) == ["file-name"])
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
