import Domain
import XML

/// One entry (`Ntry`) of a camt.053 statement, as written (before deciding whether it is a payment).
public struct CamtEntry: Hashable, Sendable {
    /// The statement's `Id` and account (`Acct/Id/IBAN` or `Acct/Id/Othr/Id`).
    public var statementID: String
    /// The account the statement is of.
    public var account: String
    /// 0-based position in its statement, and the XML line of `<Ntry>`.
    public var index: Int
    /// 1-based line in the source.
    public var line: Int
    /// `Amt` as written (`8.850` keeps its digits) and its `Ccy`.
    public var amountText: String
    /// The currency code (`Ccy`).
    public var currency: String
    /// `CRDT` (money in) or `DBIT`.
    public var creditDebit: String
    /// `BOOK`, `PDNG`, `INFO` (`Sts`, or `Sts/Cd` from camt.053.001.08 on).
    public var status: String
    /// `BookgDt/Dt`, or the Moscow date of `BookgDt/DtTm`.
    public var bookingDate: CivilDate?
    /// `Ntry/AcctSvcrRef` (or the first transaction's `Refs/AcctSvcrRef`).
    public var accountServicerReference: String?
    /// The entry's transactions (`NtryDtls/TxDtls`).
    public var transactions: [CamtTransaction]
    /// The entry's XML as written (`<Ntry>` … `</Ntry>`), when it could be cut out by lines.
    public var xml: String?

    /// The amount in kopecks / cents, signed (negative for `DBIT`), when it has at most two decimals.
    public var minorUnits: Int64? {
        guard let decimal = ExactDecimal(amountText), let cents = decimal.rescaled(to: 2) else { return nil }
        return creditDebit == "DBIT" ? -cents.units : cents.units
    }
}

/// One transaction (`NtryDtls/TxDtls`) of an entry.
public struct CamtTransaction: Hashable, Sendable {
    /// `Refs/EndToEndId` (the payment order's number at Russian banks) and `Refs/AcctSvcrRef`.
    public var endToEndID: String?
    /// The bank's own reference of the entry or transaction.
    public var accountServicerReference: String?
    /// `TxDtls/Amt` (or `AmtDtls/TxAmt/Amt`) when given, and its currency.
    public var amountText: String?
    /// The currency of `amountText`.
    public var currency: String?
    /// `RltdPties/Dbtr` name and the ИНН from `Id/OrgId/Othr/Id` (or `PrvtId/Othr/Id`) whose `SchmeNm/Cd` is `TXID`.
    public var debtorName: String?
    /// The payer's ИНН (scheme `TXID`).
    public var debtorINN: String?
    /// `RmtInf/Ustrd` joined, or the structured reference (`Strd/CdtrRefInf/Ref`) when there is no `Ustrd`.
    public var purpose: String
}

/// A camt.053 statement (`Stmt`).
public struct CamtStatement: Hashable, Sendable {
    /// The statement's `Id`.
    public var id: String
    /// The account the statement is of.
    public var account: String
    /// The entries (`Ntry`) in document order.
    public var entries: [CamtEntry]
}

/// The reader of ISO 20022 camt.053 bank statements (001.02 … 001.08), through the XML module:
/// no network, no entity expansion, no DTD. Bytes in (in memory, or spooled to a file as they
/// arrived), values out.
///
/// A statement is read a piece at a time and its entries one at a time as they close (a pruned
/// parse, `XDocument.parse(fileName:maxDepth:maxBytes:read:closed:)`): neither the bytes nor the
/// document's tree are ever whole in memory, only the statements' `Id` and `Acct` and the entry at
/// hand. Each entry's XML as written is cut from its lines by a second reader following the first.
public enum Camt053 {
    static let source = SourceName.camt053

    /// The largest statement read, in bytes: far above a bank's day (a day of 300 000 orders
    /// gives a 20 MB statement); memory does not grow with it, the limit only stops a runaway body.
    public static let maxBytes = 1 << 30

