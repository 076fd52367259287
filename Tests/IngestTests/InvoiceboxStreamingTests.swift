import Domain
import Foundation
import Generator
import HTTP
@testable import Ingest
import Synchronization
import Testing
import TestSupport

/// `Invoicebox.PageReader` reads a page as it arrives, an element of `data` at a time; the reader it
/// replaced parsed the whole page into one JSON tree and walked it. That reader is written out here
/// as the oracle: both must give the same page — payments with the same raw texts, quarantined
/// records, diagnostics in the same order, counts — or the same error (reason and line), on the
/// samples, generated days and damaged pages, fed in pieces of any size.
@Suite("ИнвойсБокс page read as it arrives = parsed whole")
struct InvoiceboxStreamingTests {
    // MARK: The oracle: the reader as it was, the whole page parsed, then walked

    enum Oracle {
        static let source = SourceName.invoicebox

        static func readPage(_ bytes: [UInt8], day: CivilDate, expectedPage: Int? = nil) throws(SourceError) -> InvoiceboxPage {
            let root: JSONValue
            do {
                root = try JSONParser.parse(bytes)
            } catch {
                throw SourceError(source: source, line: error.line, reason: "the page is \(error.description)")
            }
            guard root.isObject else {
                throw SourceError(source: source, reason: "the page must be a JSON object ({data, metaData}), got \(root.typeName)")
            }
            if let error = root["error"], !isNull(error) {
                let detail = error["message"]?.stringValue ?? error.stringValue ?? String(decoding: bytes[error.range], as: UTF8.self)
                throw SourceError(source: source, reason: "the provider answered with an error: \(detail)")
            }
            var envelope = FieldChecker()
            let data = envelope.array(root, "data", "")
            let meta = envelope.object(root, "metaData", "")
            var totalCount: Int?
            var page: Int?
            var pageSize: Int?
            if let meta {
                totalCount = envelope.integer(meta, "totalCount", "metaData", minimum: 0)
                page = envelope.integer(meta, "page", "metaData", minimum: 1)
                pageSize = envelope.integer(meta, "pageSize", "metaData", minimum: 1)
            }
            if let problem = envelope.problems.first {
                throw SourceError(source: source, reason: "envelope: \(problem)")
            }
            guard let data, let totalCount, let page, let pageSize else {
                throw SourceError(source: source, reason: "envelope: incomplete")
            }
            if let expectedPage, expectedPage != page {
                throw SourceError(source: source, reason: "envelope: page \(expectedPage) was requested but metaData.page is \(page)")
            }
            guard data.count <= pageSize else {
                throw SourceError(source: source, reason: "envelope: \(data.count) orders on a page of pageSize \(pageSize)")
            }

            var result = InvoiceboxPage(page: page, pageSize: pageSize, totalCount: totalCount, recordCount: data.count,
                                        providerIDs: [], payments: [], quarantined: [], diagnostics: [], ignoredCount: 0)
            var seen: [String: Int] = [:]
            for (index, item) in data.enumerated() {
                let raw = String(decoding: bytes[item.range], as: UTF8.self)
                let idText = item["id"]?.stringValue
                let record = "page \(page), order \(idText ?? "#\(index + 1) (no id)")"
                var checker = FieldChecker()
                guard item.isObject else {
                    checker.add("", "an order must be a JSON object, got \(item.typeName)")
                    result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                         key: "\(source):\(fingerprint(raw))", raw: raw))
                    continue
                }
                let id = checker.string(item, "id", "")
                if let id, !isUUID(id) { checker.add("id", "'\(id)' is not a uuid") }
                let status = checker.string(item, "status", "")
                if let id, isUUID(id) {
                    if let earlier = seen[id] {
                        result.diagnostics.append(Diagnostic(severity: .warning, kind: "duplicate-record", source: source, record: record,
                                                             message: "provider order \(id) appears again (first as #\(earlier)); read once"))
                        continue
                    }
                    seen[id] = index + 1
                    result.providerIDs.append(ProviderOrderID(id))
                }
                guard checker.problems.isEmpty, let id, let status else {
                    result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                         key: "\(source):\(idText ?? fingerprint(raw))", raw: raw))
                    continue
                }
                guard status == "completed" else {
                    result.ignoredCount += 1
                    continue
                }
                let paidAt = checker.timestamp(item, "paidAt", "")
                let amount = providerMoney(item, "amount", &checker)
                if let currency = item["currencyId"], !isNull(currency) {
                    let code = currency.stringValue ?? (currency.kind.numberLiteral ?? "")
                    if code != "RUB" && code != "643" {
                        checker.add("currencyId", "only roubles (RUB) are accepted, got '\(code)'")
                    }
                }
                var merchantOrderID: String?
                if let value = item["merchantOrderId"], !isNull(value) {
                    merchantOrderID = value.stringValue ?? value.kind.numberLiteral
                    if merchantOrderID == nil { checker.add("merchantOrderId", "must be a string, got \(value.typeName)") }
                }
                var payerINN: String?
                var payerName: String?
                if let customer = checker.object(item, "customer", "", required: false) {
                    payerINN = checker.string(customer, "vatNumber", "customer", required: false)
                    payerName = checker.string(customer, "name", "customer", required: false)
                }
                let description = item["description"]?.stringValue
                guard checker.problems.isEmpty, let paidAt, let amount else {
                    result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                         key: "\(source):\(id)", raw: raw))
                    continue
                }
                guard paidAt.moscowDate == day else {
                    result.ignoredCount += 1
                    result.diagnostics.append(Diagnostic(severity: .info, kind: "other-day", source: source, record: record,
                                                         message: "paid on \(paidAt.moscowDate) (Moscow), not on \(day); not a payment of this day"))
                    continue
                }
                result.payments.append(Payment(
                    id: PaymentID("invoicebox:\(id)"), source: .invoicebox, receivedOn: paidAt.moscowDate, amount: amount,
                    payerINN: payerINN, payerName: payerName, purpose: description ?? "",
                    providerOrderID: ProviderOrderID(id), merchantOrderID: merchantOrderID, raw: raw))
            }
            return result
        }

        static func providerMoney(_ item: JSONValue, _ key: String, _ checker: inout FieldChecker) -> Money? {
            guard let value = checker.member(item, key, "", required: true) else { return nil }
            let text: String
            switch value.kind {
            case .number(let literal): text = literal
            case .string(let string): text = string
            default:
                checker.add(key, "must be a number, got \(value.typeName)")
                return nil
            }
            guard let decimal = ExactDecimal(text), let cents = decimal.rescaled(to: 2) else {
                checker.add(key, "'\(text)' is not an amount in roubles with at most two decimals")
                return nil
            }
            let money = Money(kopecks: cents.units)
            guard money > .zero else {
                checker.add(key, "a payment must be positive, got \(money)")
                return nil
            }
            return money
        }

        static func isNull(_ value: JSONValue) -> Bool {
            if case .null = value.kind { return true }
            return false
        }
    }

    // MARK: Comparing

    enum Outcome: Hashable, CustomStringConvertible {
        case page(InvoiceboxPage)
        case failed(SourceError)

        var description: String {
            switch self {
            case .page(let page): "page \(page.page): \(page.recordCount) orders, \(page.payments.count) payments, "
                + "\(page.quarantined.count) quarantined, \(page.diagnostics.count) diagnostics"
            case .failed(let error): "failed: \(error) (line \(error.line.map(String.init) ?? "-"))"
            }
        }
    }

    static func oracle(_ bytes: [UInt8], day: CivilDate, expectedPage: Int?) -> Outcome {
        do {
            return .page(try Oracle.readPage(bytes, day: day, expectedPage: expectedPage))
        } catch {
            return .failed(error)
        }
    }

    /// The page fed `piece` bytes at a time (0: whole, in one call); the reader must stay failed once it failed.
    static func streamed(_ bytes: [UInt8], piece: Int, day: CivilDate, expectedPage: Int?) -> Outcome {
        var reader = Invoicebox.PageReader(day: day, expectedPage: expectedPage)
        do {
            if piece == 0 {
                try reader.feed(bytes)
            } else {
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + piece)
                    try reader.feed(Array(bytes[offset..<end]))
                    offset = end
                }
            }
            return .page(try reader.finish())
        } catch {
            let again = Result { () throws(SourceError) in try reader.finish() }
            if case .success = again { return .failed(SourceError(source: "test", reason: "the reader did not stay failed")) }
            return .failed(error)
        }
    }

    static let pieces = [1, 2, 3, 7, 64, 1_000, 0]

    /// Every piece size gives what the oracle gives; returns the oracle's outcome.
    @discardableResult
    static func expectSame(_ bytes: [UInt8], _ label: String, day: CivilDate = Fixture.day27, expectedPages: [Int?] = [nil],
                           pieces: [Int] = pieces, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        var first: Outcome?
        for expectedPage in expectedPages {
            let expected = oracle(bytes, day: day, expectedPage: expectedPage)
            if first == nil { first = expected }
            for piece in pieces {
                let got = streamed(bytes, piece: piece, day: day, expectedPage: expectedPage)
                #expect(got == expected, "\(label), page \(expectedPage.map(String.init) ?? "-"), pieces of \(piece): \(got) ≠ \(expected)",
                        sourceLocation: sourceLocation)
            }
            // And through readPage, as the file source reads.
            let whole: Outcome
            do {
                whole = .page(try Invoicebox.readPage(bytes, day: day, expectedPage: expectedPage))
            } catch {
                whole = .failed(error)
            }
            #expect(whole == expected, "\(label): readPage", sourceLocation: sourceLocation)
        }
        return first ?? .failed(SourceError(source: "test", reason: "no page"))
    }

    static func sample(_ day: CivilDate) throws -> String { try Fixture.sampleText(day, "invoicebox.json") }

    static func generated(orders: Int, seed: UInt64, day: CivilDate = Fixture.day27) throws -> [UInt8] {
        let folder = try Paths.temporaryDirectory("sverka-ibox-streaming")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: orders, seed: seed), to: folder)
        let url = folder.appendingPathComponent("days/\(day.iso)/\(Generator.fileNames(for: day).invoicebox)")
        return Array(try Data(contentsOf: url))
    }

    // MARK: Samples and generated days

    @Test func theSamplesReadTheSame() throws {
        for day in [Fixture.day26, Fixture.day27] {
            let bytes = try Fixture.sample(day, "invoicebox.json")
            let outcome = Self.expectSame(bytes, "sample \(day)", day: day, expectedPages: [nil, 1, 2])
            guard case .page(let page) = outcome else {
                Issue.record("the sample of \(day) does not read: \(outcome)")
                continue
            }
            #expect(page.payments.count > 0)
            // Another day: the same orders, every completed one paid on another day.
            Self.expectSame(bytes, "sample \(day) read for the 25th", day: CivilDate(year: 2026, month: 11, day: 25)!)
            Self.expectSame([0xEF, 0xBB, 0xBF] + bytes, "sample \(day) with a BOM", day: day)
            let crlf = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
            Self.expectSame(Array(crlf.utf8), "sample \(day) CRLF", day: day)
        }
    }

    @Test func generatedDaysReadTheSame() throws {
        for (orders, seed) in [(300, UInt64(5)), (1_500, UInt64(17))] {
            let bytes = try Self.generated(orders: orders, seed: seed)
            let outcome = Self.expectSame(bytes, "generated \(orders), seed \(seed)", pieces: [1, 7, 4_096, 65_536, 0])
            guard case .page(let page) = outcome else {
                Issue.record("the generated page does not read: \(outcome)")
                continue
            }
            #expect(page.payments.count > orders / 20)
            #expect(page.recordCount == page.totalCount)
        }
    }

    @Test func onlyOneElementsBytesAreHeld() throws {
        // The generated page's orders four times over (duplicates, read once each): a page of a megabyte.
        let generated = try Self.generated(orders: 1_500, seed: 23)
        let root = try JSONParser.parse(generated)
        let items = (root["data"]?.arrayValue ?? []).map { String(decoding: generated[$0.range], as: UTF8.self) }
        let count = items.count * 4
        let bytes = Array(Self.page(items + items + items + items,
                                    after: #", "metaData": {"totalCount": \#(count), "page": 1, "pageSize": \#(count)}"#).utf8)
        #expect(bytes.count > 900_000)
        var reader = Invoicebox.PageReader(day: Fixture.day27)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 16_384)
            try reader.feed(Array(bytes[offset..<end]))
            offset = end
        }
        let page = try reader.finish()
        #expect(page == (try Oracle.readPage(bytes, day: Fixture.day27)))
        // A 16 KiB chunk and the element being cut out, never the page.
        #expect(page.diagnostics.filter { $0.kind == "duplicate-record" }.count == items.count * 3)
        #expect(reader.peakRetainedBytes < 150_000, "held \(reader.peakRetainedBytes) of \(bytes.count) bytes")
    }

    // MARK: Damaged and unusual pages

    struct Variant: Sendable, CustomStringConvertible {
        var description: String
        var day: CivilDate = Fixture.day27
        var make: @Sendable (String) throws -> String
    }

    static let firstOrderStart = "\"data\": [\n    {\n      \"id\": \"0b4c5c3e"
    static let meta = #""metaData": {"totalCount": 4, "page": 1, "pageSize": 100}"#

    /// The 27th's orders, as texts.
    static func orders() throws -> [String] {
        let bytes = try Fixture.sample(Fixture.day27, "invoicebox.json")
        let root = try JSONParser.parse(bytes)
        return (root["data"]?.arrayValue ?? []).map { String(decoding: bytes[$0.range], as: UTF8.self) }
    }

    static func page(_ items: [String], before: String = "", after: String = ", " + meta) -> String {
        "{\(before)\"data\": [\(items.joined(separator: ", "))]\(after)}"
    }

    static let variants: [Variant] = [
        Variant(description: "the envelope after data") { _ in page(try orders()) },
        Variant(description: "the envelope before data") { _ in page(try orders(), before: meta + ", ", after: "") },
        Variant(description: "metaData split around data") { _ in
            page(try orders(), before: #""metaData": {"totalCount": 4, "page": 1, "pageSize": 100}, "links": {"next": null}, "#,
                 after: #", "error": null, "extra": [1, [2, {"a": "b"}], "c\"d", -0.5e3, true, false, null]"#)
        },
        Variant(description: "the envelope after data, page 2 of the day") { _ in
            page(try orders(), after: #", "metaData": {"totalCount": 8, "page": 2, "pageSize": 4}"#)
        },
        Variant(description: "an element that is not an object") { _ in
            page(["42", try orders()[0], "\"text\"", "[1, 2]", "null", "true", "{}"] + (try orders()).dropFirst(),
                 after: #", "metaData": {"totalCount": 10, "page": 1, "pageSize": 100}"#)
        },
        Variant(description: "duplicates on the page") { _ in
            let all = try orders()
            return page(all + [all[0], all[2]], after: #", "metaData": {"totalCount": 6, "page": 1, "pageSize": 100}"#)
        },
        Variant(description: "bad amounts, currencies, ids and statuses are quarantined") { _ in
            let first = try orders()[0]
            let changed = [
                try first.replacingOnce("\"amount\": 2429.73", with: "\"amount\": 2429.731"),
                try first.replacingOnce("\"amount\": 2429.73", with: "\"amount\": -5"),
                try first.replacingOnce("\"amount\": 2429.73", with: "\"amount\": \"12,50\""),
                try first.replacingOnce("\"amount\": 2429.73", with: "\"amount\": null"),
                try first.replacingOnce("\"amount\": 2429.73", with: "\"amount\": [1]"),
                try first.replacingOnce("\"currencyId\": \"RUB\"", with: "\"currencyId\": \"USD\""),
                try first.replacingOnce("\"currencyId\": \"RUB\"", with: "\"currencyId\": 643"),
                try first.replacingOnce("\"id\": \"0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11\"", with: "\"id\": \"not-a-uuid\""),
                try first.replacingOnce("\"id\": \"0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11\"", with: "\"id\": 7"),
                try first.replacingOnce("\"status\": \"completed\"", with: "\"status\": 1"),
                try first.replacingOnce("\"paidAt\": \"2026-11-27T05:52:41+03:00\"", with: "\"paidAt\": \"yesterday\""),
                try first.replacingOnce("\"merchantOrderId\": \"ORD-2026-000123\"", with: "\"merchantOrderId\": 123"),
                try first.replacingOnce("\"merchantOrderId\": \"ORD-2026-000123\"", with: "\"merchantOrderId\": {}"),
                try first.replacingOnce("\"vatNumber\": \"7701234560\"", with: "\"vatNumber\": 7701234560"),
            ]
            // Each its own order (a uuid of its own), so that none is a duplicate of another.
            let distinct = changed.enumerated().map { index, text in
                text.replacingOccurrences(of: "2a1b7e0d9f11", with: "2a1b7e0d" + String(1_000 + index))
            }
            return page(distinct, after: #", "metaData": {"totalCount": 14, "page": 1, "pageSize": 100}"#)
        },
        Variant(description: "an error response") { _ in #"{"error": {"code": 401, "message": "Неверный токен"}}"# },
        Variant(description: "an error response after data") { _ in page(try orders(), after: #", "error": "quota exceeded""#) },
        Variant(description: "an error response without a message") { _ in #"{"data": [], "error": {"code": 500,  "x": [1]}}"# },
        Variant(description: "an error that is null, then one that is not") { _ in
            page(try orders(), before: #""error": null, "#, after: ", " + meta + #", "error": "second""#)
        },
        Variant(description: "no metaData") { _ in page(try orders(), after: "") },
        Variant(description: "metaData not an object") { _ in page(try orders(), after: #", "metaData": [4, 1, 100]"#) },
        Variant(description: "metaData with a page 0, a text count") { _ in
            page(try orders(), after: #", "metaData": {"totalCount": "4", "page": 0, "pageSize": 1.5}"#)
        },
        Variant(description: "no data") { _ in "{" + meta + "}" },
        Variant(description: "data null") { _ in #"{"data": null, "# + meta + "}" },
        Variant(description: "data an object") { _ in #"{"data": {"a": [1]}, "# + meta + "}" },
        Variant(description: "data twice: the first counts") { _ in
            page(try orders(), after: ", " + meta + #", "data": [{"id": 1}, 2]"#)
        },
        Variant(description: "data an object, then an array") { _ in
            #"{"data": {}, "# + meta + #", "data": ["# + (try orders()).joined(separator: ",") + "]}"
        },
        Variant(description: "data spelled with an escape") { _ in
            page(try orders()).replacingOccurrences(of: "\"data\":", with: "\"d\\u0061ta\":")
        },
        Variant(description: "more orders than pageSize") { _ in
            page(try orders(), after: #", "metaData": {"totalCount": 4, "page": 1, "pageSize": 3}"#)
        },
        Variant(description: "an empty page") { _ in #"{"data": [], "metaData": {"totalCount": 0, "page": 1, "pageSize": 100}}"# },
        Variant(description: "an empty object") { _ in "{}" },
        Variant(description: "an array, not an envelope") { text in "[" + text + ", 1, {\"a\": [2]}]" },
        Variant(description: "a string, not an envelope") { _ in #""data""# },
        Variant(description: "a number, not an envelope") { _ in "12.5e3" },
        Variant(description: "null, not an envelope") { _ in "null" },
        Variant(description: "empty") { _ in "" },
        Variant(description: "only whitespace") { _ in " \n\t " },
        Variant(description: "an HTML error page") { _ in "<html><body>502 Bad Gateway</body></html>" },
        Variant(description: "text after the document") { text in text + " x" },
        Variant(description: "a second document") { text in text + "\n{}" },
        Variant(description: "a missing comma between orders") { text in
            try text.replacingOnce("    },\n    {\n      \"id\": \"8a9f3c12", with: "    }\n    {\n      \"id\": \"8a9f3c12")
        },
        Variant(description: "a trailing comma in data") { _ in page(try orders() + [""]).replacingOccurrences(of: ", ]", with: ",]") },
        Variant(description: "a leading comma in data") { _ in #"{"data": [, 1]}"# },
        Variant(description: "a missing colon") { text in try text.replacingOnce("\"data\": [", with: "\"data\" [") },
        Variant(description: "a member name that is not a string") { text in try text.replacingOnce("\"data\": [", with: "data: [") },
        Variant(description: "a bracket closing the wrong thing") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": 0],") },
        Variant(description: "a member value missing") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": ,") },
        Variant(description: "a literal misspelt") { _ in page(try orders(), after: #", "error": nul, "# + meta) },
        Variant(description: "a literal misspelt in an order") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": fals,") },
        Variant(description: "a number with text after it") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": 0x1,") },
        Variant(description: "a number with two points") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": 1.2.3,") },
        Variant(description: "a number with a leading zero") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": 01,") },
        Variant(description: "a number without digits") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": -,") },
        Variant(description: "a number 1-2") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": 1-2,") },
        Variant(description: "a number at the end of the page") { _ in #"{"data": [], "metaData": {"totalCount": 0, "page": 1, "pageSize": 1"# },
        Variant(description: "a number as the last element") { _ in #"{"data": [1, 2"# },
        Variant(description: "an object right after a value") { text in try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": {}{},") },
        Variant(description: "a string right after a string") { text in
            try text.replacingOnce("\"ИП Кузнецов Андрей Викторович\"", with: "\"ИП Кузнецов\"\"x\"")
        },
        Variant(description: "an invalid escape in an order") { text in try text.replacingOnce("kuznetsov.av@mail.example\"", with: "kuznetsov-2026-000131\\q\"") },
        Variant(description: "an escaped quote and backslash in an order") { text in
            try text.replacingOnce("kuznetsov.av@mail.example\"", with: "kuznetsov-2026-\\\"000131\\\\\"")
        },
        Variant(description: "unicode escapes and a surrogate pair") { text in
            try text.replacingOnce("\"ИП Кузнецов Андрей Викторович\"", with: "\"\\u041e\\u043f\\u043b\\u0430\\u0442\\u0430 \\ud83d\\ude00 ORD\"")
        },
        Variant(description: "a lone surrogate") { text in try text.replacingOnce("kuznetsov.av@mail.example\"", with: "kuznetsov\\ud83d\"") },
        Variant(description: "a control character in a string") { text in try text.replacingOnce("kuznetsov.av@mail.example\"", with: "kuznetsov\t\"") },
        Variant(description: "an order nested too deep") { text in
            try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": " + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + ",")
        },
        Variant(description: "an order nested too deep, with an error before") { text in
            try text.replacingOnce("\"vatAmount\": 349.64,", with: "\"vatAmount\": [[x" + String(repeating: "[", count: 250) + ",")
        },
        Variant(description: "a member nested too deep") { _ in "{\"x\": " + String(repeating: "[", count: 199) + String(repeating: "]", count: 199) + "}" },
        Variant(description: "a member nested just deep enough") { _ in
            "{\"x\": " + String(repeating: "[", count: 198) + String(repeating: "]", count: 198) + ", " + meta + ", \"data\": []}"
        },
        Variant(description: "an unterminated string at the end") { text in String(text.prefix(200)) + "\"abc" },
        Variant(description: "an unterminated member name") { _ in "{\"dat" },
        Variant(description: "a bare `]` at the root") { _ in "]" },
        Variant(description: "paid on another day, read on the 26th", day: Fixture.day26) { text in text },
    ]

    @Test(arguments: variants)
    func aChangedPageReadsTheSame(_ variant: Variant) throws {
        let text = try variant.make(try Self.sample(Fixture.day27))
        Self.expectSame(Array(text.utf8), variant.description, day: variant.day, expectedPages: [nil, 1, 2])
    }

    @Test func theOutcomesAreThoseExpected() throws {
        let text = try Self.sample(Fixture.day27)
        func outcome(_ variant: String) throws -> Outcome {
            let found = try #require(Self.variants.first { $0.description == variant })
            return Self.streamed(Array(try found.make(text).utf8), piece: 3, day: found.day, expectedPage: nil)
        }
        guard case .page(let after) = try outcome("the envelope after data") else { throw FixtureError(message: "no page") }
        #expect(after.payments.count == 3 && after.recordCount == 4 && after.ignoredCount == 1)
        guard case .page(let later) = try outcome("the envelope after data, page 2 of the day") else { throw FixtureError(message: "no page") }
        #expect(later.page == 2 && later.quarantined.isEmpty && later.payments.count == 3)
        guard case .page(let odd) = try outcome("an element that is not an object") else { throw FixtureError(message: "no page") }
        #expect(odd.quarantined.map(\.diagnostic.record) == ["page 1, order #1 (no id)", "page 1, order #3 (no id)", "page 1, order #4 (no id)",
                                                             "page 1, order #5 (no id)", "page 1, order #6 (no id)", "page 1, order #7 (no id)"])
        #expect(odd.quarantined.first?.diagnostic.message == "an order must be a JSON object, got a number")
        guard case .page(let duplicates) = try outcome("duplicates on the page") else { throw FixtureError(message: "no page") }
        #expect(duplicates.diagnostics.filter { $0.kind == "duplicate-record" }.map(\.record)
            == ["page 1, order 0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11", "page 1, order c47e0b95-2f13-4a8d-b6c0-9d1e2a3f4b57"])
        #expect(duplicates.recordCount == 6 && duplicates.providerIDs.count == 4)
        guard case .page(let bad) = try outcome("bad amounts, currencies, ids and statuses are quarantined") else {
            throw FixtureError(message: "no page")
        }
        #expect(bad.quarantined.count == 12 && bad.payments.count == 2)
        #expect(try outcome("an error response") == .failed(SourceError(source: "invoicebox", reason: "the provider answered with an error: Неверный токен")))
        #expect(try outcome("an error response without a message")
            == .failed(SourceError(source: "invoicebox", reason: #"the provider answered with an error: {"code": 500,  "x": [1]}"#)))
        guard case .page(let twice) = try outcome("data twice: the first counts") else { throw FixtureError(message: "no page") }
        #expect(twice.recordCount == 4 && twice.payments.count == 3)
        guard case .failed(let cut) = try outcome("an unterminated string at the end") else { throw FixtureError(message: "read") }
        #expect(cut.line != nil && cut.reason.hasPrefix("the page is not valid JSON at line "))
    }

    @Test func theSampleCutAnywhereReadsTheSame() throws {
        let bytes = try Fixture.sample(Fixture.day27, "invoicebox.json")
        for end in 0..<bytes.count {
            let cut = Array(bytes[..<end])
            let expected = Self.oracle(cut, day: Fixture.day27, expectedPage: nil)
            let piece = [1, 2, 3, 7, 0][end % 5]
            let got = Self.streamed(cut, piece: piece, day: Fixture.day27, expectedPage: nil)
            #expect(got == expected, "cut at \(end), pieces of \(piece)")
        }
    }

    @Test func randomlyDamagedPagesReadTheSame() throws {
        let bytes = try Fixture.sample(Fixture.day27, "invoicebox.json")
        let alphabet = Array("{}[],:\"\\ 0-.etrufnl\n".utf8) + [0xD0, 0x80, 0xFF]
        var random = SplitMix64(seed: 0x1B0C)
        for round in 0..<600 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<damaged.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: damaged.remove(at: at)
                case 1: damaged.insert(alphabet.randomElement(using: &random) ?? 0x20, at: at)
                default: damaged[at] = alphabet.randomElement(using: &random) ?? 0x20
                }
            }
            let expected = Self.oracle(damaged, day: Fixture.day27, expectedPage: nil)
            let piece = [1, 2, 3, 7, 64, 0][round % 6]
            let got = Self.streamed(damaged, piece: piece, day: Fixture.day27, expectedPage: nil)
            #expect(got == expected, "round \(round), pieces of \(piece): \(String(decoding: damaged, as: UTF8.self))")
        }
    }

    @Test func invalidUTF8ReadsTheSame() throws {
        let text = try Self.sample(Fixture.day27)
        let bytes = Array(text.utf8)
        let marker = Array("ORD-2026-000131".utf8)
        let at = try #require(ClientBankChunkedTests.lastRange(of: marker, in: bytes)).lowerBound
        for bad: [UInt8] in [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]] {
            var damaged = bytes
            damaged.insert(contentsOf: bad, at: at)
            Self.expectSame(damaged, "invalid UTF-8 \(bad) in a string")
            var outside = bytes
            outside.insert(contentsOf: bad, at: 1)
            Self.expectSame(outside, "invalid UTF-8 \(bad) between members")
        }
    }

    @Test func pagesCombineTheSameAcrossPages() throws {
        let all = try Self.orders()
        let first = Array(Self.page(Array(all[0..<3]), after: #", "metaData": {"totalCount": 5, "page": 1, "pageSize": 3}"#).utf8)
        let second = Array(Self.page([all[3], all[0]], after: #", "metaData": {"totalCount": 5, "page": 2, "pageSize": 3}"#).utf8)
        let oracle = Invoicebox.combine([try Oracle.readPage(first, day: Fixture.day27, expectedPage: 1),
                                         try Oracle.readPage(second, day: Fixture.day27, expectedPage: 2)])
        for piece in Self.pieces {
            guard case .page(let one) = Self.streamed(first, piece: piece, day: Fixture.day27, expectedPage: 1),
                  case .page(let two) = Self.streamed(second, piece: piece, day: Fixture.day27, expectedPage: 2) else {
                Issue.record("a page does not read")
                continue
            }
            let combined = Invoicebox.combine([one, two])
            #expect(combined == oracle)
            #expect(combined.recordCount == 4 && combined.diagnostics.map(\.kind) == ["duplicate-record"])
        }
    }

    // MARK: Through real libcurl

    static func client(_ token: Credential?) -> HTTPClient {
        .live(HTTPConfiguration(connectTimeout: .seconds(5), timeout: .seconds(20), bearerToken: token, retry: SourcesTests.fastRetry))
    }

    @Test func aPageOverHTTPReadsAsItsBytesAfterARetryToo() async throws {
        let bytes = try Self.generated(orders: 1_500, seed: 31)
        #expect(bytes.count > 200_000)
        let expected = Invoicebox.combine([try Oracle.readPage(bytes, day: Fixture.day27)])
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/ib.json", ScriptedResponse(body: bytes))
        server.script("/flaky.json", ScriptedResponse(body: bytes).truncated(after: bytes.count / 2), ScriptedResponse(body: bytes))
        server.script("/slow.json", ScriptedResponse(body: bytes).dripped(bytes: 40_000, every: .milliseconds(1)))
        server.script("/broken.json", ScriptedResponse(body: bytes).truncated(after: 70_000), ScriptedResponse(body: bytes).truncated(after: 1_000),
                      ScriptedResponse(body: bytes).truncated(after: 150_000))
        for (path, requests) in [("/ib.json", 1), ("/flaky.json", 2), ("/slow.json", 1)] {
            let sources = DaySources(orders: nil, invoicebox: InvoiceboxSource(url: try URLTemplate(server.url(path))))
            let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
            #expect(result.isComplete, "\(path): \(result.outcomes)")
            #expect(result.payments == expected.payments, "\(path)")
            #expect(result.quarantined == expected.quarantined, "\(path)")
            #expect(result.diagnostics == expected.diagnostics, "\(path)")
            #expect(result.outcomes.first?.records == expected.recordCount)
            #expect(result.outcomes.first?.requests == 1)
            #expect(server.requests(to: path).count == requests)
        }
        let sources = DaySources(orders: nil, invoicebox: InvoiceboxSource(url: try URLTemplate(server.url("/broken.json?token=topsecret"))))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "invoicebox")
        #expect(failure.location == server.url("/broken.json?token=REDACTED"))
        #expect(failure.reason.hasPrefix("could not be fetched"))
        #expect(result.payments.isEmpty)
        #expect(server.requests(to: "/broken.json").count == 3)
    }

    @Test func aDamagedPageOverHTTPFailsAsItsBytesDo() async throws {
        let bytes = try Self.generated(orders: 300, seed: 37)
        var damaged = bytes
        // A `]` where a member should be, two thirds into the page.
        let marker = Array("\"vatAmount\":".utf8)
        let at = try #require(ClientBankChunkedTests.lastRange(of: marker, in: Array(bytes[..<(bytes.count * 2 / 3)]))).lowerBound
        damaged.insert(UInt8(ascii: "]"), at: at)
        let expected = #expect(throws: SourceError.self) { try Oracle.readPage(damaged, day: Fixture.day27) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/ib.json", ScriptedResponse(body: damaged).dripped(bytes: 1_000, every: .milliseconds(1)))
        let sources = DaySources(orders: nil, invoicebox: InvoiceboxSource(url: try URLTemplate(server.url("/ib.json?key=secret"))))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let failure = try #require(result.failures.first)
        #expect(failure.source == "invoicebox")
        #expect(failure.location == server.url("/ib.json?key=REDACTED"))
        #expect(failure.line == expected?.line && failure.line != nil)
        #expect(failure.reason == expected?.reason)
        #expect(result.payments.isEmpty)
        // The syntax error stops the transfer: it is not retried.
        #expect(server.requests(to: "/ib.json").count == 1)
    }

    @Test func pagedOverHTTPWithARetriedPageReadsTheSame() async throws {
        let all = try Self.orders()
        func body(_ page: Int) -> [UInt8] {
            let slice = Array(all.dropFirst((page - 1) * 3).prefix(3))
            // The envelope after data on page 2.
            let meta = #""metaData": {"totalCount": 4, "page": \#(page), "pageSize": 3}"#
            return Array((page == 1 ? Self.page(slice, before: meta + ", ", after: "") : Self.page(slice, after: ", " + meta)).utf8)
        }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/ib1.json", ScriptedResponse(body: body(1)))
        server.script("/ib2.json", ScriptedResponse(body: body(2)).truncated(after: 100), ScriptedResponse(body: body(2)))
        let sources = DaySources(orders: nil, invoicebox: InvoiceboxSource(url: try URLTemplate(server.url("/ib{page}.json")), pageSize: 3))
        let result = await ingest(day: Fixture.day27, sources: sources, client: Self.client)
        let expected = Invoicebox.combine([try Oracle.readPage(body(1), day: Fixture.day27, expectedPage: 1),
                                           try Oracle.readPage(body(2), day: Fixture.day27, expectedPage: 2)])
        #expect(result.isComplete, "\(result.outcomes)")
        #expect(result.payments == expected.payments)
        #expect(result.outcomes.first?.records == 4 && result.outcomes.first?.requests == 2)
        #expect(server.requests(to: "/ib1.json").count == 1 && server.requests(to: "/ib2.json").count == 2)

        // With the payments kept aside as read (the job's way): each payment is where its place says,
        // though the retried page kept its payments once before.
        server.script("/ib1.json", ScriptedResponse(body: body(1)).truncated(after: body(1).count - 5), ScriptedResponse(body: body(1)))
        server.script("/ib2.json", ScriptedResponse(body: body(2)))
        let keeper = KeptPayments()
        let aside = await ingest(day: Fixture.day27, sources: sources, client: Self.client, keeper: keeper)
        #expect(aside.isComplete, "\(aside.outcomes)")
        #expect(aside.payments.isEmpty && aside.kept.count == expected.payments.count)
        #expect(keeper.restored(aside.kept) == expected.payments)
        #expect(keeper.count > aside.kept.count) // (the first try of page 1 kept its payments before the transfer broke)
    }

    @Test func paymentsKeptAsideReadTheSameInAnyPieces() throws {
        let bytes = try Self.generated(orders: 600, seed: 23)
        let expected = try Oracle.readPage(bytes, day: Fixture.day27)
        #expect(expected.payments.count > 20)
        for piece in [1, 7, 4_096, 0] {
            let keeper = KeptPayments()
            var reader = Invoicebox.PageReader(day: Fixture.day27, keeper: keeper)
            try reader.feed(bytes, piece: piece)
            var page = try reader.finish()
            #expect(page.kept.map(\.place) == Array(0..<keeper.count), "pieces of \(piece)")
            #expect(page.payments.isEmpty)
            page.payments = keeper.restored(page.kept)
            page.kept = []
            #expect(page == expected, "pieces of \(piece)")
        }
        // Combined over pages, a payment read twice keeps its first place.
        let keeper = KeptPayments()
        var one = Invoicebox.PageReader(day: Fixture.day27, keeper: keeper)
        try one.feed(bytes, piece: 0)
        var two = Invoicebox.PageReader(day: Fixture.day27, keeper: keeper)
        try two.feed(bytes, piece: 0)
        let combined = Invoicebox.combine([try one.finish(), try two.finish()])
        #expect(combined.payments.isEmpty)
        #expect(combined.kept.map(\.place) == Array(0..<expected.payments.count))
        #expect(keeper.restored(combined.kept) == expected.payments)
    }

    @Test func aPaymentThatCannotBeKeptAsideFailsThePage() throws {
        let bytes = try Self.generated(orders: 300, seed: 5)
        let expected = try Oracle.readPage(bytes, day: Fixture.day27)
        let keeper = KeptPayments(failingAt: 2)
        var reader = Invoicebox.PageReader(day: Fixture.day27, keeper: keeper)
        let outcome = Result { () throws(SourceError) in
            try reader.feed(bytes, piece: 512)
            return try reader.finish()
        }
        guard case .failure(let error) = outcome else {
            Issue.record("the page read though a payment could not be kept: \(outcome)")
            return
        }
        let third = try #require(expected.payments.dropFirst(2).first)
        #expect(error.source == "invoicebox")
        #expect(error.reason.contains("the payment of order \(third.providerOrderID?.rawValue ?? "?") cannot be kept aside"), "\(error)")
        #expect(throws: SourceError.self) { try reader.finish() }
    }
}

private extension Invoicebox.PageReader {
    /// Feeds `bytes` `piece` bytes at a time (0: at once).
    mutating func feed(_ bytes: [UInt8], piece: Int) throws(SourceError) {
        guard piece > 0 else { return try feed(bytes) }
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            try feed(Array(bytes[offset..<end]))
            offset = end
        }
    }
}
