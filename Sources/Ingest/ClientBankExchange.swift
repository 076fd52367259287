#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Domain

/// One `key=value` line of a 1CClientBankExchange file, kept verbatim (empty values too).
public struct ClientBankField: Hashable, Sendable {
    /// The key as written (`Сумма`, `НазначениеПлатежа1`, unknown keys too).
    public var key: String
    /// The value as written (possibly empty).
    public var value: String
    /// 1-based line number in the file.
    public var line: Int

    /// A field read from `line`.
    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// A section of a 1CClientBankExchange file: `СекцияДокумент=<вид>` … `КонецДокумента` (one
/// payment document) or `СекцияРасчСчет` … `КонецРасчСчет` (an account's balances).
public struct ClientBankSection: Hashable, Sendable {
    /// The document kind (`Платежное поручение`, …); empty for a balances section.
    public var kind: String
    /// The line of the opening marker and of the closing one.
    public var startLine: Int
    /// The line of the closing marker.
    public var endLine: Int
    /// Every field in file order, unknown keys and empty values included.
    public var fields: [ClientBankField] {
        didSet { plainKeys = Self.allPlain(fields) }
    }
    /// Whether every key is plain text (`ClientBankExchange.isPlainText`): then a plain key is
    /// found by its bytes alone. Worked out once per section (a payment's twenty-odd lookups each
    /// walked every key).
    private var plainKeys: Bool

    /// A section.
    public init(kind: String, startLine: Int, endLine: Int, fields: [ClientBankField]) {
        self.init(kind: kind, startLine: startLine, endLine: endLine, fields: fields, plainKeys: Self.allPlain(fields))
    }

    /// A section whose keys' plainness the parser already knows.
    init(kind: String, startLine: Int, endLine: Int, fields: [ClientBankField], plainKeys: Bool) {
        self.kind = kind
        self.startLine = startLine
        self.endLine = endLine
        self.fields = fields
        self.plainKeys = plainKeys
    }

    private static func allPlain(_ fields: [ClientBankField]) -> Bool {
        fields.allSatisfy { ClientBankExchange.isPlainText($0.key) }
    }

    /// The first field whose key is `key` (canonically equivalent, as `String`'s `==`).
    private func field(_ key: String) -> ClientBankField? {
        if plainKeys && ClientBankExchange.isPlainText(key) {
            return fields.first { ClientBankExchange.sameBytes($0.key, key) }
        }
        return fields.first { ClientBankExchange.sameKey($0.key, key) }
    }

    /// The first value of `key`, trimmed; `nil` when the key is absent or its value empty.
    public func value(_ key: String) -> String? {
        guard let field = field(key) else { return nil }
        let trimmed = field.value.trimmingSpaces
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The line a key was read from.
    public func line(of key: String) -> Int? { field(key)?.line }
}

/// How the bytes of a statement were decoded.
public enum StatementEncoding: String, Hashable, Sendable {
    case cp1251 = "windows-1251"
    case cp866
    case utf8 = "utf-8"
}

/// A 1CClientBankExchange file, parsed but not yet interpreted.
public struct ClientBankStatement: Hashable, Sendable {
    /// How the bytes were decoded (see `ClientBankExchange.parse`).
    public var encoding: StatementEncoding
    /// The `Кодировка` value as written (`Windows`, `DOS`, `windows`), when present.
    public var declaredEncoding: String?
    /// The header's fields (`ВерсияФормата`, `ДатаНачала`, `РасчСчет`, …) in file order.
    public var header: [ClientBankField]
    /// The header's accounts (`РасчСчет=`, repeatable).
    public var accounts: [String]
    /// `СекцияРасчСчет` sections.
    public var balances: [ClientBankSection]
    /// `СекцияДокумент` sections, in file order.
    public var documents: [ClientBankSection]
    /// The decoded text, line by line (for raw records).
    public var lines: [String]
}

/// What a bank statement yielded for the ledger.
public struct BankStatementReading: Hashable, Sendable {
    /// Incoming payments to our accounts, one per distinct payment id.
    public var payments: [Payment]
    /// Incoming documents that could not be read (bad amount or date), with their lines.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes that do not stop a record.
    public var diagnostics: [Diagnostic]
    /// How many documents the statement held, and how they were classified.
    public var documentCount: Int
    /// Documents credited to one of our accounts (each a payment or quarantined).
    public var incomingCount: Int
    /// Documents with one of our accounts as payer (`ДатаСписано`): counted and ignored.
    public var outgoingCount: Int
    /// Transfers between two of our own accounts: counted and ignored.
    public var internalCount: Int
    /// Documents that involve none of our accounts, or are to us but not yet credited.
    public var otherCount: Int
    /// The payments given to the ``PaymentKeeper`` the reading was given, in the order read (each one's id
    /// and place; `payments` is then empty); empty when it was given none.
    public var kept: [KeptPayment] = []

