import Domain
import Foundation
import Generator
import HTTP
@testable import Ingest
import Testing
import TestSupport

/// `ClientBankExchange.read` reads the statement a piece at a time (from memory, a file, or the
/// temporary file a download was spooled to); the reader it replaced decoded the whole text first.
/// That reader is written out here as the oracle (`WholeText`), and both must give the same reading
/// — payments with the same raw texts, quarantined records, diagnostics in the same order, counts —
/// or the same error, with pieces as small as one byte (a piece ending inside a line, between CR
/// and LF, inside a UTF-8 sequence, inside the byte order mark).
@Suite("1C statement read a piece at a time = decoded whole, then scanned")
struct ClientBankChunkedTests {
    static let main = Fixture.mainAccount
    static let second = Fixture.secondAccount
    static let chunkSizes = [1, 2, 3, 7, 64, 4096, ClientBankExchange.chunkSize]
    typealias Outcome = ClientBankStreamingTests.Outcome

    // MARK: The oracle: the reader as it was on main, the whole text decoded, then scanned

    enum WholeText {
        static let source = SourceName.bank1C

        static func isLineBreak(_ character: Character) -> Bool {
            character == "\r\n" || character == "\n" || character == "\r"
        }

        static func decode(_ bytes: ArraySlice<UInt8>, diagnostics: inout [Diagnostic]) throws(SourceError)
            -> (text: String, encoding: StatementEncoding, declared: String?) {
            func declaredEncoding(in text: String) -> (value: String, line: Int)? {
                var number = 0
                var rest = text[...]
                while !rest.isEmpty {
                    number += 1
                    let end = rest.firstIndex(where: isLineBreak) ?? rest.endIndex
                    let line = rest[..<end]
                    rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
                    let (key, value) = ClientBankExchange.splitField(String(line).trimmingSpaces)
                    if key == "Кодировка", let value { return (value.trimmingSpaces, number) }
                    if key == "СекцияДокумент" { break }
                }
                return nil
            }
            func kind(_ declared: String) -> CyrillicCodePage? {
                switch declared.lowercased() {
                case "windows": .cp1251
                case "dos": .cp866
                default: nil
                }
            }

            if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.contains(where: { (0x0400...0x04FF).contains($0.value) }) {
                let declared = declaredEncoding(in: text)
                if let declared, declared.value.lowercased() != "utf-8", declared.value.lowercased() != "utf8" {
                    diagnostics.append(Diagnostic(severity: .info, kind: "statement-encoding", source: source, record: "line \(declared.line)",
                                                  field: "Кодировка",
                                                  message: "the file declares Кодировка=\(declared.value) but its bytes are UTF-8; read as UTF-8"))
                }
                return (text, .utf8, declared?.value)
            }
            for page in [CyrillicCodePage.cp1251, .cp866] {
                let text = page.decode(bytes)
                guard let declared = declaredEncoding(in: text) else { continue }
                switch kind(declared.value) {
                case page:
                    return (text, page == .cp1251 ? .cp1251 : .cp866, declared.value)
                case .some(let other):
                    throw SourceError(source: source, line: declared.line,
                                      reason: "the file declares Кодировка=\(declared.value) (\(other.rawValue)) but its bytes are \(page.rawValue); fix the export's encoding setting")
                case nil:
                    throw SourceError(source: source, line: declared.line,
                                      reason: "unknown Кодировка=\(declared.value) (expected Windows or DOS)")
                }
            }
            throw SourceError(source: source, reason: "no readable Кодировка line: the file is neither UTF-8, cp1251 nor cp866, or is not a 1CClientBankExchange file")
        }

        struct LineCursor {
            private let bytes: UnsafeBufferPointer<UInt8>
            private var position = 0
            private(set) var isFinished = false

            init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

            mutating func next() -> Range<Int>? {
                guard !isFinished else { return nil }
                let count = bytes.count
                var index = position
                while index < count {
                    let byte = bytes[index]
                    if byte == 0x0A || byte == 0x0D {
                        let line = position..<index
                        if byte == 0x0D, index + 1 < count, bytes[index + 1] == 0x0A { index += 1 }
                        position = index + 1
                        return line
                    }
                    index += 1
                }
                isFinished = true
                return position..<count
            }
        }

