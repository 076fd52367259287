import Documents
import Domain
import Foundation
import Generator
import Testing
import TestSupport
import XML

/// The renderer writes windows-1251 natively from the document tree. These tests pin that path to
/// libxml2's serialiser (the previous one, kept as the reference): every golden document and every
/// document of a generated day must come out byte for byte the same both ways.
@Suite("Native serialiser = libxml2 on sverka's documents")
struct SerializerEquivalenceTests {
    typealias F = Fixture

    @Test("golden documents: parsed back to a tree, written natively and by libxml2, equal to the file",
          arguments: ["upd.xml", "upd-correction.xml", "ukd.xml", "advance-invoice.xml"])
    func goldenDocuments(name: String) throws {
        let url = Golden.folder.appendingPathComponent(name)
        let golden = try #require(FileManager.default.contents(atPath: url.path).map { [UInt8]($0) })
        let root = try #require(try XDocument(bytes: golden, fileName: name).root)
        let tree = DocumentTree(root)
        let native = try tree.serialized()
        #expect(native == golden, "the native bytes of \(name) differ from the golden file")
        #expect(try tree.element.serializedWithLibXML2() == golden, "libxml2's bytes of \(name) differ from the golden file")
    }

    @Test("a generated day: each document's native bytes equal libxml2's, and the renderer emits exactly them")
    func generatedDay() throws {
        let day = F.day("2026-11-27")
        let configuration = F.configuration()
        let orders = Generator.orders(day: day, count: 120, seed: 2_026)
        let plan = DocumentPlanner.plan(DocumentsInput(businessDay: day, orders: orders, configuration: configuration))
        #expect(plan.documents.count >= 20, "the generated day plans documents (\(plan.documents.count))")
        let renderer = try Render.renderer(configuration)
        var emitted = 0
        for (index, document) in plan.documents.enumerated() {
            let number = document.requiredNumber ?? DocumentNumber("ГЕН-\(index + 1)")
            let (tree, _) = TreeBuilder.tree(for: document, number: number, configuration: configuration)
            let native = try tree.serialized()
            #expect(native == (try tree.element.serializedWithLibXML2()), "\(document.identityKey)")
            if case .emitted(let rendered) = renderer.render(document, number: number) {
                #expect(rendered.xml == native, "\(document.identityKey): the renderer's bytes")
                emitted += 1
            }
        }
        #expect(emitted >= 20, "documents emitted: \(emitted)")
    }
}