    /// A reading; everything empty by default.
    public init(payments: [Payment] = [], quarantined: [QuarantinedRecord] = [], diagnostics: [Diagnostic] = [],
                documentCount: Int = 0, incomingCount: Int = 0, outgoingCount: Int = 0, internalCount: Int = 0,
                otherCount: Int = 0) {
        self.payments = payments
        self.quarantined = quarantined
        self.diagnostics = diagnostics
        self.documentCount = documentCount
        self.incomingCount = incomingCount
        self.outgoingCount = outgoingCount
        self.internalCount = internalCount
        self.otherCount = otherCount
    }
}

/// The reader of 1CClientBankExchange bank statements (`kl_to_1c.txt`): bytes (in memory, in a
/// file, or spooled as they arrived) in, values out.
public enum ClientBankExchange {
    static let source = SourceName.bank1C

    /// How many bytes of a statement are read at a time.
    static let chunkSize = 64 * 1024

    /// Parses the file's structure.
    ///
    /// Encoding: the `Кодировка` line says `Windows` (cp1251) or `DOS` (cp866). Real exports are
    /// often UTF-8 whatever they declare: bytes that are valid UTF-8 and hold Cyrillic are read as
    /// UTF-8, with an info diagnostic. Bytes in the other code page than the declared one fail the
    /// source (the names would be garbled).
    ///
    /// This keeps the whole file (every line, every section); `read` goes one document at a time.
    ///
    /// - Throws: `SourceError` (with the line) when this is not a 1CClientBankExchange file, the
    ///   encoding contradicts the declaration, a section is not closed, or `КонецФайла` is missing.
    public static func parse(_ bytes: [UInt8]) throws(SourceError) -> (statement: ClientBankStatement, diagnostics: [Diagnostic]) {
        try parse(bytes, chunkSize: chunkSize)
    }

    /// `parse(bytes)`, the bytes read `chunkSize` at a time.
    static func parse(_ bytes: [UInt8], chunkSize: Int) throws(SourceError) -> (statement: ClientBankStatement, diagnostics: [Diagnostic]) {
        var input = InMemoryStatement(bytes)
        let evidence = EncodingEvidence.of(bytes)
        var diagnostics: [Diagnostic] = []
        let (encoding, declared) = try decide(&input, evidence: evidence, chunkSize: chunkSize, diagnostics: &diagnostics)
        var collector = StatementCollector()
        _ = try scan(&input, as: encoding, evidence: evidence, chunkSize: chunkSize, into: &collector, diagnostics: &diagnostics)
        let accounts = headerAccounts(collector.header)
        let statement = ClientBankStatement(encoding: encoding, declaredEncoding: declared, header: collector.header,
                                            accounts: accounts, balances: collector.balances, documents: collector.documents,
                                            lines: collector.lines)
        return (statement, diagnostics)
    }

    /// Reads a statement and takes out the incoming payments.
    ///
    /// A document is incoming when its recipient account (`ПолучательСчет` or
    /// `ПолучательРасчСчет`) is one of `ourAccounts` and it carries `ДатаПоступило`; one of ours as
    /// payer is outgoing (counted, ignored); both ours is an internal transfer (counted, ignored).
    /// When `ourAccounts` is empty, the statement's own `РасчСчет` accounts are ours.
    ///
    /// Payment id: `bank:<our account>:<Дата>:<Номер>:<ПлательщикСчет or ПлательщикИНН>:<Сумма>`,
    /// so the same payment in two overlapping statements gets the same id (and is read once).
    ///
    /// The bytes are read a piece at a time and the documents one at a time as the lines are
    /// scanned: only the bytes, the piece at hand, the header and the document at hand are held,
    /// never the whole decoded text.
    ///
    /// - Throws: `SourceError` when the file as a whole cannot be read (see `parse`).
    /// - Parameter keeper: where each payment goes, with its record, as it is read (see ``PaymentKeeper``;
    ///   `kept` then says where each went); `nil`: in `payments`.
    public static func read(_ bytes: [UInt8], ourAccounts: Set<String> = [],
                            keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        try read(bytes, ourAccounts: ourAccounts, chunkSize: chunkSize, keeper: keeper)
    }

    /// `read(bytes, ourAccounts:)`, the bytes read `chunkSize` at a time.
    static func read(_ bytes: [UInt8], ourAccounts: Set<String>, chunkSize: Int,
                     keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        var input = InMemoryStatement(bytes)
        return try read(&input, evidence: .of(bytes), ourAccounts: ourAccounts, chunkSize: chunkSize, keeper: keeper)
    }

