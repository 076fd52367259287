import Domain

/// File names (`ИдФайл`) and GUIDs of the documents sverka writes.
///
/// `ИдФайл` = `<prefix>_<recipient id>_<sender id>_<YYYYMMDD>_<GUID>` plus, for 5.03, the six
/// traceability/marking flags `_0_0_0_0_0_00` (sverka sells goods that are neither marked nor
/// traceable). The recipient is the buyer's EDO id, or for a paper-only buyer the configured
/// prefix followed by the buyer's ИНН (`PAPER-500100732259`); the sender is the seller's EDO id.
/// The date is the formation date (`ДатаИнфПр`): the document date, or the correction date of a
/// corrected УПД. The GUID is `StableGUID` of the identity key and the correction number, so a
/// rerun writes the same name and a correction never reuses its original's.
public enum FileNaming {
    /// The GUID namespace of sverka's documents.
    public static let guidNamespace = "sverka/documents"
    /// The 5.03 flags for goods that are neither traceable nor marked.
    public static let unmarkedFlags = "0_0_0_0_0_00"

    /// The file prefix of a document kind.
    public static func prefix(_ kind: Domain.DocumentKind) -> String {
        kind == .ukd ? "ON_NKORSCHFDOPPR" : "ON_NSCHFDOPPR"
    }

    /// The GUID of a document version: stable for its identity and correction number.
    public static func guid(identityKey: String, correctionNumber: Int) -> String {
        StableGUID.make(namespace: guidNamespace, name: "\(identityKey)#\(correctionNumber)")
    }

    /// The recipient id in the file name: the buyer's EDO id, or the paper placeholder.
    public static func recipientID(buyer: Party, configuration: DocumentsConfiguration) -> String {
        buyer.edoID ?? configuration.paperRecipientPrefix + buyer.inn.value
    }

    /// `ИдФайл` of a planned document (also its file name without `.xml`).
    public static func fileID(for document: PlannedDocument, configuration: DocumentsConfiguration) -> String {
        let buyer: Party
        switch document.content {
        case .invoice(let draft): buyer = draft.buyer.party
        case .correction(let draft): buyer = draft.buyer.party
        }
        var id = [prefix(document.kind),
                  recipientID(buyer: buyer, configuration: configuration),
                  configuration.seller.edoID ?? "",
                  document.formationDate.compact,
                  guid(identityKey: document.identityKey, correctionNumber: document.correctionNumber)]
            .joined(separator: "_")
        if document.kind != .ukd { id += "_" + unmarkedFlags }
        return id
    }
}
