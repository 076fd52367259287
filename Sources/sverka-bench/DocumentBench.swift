// `sverka-bench document`: what building and checking one УПД costs against libxml2 alone.
import Documents
import Domain
import Foundation
import Generator
import Job
import XML

/// Builds and validates one УПД of `lines` lines (from a generated day) `iterations` times through
/// `DocumentRenderer.render` (tree, beyond-XSD rules, windows-1251 serialisation, XSD), then parses
/// and validates the same bytes `iterations` times with libxml2 alone: parsed into a tree
/// (`XDocument`) and the tree validated (`XMLSchema.validate(_:)`), the baseline the ratio compares
/// with; and validated while parsing, without a tree (`XMLSchema.validate(bytes:)`, what `render` uses).
func documentBenchmark(iterations: Int, lines wanted: Int, schemas: URL) throws {
    let date = CivilDate(year: 2026, month: 11, day: 27) ?? CivilDate(daysSinceEpoch: 20_784)
    // The configuration of a generated day gives the seller and signer.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-bench-document-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let settings = GeneratorSettings(firstDay: date, ordersPerDay: 1, seed: 42)
    _ = try Generator.write(settings, to: folder)
    let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path, environment: [:])
    let configuration = try loaded.documentsConfiguration()
    let renderer = try DocumentRenderer(configuration: configuration, schemas: schemas)

    // A generated order's УПД with as close to `wanted` lines as the day has.
    let orders = Generator.orders(day: date, count: 2_000, seed: 42)
    let plan = DocumentPlanner.plan(DocumentsInput(businessDay: date, orders: orders, configuration: configuration))
    func lineCount(_ document: PlannedDocument) -> Int {
        // An EDO buyer's УПД: a paper-only buyer's also gets an HTML print form, which is not XML work.
        if case .invoice(let draft) = document.content, document.kind == .upd, !document.paperOnly { return draft.lines.count }
        return -1_000
    }
    guard let document = plan.documents.filter({ lineCount($0) > 0 })
        .min(by: { (abs(lineCount($0) - wanted), $0.identityKey) < (abs(lineCount($1) - wanted), $1.identityKey) }) else {
        print("no УПД planned from the generated orders")
        return
    }
    let number = DocumentNumber("12345")
    guard case .emitted(let first) = renderer.render(document, number: number) else {
        print("the chosen УПД (\(document.identityKey)) is held: \(renderer.render(document, number: number))")
        return
    }
    let (schema, schemaFile) = try renderer.catalog.schema(for: .updSeller503)
    let bytes = first.xml
    print("sverka-bench document: УПД \(document.identityKey), \(lineCount(document)) lines, \(bytes.count) bytes, "
          + "schema \(schemaFile.lastPathComponent), \(iterations) iterations each")

    let clock = ContinuousClock()
    /// libxml2's parse into a tree, then the tree's validation: the baseline.
    func treeIssues() -> [XMLIssue] {
        do {
            return schema.validate(try XDocument(bytes: bytes, fileName: first.fileName))
        } catch {
            return error.issues
        }
    }
    // Warm the paths once more, then measure.
    _ = treeIssues()
    _ = schema.validate(bytes: bytes, fileName: first.fileName)
    var cpu = cpuSeconds()
    var started = clock.now
    var emitted = 0
    for _ in 0..<iterations {
        if case .emitted(let rendered) = renderer.render(document, number: number), rendered.xml.count == bytes.count { emitted += 1 }
    }
    let ours: Double = seconds(clock.now - started)
    let oursCPU = cpuSeconds() - cpu

    cpu = cpuSeconds()
    started = clock.now
    var valid = 0
    for _ in 0..<iterations where treeIssues().isEmpty { valid += 1 }
    let libxml: Double = seconds(clock.now - started)
    let libxmlCPU = cpuSeconds() - cpu

    cpu = cpuSeconds()
    started = clock.now
    var streamedValid = 0
    for _ in 0..<iterations where schema.validate(bytes: bytes, fileName: first.fileName).isEmpty { streamedValid += 1 }
    let streamed: Double = seconds(clock.now - started)
    let streamedCPU = cpuSeconds() - cpu

    let perOurs = ours / Double(iterations) * 1e6
    let perLibxml = libxml / Double(iterations) * 1e6
    let perStreamed = streamed / Double(iterations) * 1e6
    print(String(format: "  build + rules + serialise + validate (DocumentRenderer.render): %.1f µs/document (%.2f s wall, %.2f s CPU, %d emitted)",
                 perOurs, ours, oursCPU, emitted))
    print(String(format: "  libxml2 parse + validate alone (XDocument + XMLSchema.validate(_:)): %.1f µs/document (%.2f s wall, %.2f s CPU, %d valid)",
                 perLibxml, libxml, libxmlCPU, valid))
    print(String(format: "  libxml2 streaming validation alone (XMLSchema.validate(bytes:)): %.1f µs/document (%.2f s wall, %.2f s CPU, %d valid)",
                 perStreamed, streamed, streamedCPU, streamedValid))
    print(String(format: "  ratio: %.2f", perOurs / max(perLibxml, 0.001)))
}