    /// Reads a statement spooled to its temporary file (see `StatementSpool`): the same reading as
    /// `read(bytes, ourAccounts:)` gives for the spooled bytes, read back from the file a piece at a
    /// time, so that neither the bytes nor the decoded text are ever in memory whole.
    ///
    /// - Throws: `SourceError` as `read(bytes, ourAccounts:)`, or when the file cannot be read back.
    /// - Parameter keeper: where each payment goes, with its record, as it is read (see ``PaymentKeeper``).
    public static func read(_ spool: StatementSpool, ourAccounts: Set<String> = [],
                            keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        try read(spool, ourAccounts: ourAccounts, chunkSize: chunkSize, keeper: keeper)
    }

    /// `read(spool, ourAccounts:)`, the file read `chunkSize` bytes at a time.
    static func read(_ spool: StatementSpool, ourAccounts: Set<String>, chunkSize: Int,
                     keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        defer { withExtendedLifetime(spool) {} }
        var input = spool.bytes
        return try read(&input, evidence: spool.evidence, ourAccounts: ourAccounts, chunkSize: chunkSize, keeper: keeper)
    }

    /// Reads the statement in the file at `path` a piece at a time (see `read(_:ourAccounts:)`).
    ///
    /// - Throws: `SourceError` located at `path`, as `read(bytes, ourAccounts:)`, or when the
    ///   file cannot be opened or read.
    public static func read(contentsOfFile path: String, ourAccounts: Set<String> = []) throws(SourceError) -> BankStatementReading {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SourceError(source: source, location: path, reason: "cannot be opened: \(systemError(errno))")
        }
        defer { close(descriptor) }
        var file = StatementFileBytes(descriptor: descriptor, location: path)
        do {
            // The encoding depends on the whole file: a first pass over its bytes.
            var evidence = EncodingEvidence()
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 8)
            defer { chunk.deallocate() }
            while true {
                let count = try file.read(into: chunk)
                guard count > 0 else { break }
                evidence.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
            return try read(&file, evidence: evidence, ourAccounts: ourAccounts, chunkSize: chunkSize)
        } catch {
            throw error.at(path)
        }
    }

    /// Decides the encoding, then reads the documents as the lines are scanned.
    static func read<Source: StatementBytes>(_ input: inout Source, evidence: EncodingEvidence, ourAccounts: Set<String>,
                                             chunkSize: Int, keeper: (any PaymentKeeper)? = nil) throws(SourceError) -> BankStatementReading {
        var diagnostics: [Diagnostic] = []
        let (encoding, _) = try decide(&input, evidence: evidence, chunkSize: chunkSize, diagnostics: &diagnostics)
        var reader = DocumentReader(configured: ourAccounts, keeper: keeper)
        _ = try scan(&input, as: encoding, evidence: evidence, chunkSize: chunkSize, into: &reader, diagnostics: &diagnostics)
        let accounts = Set(reader.headerAccounts)
        if ourAccounts.isEmpty {
            if accounts.isEmpty {
                throw SourceError(source: Self.source, reason: "no account of ours is known: the statement has no РасчСчет and none is configured")
            }
            // A damaged file can name an account in its header after a document was read (or
            // before any account was named): the documents are then read again, from the bytes,
            // against the header's whole accounts — the same result as if they had been known
            // from the start.
            if reader.needsAllAccounts || reader.usedAccounts.map({ $0 != accounts }) == true {
                // (Payments the first pass kept aside stay there unused: their places are not given.)
                var again = DocumentReader(configured: accounts, keeper: keeper)
                var ignored: [Diagnostic] = []
                _ = try scan(&input, as: encoding, evidence: evidence, chunkSize: chunkSize, into: &again, diagnostics: &ignored)
                reader = again
            }
        }
        if let failure = reader.aside.failure { throw failure }
        var reading = reader.reading
        reading.diagnostics = diagnostics + reading.diagnostics
        return reading
    }

    /// The header's accounts: the trimmed, non-empty values of its `РасчСчет` fields.
    static func headerAccounts(_ header: [ClientBankField]) -> [String] {
        header.compactMap(headerAccount)
    }

    /// The account a header field names, when it is a non-empty `РасчСчет`.
    private static func headerAccount(_ field: ClientBankField) -> String? {
        guard field.key == "РасчСчет" else { return nil }
        let account = field.value.trimmingSpaces
        return account.isEmpty ? nil : account
    }

    /// Turns each closed document into its payment, quarantined record or count as the scanner
    /// closes it, then lets it go.
    struct DocumentReader: ClientBankScanSink {
        /// The accounts given by the caller; empty: the header's.
        let configured: Set<String>
        /// The header's accounts seen so far, in file order.
        var headerAccounts: [String] = []
        /// The header's accounts seen so far (when none are configured).
        private var known: Set<String> = []
        /// The accounts the documents were classified against (when none are configured): the
        /// header's as they were at the first document.
        private(set) var usedAccounts: Set<String>?
        /// Whether a document came before any account was known (when none are configured).
        private(set) var needsAllAccounts = false
        /// The reading, its diagnostics the documents' own only.
        var reading = BankStatementReading()
        private var seen: [PaymentID: Int] = [:]
        /// Where the payments go (`nil`: in the reading), and why one could not be kept.
        private(set) var aside: PaymentsAside

