import Documents
import Domain
import Foundation
import Testing
import TestSupport
import XML

/// Rendering helpers shared by the tests.
enum Render {
    static func renderer(_ configuration: DocumentsConfiguration = Fixture.configuration()) throws -> DocumentRenderer {
        try DocumentRenderer(configuration: configuration, schemas: Paths.schemas)
    }

    /// Plans `input` and renders every document, numbering new ones `prefix-1`, `prefix-2`, …
    static func day(_ input: DocumentsInput, numbers: [String] = []) throws -> (emitted: [RenderedDocument], held: [DocumentHold]) {
        let plan = DocumentPlanner.plan(input)
        let renderer = try renderer(input.configuration)
        var emitted: [RenderedDocument] = []
        var held = plan.holds
        var next = 0
        for document in plan.documents {
            let number: DocumentNumber
            if let required = document.requiredNumber {
                number = required
            } else {
                number = DocumentNumber(next < numbers.count ? numbers[next] : "N-\(next + 1)")
                next += 1
            }
            switch renderer.render(document, number: number) {
            case .emitted(let rendered): emitted.append(rendered)
            case .held(let hold): held.append(hold)
            }
        }
        return (emitted, held)
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(data: Data(bytes), encoding: .windowsCP1251) ?? ""
    }

    /// The official 5.03 schema, when ../shared is present.
    static let officialUPD: XMLSchema? = {
        guard let folder = Paths.officialSchemas else { return nil }
        return try? XMLSchema(contentsOf: folder.appendingPathComponent("ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"))
    }()

    /// Validates with the project's schema and, for УПД, the official one when present.
    static func expectSchemaValid(_ document: RenderedDocument, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let name = document.planned.kind == .ukd ? "ON_NKORSCHFDOPPR_sverka_05_01.xsd" : "ON_NSCHFDOPPR_sverka_05_03.xsd"
        let project = try XMLSchema(contentsOf: Paths.schemas.appendingPathComponent(name))
        let issues = project.validate(bytes: document.xml, fileName: document.fileName)
        #expect(issues.isEmpty, "project schema: \(issues)", sourceLocation: sourceLocation)
        if document.planned.kind != .ukd, let official = officialUPD {
            let officialIssues = official.validate(bytes: document.xml, fileName: document.fileName)
            #expect(officialIssues.isEmpty, "official 5.03 schema: \(officialIssues)", sourceLocation: sourceLocation)
        }
    }
}

/// Golden files: compared byte for byte; on mismatch the actual output is written next to the
/// golden as `<name>.actual`. `SVERKA_RECORD=1` re-records.
enum Golden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden", isDirectory: true)

    static func check(_ bytes: [UInt8], named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        let actualURL = folder.appendingPathComponent(name + ".actual")
        if ProcessInfo.processInfo.environment["SVERKA_RECORD"] == "1" {
            try Data(bytes).write(to: url)
            try? FileManager.default.removeItem(at: actualURL)
            return
        }
        guard let expected = FileManager.default.contents(atPath: url.path) else {
            try Data(bytes).write(to: actualURL)
            Issue.record("golden file \(name) is missing; the output is in \(actualURL.path). Run with SVERKA_RECORD=1 to record it.",
                         sourceLocation: sourceLocation)
            return
        }
        if [UInt8](expected) == bytes {
            try? FileManager.default.removeItem(at: actualURL)
        } else {
            try Data(bytes).write(to: actualURL)
            Issue.record("\(name) differs from its golden file; see \(actualURL.path) (diff it; re-record with SVERKA_RECORD=1 if the change is intended)",
                         sourceLocation: sourceLocation)
        }
    }
}