    /// Parses every statement of a `BkToCstmrStmt` message.
    ///
    /// - Throws: `SourceError` when the bytes are not well-formed XML, carry a DTD with
    ///   entities (XXE, billion laughs: rejected, nothing read), or are not a camt.053 message.
    public static func parse(_ bytes: [UInt8], fileName: String = "camt.053") throws(SourceError) -> [CamtStatement] {
        var input = InMemoryStatement(bytes)
        var statements: [CamtStatement] = []
        var entries: [CamtEntry] = []
        try walk(&input, fileName: fileName) { event in
            switch event {
            case .entry(let entry):
                entries.append(entry)
            case .statement(let id, let account):
                statements.append(CamtStatement(id: id, account: account, entries: entries))
                entries = []
            }
        }
        return statements
    }

    /// Reads a statement and takes out the incoming payments: booked (`BOOK`) credit (`CRDT`)
    /// entries in roubles. Debits are counted and ignored, pending or informational entries are
    /// ignored with a note, and a booked credit in another currency is quarantined.
    ///
    /// Payment id: `bank:<account>:<AcctSvcrRef>`, or `bank:<account>:<EndToEndId>:<date>:<amount>`
    /// when the bank gives no reference of its own.
    ///
    /// - Parameters:
    ///   - ourAccounts: our accounts; a statement of another account fails the source.
    ///     Empty = trust the statement's own account.
    ///   - keeper: where each payment goes, with its record (its entry's XML), as it is read (see
    ///     ``PaymentKeeper``; `kept` then says where each went); `nil`: in `payments`.
    public static func read(_ bytes: [UInt8], ourAccounts: Set<String> = [], fileName: String = "camt.053",
                            keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        var input = InMemoryStatement(bytes)
        return try read(&input, ourAccounts: ourAccounts, fileName: fileName, keeper: keeper)
    }

    /// Reads a statement spooled to its temporary file as it arrived (see `StatementSpool`): the
    /// same reading as `read(bytes, …)` gives for the spooled bytes.
    public static func read(_ spool: StatementSpool, ourAccounts: Set<String> = [], fileName: String = "camt.053",
                            keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        try read(spool, ourAccounts: ourAccounts, fileName: fileName, keeper: keeper, limit: maxBytes)
    }

    /// `read(spool, …)`, refusing a statement of more than `limit` bytes.
    static func read(_ spool: StatementSpool, ourAccounts: Set<String> = [], fileName: String = "camt.053",
                     keeper: (any PaymentKeeper)? = nil, limit: Int) throws(SourceError) -> BankStatementReading {
        defer { withExtendedLifetime(spool) {} }
        guard spool.byteCount <= limit else {
            throw SourceError(source: source, reason: "rejected for safety: the statement is \(spool.byteCount) bytes, more than the limit of \(limit) bytes")
        }
        var input = spool.bytes
        return try read(&input, ourAccounts: ourAccounts, fileName: fileName, keeper: keeper)
    }