        init(configured: Set<String>, keeper: (any PaymentKeeper)? = nil) {
            self.configured = configured
            aside = PaymentsAside(keeper, source: ClientBankExchange.source)
        }

        mutating func headerField(_ field: ClientBankField) {
            if let account = headerAccount(field) {
                headerAccounts.append(account)
                known.insert(account)
            }
        }

        mutating func closedSection(_ section: ClientBankSection, isDocument: Bool, bytes: UnsafeBufferPointer<UInt8>) {
            guard isDocument else { return }
            reading.documentCount += 1
            let ours: Set<String>
            if !configured.isEmpty {
                ours = configured
            } else {
                guard !known.isEmpty, !needsAllAccounts else {
                    needsAllAccounts = true
                    return
                }
                if let usedAccounts, usedAccounts != known {
                    // Read again at the end against every header account; nothing more to learn here.
                    needsAllAccounts = true
                    return
                }
                usedAccounts = known
                ours = known
            }
            take(section, ours: ours, raw: bytes)
        }

        private mutating func take(_ document: ClientBankSection, ours: Set<String>, raw bytes: UnsafeBufferPointer<UInt8>) {
            let source = ClientBankExchange.source
            let number = document.value("Номер")
            let record = "line \(document.startLine), document №\(number ?? "?")"
            let recipient = [document.value("ПолучательСчет"), document.value("ПолучательРасчСчет")].compactMap { $0 }
            let payer = [document.value("ПлательщикСчет"), document.value("ПлательщикРасчСчет")].compactMap { $0 }
            let ourRecipient = recipient.first { ours.contains($0) }
            let payerIsOurs = payer.contains { ours.contains($0) }
            switch (ourRecipient, payerIsOurs) {
            case (.some, true):
                reading.internalCount += 1
                reading.diagnostics.append(Diagnostic(severity: .info, kind: "internal-transfer", source: source, record: record,
                                                      message: "a transfer between our own accounts; not a customer payment"))
            case (nil, true):
                reading.outgoingCount += 1
            case (nil, false):
                reading.otherCount += 1
                reading.diagnostics.append(Diagnostic(severity: .warning, kind: "foreign-document", source: source, record: record,
                                                      message: "neither the payer's nor the recipient's account is ours (\(ours.sorted().joined(separator: ", "))); skipped"))
            case (.some(let account), false):
                guard document.value("ДатаПоступило") != nil else {
                    reading.otherCount += 1
                    reading.diagnostics.append(Diagnostic(severity: .warning, kind: "not-credited", source: source, record: record,
                                                          field: "ДатаПоступило",
                                                          message: "a payment to our account \(account) without ДатаПоступило (not credited yet); skipped"))
                    return
                }
                reading.incomingCount += 1
                let raw = rawText(bytes)
                switch payment(document, account: account, raw: raw) {
                case .success(let payment):
                    if let earlier = seen[payment.id] {
                        reading.diagnostics.append(Diagnostic(
                            severity: .warning, kind: "duplicate-record", source: source, record: record,
                            message: "the same payment as the document at line \(earlier) (id \(payment.id)); read once"))
                        return
                    }
                    seen[payment.id] = document.startLine
                    aside.add(payment, from: record, to: &reading)
                case .failure(let problems):
                    let key = "\(source):\(account):\(fingerprint(raw))"
                    reading.quarantined.append(quarantine(problems.problems, source: source,
                                                          record: "line \(problems.line), document №\(number ?? "?")",
                                                          key: key, raw: raw))
                }
            }
        }
    }

    /// Keeps everything the scanner hands over: `parse`'s statement.
    private struct StatementCollector: ClientBankScanSink {
        var lines: [String] = []
        var header: [ClientBankField] = []
        var balances: [ClientBankSection] = []
        var documents: [ClientBankSection] = []

        mutating func line(_ text: String) { lines.append(text) }
        mutating func headerField(_ field: ClientBankField) { header.append(field) }
        mutating func closedSection(_ section: ClientBankSection, isDocument: Bool, bytes: UnsafeBufferPointer<UInt8>) {
            if isDocument { documents.append(section) } else { balances.append(section) }
        }
    }

