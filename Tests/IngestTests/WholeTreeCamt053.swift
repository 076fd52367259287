import Domain
@testable import Ingest
import XML

/// The camt.053 reader as it was before it read statements a piece at a time (session 13): the
/// whole document parsed into one tree, each entry's XML cut from the whole text split into lines.
/// Frozen here as the reference the streaming reader is compared against (`Camt053StreamingTests`);
/// not used by the job.
enum WholeTreeCamt053 {
    static let source = SourceName.camt053

    static func parse(_ bytes: [UInt8], fileName: String = "camt.053") throws(SourceError) -> [CamtStatement] {
        let document: XDocument
        do {
            document = try XDocument(bytes: bytes, fileName: fileName)
        } catch {
            let why = error.kind == .rejected ? "rejected for safety" : "not well-formed XML"
            throw SourceError(source: source, line: error.line > 0 ? error.line : nil, reason: "\(why): \(error.message)")
        }
        guard let root = document.root, root.name == "Document",
              let namespace = root.namespaceURI, namespace.hasPrefix("urn:iso:std:iso:20022:tech:xsd:camt.053.") else {
            let found = document.root.map { "<\($0.name)> in namespace \($0.namespaceURI ?? "none")" } ?? "no root element"
            throw SourceError(source: source, reason: "not a camt.053 statement (\(found))")
        }
        guard let message = root.child(named: "BkToCstmrStmt") else {
            throw SourceError(source: source, line: root.line, reason: "no BkToCstmrStmt in the document")
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(omittingEmptySubsequences: false) {
            $0 == "\n" || $0 == "\r\n"
        }
        let opening = root.prefix.map { "<\($0):Ntry>" } ?? "<Ntry>"
        let closing = root.prefix.map { "</\($0):Ntry>" } ?? "</Ntry>"
        /// The lines of the entry starting at `line`, when it has lines of its own.
        func entryXML(startingAt line: Int) -> String? {
            guard line >= 1, line <= lines.count, document.declaredEncoding.map({ $0.lowercased() == "utf-8" }) ?? true else { return nil }
            var collected: [Substring] = []
            for index in (line - 1)..<lines.count {
                collected.append(lines[index])
                if lines[index].contains(closing) { break }
            }
            let text = collected.joined(separator: "\n")
            guard text.ranges(of: opening).count == 1, text.contains(closing), text.utf8.count < 1 << 20 else { return nil }
            return text
        }
        var statements: [CamtStatement] = []
        for stmt in message.children(named: "Stmt") {
            let id = text(stmt, "Id") ?? ""
            let account = text(stmt, "Acct", "Id", "IBAN") ?? text(stmt, "Acct", "Id", "Othr", "Id") ?? ""
            guard !account.isEmpty else {
                throw SourceError(source: source, line: stmt.line, reason: "statement \(id) names no account (Acct/Id)")
            }
            var entries: [CamtEntry] = []
            for (index, ntry) in stmt.children(named: "Ntry").enumerated() {
                let amount = ntry.child(named: "Amt")
                let status = text(ntry, "Sts", "Cd") ?? text(ntry, "Sts") ?? ""
                var booking: CivilDate?
                if let date = text(ntry, "BookgDt", "Dt") {
                    booking = CivilDate(iso: date)
                } else if let stamp = text(ntry, "BookgDt", "DtTm") {
                    booking = Camt053.dateOfDateTime(stamp)
                }
                var transactions: [CamtTransaction] = []
                for details in ntry.children(named: "NtryDtls") {
                    for tx in details.children(named: "TxDtls") {
                        transactions.append(transaction(tx))
                    }
                }
                entries.append(CamtEntry(
                    statementID: id, account: account, index: index, line: ntry.line,
                    amountText: amount?.text.trimmingSpaces ?? "", currency: amount?.attribute("Ccy") ?? "",
                    creditDebit: text(ntry, "CdtDbtInd") ?? "", status: status, bookingDate: booking,
                    accountServicerReference: text(ntry, "AcctSvcrRef") ?? transactions.first?.accountServicerReference,
                    transactions: transactions, xml: entryXML(startingAt: ntry.line)))
            }
            statements.append(CamtStatement(id: id, account: account, entries: entries))
        }
        return statements
    }

    static func read(_ bytes: [UInt8], ourAccounts: Set<String> = [], fileName: String = "camt.053") throws(SourceError)
        -> BankStatementReading {
        let statements = try parse(bytes, fileName: fileName)
        var reading = BankStatementReading()
        var seen: Set<PaymentID> = []
        for statement in statements {
            if !ourAccounts.isEmpty, !ourAccounts.contains(statement.account) {
                throw SourceError(source: source,
                                  reason: "statement \(statement.id) is for account \(statement.account), which is not one of ours (\(ourAccounts.sorted().joined(separator: ", ")))")
            }
            for entry in statement.entries {
                reading.documentCount += 1
                let record = "line \(entry.line), entry \(entry.accountServicerReference ?? "#\(entry.index + 1)") of statement \(statement.id)"
                guard entry.status == "BOOK" else {
                    reading.otherCount += 1
                    reading.diagnostics.append(Diagnostic(severity: .info, kind: "not-booked", source: source, record: record,
                                                          field: "Sts", message: "status \(entry.status.isEmpty ? "missing" : entry.status), not BOOK; not final, ignored"))
                    continue
                }
                switch entry.creditDebit {
                case "DBIT":
                    reading.outgoingCount += 1
                    continue
                case "CRDT":
                    break
                default:
                    reading.otherCount += 1
                    reading.quarantined.append(quarantine(
                        [ContractProblem(field: "CdtDbtInd", reason: "'\(entry.creditDebit)' is neither CRDT nor DBIT")],
                        source: source, record: record, key: Camt053.key(entry), raw: Camt053.rawText(entry)))
                    continue
                }
                reading.incomingCount += 1
                for payment in Camt053.payments(of: entry, record: record, reading: &reading) where seen.insert(payment.id).inserted {
                    reading.payments.append(payment)
                }
            }
        }
        return reading
    }

    static func transaction(_ tx: XNode) -> CamtTransaction {
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
                purpose = Camt053.joinUnstructured(pieces)
            }
        }
        return CamtTransaction(endToEndID: refs.flatMap { text($0, "EndToEndId") }.flatMap { $0 == "NOTPROVIDED" ? nil : $0 },
                               accountServicerReference: refs.flatMap { text($0, "AcctSvcrRef") },
                               amountText: amount.map { $0.text.trimmingSpaces }, currency: amount?.attribute("Ccy"),
                               debtorName: debtorName, debtorINN: debtorINN, purpose: purpose)
    }

    /// The text of the element at `path` under `node`, trimmed; nil when absent or empty.
    static func text(_ node: XNode, _ path: String...) -> String? {
        var current = node
        for name in path {
            guard let next = current.child(named: name) else { return nil }
            current = next
        }
        let value = current.text.trimmingSpaces
        return value.isEmpty ? nil : value
    }

}
