import Domain
import Foundation
import Generator
@testable import Ingest
import Testing
import TestSupport

/// The camt.053 reader reads a statement a piece at a time, its entries one at a time as they close.
/// It must read exactly what the whole-tree reader it replaced read (`WholeTreeCamt053`, frozen),
/// from memory and from a spool alike, and fail with the same error, on the samples, the real
/// statements, generated days and changed files; the one difference is on purpose: past line 65 535
/// the whole tree lost the entries' lines, so their XML as written was not cut out.
@Suite("camt.053 read a piece at a time = read whole")
struct Camt053StreamingTests {
    static let ours: Set<String> = [Fixture.secondAccount]

    enum Outcome: Equatable, CustomStringConvertible {
        case statements([CamtStatement])
        case reading(BankStatementReading)
        case failed(SourceError)

        var description: String {
            switch self {
            case .statements(let statements): "\(statements.count) statements, \(statements.map(\.entries.count)) entries"
            case .reading(let reading): "\(reading.documentCount) entries, \(reading.payments.count) payments"
            case .failed(let error): "failed: \(error)"
            }
        }
    }

    static func outcome(_ body: () throws(SourceError) -> [CamtStatement]) -> Outcome {
        do throws(SourceError) { return .statements(try body()) } catch { return .failed(error) }
    }

    static func outcome(_ body: () throws(SourceError) -> BankStatementReading) -> Outcome {
        do throws(SourceError) { return .reading(try body()) } catch { return .failed(error) }
    }

    /// The bytes spooled as the job spools a statement.
    static func spool(_ bytes: [UInt8]) throws -> StatementSpool {
        let spool = try StatementSpool(source: SourceName.camt053)
        try bytes.withUnsafeBytes { try spool.receive($0) }
        return spool
    }

    /// Parses and reads `bytes` (for each of `accountSets`) both ways, from memory and from a
    /// spool, and expects the same; returns the streaming parse's outcome.
    @discardableResult
    static func expectSame(_ bytes: [UInt8], _ label: String, accountSets: [Set<String>] = [[], ours],
                           sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let parsed = outcome { () throws(SourceError) in try Camt053.parse(bytes) }
        let expected = outcome { () throws(SourceError) in try WholeTreeCamt053.parse(bytes) }
        #expect(parsed == expected, "\(label): parse", sourceLocation: sourceLocation)
        for accounts in accountSets {
            let reference = outcome { () throws(SourceError) in try WholeTreeCamt053.read(bytes, ourAccounts: accounts) }
            let fromMemory = outcome { () throws(SourceError) in try Camt053.read(bytes, ourAccounts: accounts) }
            #expect(fromMemory == reference, "\(label), accounts \(accounts.sorted()): read", sourceLocation: sourceLocation)
            do {
                let spool = try spool(bytes)
                let fromSpool = outcome { () throws(SourceError) in try Camt053.read(spool, ourAccounts: accounts) }
                #expect(fromSpool == reference, "\(label), accounts \(accounts.sorted()): read from a spool", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(label): \(error)", sourceLocation: sourceLocation)
            }
        }
        return parsed
    }

    /// Independently of both readers: each `<Ntry>`'s line and its text as written (its lines up to
    /// the one holding `</Ntry>`), in document order.
    static func entriesAsWritten(_ text: String) -> [(line: Int, xml: String)] {
        let lines = text.components(separatedBy: "\n")
        var result: [(Int, String)] = []
        var index = 0
        while index < lines.count {
            if lines[index].contains("<Ntry>") {
                var end = index
                while !lines[end].contains("</Ntry>") { end += 1 }
                result.append((index + 1, lines[index...end].joined(separator: "\n")))
                index = end + 1
            } else {
                index += 1
            }
        }
        return result
    }

    // MARK: Samples, real statements, generated days

    @Test func theSamplesReadTheSame() throws {
        for day in [Fixture.day26, Fixture.day27] {
            let name = "camt053_\(day.iso.replacingOccurrences(of: "-", with: "")).xml"
            guard let bytes = try? Fixture.sample(day, name) else { continue }
            let outcome = Self.expectSame(bytes, name)
            guard case .statements(let statements) = outcome else { Issue.record("\(name): \(outcome)"); continue }
            let written = Self.entriesAsWritten(String(decoding: bytes, as: UTF8.self))
            #expect(statements.flatMap(\.entries).map(\.line) == written.map(\.line))
            #expect(statements.flatMap(\.entries).map(\.xml) == written.map(\.xml))
        }
    }