    /// Scans the statement line by line from its first byte, each piece of its bytes decoded with
    /// `encoding` as it is read, handing `sink` every line, every header field and each section as
    /// it closes (with the decoded bytes of its lines, from its opening marker to its closing one);
    /// structural problems throw, format warnings go to `diagnostics`.
    ///
    /// - Returns: the number of lines (a final line break does not start another).
    static func scan<Source: StatementBytes, Sink: ClientBankScanSink>(
        _ input: inout Source, as encoding: StatementEncoding, evidence: EncodingEvidence, chunkSize: Int,
        into sink: inout Sink, diagnostics: inout [Diagnostic]
    ) throws(SourceError) -> Int {
        try input.rewind()
        let lines = StatementLines(encoding: encoding, skippingBOM: evidence.hasBOM, chunkSize: chunkSize)
        var number = 0
        var started = false
        var ended = false
        // The open section's first byte is `lines.pinned`: its lines stay in the buffer until it closes.
        var open: (kind: String, isDocument: Bool, start: Int, plainKeys: Bool)?
        var fields: [ClientBankField] = []
        while let range = try lines.next(from: &input) {
            number += 1
            let line = lines.string(range)
            sink.line(line)
            let trimmed = line.trimmingSpaces
            if !started {
                if trimmed.isEmpty { continue }
                guard trimmed == "1CClientBankExchange" else { throw notAStatement() }
                started = true
                continue
            }
            if ended {
                if !trimmed.isEmpty {
                    diagnostics.append(Diagnostic(severity: .warning, kind: "statement-format", source: source,
                                                  record: "line \(number)", message: "text after КонецФайла is ignored"))
                }
                continue
            }
            if trimmed.isEmpty { continue }
            let (key, value) = splitField(trimmed)
            // The markers are plain text: a plain key is one of them only when its bytes are.
            let plain = isPlainText(key)
            let opensDocument = sameKey(key, plain: plain, "СекцияДокумент")
            let closesDocument = !opensDocument && sameKey(key, plain: plain, "КонецДокумента")
            if opensDocument || sameKey(key, plain: plain, "СекцияРасчСчет") {
                if let section = open {
                    throw SourceError(source: source, line: section.start,
                                      reason: "the section opened here is not closed before line \(number) opens another (truncated or damaged file)")
                }
                open = (value ?? "", opensDocument, number, true)
                lines.pinned = range.lowerBound
            } else if closesDocument || sameKey(key, plain: plain, "КонецРасчСчет") {
                guard let section = open, section.isDocument == closesDocument else {
                    throw SourceError(source: source, line: number, reason: "\(key) without a matching opening section")
                }
                do {
                    let closed = ClientBankSection(kind: section.kind, startLine: section.start, endLine: number, fields: fields,
                                                   plainKeys: section.plainKeys)
                    lines.withBytes((lines.pinned ?? range.lowerBound)..<range.upperBound) { bytes in
                        sink.closedSection(closed, isDocument: section.isDocument, bytes: bytes)
                    }
                }
                // The section's array is reused for the next one once the sink has let it go.
                fields.removeAll(keepingCapacity: true)
                open = nil
                lines.pinned = nil
            } else if sameKey(key, plain: plain, "КонецФайла") {
                if let section = open {
                    throw SourceError(source: source, line: section.start,
                                      reason: "the section opened here is not closed before КонецФайла at line \(number)")
                }
                ended = true
            } else {
                guard let value else {
                    diagnostics.append(Diagnostic(severity: .warning, kind: "statement-format", source: source,
                                                  record: "line \(number)", message: "'\(trimmed)' is not a key=value line; skipped"))
                    continue
                }
                let field = ClientBankField(key: key, value: value, line: number)
                if open != nil {
                    fields.append(field)
                    if !plain { open?.plainKeys = false }
                } else {
                    sink.headerField(field)
                }
            }
        }
        guard started else { throw notAStatement() }
        if let section = open {
            throw SourceError(source: source, line: section.start,
                              reason: "the file ends inside the section opened here (truncated: no closing marker, no КонецФайла)")
        }
        guard ended else {
            throw SourceError(source: source, line: number, reason: "the file ends without КонецФайла (truncated)")
        }
        return number
    }

    private static func notAStatement() -> SourceError {
        SourceError(source: source, line: 1, reason: "not a 1CClientBankExchange file (the first line must be '1CClientBankExchange')")
    }

    struct DocumentProblems: Error {
        var problems: [ContractProblem]
        var line: Int
    }