    static func read<Source: StatementBytes>(_ input: inout Source, ourAccounts: Set<String>, fileName: String,
                                             keeper: (any PaymentKeeper)?) throws(SourceError) -> BankStatementReading {
        var reading = BankStatementReading()
        var seen: Set<PaymentID> = []
        // Why the reading fails, decided once the whole statement is known to be well-formed.
        var notOurs: SourceError?
        var aside = PaymentsAside(keeper, source: source)
        func isOurs(_ statementID: String, _ account: String) -> Bool {
            guard !ourAccounts.isEmpty, !ourAccounts.contains(account) else { return true }
            if notOurs == nil {
                notOurs = SourceError(source: source,
                                      reason: "statement \(statementID) is for account \(account), which is not one of ours (\(ourAccounts.sorted().joined(separator: ", ")))")
            }
            return false
        }
        try walk(&input, fileName: fileName) { event in
            let entry: CamtEntry
            switch event {
            case .statement(let id, let account):
                _ = isOurs(id, account) // (another account's statement fails the reading, entries or none)
                return
            case .entry(let read):
                entry = read
            }
            guard isOurs(entry.statementID, entry.account) else { return }
            reading.documentCount += 1
            let record = "line \(entry.line), entry \(entry.accountServicerReference ?? "#\(entry.index + 1)") of statement \(entry.statementID)"
            guard entry.status == "BOOK" else {
                reading.otherCount += 1
                reading.diagnostics.append(Diagnostic(severity: .info, kind: "not-booked", source: source, record: record,
                                                      field: "Sts", message: "status \(entry.status.isEmpty ? "missing" : entry.status), not BOOK; not final, ignored"))
                return
            }
            switch entry.creditDebit {
            case "DBIT":
                reading.outgoingCount += 1
                return
            case "CRDT":
                break
            default:
                reading.otherCount += 1
                reading.quarantined.append(quarantine(
                    [ContractProblem(field: "CdtDbtInd", reason: "'\(entry.creditDebit)' is neither CRDT nor DBIT")],
                    source: source, record: record, key: key(entry), raw: rawText(entry)))
                return
            }
            reading.incomingCount += 1
            for payment in payments(of: entry, record: record, reading: &reading) where seen.insert(payment.id).inserted {
                aside.add(payment, from: record, to: &reading)
            }
        }
        if let failure = notOurs ?? aside.failure { throw failure }
        return reading
    }

    /// What the walk through a statement meets, in document order.
    enum Event {
        /// An entry of the statement at hand (its statement's `Id` and account on it).
        case entry(CamtEntry)
        /// A statement ended (after its entries).
        case statement(id: String, account: String)
    }

    /// Reads the message a piece at a time and hands over each entry as it closes, then each
    /// statement as it ends; only the first `BkToCstmrStmt` is read (as a whole-tree reading of
    /// `child(named:)` would).
    ///
    /// - Throws: `SourceError` when the bytes are not well-formed XML, are rejected for safety, are
    ///   not a camt.053 message, or a statement names no account before its entries (the entries of
    ///   a statement are read as they close, with its account). What was handed over is then void.
    static func walk<Source: StatementBytes>(_ input: inout Source, fileName: String,
                                             _ visit: (Event) -> Void) throws(SourceError) {
        try input.rewind()
        var lines = EntryLines(input)
        var noAccount: SourceError?
        var entryIndex = 0
        /// Whether an entry of the statement at hand came before its account.
        var accountLate = false
        var messageSeen = false
        func header(_ stmt: XNode) -> (id: String, account: String) {
            (text(stmt, "Id") ?? "", text(stmt, "Acct", "Id", "IBAN") ?? text(stmt, "Acct", "Id", "Othr", "Id") ?? "")
        }
        /// Whether `node` is the message read: the first `BkToCstmrStmt` of a camt.053 `Document`.
        func isTheMessage(_ node: XNode?) -> Bool {
            guard let node, let root = node.document.root, isCamt(root) else { return false }
            return root.child(named: "BkToCstmrStmt") == node
        }
        let outcome = Result { () throws(XPrunedParseError<SourceError>) in
            try XDocument.parse(fileName: fileName, maxDepth: 3, maxBytes: maxBytes, read: { (buffer) throws(SourceError) in
                try input.read(into: buffer)
            }) { (element, depth, line) throws(SourceError) -> XPruning in
                switch depth {
                case 1:
                    guard element.name == "BkToCstmrStmt", !messageSeen else { return .drop }
                    messageSeen = true
                    return .keep
                case 2:
                    guard element.name == "Stmt", isTheMessage(element.parent) else { return .drop }
                    let (id, account) = header(element)
                    if account.isEmpty || accountLate {
                        if noAccount == nil {
                            noAccount = SourceError(
                                source: source, line: line,
                                reason: account.isEmpty ? "statement \(id) names no account (Acct/Id)"
                                    : "statement \(id) names its account (Acct/Id) only after entries; camt.053 puts it before them")
                        }
                    } else {
                        visit(.statement(id: id, account: account))
                    }
                    entryIndex = 0
                    accountLate = false
                    return .drop
                default:
                    guard let stmt = element.parent, stmt.name == "Stmt", isTheMessage(stmt.parent) else { return .drop }
                    switch element.name {
                    case "Ntry":
                        defer { entryIndex += 1 }
                        let (id, account) = header(stmt)
                        guard !account.isEmpty else {
                            // The statement fails when it ends (with or without an account by then).
                            accountLate = true
                            return .drop
                        }
                        visit(.entry(try entry(element, index: entryIndex, line: line, statementID: id, account: account, lines: &lines)))
                        return .drop
                    case "Id", "Acct":
                        // The first is what the statement is read by.
                        return stmt.children(named: element.name).count == 1 ? .keep : .drop
                    default:
                        return .drop
                    }
                }
            }
        }
        let document: XDocument
        switch outcome {
        case .success(let parsed):
            document = parsed
        case .failure(.caller(let error)):
            throw error
        case .failure(.xml(let error)):
            let why = error.kind == .rejected ? "rejected for safety" : "not well-formed XML"
            throw SourceError(source: source, line: error.line > 0 ? error.line : nil, reason: "\(why): \(error.message)")
        }
        guard let root = document.root, isCamt(root) else {
            let found = document.root.map { "<\($0.name)> in namespace \($0.namespaceURI ?? "none")" } ?? "no root element"
            throw SourceError(source: source, reason: "not a camt.053 statement (\(found))")
        }
        guard root.child(named: "BkToCstmrStmt") != nil else {
            throw SourceError(source: source, line: root.line, reason: "no BkToCstmrStmt in the document")
        }
        if let noAccount { throw noAccount }
    }