        static func scan<Sink: ClientBankScanSink>(_ text: String, into sink: inout Sink,
                                                   diagnostics: inout [Diagnostic]) throws(SourceError) -> Int {
            var text = text
            let result: Result<Int, SourceError> = text.withUTF8 { bytes in
                Result { () throws(SourceError) -> Int in try scan(bytes, into: &sink, diagnostics: &diagnostics) }
            }
            return try result.get()
        }

        static func notAStatement() -> SourceError {
            SourceError(source: source, line: 1, reason: "not a 1CClientBankExchange file (the first line must be '1CClientBankExchange')")
        }

        static func scan<Sink: ClientBankScanSink>(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout Sink,
                                                   diagnostics: inout [Diagnostic]) throws(SourceError) -> Int {
            var cursor = LineCursor(bytes)
            var number = 0
            var started = false
            var ended = false
            var open: (kind: String, isDocument: Bool, start: Int, startByte: Int, plainKeys: Bool)?
            var fields: [ClientBankField] = []
            while let range = cursor.next() {
                if cursor.isFinished && range.isEmpty { break }
                number += 1
                let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
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
                let (key, value) = ClientBankExchange.splitField(trimmed)
                let plain = ClientBankExchange.isPlainText(key)
                let opensDocument = ClientBankExchange.sameKey(key, plain: plain, "СекцияДокумент")
                let closesDocument = !opensDocument && ClientBankExchange.sameKey(key, plain: plain, "КонецДокумента")
                if opensDocument || ClientBankExchange.sameKey(key, plain: plain, "СекцияРасчСчет") {
                    if let section = open {
                        throw SourceError(source: source, line: section.start,
                                          reason: "the section opened here is not closed before line \(number) opens another (truncated or damaged file)")
                    }
                    open = (value ?? "", opensDocument, number, range.lowerBound, true)
                } else if closesDocument || ClientBankExchange.sameKey(key, plain: plain, "КонецРасчСчет") {
                    guard let section = open, section.isDocument == closesDocument else {
                        throw SourceError(source: source, line: number, reason: "\(key) without a matching opening section")
                    }
                    let closed = ClientBankSection(kind: section.kind, startLine: section.start, endLine: number, fields: fields,
                                                   plainKeys: section.plainKeys)
                    sink.closedSection(closed, isDocument: section.isDocument,
                                       bytes: UnsafeBufferPointer(rebasing: bytes[section.startByte..<range.upperBound]))
                    fields.removeAll(keepingCapacity: true)
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

        static func withoutBOM(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
            bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        }

        struct Collector: ClientBankScanSink {
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

        static func parse(_ bytes: [UInt8]) throws(SourceError) -> (statement: ClientBankStatement, diagnostics: [Diagnostic]) {
            var diagnostics: [Diagnostic] = []
            let (text, encoding, declared) = try decode(withoutBOM(bytes), diagnostics: &diagnostics)
            var collector = Collector()
            _ = try scan(text, into: &collector, diagnostics: &diagnostics)
            let statement = ClientBankStatement(encoding: encoding, declaredEncoding: declared, header: collector.header,
                                                accounts: ClientBankExchange.headerAccounts(collector.header),
                                                balances: collector.balances, documents: collector.documents, lines: collector.lines)
            return (statement, diagnostics)
        }

        static func read(_ bytes: [UInt8], ourAccounts: Set<String> = []) throws(SourceError) -> BankStatementReading {
            var diagnostics: [Diagnostic] = []
            let (text, _, _) = try decode(withoutBOM(bytes), diagnostics: &diagnostics)
            var reader = ClientBankExchange.DocumentReader(configured: ourAccounts)
            _ = try scan(text, into: &reader, diagnostics: &diagnostics)
            let accounts = Set(reader.headerAccounts)
            if ourAccounts.isEmpty {
                if accounts.isEmpty {
                    throw SourceError(source: source, reason: "no account of ours is known: the statement has no РасчСчет and none is configured")
                }
                if reader.needsAllAccounts || reader.usedAccounts.map({ $0 != accounts }) == true {
                    var again = ClientBankExchange.DocumentReader(configured: accounts)
                    var ignored: [Diagnostic] = []
                    _ = try scan(text, into: &again, diagnostics: &ignored)
                    reader = again
                }
            }
            var reading = reader.reading
            reading.diagnostics = diagnostics + reading.diagnostics
            return reading
        }
    }

    // MARK: Comparing

    /// What `parse` gives.
    struct ParseOutcome: Equatable {
        var statement: ClientBankStatement
        var diagnostics: [Diagnostic]
    }

    /// A spool holding `bytes`, given to it `piece` bytes at a time.
    static func spool(_ bytes: [UInt8], piece: Int, directory: String? = nil) throws -> StatementSpool {
        let spool = try StatementSpool(directory: directory)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            try bytes[offset..<end].withUnsafeBytes { try spool.receive($0) }
            offset = end
        }
        return spool
    }

    /// Reads `bytes` piece by piece (from memory with every chunk size in `chunkSizes`, from a spool
    /// with some) against every account set, parses them piece by piece, and expects what the
    /// whole-text oracle gives; returns the oracle's outcomes.
    @discardableResult
    static func expectSame(_ bytes: [UInt8], _ label: String, accountSets: [Set<String>] = [[], [main]],
                           chunkSizes: [Int] = chunkSizes, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for accounts in accountSets {
            let whole = Outcome { () throws(SourceError) in try WholeText.read(bytes, ourAccounts: accounts) }
            for size in chunkSizes {
                let chunked = Outcome { () throws(SourceError) in try ClientBankExchange.read(bytes, ourAccounts: accounts, chunkSize: size) }
                #expect(chunked == whole, "\(label), accounts \(accounts.sorted()), chunks of \(size): \(chunked) vs \(whole)",
                        sourceLocation: sourceLocation)
            }
            // Through a spool, the body arriving in pieces of another size than the file is read in.
            for (index, size) in chunkSizes.enumerated() where index % 2 == 0 || size == chunkSizes.last {
                let spool = try spool(bytes, piece: [5, 1_000, max(bytes.count, 1)][index % 3])
                #expect(spool.byteCount == bytes.count, sourceLocation: sourceLocation)
                let spooled = Outcome { () throws(SourceError) in try ClientBankExchange.read(spool, ourAccounts: accounts, chunkSize: size) }
                #expect(spooled == whole, "\(label), accounts \(accounts.sorted()), spooled, chunks of \(size): \(spooled) vs \(whole)",
                        sourceLocation: sourceLocation)
            }
            outcomes.append(whole)
        }
        let expected = Result { () throws(SourceError) in try WholeText.parse(bytes) }.map { ParseOutcome(statement: $0.statement, diagnostics: $0.diagnostics) }
        for size in chunkSizes {
            let parsed = Result { () throws(SourceError) in try ClientBankExchange.parse(bytes, chunkSize: size) }
                .map { ParseOutcome(statement: $0.statement, diagnostics: $0.diagnostics) }
            #expect(parsed == expected, "\(label): parse, chunks of \(size)", sourceLocation: sourceLocation)
        }
        return outcomes
    }