    static func payment(_ document: ClientBankSection, account: String, raw: String) -> Result<Payment, DocumentProblems> {
        var problems: [ContractProblem] = []
        var firstLine: Int?
        func problem(_ key: String, _ reason: String) {
            problems.append(ContractProblem(field: key, reason: reason))
            if firstLine == nil { firstLine = document.line(of: key) ?? document.startLine }
        }
        let number = document.value("Номер")
        if number == nil { problem("Номер", "the document has no number") }
        var date: CivilDate?
        if let text = document.value("Дата") {
            date = CivilDate(russian: text)
            if date == nil { problem("Дата", "'\(text)' is not a date ДД.ММ.ГГГГ (line \(document.line(of: "Дата") ?? 0))") }
        } else {
            problem("Дата", "the document has no date")
        }
        var amount: Money?
        if let text = document.value("Сумма") {
            if let value = Money(lenientString: text), value > .zero {
                amount = value
            } else {
                problem("Сумма", "'\(text)' is not a positive amount like 1000.00 (line \(document.line(of: "Сумма") ?? 0))")
            }
        } else {
            problem("Сумма", "the document has no amount")
        }
        var received: CivilDate?
        if let text = document.value("ДатаПоступило") {
            received = CivilDate(russian: text)
            if received == nil {
                problem("ДатаПоступило", "'\(text)' is not a date ДД.ММ.ГГГГ (line \(document.line(of: "ДатаПоступило") ?? 0))")
            }
        }
        guard problems.isEmpty, let number, let date, let amount, let received else {
            return .failure(DocumentProblems(problems: problems, line: firstLine ?? document.startLine))
        }
        let payerINN = document.value("ПлательщикИНН").flatMap { $0.allSatisfy { $0 == "0" } ? nil : $0 }
        let payerAccount = document.value("ПлательщикСчет") ?? document.value("ПлательщикРасчСчет")
        var payerName = document.value("Плательщик1")
        if payerName == nil, let full = document.value("Плательщик") { payerName = stripINNPrefix(full) }
        var purpose = document.value("НазначениеПлатежа") ?? ""
        if purpose.isEmpty {
            purpose = (1...6).compactMap { document.value("НазначениеПлатежа\($0)") }.joined(separator: " ")
        }
        let id = PaymentID(compacting: "bank:\(account):\(date.iso):\(number):\(payerAccount ?? payerINN ?? "-"):\(amount)")
        return .success(Payment(id: id, source: .bank1C, receivedOn: received, amount: amount, payerINN: payerINN,
                                payerName: payerName, purpose: purpose, documentNumber: number, documentDate: date, raw: raw))
    }

    /// `ИНН 7719617469 ОАО Крокус` → `ОАО Крокус`.
    static func stripINNPrefix(_ text: String) -> String {
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        if words.count == 3, words[0] == "ИНН", words[1].allSatisfy(\.isASCIIDigit) { return String(words[2]) }
        return text
    }