    /// Whether `root` is a camt.053 `Document`.
    private static func isCamt(_ root: XNode) -> Bool {
        root.name == "Document" && root.namespaceURI?.hasPrefix("urn:iso:std:iso:20022:tech:xsd:camt.053.") == true
    }

    /// The entry `ntry` (its start tag at `line`), its XML as written cut from `lines`.
    private static func entry<Source: StatementBytes>(_ ntry: XNode, index: Int, line: Int, statementID: String, account: String,
                                                      lines: inout EntryLines<Source>) throws(SourceError) -> CamtEntry {
        let amount = ntry.child(named: "Amt")
        let status = text(ntry, "Sts", "Cd") ?? text(ntry, "Sts") ?? ""
        var booking: CivilDate?
        if let date = text(ntry, "BookgDt", "Dt") {
            booking = CivilDate(iso: date)
        } else if let stamp = text(ntry, "BookgDt", "DtTm") {
            booking = dateOfDateTime(stamp)
        }
        var transactions: [CamtTransaction] = []
        for details in ntry.children(named: "NtryDtls") {
            for tx in details.children(named: "TxDtls") {
                transactions.append(transaction(tx))
            }
        }
        var xml: String?
        // The lines are the bytes' own only when they are UTF-8.
        if ntry.document.declaredEncoding.map({ $0.lowercased() == "utf-8" }) ?? true {
            let prefix = ntry.document.root?.prefix
            xml = try lines.text(from: line, opening: prefix.map { "<\($0):Ntry>" } ?? "<Ntry>",
                                 closing: prefix.map { "</\($0):Ntry>" } ?? "</Ntry>")
        }
        return CamtEntry(
            statementID: statementID, account: account, index: index, line: line,
            amountText: amount?.text.trimmingSpaces ?? "", currency: amount?.attribute("Ccy") ?? "",
            creditDebit: text(ntry, "CdtDbtInd") ?? "", status: status, bookingDate: booking,
            accountServicerReference: text(ntry, "AcctSvcrRef") ?? transactions.first?.accountServicerReference,
            transactions: transactions, xml: xml)
    }

