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
    ///
    /// `StableGUID.make(namespace: guidNamespace, name: "<identity key>#<correction number>")`,
    /// spelled here without the intermediate strings (a name is made for every document rendered).
    public static func guid(identityKey: String, correctionNumber: Int) -> String {
        var input: [UInt8] = []
        input.reserveCapacity(guidNamespace.utf8.count + identityKey.utf8.count + 22)
        input.append(contentsOf: guidNamespace.utf8)
        input.append(0)
        input.append(contentsOf: identityKey.utf8)
        input.append(0x23)  // #
        input.append(contentsOf: String(correctionNumber).utf8)
        let digest = SHA256.hash(input)
        // `XXXXXXXX-XXXX-8XXX-YXXX-XXXXXXXXXXXX` of the digest's first 16 bytes, upper-case.
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789ABCDEF"
            let table = digits.utf8Start
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = 0x2D  // -
                    position += 1
                }
                var byte = digest[index]
                if index == 6 { byte = (byte & 0x0F) | 0x80 }
                if index == 8 { byte = (byte & 0x3F) | 0x80 }
                text[position] = table[Int(byte >> 4)]
                text[position + 1] = table[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
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
        let parts = (prefix(document.kind), recipientID(buyer: buyer, configuration: configuration),
                     configuration.seller.edoID ?? "", document.formationDate.compact,
                     guid(identityKey: document.identityKey, correctionNumber: document.correctionNumber))
        var id = ""
        id.reserveCapacity(parts.0.utf8.count + parts.1.utf8.count + parts.2.utf8.count + parts.3.utf8.count
                           + parts.4.utf8.count + unmarkedFlags.utf8.count + 5)
        id += parts.0
        id += "_"
        id += parts.1
        id += "_"
        id += parts.2
        id += "_"
        id += parts.3
        id += "_"
        id += parts.4
        if document.kind != .ukd {
            id += "_"
            id += unmarkedFlags
        }
        return id
    }
}