    /// A record's lines as one text, each line break (CR LF, LF or CR) written as LF: the lines
    /// joined with "\n".
    static func rawText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { text in
            var written = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0D {
                    text[written] = 0x0A
                    if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                } else {
                    text[written] = byte
                }
                written += 1
                index += 1
            }
            return written
        }
    }

    /// A `key=value` line cut at its first `=` character (`nil` value: no `=`).
    static func splitField(_ line: String) -> (key: String, value: String?) {
        // The first "=" byte is the first "=" character unless it is part of a longer character
        // (a combining mark after it, a prepended mark before it): then the characters are searched.
        let equals: String.Index
        if let byte = line.utf8.firstIndex(of: 0x3D), let boundary = byte.samePosition(in: line), line[boundary] == "=" {
            equals = boundary
        } else if let character = line.firstIndex(of: "=") {
            equals = character
        } else {
            return (line, nil)
        }
        return (String(line[..<equals]).trimmingSpaces, String(line[line.index(after: equals)...]))
    }

    /// `a == b` (Swift's comparison: canonical equivalence) for the statement's keys, without
    /// normalizing when it cannot matter: text of ASCII and the basic Cyrillic letters
    /// (U+0400–U+047F) is already in NFC and has no combining marks, so two such texts are
    /// equivalent only when their bytes are equal.
    static func sameKey(_ a: String, _ b: String) -> Bool {
        if a.utf8.elementsEqual(b.utf8) { return true }
        if isPlainText(a) && isPlainText(b) { return false }
        return a == b
    }

    /// `sameKey(a, b)` for a `b` that is plain text, `plain` being `isPlainText(a)`.
    static func sameKey(_ a: String, plain: Bool, _ b: String) -> Bool {
        if plain { return sameBytes(a, b) }
        return a.utf8.elementsEqual(b.utf8) || a == b
    }

    /// Whether the two texts have the same UTF-8 bytes.
    static func sameBytes(_ a: String, _ b: String) -> Bool { sameUTF8(a, b) }

    /// ASCII and U+0400–U+047F only (UTF-8 lead bytes 0xD0 and 0xD1).
    static func isPlainText(_ text: String) -> Bool {
        let plain: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte < 0x80 { continue }
                guard byte == 0xD0 || byte == 0xD1, index < bytes.count, bytes[index] & 0xC0 == 0x80 else { return false }
                index += 1
            }
            return true
        }
        if let plain { return plain }
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            if byte < 0x80 { continue }
            guard byte == 0xD0 || byte == 0xD1, let next = bytes.next(), next & 0xC0 == 0x80 else { return false }
        }
        return true
    }

    /// Decides how the statement's bytes are decoded, checking them against the `Кодировка` line.
    ///
    /// Bytes that are valid UTF-8 as a whole and hold Cyrillic (`evidence`, gathered over every
    /// byte) are UTF-8, with an info diagnostic when the file declares otherwise. Else each code
    /// page in turn (cp1251, then cp866) decodes the header — the lines before the first
    /// `СекцияДокумент` — until one finds a `Кодировка` line: it must name that code page.
    ///
    /// - Throws: `SourceError` when the declaration contradicts the bytes, is unknown, or is not found.
    static func decide<Source: StatementBytes>(_ input: inout Source, evidence: EncodingEvidence, chunkSize: Int,
                                               diagnostics: inout [Diagnostic]) throws(SourceError)
        -> (encoding: StatementEncoding, declared: String?) {
        func kind(_ declared: String) -> CyrillicCodePage? {
            switch declared.lowercased() {
            case "windows": .cp1251
            case "dos": .cp866
            default: nil
            }
        }

        if evidence.isUTF8WithCyrillic {
            let declared = try declaredEncoding(in: &input, as: .utf8, evidence: evidence, chunkSize: chunkSize)
            if let declared, declared.value.lowercased() != "utf-8", declared.value.lowercased() != "utf8" {
                diagnostics.append(Diagnostic(severity: .info, kind: "statement-encoding", source: source, record: "line \(declared.line)",
                                              field: "Кодировка",
                                              message: "the file declares Кодировка=\(declared.value) but its bytes are UTF-8; read as UTF-8"))
            }
            return (.utf8, declared?.value)
        }
        for page in [CyrillicCodePage.cp1251, .cp866] {
            let encoding: StatementEncoding = page == .cp1251 ? .cp1251 : .cp866
            guard let declared = try declaredEncoding(in: &input, as: encoding, evidence: evidence, chunkSize: chunkSize) else { continue }
            switch kind(declared.value) {
            case page:
                return (encoding, declared.value)
            case .some(let other):
                throw SourceError(source: Self.source, line: declared.line,
                                  reason: "the file declares Кодировка=\(declared.value) (\(other.rawValue)) but its bytes are \(page.rawValue); fix the export's encoding setting")
            case nil:
                throw SourceError(source: Self.source, line: declared.line,
                                  reason: "unknown Кодировка=\(declared.value) (expected Windows or DOS)")
            }
        }
        throw SourceError(source: Self.source, reason: "no readable Кодировка line: the file is neither UTF-8, cp1251 nor cp866, or is not a 1CClientBankExchange file")
    }

    /// The `Кодировка` value (trimmed) and its line, looked for in the lines before the first
    /// `СекцияДокумент`, the bytes decoded with `encoding`.
    private static func declaredEncoding<Source: StatementBytes>(in input: inout Source, as encoding: StatementEncoding,
                                                                 evidence: EncodingEvidence, chunkSize: Int) throws(SourceError)
        -> (value: String, line: Int)? {
        // The declaration is near the top, and a statement of a large day has a million lines.
        try input.rewind()
        let lines = StatementLines(encoding: encoding, skippingBOM: evidence.hasBOM, chunkSize: chunkSize)
        var number = 0
        while let range = try lines.next(from: &input) {
            number += 1
            let (key, value) = splitField(lines.string(range).trimmingSpaces)
            if key == "Кодировка", let value { return (value.trimmingSpaces, number) }
            if key == "СекцияДокумент" { break }
        }
        return nil
    }
}

/// What `ClientBankExchange.scan` hands over as it reads a statement.
protocol ClientBankScanSink {
    /// Every line of the file in order (without its line break).
    mutating func line(_ text: String)
    /// A field outside any section.
    mutating func headerField(_ field: ClientBankField)
    /// A section just closed, with the bytes of its lines (line breaks as written), valid only
    /// during the call.
    mutating func closedSection(_ section: ClientBankSection, isDocument: Bool, bytes: UnsafeBufferPointer<UInt8>)
}

extension ClientBankScanSink {
    mutating func line(_ text: String) {}
}

/// The lines of a statement, read a piece of its bytes at a time and decoded piece by piece to
/// UTF-8: each line is the bytes up to CR LF, LF or CR, and the piece after the last break (when
/// not empty) is the last line.
///
/// Bytes 0x0A and 0x0D are the same in UTF-8, cp1251 and cp866 and never part of a longer
/// character, so the lines are those of the decoded text. A piece may end inside a line, between
/// CR and LF, or inside a UTF-8 sequence: an unfinished line (with a CR at its end) waits in the
/// buffer for the next piece. Only the unfinished line and, while a section is open, its lines
/// from `pinned` on are kept.
final class StatementLines {
    /// The decoded bytes held: lines already given from `pinned` (or the next line) on.
    private var buffer: [UInt8] = []
    /// Where the next line starts in `buffer`.
    private var position = 0
    /// Bytes before this offset (from `position`) hold no line break.
    private var searched = 0
    /// Whether the source has no more bytes.
    private var atEnd = false
    /// The byte order mark's bytes still to skip.
    private var skip: Int
    /// The piece of raw bytes read at a time.
    private let raw: UnsafeMutableRawBufferPointer
    /// For a code page, the UTF-8 of bytes 0x80…0xFF and room for a piece's UTF-8.
    private let table: [UInt8]?
    private let decoded: UnsafeMutableBufferPointer<UInt8>?