    /// The text in cp866 (`Кодировка=DOS`), a character cp866 lacks written as `?`.
    static func cp866(_ text: String) -> [UInt8] {
        let declared = text.replacingOccurrences(of: "Кодировка=Windows", with: "Кодировка=DOS")
        var bytes: [UInt8] = []
        for character in declared {
            bytes += CyrillicCodePage.cp866.encode(String(character)) ?? [0x3F]
        }
        return bytes
    }

    /// A generated day's statement (cp1251, as the generator writes it).
    static func generated(orders: Int, seed: UInt64) throws -> [UInt8] {
        let day = Fixture.day27
        let folder = try Paths.temporaryDirectory("sverka-1c-chunked")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: orders, seed: seed), to: folder)
        let url = folder.appendingPathComponent("days/\(day.iso)/\(Generator.fileNames(for: day).bank1C)")
        return Array(try Data(contentsOf: url))
    }

    // MARK: Samples, real exports, generated days

    @Test func theSampleDaysReadTheSame() throws {
        for day in [Fixture.day26, Fixture.day27] {
            let bytes = try Fixture.sample(day, Fixture.oneCName(day))
            let outcomes = try Self.expectSame(bytes, day.iso, accountSets: ClientBankStreamingTests.accountSets)
            guard case .reading(let reading) = outcomes[1] else {
                Issue.record("\(day.iso) does not read: \(outcomes[1])")
                continue
            }
            #expect(!reading.payments.isEmpty)
            let text = CyrillicCodePage.cp1251.decode(bytes)
            try Self.expectSame(Array(text.utf8), day.iso + " in UTF-8")
            try Self.expectSame([0xEF, 0xBB, 0xBF] + Array(text.utf8), day.iso + " in UTF-8 with a BOM")
            try Self.expectSame(Self.cp866(text), day.iso + " in cp866")
        }
    }

    @Test(.enabled(if: Fixture.hasRealInputs))
    func everyRealExportReadsTheSame() throws {
        let folder = try #require(Fixture.realInputs).appendingPathComponent("1c")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 6)
        for name in names {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            let own = (try? WholeText.parse(bytes).statement.accounts) ?? []
            let outcomes = try Self.expectSame(bytes, name, accountSets: [[], [Self.main], Set(own)])
            guard case .reading(let reading) = outcomes[0] else {
                Issue.record("\(name) does not read: \(outcomes[0])")
                continue
            }
            #expect(reading.documentCount > 0)
            try Self.expectSame([0xEF, 0xBB, 0xBF] + bytes, name + " with a BOM", accountSets: [[]])
            let text = String(decoding: bytes, as: UTF8.self)
            try Self.expectSame(Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8), name + " LF", accountSets: [[]])
            try Self.expectSame(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), name + " CR LF", accountSets: [[]])
        }
    }

    @Test func generatedDaysReadTheSameInEveryEncoding() throws {
        for (orders, seed, sizes) in [(60, UInt64(5), [1, 7, 4096]), (600, UInt64(13), [64, ClientBankExchange.chunkSize])] {
            let bytes = try Self.generated(orders: orders, seed: seed)
            let outcomes = try Self.expectSame(bytes, "generated \(orders) orders (cp1251)", chunkSizes: sizes)
            guard case .reading(let reading) = outcomes[0] else {
                Issue.record("the generated statement does not read: \(outcomes[0])")
                continue
            }
            #expect(reading.payments.count > orders / 10)
            let text = CyrillicCodePage.cp1251.decode(bytes)
            try Self.expectSame(Array(text.utf8), "generated \(orders) orders (UTF-8)", accountSets: [[]], chunkSizes: sizes)
            try Self.expectSame(Self.cp866(text), "generated \(orders) orders (cp866)", accountSets: [[]], chunkSizes: sizes)
        }
    }

    // MARK: Damaged and unusual files

    /// Every damaged variant `ClientBankStreamingTests` reads, in cp1251, UTF-8 (with and without a
    /// byte order mark) and cp866.
    @Test(arguments: ClientBankStreamingTests.variants)
    func aChangedSampleReadsTheSame(_ variant: ClientBankStreamingTests.Variant) throws {
        let label = variant.description
        let text = try variant.change(ClientBankStreamingTests.day27())
        try Self.expectSame(Fixture.cp1251(text), label, accountSets: ClientBankStreamingTests.accountSets)
        try Self.expectSame(Array(text.utf8), label + " (UTF-8)")
        try Self.expectSame([0xEF, 0xBB, 0xBF] + Array(text.utf8), label + " (UTF-8 with a BOM)")
        try Self.expectSame(Self.cp866(text), label + " (cp866)")
    }

    /// Separators other than CR and LF are no line breaks, in any encoding: U+2028, NEL, form feed,
    /// vertical tab; nor are lines without any break, or breaks only.
    @Test func otherSeparatorsAreNoLineBreaks() throws {
        let text = try ClientBankStreamingTests.day27()
        let changed = try text
            .replacingOnce("Плательщик1=ООО «Продсервис»", with: "Плательщик1=ООО\u{2028}«Продсервис»\u{0085}\u{000C}\u{000B}")
            .replacingOnce("Сумма=5000", with: "Сумма=5000\u{2029}")
        try Self.expectSame(Array(changed.utf8), "U+2028, NEL, FF, VT in UTF-8")
        // cp1251 has none of U+2028, NEL, but FF and VT are bytes of it.
        let controls = try text.replacingOnce("Плательщик1=ООО «Продсервис»", with: "Плательщик1=ООО\u{000C}«Продсервис»\u{000B}")
        try Self.expectSame(Fixture.cp1251(controls), "FF, VT in cp1251")
        for breaks in ["\r\n\r\n", "\r", "\n", "\r\r\n\n"] {
            try Self.expectSame(Fixture.cp1251(breaks), "only line breaks \(breaks.unicodeScalars.map(\.value))")
        }
        try Self.expectSame(Array("1CClientBankExchange".utf8), "only the marker, no break")
        try Self.expectSame([0xEF, 0xBB], "half a byte order mark")
    }

    // MARK: The whole file decides the encoding

    /// A UTF-8 statement of over two megabytes (the 27th's documents over and over), as text.
    static func largeUTF8Text() throws -> String {
        let text = try ClientBankStreamingTests.day27()
        guard let first = text.range(of: "СекцияДокумент="), let last = text.range(of: "КонецДокумента\r\n", options: .backwards) else {
            throw FixtureError(message: "the sample has no documents")
        }
        let documents = String(text[first.lowerBound..<last.upperBound])
        var large = String(text[..<first.lowerBound])
        while large.utf8.count < 2_200_000 { large += documents }
        return large + String(text[last.upperBound...])
    }

    @Test func aCP1251ByteAfterMegabytesOfUTF8DecidesAsTheWholeFileDoes() throws {
        let text = try Self.largeUTF8Text()
        let utf8 = Array(text.utf8)
        #expect(utf8.count > 2_200_000)
        // As it is: UTF-8 (declared Windows: read as UTF-8, with a note).
        let valid = try Self.expectSame(utf8, "large UTF-8", accountSets: [[]], chunkSizes: [4_093, ClientBankExchange.chunkSize])
        guard case .reading(let reading) = valid.first else {
            Issue.record("the large UTF-8 statement does not read: \(valid)")
            return
        }
        #expect(reading.diagnostics.first?.kind == "statement-encoding")

        // One cp1251 byte (й) in the last document's purpose, megabytes in: no longer UTF-8, and its
        // Cyrillic read as cp1251 or cp866 has no Кодировка line: the same error both ways.
        let purpose = Array("НазначениеПлатежа=".utf8)
        let lastPurpose = try #require(Self.lastRange(of: purpose, in: utf8))
        var damaged = utf8
        damaged.insert(0xE9, at: lastPurpose.upperBound)
        #expect(lastPurpose.lowerBound > 2_100_000)
        let outcomes = try Self.expectSame(damaged, "large UTF-8 with a cp1251 byte", accountSets: [[]], chunkSizes: [4_093, ClientBankExchange.chunkSize])
        guard case .failure(let error) = outcomes.first else {
            Issue.record("a statement with a cp1251 byte reads: \(outcomes)")
            return
        }
        #expect(error.reason.hasPrefix("no readable Кодировка line"))

        // A UTF-8 sequence cut short by the end of the file: not UTF-8 either.
        let cut = utf8 + [0xD0]
        let cutOutcomes = try Self.expectSame(cut, "large UTF-8 ending in half a letter", accountSets: [[]], chunkSizes: [ClientBankExchange.chunkSize])
        #expect(cutOutcomes.allSatisfy { if case .failure = $0 { true } else { false } })

        // The same in a file read a piece at a time.
        let folder = try Paths.temporaryDirectory("sverka-1c-chunked")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("kl.txt")
        try Data(damaged).write(to: file)
        let fromFile = #expect(throws: SourceError.self) { try ClientBankExchange.read(contentsOfFile: file.path) }
        #expect(fromFile?.reason == error.reason)
        #expect(fromFile?.location == file.path)
    }

    static func lastRange(of needle: [UInt8], in bytes: [UInt8]) -> Range<Int>? {
        var start = bytes.count - needle.count
        while start >= 0 {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return start..<(start + needle.count) }
            start -= 1
        }
        return nil
    }

    /// The evidence gathered piece by piece decides as the whole bytes did: valid UTF-8 holding a
    /// scalar of U+0400–U+04FF (`String(validating:)`), and a byte order mark at the start.
    @Test func theEvidenceGatheredPieceByPieceIsThatOfTheWholeBytes() {
        var random = SplitMix64(seed: 2026_11_30)
        let scalars: [UInt32] = [0x41, 0x0A, 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000,
                                 0x10FFFF, 0x0400, 0x043F, 0x0440, 0x047F, 0x0480, 0x04BF, 0x04C0, 0x04FF, 0x0500, 0x03FF]
        let junk: [UInt8] = [0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xD0, 0xD3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x8F, 0x90]
        for round in 0..<20_000 {
            var bytes: [UInt8] = Bool.random(using: &random) ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                if Int.random(in: 0..<5, using: &random) == 0 {
                    bytes.append(junk.randomElement(using: &random) ?? 0x80)
                } else if let scalar = Unicode.Scalar(scalars.randomElement(using: &random) ?? 0x41) {
                    bytes += Array(String(scalar).utf8)
                }
            }
            let expectedUTF8 = String(validating: bytes, as: UTF8.self)
                .map { $0.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) } } ?? false
            var evidence = EncodingEvidence()
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Int.random(in: 1...9, using: &random))
                bytes[offset..<end].withUnsafeBytes { evidence.feed($0) }
                offset = end
            }
            #expect(evidence.isUTF8WithCyrillic == expectedUTF8, "round \(round): \(bytes)")
            #expect(evidence.hasBOM == bytes.starts(with: [0xEF, 0xBB, 0xBF]), "round \(round): \(bytes)")
            #expect(EncodingEvidence.of(bytes).isUTF8WithCyrillic == expectedUTF8, "round \(round): \(bytes)")
        }
        // The ASCII stride (eight bytes at a time) with a sequence anywhere around it.
        for position in 0..<20 {
            var bytes = [UInt8](repeating: 0x41, count: 20)
            bytes.insert(contentsOf: [0xD3, 0xBF], at: position)
            #expect(EncodingEvidence.of(bytes).isUTF8WithCyrillic)
            bytes.insert(0xFF, at: 21 - position)
            #expect(!EncodingEvidence.of(bytes).isUTF8WithCyrillic)
        }
    }

    // MARK: Files and spools

    @Test func aFileReadsAsItsBytes() throws {
        let bytes = try Self.generated(orders: 300, seed: 17)
        let folder = try Paths.temporaryDirectory("sverka-1c-chunked")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("kl.txt")
        try Data(bytes).write(to: file)
        let fromFile = try ClientBankExchange.read(contentsOfFile: file.path, ourAccounts: [Self.main])
        #expect(fromFile == (try WholeText.read(bytes, ourAccounts: [Self.main])))
        #expect(!fromFile.payments.isEmpty)

        let missing = #expect(throws: SourceError.self) { try ClientBankExchange.read(contentsOfFile: folder.appendingPathComponent("none.txt").path) }
        #expect(missing?.location == folder.appendingPathComponent("none.txt").path)
        #expect(missing?.reason.contains("cannot be opened") == true)
    }

    /// The descriptors of this process open on files under `folder` (`/proc/self/fd`).
    static func openFiles(under folder: URL) -> [String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
            .filter { $0.hasPrefix(folder.path + "/") }
    }

    @Test func aSpoolHasNoNameAndIsGoneWhenReleased() throws {
        let folder = try Paths.temporaryDirectory("sverka-1c-spool")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = try Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27))
        do {
            let spool = try Self.spool(bytes, piece: 100, directory: folder.path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            let open = Self.openFiles(under: folder)
            #expect(open.count == 1)
            #expect(open.allSatisfy { $0.contains("sverka-statement-") && $0.hasSuffix("(deleted)") })
            #expect(try ClientBankExchange.read(spool, ourAccounts: [Self.main]) == (try WholeText.read(bytes, ourAccounts: [Self.main])))
        }
        #expect(Self.openFiles(under: folder).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aRestartedSpoolHoldsOnlyTheNewBody() throws {
        let folder = try Paths.temporaryDirectory("sverka-1c-spool")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = try Fixture.sample(Fixture.day27, Fixture.oneCName(Fixture.day27))
        // A first attempt cut short: UTF-8 Cyrillic (it would make the evidence UTF-8) and a BOM.
        let spool = try Self.spool([0xEF, 0xBB, 0xBF] + Array("1CClientBankExchange\r\nКодировка=Windows\r\nмусор мусор мусор мусор".utf8),
                                   piece: 7, directory: folder.path)
        try spool.restart()
        #expect(spool.byteCount == 0)
        try bytes.withUnsafeBytes { try spool.receive($0) }
        #expect(spool.byteCount == bytes.count)
        let reading = try ClientBankExchange.read(spool, ourAccounts: [Self.main])
        #expect(reading == (try WholeText.read(bytes, ourAccounts: [Self.main])))
        #expect(reading.payments.count == 6)
        #expect(!reading.diagnostics.contains { $0.kind == "statement-encoding" })
    }

    @Test func aSpoolThatCannotBeWrittenOrCreatedThrowsASourceError() throws {
        // A full disk: /dev/full fails every write with ENOSPC.
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        let spool = StatementSpool(descriptor: full)
        let error = #expect(throws: SourceError.self) { try [UInt8](repeating: 0x41, count: 100).withUnsafeBytes { try spool.receive($0) } }
        #expect(error?.source == SourceName.bank1C)
        #expect(error?.reason.contains("could not be written to its temporary file") == true)
        #expect(error?.reason.contains(String(cString: strerror(ENOSPC))) == true)

        let nowhere = "/nonexistent-\(UUID().uuidString)"
        let created = #expect(throws: SourceError.self) { _ = try StatementSpool(directory: nowhere) }
        #expect(created?.reason.contains("no temporary file for the statement could be created in \(nowhere)") == true)
    }

    // MARK: Through real libcurl

    static func client(_ token: Credential?) -> HTTPClient {
        .live(HTTPConfiguration(connectTimeout: .seconds(5), timeout: .seconds(20), bearerToken: token, retry: SourcesTests.fastRetry))
    }

    /// Files in the temporary directory the spool uses that look like spools.
    static func spoolFiles() -> [String] {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("sverka-statement-") }
    }

    @Test func aStatementOverHTTPReadsAsItsBytesAfterARetryToo() async throws {
        let bytes = try Self.generated(orders: 1_500, seed: 29)
        #expect(bytes.count > 200_000)
        let expected = try WholeText.read(bytes, ourAccounts: [Self.main])
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/kl.txt", ScriptedResponse(body: bytes))
        server.script("/flaky.txt", ScriptedResponse(body: bytes).truncated(after: bytes.count / 2), ScriptedResponse(body: bytes))
        server.script("/broken.txt", ScriptedResponse(body: bytes).truncated(after: 70_000), ScriptedResponse(body: bytes).truncated(after: 1_000),
                      ScriptedResponse(body: bytes).truncated(after: 150_000))
        for (path, requests) in [("/kl.txt", 1), ("/flaky.txt", 2)] {
            let sources = DaySources(orders: nil, banks: [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(server.url(path)),
                                                                             accounts: [Self.main])])
            let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
            #expect(result.isComplete, "\(path): \(result.outcomes)")
            #expect(result.payments == expected.payments, "\(path)")
            #expect(result.quarantined == expected.quarantined, "\(path)")
            #expect(result.diagnostics == expected.diagnostics, "\(path)")
            #expect(result.outcomes.first?.requests == 1)
            #expect(server.requests(to: path).count == requests)
            #expect(Self.spoolFiles().isEmpty)
        }
        let sources = DaySources(orders: nil, banks: [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(server.url("/broken.txt?token=topsecret")),
                                                                         accounts: [Self.main])])
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "bank-1c:main")
        #expect(failure.location == server.url("/broken.txt?token=REDACTED"))
        #expect(failure.reason.hasPrefix("could not be fetched"))
        #expect(result.payments.isEmpty)
        #expect(server.requests(to: "/broken.txt").count == 3)
        #expect(Self.spoolFiles().isEmpty)
    }

    @Test func aDamagedStatementOverHTTPFailsAsItsBytesDo() async throws {
        let text = try ClientBankStreamingTests.day27().replacingOnce("КонецФайла\r\n", with: "")
        let bytes = Fixture.cp1251(text)
        let expected = #expect(throws: SourceError.self) { try WholeText.read(bytes, ourAccounts: [Self.main]) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/kl.txt", ScriptedResponse(body: bytes).dripped(bytes: 1_000, every: .milliseconds(1)))
        let sources = DaySources(orders: nil, banks: [BankStatementSource(name: "main", format: .oneC, url: try URLTemplate(server.url("/kl.txt")),
                                                                         accounts: [Self.main])])
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "bank-1c:main")
        #expect(failure.location == server.url("/kl.txt"))
        #expect(failure.line == expected?.line)
        #expect(failure.reason == expected?.reason)
        #expect(Self.spoolFiles().isEmpty)
    }
}