    static func payments(of entry: CamtEntry, record: String, reading: inout BankStatementReading) -> [Payment] {
        var problems: [ContractProblem] = []
        if entry.currency != "RUB" {
            problems.append(ContractProblem(field: "Amt/@Ccy",
                                            reason: "only roubles are accepted, the entry is \(entry.amountText) \(entry.currency.isEmpty ? "(no currency)" : entry.currency)"))
        }
        let amount = entry.minorUnits.map { Money(kopecks: $0) }
        if amount == nil || amount.map({ $0 <= .zero }) == true {
            problems.append(ContractProblem(field: "Amt", reason: "'\(entry.amountText)' is not a positive amount with at most two decimals"))
        }
        if entry.bookingDate == nil {
            problems.append(ContractProblem(field: "BookgDt", reason: "no readable booking date"))
        }
        guard problems.isEmpty, let amount, let booked = entry.bookingDate else {
            reading.quarantined.append(quarantine(problems, source: source, record: record, key: key(entry), raw: rawText(entry)))
            return []
        }
        // A batch entry carries one transaction per payment, each with its own amount.
        let batch = entry.transactions.count > 1 && entry.transactions.allSatisfy { $0.amountText != nil }
        let parts: [(CamtTransaction?, Money)]
        if batch {
            var list: [(CamtTransaction?, Money)] = []
            for tx in entry.transactions {
                guard let text = tx.amountText, let value = ExactDecimal(text)?.rescaled(to: 2), value.isPositive,
                      (tx.currency ?? "RUB") == "RUB" else {
                    reading.quarantined.append(quarantine(
                        [ContractProblem(field: "NtryDtls/TxDtls/Amt", reason: "a transaction of the batch has no rouble amount")],
                        source: source, record: record, key: key(entry), raw: rawText(entry)))
                    return []
                }
                list.append((tx, Money(kopecks: value.units)))
            }
            parts = list
        } else {
            parts = [(entry.transactions.first, amount)]
        }
        return parts.enumerated().map { offset, part in
            let (tx, value) = part
            let reference: String
            if batch {
                let base = entry.accountServicerReference ?? "\(booked.iso):\(amount)"
                reference = "\(base)/\(tx?.accountServicerReference ?? tx?.endToEndID ?? String(offset + 1))"
            } else if let ref = entry.accountServicerReference {
                reference = ref
            } else if let e2e = tx?.endToEndID {
                reference = "\(e2e):\(booked.iso):\(value)"
            } else {
                reference = "\(booked.iso):\(value):\(fingerprint((tx?.debtorINN ?? "") + "|" + (tx?.debtorName ?? "") + "|" + (tx?.purpose ?? "")))"
            }
            return Payment(id: PaymentID(compacting: "bank:\(entry.account):\(reference)"), source: .camt053, receivedOn: booked, amount: value,
                           payerINN: tx?.debtorINN, payerName: tx?.debtorName, purpose: tx?.purpose ?? "",
                           documentNumber: tx?.endToEndID, documentDate: nil,
                           raw: batch ? rawText(entry, transaction: tx) : entry.xml ?? rawText(entry))
        }
    }