    /// The first byte kept however far the lines go (the open section's first line), or nil.
    /// Offsets move as the buffer drops what it no longer needs; this one is kept up to date.
    var pinned: Int?

    init(encoding: StatementEncoding, skippingBOM: Bool, chunkSize: Int) {
        skip = skippingBOM ? 3 : 0
        raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 8)
        switch encoding {
        case .utf8:
            table = nil
            decoded = nil
        case .cp1251:
            table = Self.cp1251
            decoded = .allocate(capacity: max(chunkSize, 1) * 3)
        case .cp866:
            table = Self.cp866
            decoded = .allocate(capacity: max(chunkSize, 1) * 3)
        }
    }

    deinit {
        raw.deallocate()
        decoded?.deallocate()
    }

    /// Four bytes per byte 0x80…0xFF: the length of its UTF-8 (2 or 3), then the UTF-8.
    private static let cp1251 = utf8Table(.cp1251)
    private static let cp866 = utf8Table(.cp866)

    private static func utf8Table(_ page: CyrillicCodePage) -> [UInt8] {
        var table: [UInt8] = []
        for byte in UInt8(0x80)...UInt8(0xFF) {
            let utf8 = Array(page.decode([byte]).utf8)
            table.append(UInt8(utf8.count))
            table += utf8
            table += repeatElement(0, count: 3 - utf8.count)
        }
        return table
    }

    /// The next line's byte range in the buffer (without its break), or nil after the last line.
    /// The range holds until the next call.
    func next<Source: StatementBytes>(from input: inout Source) throws(SourceError) -> Range<Int>? {
        while true {
            let count = buffer.count
            let from = searched
            let found: Int? = buffer.withUnsafeBufferPointer { bytes in
                var index = from
                while index < count {
                    let byte = bytes[index]
                    if byte == 0x0A || byte == 0x0D { return index }
                    index += 1
                }
                return nil
            }
            if let found {
                var after = found + 1
                if buffer[found] == 0x0D {
                    if after < count {
                        if buffer[after] == 0x0A { after += 1 }
                    } else if !atEnd {
                        // CR LF or CR alone: the next piece says.
                        searched = found
                        try fill(from: &input)
                        continue
                    }
                }
                let line = position..<found
                position = after
                searched = after
                return line
            }
            searched = count
            if atEnd {
                guard position < count else { return nil }
                let line = position..<count
                position = count
                return line
            }
            try fill(from: &input)
        }
    }

    /// Drops what is no longer needed and appends the next piece, decoded; at the end, notes it.
    private func fill<Source: StatementBytes>(from input: inout Source) throws(SourceError) {
        let drop = min(pinned ?? position, position)
        if drop > 0 {
            buffer.removeSubrange(0..<drop)
            position -= drop
            searched -= drop
            pinned = pinned.map { $0 - drop }
        }
        let count = try input.read(into: raw)
        guard count > 0 else {
            atEnd = true
            return
        }
        let skipped = min(skip, count)
        skip -= skipped
        let piece = UnsafeRawBufferPointer(rebasing: raw[skipped..<count])
        guard let table, let decoded else {
            buffer.append(contentsOf: piece)
            return
        }
        var written = 0
        table.withUnsafeBufferPointer { table in
            for byte in piece {
                if byte < 0x80 {
                    decoded[written] = byte
                    written += 1
                } else {
                    let entry = Int(byte - 0x80) &* 4
                    let length = Int(table[entry])
                    decoded[written] = table[entry + 1]
                    decoded[written + 1] = table[entry + 2]
                    if length == 3 { decoded[written + 2] = table[entry + 3] }
                    written += length
                }
            }
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: decoded[0..<written]))
    }

    /// The line's text.
    func string(_ range: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Calls `body` with the bytes in `range` (valid only during the call).
    func withBytes<Result>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and no-break spaces.
    var trimmingSpaces: String {
        // Most values have nothing to trim: a text that neither starts with the first byte of a
        // space, tab, CR or no-break space (C2 A0) nor ends with the last byte of one is itself.
        guard let first = utf8.first, let last = utf8.last else { return "" }
        if first != 0x20, first != 0x09, first != 0x0D, first != 0xC2, last != 0x20, last != 0x09, last != 0x0D, last != 0xA0 {
            return self
        }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
