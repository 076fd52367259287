import Documents
import Domain
import Foundation
import Testing
import TestSupport
import XML

private typealias F = Fixture

/// With a folder of official FNS schemas configured, the renderer checks every document against
/// them too before it leaves.
@Suite("Rendering against the official schemas as well")
struct OfficialSchemaRendererTests {
    @Test("a УПД passes the official 5.03 schema too, and an official schema that rejects it holds it",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func officialSchemas() throws {
        let official = try #require(Paths.officialSchemas)
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]))
        let document = try #require(plan.documents.first)

        let renderer = try DocumentRenderer(configuration: F.configuration(), schemas: Paths.schemas, officialSchemas: official)
        #expect(renderer.officialCatalog != nil)
        guard case .emitted = renderer.render(document, number: "17") else {
            Issue.record("the УПД was held against the official schema")
            return
        }

        // A "official" folder whose 5.03 schema demands an attribute sverka never writes: held, with the file named.
        let strict = try Paths.temporaryDirectory("strict-official")
        defer { try? FileManager.default.removeItem(at: strict) }
        let schema = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
              <xs:element name="Файл"><xs:complexType><xs:sequence><xs:any processContents="skip" maxOccurs="unbounded"/></xs:sequence>
                <xs:attribute name="ОбязательныйАтрибут" type="xs:string" use="required"/>
                <xs:anyAttribute processContents="skip"/>
              </xs:complexType></xs:element>
            </xs:schema>
            """
        try Data(schema.utf8).write(to: strict.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_99.xsd"))
        let strictRenderer = try DocumentRenderer(configuration: F.configuration(), schemas: Paths.schemas, officialSchemas: strict)
        guard case .held(let hold) = strictRenderer.render(document, number: "17") else {
            Issue.record("a document the official schema rejects was emitted")
            return
        }
        #expect(hold.reasons.contains { $0.contains("ON_NSCHFDOPPR_1_997_01_05_03_99.xsd") && $0.contains("ОбязательныйАтрибут") })

        // An official schema that does not compile holds the document; it is never skipped silently.
        try Data("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element/></xs:schema>".utf8)
            .write(to: strict.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_99.xsd"))
        let broken = try DocumentRenderer(configuration: F.configuration(), schemas: Paths.schemas, officialSchemas: strict)
        guard case .held(let brokenHold) = broken.render(document, number: "17") else {
            Issue.record("a broken official schema let the document through")
            return
        }
        #expect(brokenHold.reasons.contains { $0.contains("does not compile") })
    }
}