    private static func transaction(_ tx: XNode) -> CamtTransaction {
        let refs = tx.child(named: "Refs")
        let amount = tx.child(named: "Amt") ?? tx.child(named: "AmtDtls")?.child(named: "TxAmt")?.child(named: "Amt")
        var debtorName: String?
        var debtorINN: String?
        if let debtor = tx.child(named: "RltdPties")?.child(named: "Dbtr") {
            let party = debtor.child(named: "Pty") ?? debtor
            debtorName = text(party, "Nm")
            if let id = party.child(named: "Id") {
                let others = (id.child(named: "OrgId")?.children(named: "Othr") ?? []) + (id.child(named: "PrvtId")?.children(named: "Othr") ?? [])
                debtorINN = others.first { text($0, "SchmeNm", "Cd") == "TXID" }.flatMap { text($0, "Id") }
            }
        }
        var purpose = ""
        if let remittance = tx.child(named: "RmtInf") {
            let pieces = remittance.children(named: "Ustrd").map(\.text)
            if pieces.isEmpty {
                purpose = remittance.children(named: "Strd").compactMap { text($0, "CdtrRefInf", "Ref") }.joined(separator: " ")
            } else {
                purpose = joinUnstructured(pieces)
            }
        }
        return CamtTransaction(endToEndID: refs.flatMap { text($0, "EndToEndId") }.flatMap { $0 == "NOTPROVIDED" ? nil : $0 },
                               accountServicerReference: refs.flatMap { text($0, "AcctSvcrRef") },
                               amountText: amount.map { $0.text.trimmingSpaces }, currency: amount?.attribute("Ccy"),
                               debtorName: debtorName, debtorINN: debtorINN, purpose: purpose)
    }

    /// Joins `Ustrd` pieces: a piece of the maximum 140 characters was cut mid-text and is joined
    /// directly; otherwise pieces are joined with a space.
    static func joinUnstructured(_ pieces: [String]) -> String {
        var result = ""
        for piece in pieces {
            if result.isEmpty || result.count % 140 == 0 && !result.hasSuffix(" ") {
                result += piece
            } else {
                result += (result.hasSuffix(" ") || piece.hasPrefix(" ") ? "" : " ") + piece
            }
        }
        return result.trimmingSpaces
    }

    /// The text of the element at `path` under `node`, trimmed; nil when absent or empty.
    private static func text(_ node: XNode, _ path: String...) -> String? {
        var current = node
        for name in path {
            guard let next = current.child(named: name) else { return nil }
            current = next
        }
        let value = current.text.trimmingSpaces
        return value.isEmpty ? nil : value
    }

    /// `2014-12-31T13:15:00+01:00` → the Moscow date; `2025-07-23T00:00:00.000000000` (no offset) → its own date.
    static func dateOfDateTime(_ text: String) -> CivilDate? {
        if let stamp = Timestamp(rfc3339: text) { return stamp.moscowDate }
        return CivilDate(iso: String(text.prefix(10)))
    }

    static func key(_ entry: CamtEntry) -> String {
        "\(source):\(entry.account):\(entry.accountServicerReference ?? fingerprint(rawText(entry)))"
    }

    /// The entry's XML, or (a batch's transaction, XML not cut out) a compact, stable text of it.
    static func rawText(_ entry: CamtEntry, transaction: CamtTransaction? = nil) -> String {
        if transaction == nil, let xml = entry.xml { return xml }
        var lines = [
            "Stmt/Id=\(entry.statementID)", "Acct=\(entry.account)", "Ntry#\(entry.index + 1) (line \(entry.line))",
            "Amt=\(entry.amountText) \(entry.currency)", "CdtDbtInd=\(entry.creditDebit)", "Sts=\(entry.status)",
            "BookgDt=\(entry.bookingDate?.iso ?? "")", "AcctSvcrRef=\(entry.accountServicerReference ?? "")",
        ]
        for tx in transaction.map({ [$0] }) ?? entry.transactions {
            lines += [
                "EndToEndId=\(tx.endToEndID ?? "")", "Dbtr/Nm=\(tx.debtorName ?? "")", "Dbtr/TXID=\(tx.debtorINN ?? "")",
                "Ustrd=\(tx.purpose)",
            ]
            if let amount = tx.amountText { lines.append("TxDtls/Amt=\(amount) \(tx.currency ?? "")") }
        }
        return lines.joined(separator: "\n")
    }
}
