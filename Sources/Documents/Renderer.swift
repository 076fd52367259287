import Domain
import Foundation
import XML

/// A document ready to leave: its file name, windows-1251 XML bytes and, for a paper-only
/// buyer's УПД, the printable HTML form.
public struct RenderedDocument: Hashable, Sendable {
    public var planned: PlannedDocument
    public var number: DocumentNumber
    /// `ИдФайл`, the file name without `.xml`.
    public var fileID: String
    public var xml: [UInt8]
    /// The HTML print form (paper-only УПД and corrected УПД).
    public var printForm: String?

    /// `<ИдФайл>.xml`.
    public var fileName: String { fileID + ".xml" }
    /// `<ИдФайл>.html`.
    public var printFormName: String { fileID + ".html" }
    /// Archived and printed only; never placed in the operator's outbox.
    public var paperOnly: Bool { planned.paperOnly }
}

/// Either the document, or why it was held back.
public enum RenderOutcome: Hashable, Sendable {
    case emitted(RenderedDocument)
    case held(DocumentHold)
}

/// Renders planned documents with the numbers the ledger gives and checks them before
/// anything leaves: the model's arithmetic (`LineAmounts.isConsistent`), the beyond-XSD rules
/// (`BeyondXSDRules`) and the project's XSD. A document failing any check is held, never emitted.
/// Rendering is deterministic: the same document and number give the same bytes.
public struct DocumentRenderer: Sendable {
    public let configuration: DocumentsConfiguration
    public let catalog: SchemaCatalog
    /// The official FNS schemas, when a folder of them is configured: documents are checked
    /// against them too (a kind with no official schema there, such as the УКД, is not).
    public let officialCatalog: SchemaCatalog?

    /// - Parameters:
    ///   - schemas: the project's `schemas/` folder.
    ///   - officialSchemas: a folder of official FNS schemas (`ON_NSCHFDOPPR_1_997_01_05_03_05.xsd`, …), optional.
    public init(configuration: DocumentsConfiguration, schemas: URL, officialSchemas: URL? = nil) throws(ValidationSetupError) {
        self.configuration = configuration
        self.catalog = try SchemaCatalog(directory: schemas)
        self.officialCatalog = try officialSchemas.map { url throws(ValidationSetupError) in try SchemaCatalog(directory: url) }
    }

    /// Renders `document` as number `number` (a corrected УПД must get its original's number).
    public func render(_ document: PlannedDocument, number: DocumentNumber) -> RenderOutcome {
        func hold(_ reasons: [String]) -> RenderOutcome {
            .held(DocumentHold(kind: document.kind, identityKey: document.identityKey, orderID: document.orderID, reasons: reasons))
        }
        if let required = document.requiredNumber, required != number {
            return hold(["исправленный УПД должен иметь номер исходного \(required), получен \(number)"])
        }
        var reasons = DocumentRenderer.modelProblems(document, configuration: configuration)
        let (tree, problems) = TreeBuilder.tree(for: document, number: number, configuration: configuration)
        reasons += problems
        // TreeBuilder wrote FileNaming.fileID as Файл/@ИдФайл: not computed a second time.
        let fileID = tree[attribute: "ИдФайл"] ?? FileNaming.fileID(for: document, configuration: configuration)
        reasons += FNSRule.run(on: tree, fileName: fileID).map(\.description)
        guard reasons.isEmpty else { return hold(reasons) }
        let bytes: [UInt8]
        do throws(XMLError) {
            bytes = try tree.serialized()
        } catch {
            return hold(["XML: \(error.description)"])
        }
        let kind: FNSFormat = document.kind == .ukd ? .ukdSeller501 : .updSeller503
        do throws(ValidationSetupError) {
            let (schema, file) = try catalog.schema(for: kind)
            let issues = schema.validate(bytes: bytes, fileName: fileID + ".xml").filter { $0.severity != .warning }
            if !issues.isEmpty {
                return hold(issues.map { "[XSD \(file.lastPathComponent)] \($0.description)" })
            }
        } catch {
            return hold(["XSD: \(error.description)"])
        }
        if let officialCatalog, officialCatalog.schemaFile(for: kind) != nil {
            do throws(ValidationSetupError) {
                let (schema, file) = try officialCatalog.schema(for: kind)
                let issues = schema.validate(bytes: bytes, fileName: fileID + ".xml").filter { $0.severity != .warning }
                if !issues.isEmpty {
                    return hold(issues.map { "[XSD \(file.lastPathComponent)] \($0.description)" })
                }
            } catch {
                return hold(["official XSD: \(error.description)"])
            }
        }
        var printForm: String?
        if document.paperOnly, case .invoice(let draft) = document.content, document.kind != .advanceInvoice {
            printForm = PrintForm.html(for: draft, number: number)
        }
        return .emitted(RenderedDocument(planned: document, number: number, fileID: fileID, xml: bytes, printForm: printForm))
    }

    /// Checks of the document model itself: every line's columns agree by Domain's rounding
    /// rules, the seller has an EDO id.
    public static func modelProblems(_ document: PlannedDocument, configuration: DocumentsConfiguration) -> [String] {
        var problems: [String] = []
        if (configuration.seller.edoID ?? "").isEmpty {
            problems.append("[CONFIG] продавец без идентификатора ЭДО (seller.edo_id)")
        }
        switch document.content {
        case .invoice(let draft):
            for line in draft.lines {
                if let goods = line.goods, !goods.amounts.isConsistent {
                    problems.append("[ARITH-MODEL] строка \(line.number) «\(line.name)»: графы 3, 4, 5, 8, 9 не сходятся по правилам округления")
                }
                if let advance = line.advance, advance.vat != LineAmounts.vat(includedIn: advance.total, rate: advance.rate) {
                    problems.append("[ARITH-MODEL] строка \(line.number): НДС аванса \(advance.vat) не равен \(advance.total) × \(advance.rate)")
                }
            }
            if draft.lines.isEmpty { problems.append("[EMPTY] документ без строк") }
        case .correction(let draft):
            for line in draft.lines where !line.before.isConsistent || !line.after.isConsistent {
                problems.append("[ARITH-MODEL] строка \(line.number) «\(line.name)»: значения до или после изменения не сходятся")
            }
            if draft.lines.isEmpty { problems.append("[EMPTY] документ без строк") }
        }
        return problems
    }
}