    @Test(.enabled(if: Fixture.hasRealInputs), arguments: Camt053Tests.realFiles)
    func realStatementsReadTheSame(_ file: String) throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("camt")
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file + ".xml")))
        let outcome = Self.expectSame(bytes, file, accountSets: [[]])
        guard case .statements = outcome else { Issue.record("\(file): \(outcome)"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        Self.expectSame(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), file + " CRLF", accountSets: [[]])
    }

    @Test func generatedDaysReadTheSame() throws {
        let day = Fixture.day27
        for (orders, seed) in [(600, UInt64(5)), (3_000, UInt64(17))] {
            let folder = try Paths.temporaryDirectory("sverka-camt-streaming")
            defer { try? FileManager.default.removeItem(at: folder) }
            _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: orders, seed: seed), to: folder)
            let url = folder.appendingPathComponent("days/\(day.iso)/\(Generator.fileNames(for: day).camt053)")
            let bytes = Array(try Data(contentsOf: url))
            let outcome = Self.expectSame(bytes, "generated \(orders) orders, seed \(seed)")
            guard case .statements(let statements) = outcome else { Issue.record("\(outcome)"); continue }
            let entries = statements.flatMap(\.entries)
            #expect(entries.count > orders / 200)
            #expect(entries.allSatisfy { $0.xml?.hasPrefix("            <Ntry>") == true && $0.xml?.hasSuffix("</Ntry>") == true })
            let reading = try Camt053.read(bytes, ourAccounts: Self.ours)
            #expect(!reading.payments.isEmpty && reading.payments.allSatisfy { $0.raw.hasSuffix("</Ntry>") })
        }
    }

    // MARK: Changed statements

    /// A change to the 27th's sample statement.
    struct Variant: Sendable, CustomStringConvertible {
        var description: String
        var change: @Sendable (String) throws -> String
    }

    static let statementStart = "        <Stmt>"
    static let variants: [Variant] = [
        Variant(description: "CRLF") { $0.replacingOccurrences(of: "\n", with: "\r\n") },
        Variant(description: "no declaration") { String($0.drop { $0 != "\n" }.dropFirst()) },
        Variant(description: "a prefix on every element") { text in
            text.replacingOccurrences(of: "<([/]?)([A-Za-z])", with: "<$1c:$2", options: .regularExpression)
                .replacingOccurrences(of: "xmlns=", with: "xmlns:c=")
        },
        Variant(description: "all on one line") {
            $0.replacingOccurrences(of: ">\\s+<", with: "><", options: .regularExpression)
        },
        Variant(description: "entries on one line") { text in
            text.replacingOccurrences(of: "</Ntry>\n            <Ntry>", with: "</Ntry><Ntry>")
        },
        Variant(description: "the statement twice") { text in
            let start = try #require(text.range(of: statementStart)).lowerBound
            let end = try #require(text.range(of: "</Stmt>\n")).upperBound
            return try text.replacingOnce("    </BkToCstmrStmt>", with: String(text[start..<end]) + "    </BkToCstmrStmt>")
        },
        Variant(description: "a second message, not read") { text in
            let start = try #require(text.range(of: "    <BkToCstmrStmt>")).lowerBound
            let end = try #require(text.range(of: "</BkToCstmrStmt>\n")).upperBound
            return try text.replacingOnce("</Document>", with: String(text[start..<end]) + "</Document>")
        },
        Variant(description: "a second Id and Acct") { text in
            let first = try #require(text.range(of: "            <Ntry>"))
            return text.replacingCharacters(in: first, with: "            <Id>other</Id><Acct><Id><IBAN>X</IBAN></Id></Acct>\n            <Ntry>")
        },
        Variant(description: "no account") { text in
            text.replacingOccurrences(of: "<Acct>[\\s\\S]*?</Acct>", with: "", options: .regularExpression)
        },
        Variant(description: "no account, no entries") { text in
            text.replacingOccurrences(of: "<Acct>[\\s\\S]*?</Acct>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "<Ntry>[\\s\\S]*?</Ntry>", with: "", options: .regularExpression)
        },
        Variant(description: "a statement of another account") { text in
            text.replacingOccurrences(of: Fixture.secondAccount, with: Fixture.mainAccount)
        },
        Variant(description: "not camt.053") { $0.replacingOccurrences(of: "camt.053.001.05", with: "camt.052.001.05") },
        Variant(description: "no BkToCstmrStmt") { $0.replacingOccurrences(of: "BkToCstmrStmt>", with: "BkToCstmrRpt>") },
        Variant(description: "an XXE payload") { text in
            try text.replacingOnce("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                                   with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n")
                .replacingOnce("<Ustrd>Сумма 7000-00, в т.ч. НДС</Ustrd>", with: "<Ustrd>&xxe;</Ustrd>")
        },
        Variant(description: "cut in the middle") { String($0.prefix($0.count / 2)) },
        Variant(description: "cut in the last entry") { text in
            String(text[..<(try #require(text.range(of: "</Ntry>", options: .backwards)).lowerBound)])
        },
        Variant(description: "empty") { _ in "" },
    ]

    @Test(arguments: variants)
    func changedStatementsReadTheSame(_ variant: Variant) throws {
        let text = try variant.change(try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml"))
        Self.expectSame(Array(text.utf8), variant.description)
    }

    @Test func aWindows1251StatementReadsTheSameWithoutItsEntriesXML() throws {
        let text = try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml")
            .replacingOnce("encoding=\"UTF-8\"", with: "encoding=\"windows-1251\"")
        let bytes = Fixture.cp1251(text)
        let outcome = Self.expectSame(bytes, "windows-1251")
        guard case .statements(let statements) = outcome else { Issue.record("\(outcome)"); return }
        #expect(statements.flatMap(\.entries).allSatisfy { $0.xml == nil })
        #expect(statements.flatMap(\.entries).contains { $0.transactions.first?.debtorName == "ИП Смирнова Ольга Петровна" })
    }

    /// Past line 65 535 libxml2's tree keeps no exact line for an element: the whole-tree reader
    /// then cut no XML for those entries (and named a wrong line). The streaming reader knows each
    /// entry's start line and cuts its XML as written, as for the first entries.
    @Test func entriesPastLine65535KeepTheirLinesAndXML() throws {
        let text = try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml")
            .replacingOnce("    <BkToCstmrStmt>", with: "<!--" + String(repeating: "\n", count: 70_000) + "-->\n    <BkToCstmrStmt>")
        let bytes = Array(text.utf8)
        let streamed = try Camt053.parse(bytes).flatMap(\.entries)
        let whole = try WholeTreeCamt053.parse(bytes).flatMap(\.entries)
        let written = Self.entriesAsWritten(text)
        #expect(written.count == 3 && written.allSatisfy { $0.line > 70_000 })
        #expect(streamed.map(\.line) == written.map(\.line))
        #expect(streamed.map(\.xml) == written.map(\.xml))
        #expect(whole.allSatisfy { $0.xml == nil })
        // Apart from the line and the XML, the same entries.
        func rest(_ entry: CamtEntry) -> CamtEntry {
            var entry = entry
            entry.line = 0
            entry.xml = nil
            return entry
        }
        #expect(streamed.map(rest) == whole.map(rest))
        let payment = try #require(try Camt053.read(bytes, ourAccounts: Self.ours).payments.first)
        #expect(payment.raw == written[0].xml)
    }

    @Test func anAccountAfterTheEntriesFailsTheStatement() throws {
        // Out of the schema's order: the entries are read as they close, with their statement's account.
        let text = try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml")
        let account = try #require(text.range(of: "<Acct>[\\s\\S]*?</Acct>", options: .regularExpression))
        let moved = try text.replacingCharacters(in: account, with: "")
            .replacingOnce("        </Stmt>", with: "            " + text[account] + "\n        </Stmt>")
        let error = #expect(throws: SourceError.self) { try Camt053.read(Array(moved.utf8)) }
        #expect(error?.reason == "statement 40702810901300004567-20261127 names its account (Acct/Id) only after entries; camt.053 puts it before them")
        #expect(error?.line == 25)
    }

    // MARK: Payments kept aside, failures

    @Test func thePaymentsGoToTheKeeperAsRead() throws {
        let folder = try Paths.temporaryDirectory("sverka-camt-records")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: Fixture.day27, ordersPerDay: 2_000, seed: 9), to: folder)
        let url = folder.appendingPathComponent("days/\(Fixture.day27.iso)/\(Generator.fileNames(for: Fixture.day27).camt053)")
        let bytes = Array(try Data(contentsOf: url))
        let plain = try Camt053.read(bytes, ourAccounts: Self.ours)
        #expect(plain.payments.count > 10 && plain.payments.allSatisfy { !$0.raw.isEmpty }, "\(plain.payments.count) payments")
        let keeper = KeptPayments()
        let kept = try Camt053.read(try Self.spool(bytes), ourAccounts: Self.ours, keeper: keeper)
        #expect(kept.payments.isEmpty)
        #expect(kept.kept.map(\.place) == Array(0..<plain.payments.count))
        #expect(keeper.restored(kept) == plain)

        let failing = KeptPayments(failingAt: 2)
        let error = #expect(throws: SourceError.self) { try Camt053.read(bytes, ourAccounts: Self.ours, keeper: failing) }
        #expect(error?.source == "bank-camt053")
        #expect(error?.reason.contains("cannot be kept aside: ") == true, "\(String(describing: error))")
    }

    @Test func aStatementThatCannotBeReadBackFailsItsSource() throws {
        // A spool over a file open for writing only: every read back fails.
        let path = try Paths.temporaryDirectory("sverka-camt-unreadable").appendingPathComponent("statement")
        defer { try? FileManager.default.removeItem(at: path.deletingLastPathComponent()) }
        let descriptor = open(path.path, O_WRONLY | O_CREAT, 0o600)
        #expect(descriptor >= 0)
        let spool = StatementSpool(descriptor: descriptor, source: SourceName.camt053)
        try Array(try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml").utf8).withUnsafeBytes { try spool.receive($0) }
        let error = #expect(throws: SourceError.self) { try Camt053.read(spool) }
        #expect(error?.source == "bank-camt053")
        #expect(error?.reason.contains("could not be read back") == true)
    }

    @Test func aStatementOverTheLimitIsRefusedBeforeItIsRead() throws {
        let bytes = Array(try Fixture.sampleText(Fixture.day27, "camt053_20261127.xml").utf8)
        let spool = try Self.spool(bytes)
        let error = #expect(throws: SourceError.self) { try Camt053.read(spool, limit: bytes.count - 1) }
        #expect(error?.reason == "rejected for safety: the statement is \(bytes.count) bytes, more than the limit of \(bytes.count - 1) bytes")
        #expect(try Camt053.read(spool, limit: bytes.count).documentCount == 3)
    }
}

extension CamtStatement: CustomStringConvertible {
    public var description: String { "\(id) (\(account)): \(entries.count) entries" }
}

@Suite("An entry's lines cut out as written")
struct EntryLinesTests {
    @Test func everyEntryIsCutAndOnlyTheLinesAtHandAreHeld() throws {
        // 20 000 entries of five lines (~4 MB): what is held never grows with what was passed.
        var text = "<?xml version=\"1.0\"?>\n<Document>\n"
        var starts: [Int] = []
        var line = 3
        for index in 0..<20_000 {
            starts.append(line)
            text += "  <Ntry>\n    <Amt>\(index)</Amt>\n    <AcctSvcrRef>R-\(index)</AcctSvcrRef>\n    <Sts>BOOK</Sts>\n  </Ntry>\n"
            line += 5
        }
        text += "</Document>\n"
        var lines = EntryLines(InMemoryStatement(Array(text.utf8)))
        var most = 0
        for (index, start) in starts.enumerated() {
            let cut = try lines.text(from: start, opening: "<Ntry>", closing: "</Ntry>")
            #expect(cut == "  <Ntry>\n    <Amt>\(index)</Amt>\n    <AcctSvcrRef>R-\(index)</AcctSvcrRef>\n    <Sts>BOOK</Sts>\n  </Ntry>")
            most = max(most, lines.heldBytes)
        }
        #expect(most <= 2 * EntryLines<InMemoryStatement>.pieceSize, "\(most) bytes held")
        // A line already passed is not read again; the same line twice gives the same text.
        #expect(try lines.text(from: starts[0], opening: "<Ntry>", closing: "</Ntry>") == nil)
        #expect(try lines.text(from: starts[19_999], opening: "<Ntry>", closing: "</Ntry>")?.contains("R-19999") == true)
    }

    @Test func aTextOfTheLimitOrMoreIsNotHeld() throws {
        let long = String(repeating: "x", count: EntryLines<InMemoryStatement>.limit)
        let text = "<Ntry>\n\(long)\n</Ntry>\n<Ntry>\nshort\n</Ntry>\n"
        var lines = EntryLines(InMemoryStatement(Array(text.utf8)))
        #expect(try lines.text(from: 1, opening: "<Ntry>", closing: "</Ntry>") == nil)
        #expect(lines.heldBytes <= EntryLines<InMemoryStatement>.limit + 2 * EntryLines<InMemoryStatement>.pieceSize)
        #expect(try lines.text(from: 4, opening: "<Ntry>", closing: "</Ntry>") == "<Ntry>\nshort\n</Ntry>")
    }
}
