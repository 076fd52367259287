import Domain
import Foundation
import Generator
@testable import Ingest
import Synchronization
import Testing
import TestSupport

/// `ClientBankExchange.read` goes one document at a time; the reader it replaced parsed the whole
/// file (every line a string, every section kept) and then turned the documents into payments.
/// That reader is written out here as the oracle, and both must give the same reading — payments
/// with the same raw texts, quarantined records, diagnostics in the same order, counts — or the
/// same error, on the samples, every real export, generated days and hand-damaged files.
@Suite("1C statement read one document at a time = parsed whole, then converted")
struct ClientBankStreamingTests {
    static let main = Fixture.mainAccount
    static let second = Fixture.secondAccount
    /// The accounts every variant is read against: the statement's own, ours, both, a stranger's.
    static let accountSets: [Set<String>] = [[], [main], [main, second], [second]]

    // MARK: The oracle: the reader as it was, parse whole then convert

    enum Oracle {
        static let source = SourceName.bank1C

        static func splitLines(_ text: String) -> [String] {
            var text = text
            return text.withUTF8 { bytes in
                var lines: [String] = []
                var start = 0
                var index = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == 0x0A || byte == 0x0D {
                        lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                        if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                        start = index + 1
                    }
                    index += 1
                }
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]), as: UTF8.self))
                return lines
            }
        }

        static func parse(_ bytes: [UInt8]) throws(SourceError) -> (statement: ClientBankStatement, diagnostics: [Diagnostic]) {
            var diagnostics: [Diagnostic] = []
            var body = bytes[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            let (text, encoding, declared) = try ClientBankChunkedTests.WholeText.decode(Array(body)[...], diagnostics: &diagnostics)

            var lines = splitLines(text)
            if lines.last == "" { lines.removeLast() }
            guard let firstIndex = lines.firstIndex(where: { !$0.trimmingSpaces.isEmpty }),
                  lines[firstIndex].trimmingSpaces == "1CClientBankExchange" else {
                throw SourceError(source: source, line: 1, reason: "not a 1CClientBankExchange file (the first line must be '1CClientBankExchange')")
            }

            var header: [ClientBankField] = []
            var balances: [ClientBankSection] = []
            var documents: [ClientBankSection] = []
            var open: (kind: String, isDocument: Bool, start: Int, fields: [ClientBankField], plainKeys: Bool)?
            var ended = false
            for index in (firstIndex + 1)..<lines.count {
                let number = index + 1
                let line = lines[index]
                let trimmed = line.trimmingSpaces
                if ended {
                    if !trimmed.isEmpty {
                        diagnostics.append(Diagnostic(severity: .warning, kind: "statement-format", source: source,
                                                      record: "line \(number)", message: "text after КонецФайла is ignored"))
                    }
                    continue
                }
                if trimmed.isEmpty { continue }
                let (key, value) = ClientBankExchange.splitField(trimmed)
                let plain = ClientBankExchange.isPlainText(key)
                let opensDocument = ClientBankExchange.sameKey(key, plain: plain, "СекцияДокумент")
                let closesDocument = !opensDocument && ClientBankExchange.sameKey(key, plain: plain, "КонецДокумента")
                if opensDocument || ClientBankExchange.sameKey(key, plain: plain, "СекцияРасчСчет") {
                    if let section = open {
                        throw SourceError(source: source, line: section.start,
                                          reason: "the section opened here is not closed before line \(number) opens another (truncated or damaged file)")
                    }
                    open = (value ?? "", opensDocument, number, [], true)
                } else if closesDocument || ClientBankExchange.sameKey(key, plain: plain, "КонецРасчСчет") {
                    guard let section = open, section.isDocument == closesDocument else {
                        throw SourceError(source: source, line: number, reason: "\(key) without a matching opening section")
                    }
                    let parsed = ClientBankSection(kind: section.kind, startLine: section.start, endLine: number, fields: section.fields,
                                                   plainKeys: section.plainKeys)
                    if section.isDocument { documents.append(parsed) } else { balances.append(parsed) }
                    open = nil
                } else if ClientBankExchange.sameKey(key, plain: plain, "КонецФайла") {
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
                        open?.fields.append(field)
                        if !plain { open?.plainKeys = false }
                    } else {
                        header.append(field)
                    }
                }
            }
            if let section = open {
                throw SourceError(source: source, line: section.start,
                                  reason: "the file ends inside the section opened here (truncated: no closing marker, no КонецФайла)")
            }
            guard ended else {
                throw SourceError(source: source, line: lines.count, reason: "the file ends without КонецФайла (truncated)")
            }
            let accounts = header.filter { $0.key == "РасчСчет" }.map(\.value.trimmingSpaces).filter { !$0.isEmpty }
            let statement = ClientBankStatement(encoding: encoding, declaredEncoding: declared, header: header, accounts: accounts,
                                                balances: balances, documents: documents, lines: lines)
            return (statement, diagnostics)
        }

        static func rawText(of section: ClientBankSection, in statement: ClientBankStatement) -> String {
            let lower = max(section.startLine - 1, 0)
            let upper = min(section.endLine, statement.lines.count)
            return statement.lines[lower..<upper].joined(separator: "\n")
        }

        static func read(_ bytes: [UInt8], ourAccounts: Set<String> = []) throws(SourceError) -> BankStatementReading {
            let (statement, parseDiagnostics) = try parse(bytes)
            var reading = BankStatementReading(diagnostics: parseDiagnostics, documentCount: statement.documents.count)
            let ours = ourAccounts.isEmpty ? Set(statement.accounts) : ourAccounts
            if ours.isEmpty {
                throw SourceError(source: source, reason: "no account of ours is known: the statement has no РасчСчет and none is configured")
            }
            var seen: [PaymentID: Int] = [:]
            for document in statement.documents {
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
                    continue
                case (nil, true):
                    reading.outgoingCount += 1
                    continue
                case (nil, false):
                    reading.otherCount += 1
                    reading.diagnostics.append(Diagnostic(severity: .warning, kind: "foreign-document", source: source, record: record,
                                                          message: "neither the payer's nor the recipient's account is ours (\(ours.sorted().joined(separator: ", "))); skipped"))
                    continue
                case (.some(let account), false):
                    guard document.value("ДатаПоступило") != nil else {
                        reading.otherCount += 1
                        reading.diagnostics.append(Diagnostic(severity: .warning, kind: "not-credited", source: source, record: record,
                                                              field: "ДатаПоступило",
                                                              message: "a payment to our account \(account) without ДатаПоступило (not credited yet); skipped"))
                        continue
                    }
                    reading.incomingCount += 1
                    let raw = rawText(of: document, in: statement)
                    switch ClientBankExchange.payment(document, account: account, raw: raw) {
                    case .success(let payment):
                        if let earlier = seen[payment.id] {
                            reading.diagnostics.append(Diagnostic(
                                severity: .warning, kind: "duplicate-record", source: source, record: record,
                                message: "the same payment as the document at line \(earlier) (id \(payment.id)); read once"))
                            continue
                        }
                        seen[payment.id] = document.startLine
                        reading.payments.append(payment)
                    case .failure(let problems):
                        let key = "\(source):\(account):\(fingerprint(raw))"
                        reading.quarantined.append(quarantine(problems.problems, source: source,
                                                              record: "line \(problems.line), document №\(number ?? "?")",
                                                              key: key, raw: raw))
                    }
                }
            }
            return reading
        }
    }

    // MARK: Comparing

    /// What a reader gave: its reading or its error.
    enum Outcome: Equatable, CustomStringConvertible {
        case reading(BankStatementReading)
        case failure(SourceError)

        init(_ body: () throws(SourceError) -> BankStatementReading) {
            do throws(SourceError) { self = .reading(try body()) } catch { self = .failure(error) }
        }

        var description: String {
            switch self {
            case .reading(let reading):
                "reading: \(reading.documentCount) documents, \(reading.payments.count) payments, \(reading.quarantined.count) quarantined, "
                    + "diagnostics \(reading.diagnostics.map(\.kind))"
            case .failure(let error): "error: \(error)"
            }
        }
    }

    /// Reads `bytes` both ways against every account set (and parses them both ways) and expects
    /// the same; returns the outcomes against `[]` for the caller's own checks.
    @discardableResult
    static func expectSame(_ bytes: [UInt8], _ label: String, accountSets: [Set<String>] = accountSets,
                           sourceLocation: SourceLocation = #_sourceLocation) -> [Outcome] {
        var outcomes: [Outcome] = []
        for accounts in accountSets {
            let streamed = Outcome { () throws(SourceError) in try ClientBankExchange.read(bytes, ourAccounts: accounts) }
            let whole = Outcome { () throws(SourceError) in try Oracle.read(bytes, ourAccounts: accounts) }
            #expect(streamed == whole, "\(label), accounts \(accounts.sorted()): \(streamed) vs \(whole)", sourceLocation: sourceLocation)
            // With the payments kept aside as read: the same reading once the payments are back from the keeper.
            let keeper = KeptPayments()
            let kept = Outcome { () throws(SourceError) in try ClientBankExchange.read(bytes, ourAccounts: accounts, keeper: keeper) }
            #expect(Self.restored(kept, from: keeper, sourceLocation: sourceLocation) == streamed,
                    "\(label), accounts \(accounts.sorted()), payments kept aside", sourceLocation: sourceLocation)
            outcomes.append(streamed)
        }
        // `parse` shares the scanner: the same statement, diagnostics or error as the oracle's parse.
        let parsed: Result<ClientBankStatement, SourceError> = Result { () throws(SourceError) in try ClientBankExchange.parse(bytes).statement }
        let expected: Result<ClientBankStatement, SourceError> = Result { () throws(SourceError) in try Oracle.parse(bytes).statement }
        #expect(parsed == expected, "\(label): parse", sourceLocation: sourceLocation)
        let parsedDiagnostics = try? ClientBankExchange.parse(bytes).diagnostics
        #expect(parsedDiagnostics == (try? Oracle.parse(bytes).diagnostics), "\(label): parse diagnostics", sourceLocation: sourceLocation)
        return outcomes
    }

    /// A reading made with `keeper`, its payments back from it.
    static func restored(_ outcome: Outcome, from keeper: KeptPayments,
                         sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        guard case .reading(let reading) = outcome else { return outcome }
        return .reading(keeper.restored(reading, sourceLocation: sourceLocation))
    }

    static func day27() throws -> String { try Fixture.oneCText(Fixture.day27) }

    /// The lines of a CRLF text and the text again from lines.
    static func lines(_ text: String) -> [String] { text.components(separatedBy: "\r\n") }
    static func joined(_ lines: [String]) -> String { lines.joined(separator: "\r\n") }

    // MARK: Samples, real exports, generated days

    @Test func theSampleDaysReadTheSame() throws {
        for day in [Fixture.day26, Fixture.day27] {
            let bytes = try Fixture.sample(day, Fixture.oneCName(day))
            let outcomes = Self.expectSame(bytes, day.iso)
            guard case .reading(let reading) = outcomes[1] else {
                Issue.record("\(day.iso) does not read: \(outcomes[1])")
                continue
            }
            #expect(!reading.payments.isEmpty)
        }
    }

    @Test(.enabled(if: Fixture.hasRealInputs))
    func everyRealExportReadsTheSame() throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("1c")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 6)
        for name in names {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            // Their own accounts too (the statement's first РасчСчет), and as the files are with a BOM and LF only.
            let own = (try? ClientBankExchange.parse(bytes).statement.accounts) ?? []
            let outcomes = Self.expectSame(bytes, name, accountSets: Self.accountSets + [Set(own)].filter { !$0.isEmpty })
            guard case .reading(let reading) = outcomes[0] else {
                Issue.record("\(name) does not read: \(outcomes[0])")
                continue
            }
            #expect(reading.documentCount > 0)
            Self.expectSame([0xEF, 0xBB, 0xBF] + bytes, name + " with a BOM", accountSets: [[]])
            let text = String(decoding: bytes, as: UTF8.self)
            Self.expectSame(Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8), name + " LF", accountSets: [[]])
        }
    }

    @Test func generatedDaysReadTheSame() throws {
        let day = Fixture.day27
        for (orders, seed) in [(400, UInt64(3)), (1_500, UInt64(11))] {
            let folder = try Paths.temporaryDirectory("sverka-1c-streaming")
            defer { try? FileManager.default.removeItem(at: folder) }
            _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: orders, seed: seed), to: folder)
            let url = folder.appendingPathComponent("days/\(day.iso)/\(Generator.fileNames(for: day).bank1C)")
            let bytes = Array(try Data(contentsOf: url))
            let outcomes = Self.expectSame(bytes, "generated \(orders) orders, seed \(seed)")
            guard case .reading(let reading) = outcomes[0] else {
                Issue.record("the generated statement does not read: \(outcomes[0])")
                continue
            }
            #expect(reading.payments.count > orders / 10)
            #expect(reading.payments.allSatisfy { $0.raw.hasPrefix("СекцияДокумент=") && $0.raw.hasSuffix("КонецДокумента") })
            #expect(reading.payments.allSatisfy { !$0.raw.contains("\r") })
        }
    }

    // MARK: Damaged and unusual files

    /// A change to the 27th's sample.
    struct Variant: Sendable, CustomStringConvertible {
        var description: String
        var change: @Sendable (String) throws -> String
        init(_ description: String, _ change: @escaping @Sendable (String) throws -> String) {
            self.description = description
            self.change = change
        }
    }

    static let variants: [Variant] = [
        Variant("unchanged", { (text: String) in text }),
        Variant("a document left unclosed", { try $0.replacingOnce("Очередность=5\r\nНазначениеПлатежа=опл. сч.126\r\nИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D\r\nКонецДокумента\r\n",
                                                               with: "Очередность=5\r\nНазначениеПлатежа=опл. сч.126\r\n") }),
        Variant("no КонецФайла", { try $0.replacingOnce("КонецФайла\r\n", with: "") }),
        Variant("no КонецФайла nor a final line break", { try $0.replacingOnce("КонецФайла\r\n", with: "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines) }),
        Variant("text after КонецФайла", { $0 + "\r\nмусор\r\n  \r\nКлюч=значение\r\nСекцияДокумент=Платежное поручение\r\n" }),
        Variant("blank lines around", { "\r\n  \r\n\t\r\n" + $0 + "\r\n\r\n\r\n" }),
        Variant("no final line break", { String($0.dropLast(2)) }),
        Variant("a line that is no key=value inside a document", { try $0.replacingOnce("Сумма=5000", with: "просто текст\r\nСумма=5000") }),
        Variant("a line that is no key=value in the header", { try $0.replacingOnce("Кодировка=Windows\r\n", with: "Кодировка=Windows\r\nзаголовок без знака\r\n") }),
        Variant("LF only", { $0.replacingOccurrences(of: "\r\n", with: "\n") }),
        Variant("CR only", { $0.replacingOccurrences(of: "\r\n", with: "\r") }),
        Variant("LF CR", { $0.replacingOccurrences(of: "\r\n", with: "\n\r") }),
        Variant("a bad amount", { try $0.replacingOnce("Сумма=5000", with: "Сумма=5 000 руб") }),
        Variant("a missing amount and a bad date", { try $0.replacingOnce("Номер=2231\r\nДата=27.11.2026\r\nСумма=1000.00\r\n", with: "Номер=2231\r\nДата=27.13.2026\r\n") }),
        Variant("a bad ДатаПоступило", { try $0.replacingOnce("Сумма=5000", with: "ДатаПоступило=32.11.2026\r\nСумма=5000") }),
        Variant("not credited", { $0.replacingOccurrences(of: "ДатаПоступило=27.11.2026", with: "ДатаПоступило=") }),
        Variant("an internal transfer", { try $0.replacingOnce("ПлательщикСчет=40702810300000031234", with: "ПлательщикСчет=\(Fixture.secondAccount)") }),
        Variant("a foreign document", { $0.replacingOccurrences(of: "ПолучательСчет=\(Fixture.mainAccount)", with: "ПолучательСчет=40702810000000000001") }),
        Variant("the same payment twice", { text in
            guard let start = text.range(of: "СекцияДокумент="), let end = text.range(of: "КонецДокумента\r\n") else { return text }
            return try text.replacingOnce("КонецФайла", with: String(text[start.lowerBound..<end.upperBound]) + "КонецФайла")
        }),
        Variant("the header's account after the documents", { text in
            try text.replacingOnce("РасчСчет=\(Fixture.mainAccount)\r\nДокумент=", with: "Документ=")
                .replacingOnce("КонецФайла", with: "РасчСчет=\(Fixture.mainAccount)\r\nКонецФайла")
        }),
        Variant("a second header account after the documents", { try $0.replacingOnce("КонецФайла", with: "РасчСчет=\(Fixture.secondAccount)\r\nКонецФайла") }),
        Variant("a second header account between documents", { text in
            guard let second = text.range(of: "СекцияДокумент=", range: (text.range(of: "СекцияДокумент=")?.upperBound ?? text.startIndex)..<text.endIndex) else { return text }
            return text.replacingCharacters(in: second.lowerBound..<second.lowerBound, with: "РасчСчет=\(Fixture.secondAccount)\r\n")
        }),
        Variant("no header account", { try $0.replacingOnce("РасчСчет=\(Fixture.mainAccount)\r\nДокумент=", with: "Документ=") }),
        Variant("an empty header account", { try $0.replacingOnce("РасчСчет=\(Fixture.mainAccount)\r\nДокумент=", with: "РасчСчет= \r\nДокумент=") }),
        Variant("КонецДокумента without an opening", { try $0.replacingOnce("КонецФайла", with: "КонецДокумента\r\nКонецФайла") }),
        Variant("a document closed by КонецРасчСчет", { try $0.replacingOnce("ИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D\r\nКонецДокумента", with: "ИдентификаторПлатежа=A6B2F0C1D3E54A7B9C8D0E1F2A3B4C5D\r\nКонецРасчСчет") }),
        Variant("spaces around keys and markers", { $0.replacingOccurrences(of: "\r\nСумма=", with: "\r\n  Сумма\t= ").replacingOccurrences(of: "КонецДокумента", with: " КонецДокумента\u{00A0}") }),
        Variant("a key with a combining mark", { try $0.replacingOnce("Сумма=5000", with: "Сумма\u{0301}=1\r\nСумма=5000") }),
        Variant("not a statement", { "<html>\r\n" + $0 }),
        Variant("empty", { _ in "" }),
        Variant("only the marker", { _ in "1CClientBankExchange\r\n" }),
    ]

    /// The 27th's sample with one change, as cp1251 bytes against every account set, and as UTF-8.
    @Test(arguments: variants)
    func aChangedSampleReadsTheSame(_ variant: Variant) throws {
        let label = variant.description
        let text = try variant.change(Self.day27())
        Self.expectSame(Fixture.cp1251(text), label)
        Self.expectSame(Array(text.utf8), label + " (UTF-8 bytes)", accountSets: [[], [Self.main]])
        Self.expectSame([0xEF, 0xBB, 0xBF] + Array(text.utf8), label + " (UTF-8 with a BOM)", accountSets: [[], [Self.main]])
    }

    @Test func theErrorsAndTheLateAccountsAreThoseExpected() throws {
        // Spot checks that the variants above reach the cases they name.
        let unclosed = try Self.day27().replacingOnce("КонецФайла\r\n", with: "")
        let error = #expect(throws: SourceError.self) { try ClientBankExchange.read(Fixture.cp1251(unclosed)) }
        #expect(error?.reason.contains("without КонецФайла") == true)
        #expect(error?.line == Self.lines(unclosed).count - 1)

        let late = try Self.day27().replacingOnce("РасчСчет=\(Self.main)\r\nДокумент=", with: "Документ=")
            .replacingOnce("КонецФайла", with: "РасчСчет=\(Self.main)\r\nКонецФайла")
        #expect(try ClientBankExchange.read(Fixture.cp1251(late)).payments.count == 6)

        let moreLater = try Self.day27().replacingOnce("КонецФайла", with: "РасчСчет=\(Self.second)\r\nКонецФайла")
        let reading = try ClientBankExchange.read(Fixture.cp1251(moreLater))
        #expect(reading == (try Oracle.read(Fixture.cp1251(moreLater))))
        #expect(reading.diagnostics.isEmpty && reading.payments.count == 6)

        let none = try Self.day27().replacingOnce("РасчСчет=\(Self.main)\r\nДокумент=", with: "Документ=")
        let noAccount = #expect(throws: SourceError.self) { try ClientBankExchange.read(Fixture.cp1251(none)) }
        #expect(noAccount?.reason.contains("no account of ours") == true)

        // The parse-level diagnostics come first, then the documents' own.
        let mixed = try Self.day27().replacingOnce("Сумма=5000", with: "Сумма=5 000 руб")
            .replacingOccurrences(of: "ДатаПоступило=27.11.2026", with: "ДатаПоступило=")
            + "\r\nпосле конца\r\n"
        let mixedReading = try ClientBankExchange.read(Array(mixed.utf8), ourAccounts: [Self.main])
        #expect(mixedReading.diagnostics.map(\.kind).prefix(2) == ["statement-encoding", "statement-format"])
        #expect(mixedReading.diagnostics.dropFirst(2).allSatisfy { $0.kind == "not-credited" })
        #expect(mixedReading.diagnostics.count > 2)
    }

    @Test("a payment that cannot be kept aside fails the reading, naming the document")
    func aPaymentNotKeptFailsTheReading() throws {
        let bytes = Fixture.cp1251(try Self.day27())
        let all = try ClientBankExchange.read(bytes)
        #expect(all.payments.count > 3)
        let error = #expect(throws: SourceError.self) {
            try ClientBankExchange.read(bytes, keeper: KeptPayments(failingAt: 2))
        }
        #expect(error?.reason.contains("cannot be kept aside") == true)
        let third = try #require(all.payments.dropFirst(2).first)
        #expect(error?.reason.contains("document №\(third.documentNumber ?? "?")") == true, "\(String(describing: error))")
        // Read through a spool (as the job reads a statement it fetched), the same.
        let keeper = KeptPayments()
        let spool = try StatementSpool(directory: nil)
        try bytes.withUnsafeBytes { try spool.receive($0) }
        let spooled = try ClientBankExchange.read(spool, keeper: keeper)
        #expect(Self.restored(.reading(spooled), from: keeper) == .reading(all))
    }

    @Test func theSampleInCP866ReadsTheSame() throws {
        let text = try Self.day27().replacingOnce("Кодировка=Windows", with: "Кодировка=DOS")
            .replacingOccurrences(of: "«", with: "\"").replacingOccurrences(of: "»", with: "\"")
        let bytes = try #require(CyrillicCodePage.cp866.encode(text))
        Self.expectSame(bytes, "cp866")
        // Declared Windows: the encoding contradicts the declaration, the same error both ways.
        let contradicted = try #require(CyrillicCodePage.cp866.encode(text.replacingOnce("Кодировка=DOS", with: "Кодировка=Windows")))
        let outcomes = Self.expectSame(contradicted, "cp866 declared Windows")
        #expect(outcomes.allSatisfy { if case .failure = $0 { true } else { false } })
    }

    @Test func theSampleCutAtEveryLineOrWithoutAnyOneLineReadsTheSame() throws {
        let lines = Self.lines(try Self.day27())
        for count in 0...lines.count {
            Self.expectSame(Fixture.cp1251(Self.joined(Array(lines.prefix(count)))), "the first \(count) lines", accountSets: [[], [Self.main]])
        }
        for index in lines.indices {
            var without = lines
            without.remove(at: index)
            Self.expectSame(Fixture.cp1251(Self.joined(without)), "without line \(index + 1)", accountSets: [[], [Self.main]])
        }
    }

    @Test func randomLineBreaksReadTheSame() throws {
        let lines = Self.lines(try Self.day27())
        var random = SplitMix64(seed: 2026_11_29)
        let breaks = ["\r\n", "\n", "\r", "\n\r", "\r\n\r\n", "\n \n"]
        for round in 0..<60 {
            var text = ""
            for line in lines {
                text += line
                text += breaks.randomElement(using: &random) ?? "\n"
            }
            if Bool.random(using: &random) { text.removeLast() }
            Self.expectSame(Fixture.cp1251(text), "line breaks, round \(round)", accountSets: [[], [Self.main]])
        }
    }
}
