import Foundation
import Testing
import TestSupport
import XML

@Suite("Parsing untrusted XML")
struct ParsingTests {
    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("billion laughs is rejected, never expanded")
    func billionLaughs() throws {
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <lolz>&lol3;</lolz>
        """
        let error = #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8(xml), fileName: "lol.xml") }
        #expect(error?.kind == .rejected)
        #expect(error?.message.contains("DTD with entity declarations is not accepted") == true)
        #expect(error?.line == 3)
        #expect(error?.issues.first?.file == "lol.xml")
    }

    @Test("XXE with a SYSTEM entity is rejected and the file is not read")
    func externalEntity() throws {
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE r [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
        <r>&xxe;</r>
        """
        let error = #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8(xml), fileName: "xxe.xml") }
        #expect(error?.kind == .rejected)
        #expect(error?.message.contains("DTD with entity declarations is not accepted") == true)
        #expect(error?.description.contains("root:") == false)
    }

    @Test("parameter entities and external DTDs are rejected too")
    func parameterEntityAndExternalDTD() throws {
        let parameter = """
        <?xml version="1.0"?>
        <!DOCTYPE r [ <!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p; ]>
        <r/>
        """
        let first = #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8(parameter), fileName: "pe.xml") }
        #expect(first?.kind == .rejected)
        let external = """
        <?xml version="1.0"?>
        <!DOCTYPE r SYSTEM "file:///etc/passwd">
        <r/>
        """
        let second = #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8(external), fileName: "dtd.xml") }
        #expect(second?.kind == .rejected)
        #expect(second?.message.contains("external DTD") == true)
        // A DOCTYPE without declarations or external identifiers is harmless and accepted.
        let plain = try XDocument(bytes: Self.utf8("<!DOCTYPE r>\n<r a=\"1\"/>"), fileName: "plain.xml")
        #expect(plain.root?.attribute("a") == "1")
    }

    @Test("not well-formed input reports file, line and column")
    func notWellFormed() throws {
        let xml = "<?xml version=\"1.0\"?>\n<a>\n  <b>\n  </c>\n</a>\n"
        let error = #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8(xml), fileName: "broken.xml") }
        #expect(error?.kind == .notWellFormed)
        #expect(error?.line == 4)
        #expect((error?.column ?? 0) > 0)
        #expect(error?.message.contains("mismatch") == true)
        #expect(error?.issues.first?.description.hasPrefix("broken.xml:4: ") == true)
        let empty = #expect(throws: XMLError.self) { try XDocument(bytes: [], fileName: "empty.xml") }
        #expect(empty?.kind == .notWellFormed)
        // An undeclared entity is an error, not a silent empty string.
        #expect(throws: XMLError.self) { try XDocument(bytes: Self.utf8("<r>&nope;</r>"), fileName: "e.xml") }
    }

    @Test("the byte-size limit is checked before parsing")
    func sizeLimit() throws {
        let xml = Self.utf8("<r>" + String(repeating: "x", count: 1000) + "</r>")
        let error = #expect(throws: XMLError.self) { try XDocument(bytes: xml, fileName: "big.xml", maxBytes: 1006) }
        #expect(error?.kind == .rejected)
        #expect(error?.message.contains("limit of 1006 bytes") == true)
        #expect(try XDocument(bytes: xml, fileName: "big.xml", maxBytes: 1007).root?.name == "r")
        let directory = try Paths.temporaryDirectory("xml-size")
        let file = directory.appendingPathComponent("big.xml")
        try Data(xml).write(to: file)
        let fromFile = #expect(throws: XMLError.self) { try XDocument(contentsOf: file, maxBytes: 10) }
        #expect(fromFile?.kind == .rejected)
    }

    @Test("declared encoding is reported as written")
    func declaredEncoding() throws {
        #expect(try XDocument(bytes: Self.utf8("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r/>"), fileName: "u.xml").declaredEncoding == "UTF-8")
        #expect(try XDocument(bytes: Self.utf8("<r/>"), fileName: "n.xml").declaredEncoding == nil)
        var bytes = Self.utf8("<?xml version=\"1.0\" encoding=\"windows-1251\"?><r a=\"")
        bytes += [0xC0, 0xE1] // "Аб" in windows-1251
        bytes += Self.utf8("\"/>")
        let document = try XDocument(bytes: bytes, fileName: "w.xml")
        #expect(document.declaredEncoding == "windows-1251")
        #expect(document.root?.attribute("a") == "Аб")
    }

    @Test("XPath with a default namespace (camt.053 style), attributes, text, children and lines")
    func xpathWithNamespaces() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
          <BkToCstmrStmt>
            <Stmt>
              <Ntry><Amt Ccy="RUB">100.50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>
              <Ntry><Amt Ccy="EUR">7</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """
        let ns = ["c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"]
        let document = try XDocument(bytes: Self.utf8(xml), fileName: "camt.xml")
        let entries = try document.nodes(xpath: "//c:Stmt/c:Ntry", namespaces: ns)
        #expect(entries.count == 2)
        #expect(entries.map(\.line) == [5, 6])
        let amount = try #require(entries[0].child(named: "Amt"))
        #expect(amount.attribute("Ccy") == "RUB")
        #expect(amount.text == "100.50")
        #expect(amount.namespaceURI == ns["c"])
        #expect(amount.prefix == nil)
        #expect(entries[1].children.map(\.name) == ["Amt", "CdtDbtInd"])
        #expect(try entries[1].string(xpath: "c:CdtDbtInd", namespaces: ns) == "DBIT")
        #expect(try document.string(xpath: "count(//c:Ntry)", namespaces: ns) == "2")
        #expect(entries[1].path == "/Document/BkToCstmrStmt/Stmt/Ntry[2]")
        #expect(try document.nodes(xpath: "//Ntry").isEmpty, "unprefixed names are in no namespace")
        let attributes = try document.nodes(xpath: "//c:Amt/@Ccy", namespaces: ns)
        #expect(attributes.map(\.text) == ["RUB", "EUR"])
        #expect(attributes.first?.kind == .attribute)
        #expect(attributes.first?.line == 5)
        let bad = #expect(throws: XMLError.self) { try document.nodes(xpath: "//c:Ntry[", namespaces: ns) }
        #expect(bad?.kind == .xpath)
        #expect(throws: XMLError.self) { try document.nodes(xpath: "//x:Ntry") }
    }

    @Test("XPath over Cyrillic names with /child::Файл")
    func cyrillicXPath() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Файл ИдФайл="ON_X">
          <Документ КНД="1115131">
            <ТаблСчФакт>
              <СведТов НомСтр="1"/>
              <СведТов НомСтр="2"/>
            </ТаблСчФакт>
          </Документ>
        </Файл>
        """
        let document = try XDocument(bytes: Self.utf8(xml), fileName: "f.xml")
        let rows = try document.nodes(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов")
        #expect(rows.map { $0.attribute("НомСтр") } == ["1", "2"])
        #expect(rows[1].path == "/Файл/Документ/ТаблСчФакт/СведТов[2]")
        #expect(rows[1].line == 6)
        #expect(try document.string(xpath: "/child::Файл/Документ/@КНД") == "1115131")
        #expect(rows[0].parent?.name == "ТаблСчФакт")
        #expect(document.root?.child(named: "Документ")?.children(named: "ТаблСчФакт").count == 1)
    }
}
