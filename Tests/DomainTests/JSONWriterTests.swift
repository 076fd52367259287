import Domain
import Foundation
import PropertyBased
import Testing

/// Foundation's bytes for `value` with sorted keys (and, unless `escapesSlashes`, unescaped slashes;
/// with `prettyPrinted`, pretty printed).
private func foundationBytes<T: Encodable>(_ value: T, escapesSlashes: Bool, prettyPrinted: Bool = false) throws -> [UInt8] {
    let encoder = JSONEncoder()
    var formatting: JSONEncoder.OutputFormatting = escapesSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
    if prettyPrinted { formatting.insert(.prettyPrinted) }
    encoder.outputFormatting = formatting
    return Array(try encoder.encode(value))
}

/// Expects ``SortedJSONEncoder`` to write exactly Foundation's bytes for `value`: both slash modes,
/// compact and pretty printed.
private func expectSameBytes<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for escapesSlashes in [true, false] {
        for prettyPrinted in [false, true] {
            let expected = try foundationBytes(value, escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted)
            let actual = try SortedJSONEncoder(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted).encode(value)
            #expect(String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self),
                    "escapesSlashes: \(escapesSlashes), prettyPrinted: \(prettyPrinted)", sourceLocation: sourceLocation)
            #expect(actual == expected, "escapesSlashes: \(escapesSlashes), prettyPrinted: \(prettyPrinted)", sourceLocation: sourceLocation)
            let text = try SortedJSONEncoder(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted).encodeString(value)
            #expect(Array(text.utf8) == expected, sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Hand-made shapes

private struct Strings: Codable, Equatable {
    var plain: String
    var quoted: String
    var optional: String?
    var nested: String??
}

private struct MixedKeys: Encodable {
    // Keys chosen so that UTF-8 order, case-insensitive order and numeric order all differ.
    enum CodingKeys: String, CodingKey {
        case b, B, a10 = "a10", a9 = "a9", zeta = "Zeta", alpha = "alpha", cyrillic = "яблоко", cyrillicUpper = "Яблоко"
        case accented = "é", latin = "e", underscore = "_x", digit = "1", emoji = "🙂", empty = ""
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        for (index, key) in [CodingKeys.b, .B, .a10, .a9, .zeta, .alpha, .cyrillic, .cyrillicUpper, .accented, .latin, .underscore,
                             .digit, .emoji, .empty].enumerated() {
            try container.encode(index, forKey: key)
        }
    }
}

/// Writes a key twice, a nested container twice for the same key, and canonically equivalent keys.
private struct RepeatedKeys: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: Key("k"))
        try container.encode("second", forKey: Key("k"))
        try container.encode(true, forKey: Key("caf\u{E9}"))
        try container.encode(false, forKey: Key("cafe\u{301}"))
        var nested = container.nestedContainer(keyedBy: Key.self, forKey: Key("n"))
        try nested.encode(1, forKey: Key("z"))
        var again = container.nestedContainer(keyedBy: Key.self, forKey: Key("n"))
        try again.encode(2, forKey: Key("a"))
        try nested.encode(3, forKey: Key("m"))
        var list = container.nestedUnkeyedContainer(forKey: Key("list"))
        try container.encode("interleaved", forKey: Key("after"))
        try list.encode(1)
        var listAgain = container.nestedUnkeyedContainer(forKey: Key("list"))
        try listAgain.encode(2)
    }
}

/// Containers of every kind, nested and interleaved; `superEncoder` in keyed and unkeyed containers.
private struct Containers: Encodable {
    enum Keys: String, CodingKey { case matrix, empties, nested, sup, order, single, nothing, late, floats, moreFloats, ints }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct Wrapped: Encodable {
        var inner: [String: Int]
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(inner)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode([[1, 2], [], [3]], forKey: .matrix)
        var empties = container.nestedUnkeyedContainer(forKey: .empties)
        _ = empties.nestedContainer(keyedBy: Keys.self)
        _ = empties.nestedUnkeyedContainer()
        try empties.encode([String: [Int]]())
        try empties.encode(Nothing())
        try empties.encodeNil()
        var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .nested)
        var deeper = nested.nestedContainer(keyedBy: Keys.self, forKey: .order)
        try nested.encode("after deeper", forKey: .single)
        try deeper.encode(Wrapped(inner: ["b": 2, "a": 1]), forKey: .single)
        try deeper.encodeNil(forKey: .nothing)
        do {
            let sup = container.superEncoder()
            var superContainer = sup.container(keyedBy: Keys.self)
            try superContainer.encode("from super", forKey: .single)
        }
        do {
            let sup = container.superEncoder(forKey: .sup)
            var single = sup.singleValueContainer()
            try single.encode(42)
        }
        do { _ = container.superEncoder(forKey: .late) }
        var order = container.nestedUnkeyedContainer(forKey: .order)
        try order.encode("first")
        do {
            let sup = order.superEncoder()
            try order.encode("third")
            var single = sup.singleValueContainer()
            try single.encode("second")
        }
        try order.encode("fourth")
        try container.encode(Nothing(), forKey: .nothing)
        try container.encode([0.0, -0.0, 1.0, 1.5, 0.1, 1e16, 1e-7, 123_456_789.125, Double.greatestFiniteMagnitude,
                              Double.leastNonzeroMagnitude], forKey: .floats)
        var floats = container.nestedUnkeyedContainer(forKey: .moreFloats)
        try floats.encode(Float(0.1))
        try floats.encode(Float(3))
        try container.encode(Ints(), forKey: .ints)
    }
}

private struct Ints: Encodable {
    enum Keys: String, CodingKey { case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, int128, uint128, zero }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Int.min, forKey: .int)
        try container.encode(Int8.min, forKey: .int8)
        try container.encode(Int16.max, forKey: .int16)
        try container.encode(Int32.min, forKey: .int32)
        try container.encode(Int64.max, forKey: .int64)
        try container.encode(UInt.max, forKey: .uint)
        try container.encode(UInt8.max, forKey: .uint8)
        try container.encode(UInt16.max, forKey: .uint16)
        try container.encode(UInt32.max, forKey: .uint32)
        try container.encode(UInt64.max, forKey: .uint64)
        try container.encode(Int128.min, forKey: .int128)
        try container.encode(UInt128.max, forKey: .uint128)
        try container.encode(0, forKey: .zero)
    }
}

/// The shape of the job's `StoredDocumentDetails` (Sources/Job/DayComputation.swift) over Domain types.
private struct DocumentDetailsShape: Codable, Equatable {
    struct Line: Codable, Equatable {
        var lineNo: Int
        var amounts: LineAmounts
    }

    var lines: [Line]
    var correctionDate: CivilDate?
    var paperOnly: Bool
    var printForm: String?
    var printFormName: String?
    var buyerName: String
}

/// Nesting `depth` arrays.
private struct DeepArray: Encodable {
    var depth: Int
    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        if depth > 1 { try container.encode(DeepArray(depth: depth - 1)) }
    }
}

private let awkwardStrings = [
    "", "plain", "with \"quotes\" and \\backslashes\\", "a/b/c </script>", "tab\there\nnew line\r\u{8}\u{C}",
    "\u{0}\u{1}\u{1F}\u{7F}\u{80}", "line\u{2028}separator\u{2029}", "emoji 🙂👨‍👩‍👧 and flags 🇷🇺",
    "ООО «Ромашка», г. Москва, ул. Льва Толстого, д. 16", "cafe\u{301} vs caf\u{E9}", "\u{FEFF}bom", "\u{10FFFF}",
]

@Suite("SortedJSONEncoder writes JSONEncoder's bytes")
struct JSONWriterTests {
    @Test("strings with quotes, backslashes, slashes, control characters, U+2028, emoji, Cyrillic")
    func strings() throws {
        for text in awkwardStrings {
            try expectSameBytes(text)
            try expectSameBytes([text])
            try expectSameBytes(Strings(plain: text, quoted: "\"\(text)\"", optional: text, nested: .some(nil)))
            try expectSameBytes(Strings(plain: text, quoted: text, optional: nil, nested: .some(.some(text))))
            try expectSameBytes([text: text])
        }
    }

    @Test("slashes are escaped only when asked")
    func slashes() throws {
        #expect(try SortedJSONEncoder().encodeString(["a/b": "c/d"]) == #"{"a\/b":"c\/d"}"#)
        #expect(try SortedJSONEncoder(escapesSlashes: false).encodeString(["a/b": "c/d"]) == #"{"a/b":"c/d"}"#)
    }

    @Test("keys sort by UTF-8 bytes: case, digits, Cyrillic, accents, emoji, the empty key")
    func keyOrder() throws {
        try expectSameBytes(MixedKeys())
        #expect(try SortedJSONEncoder().encodeString(["b": 1, "B": 2, "a": 3, "я": 4, "Я": 5, "10": 6, "9": 7])
                == #"{"10":6,"9":7,"B":2,"a":3,"b":1,"Я":5,"я":4}"#)
        // More keys than the short-list sort handles.
        let many = Dictionary(uniqueKeysWithValues: (0..<300).map { ("key \($0 * 7919 % 300) Ключ", $0) })
        try expectSameBytes(many)
    }

    @Test("a key written twice keeps its last value; nested containers re-open; equivalent keys are one key")
    func repeatedKeys() throws {
        try expectSameBytes(RepeatedKeys())
        let text = try SortedJSONEncoder().encodeString(RepeatedKeys())
        #expect(text.contains(#""k":"second""#))
        #expect(text.contains(#""n":{"a":2,"m":3,"z":1}"#))
        #expect(text.contains(#""list":[1,2]"#))
    }

    @Test("nested, interleaved and empty containers, superEncoder, single values, numbers")
    func containers() throws {
        try expectSameBytes(Containers())
        let text = try SortedJSONEncoder().encodeString(Containers())
        #expect(text.contains(#""order":["first","second","third","fourth"]"#))
        #expect(text.contains(#""super":{"single":"from super"}"#))
        #expect(text.contains(#""late":{}"#))
        #expect(text.contains(#""nothing":{}"#))
    }

    /// Re-opens as a container a key that already holds an encoded array.
    private struct ReopenedValue: Encodable {
        enum Keys: String, CodingKey { case list }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode([1], forKey: .list)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(2)
        }
    }

    @Test("a container re-opened over an already encoded value is refused, not written differently")
    func reopenedValue() throws {
        #expect(try foundationBytes(ReopenedValue(), escapesSlashes: true) == Array(#"{"list":[1,2]}"#.utf8))
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(ReopenedValue()) }
    }

    @Test("top-level single values and empty containers")
    func topLevel() throws {
        try expectSameBytes(42)
        try expectSameBytes(-0.5)
        try expectSameBytes(true)
        try expectSameBytes(Optional<Int>.none)
        try expectSameBytes([Int]())
        try expectSameBytes([String: Int]())
        try expectSameBytes([[[Int]]]([[], [[]], [[1]]]))
        try expectSameBytes([Int?.none, 1, nil])
        try expectSameBytes(["a": [String: [Int]](), "b": ["c": []]])
    }

    @Test("what JSONEncoder refuses is refused: NaN, infinity, an empty top level, 512 nested containers")
    func refusals() throws {
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(Double.nan) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(["x": Double.infinity]) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode([-Float.infinity]) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(Containers.Nothing()) }
        #expect(throws: (any Error).self) { try foundationBytes(Containers.Nothing(), escapesSlashes: true) }
        try expectSameBytes(DeepArray(depth: 511))
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(DeepArray(depth: 512)) }
        #expect(throws: (any Error).self) { try foundationBytes(DeepArray(depth: 512), escapesSlashes: true) }
    }

    @Test("Domain values: negative money, exact decimals, dates, timestamps, optionals left out; decoded back equal")
    func domainValues() throws {
        let address = Address(regionCode: "77", region: "г. Москва", postalCode: nil, city: "Москва", street: "ул. \"Новая\"/2",
                              house: "1", flat: nil, text: "г. Москва, ул. \"Новая\"/2, д. 1")
        let party = Party(id: "C-1/2", kind: .soleTrader, name: "ИП Иванов\tИван", inn: try INN("500100732259"), kpp: nil,
                          address: address, bank: BankDetails(bik: "044525225", account: "40702810938000000001",
                                                              correspondentAccount: nil, name: "ПАО Сбербанк"),
                          email: nil, edoID: "2BM-7707083893")
        let amounts = LineAmounts(quantity: try #require(ExactDecimal("1.436")), unitPriceWithVAT: Money(kopecks: -65_990), rate: .reduced10)
        let details = DocumentDetailsShape(lines: [.init(lineNo: 1, amounts: amounts), .init(lineNo: 2, amounts: amounts)],
                                           correctionDate: CivilDate(iso: "2026-11-27"), paperOnly: false, printForm: nil,
                                           printFormName: "УПД №1/2", buyerName: "ООО «Ромашка»")
        let empty = DocumentDetailsShape(lines: [], correctionDate: nil, paperOnly: true, printForm: "", printFormName: nil, buyerName: "")
        try expectSameBytes(party)
        try expectSameBytes(address)
        try expectSameBytes(details)
        try expectSameBytes(empty)
        try expectSameBytes(Money(kopecks: -1))
        try expectSameBytes(Timestamp(rfc3339: "2026-11-27T23:59:59+03:00"))
        #expect(try JSONDecoder().decode(Party.self, from: Data(SortedJSONEncoder(escapesSlashes: false).encode(party))) == party)
        #expect(try JSONDecoder().decode(DocumentDetailsShape.self, from: Data(SortedJSONEncoder().encode(details))) == details)
        #expect(try JSONDecoder().decode(DocumentDetailsShape.self, from: Data(SortedJSONEncoder().encode(empty))) == empty)
    }

    // MARK: Properties

    /// Strings of any Unicode scalars, weighted towards the ones JSON treats specially.
    private static let anyText = Gen.int(in: 0...1_114_111).array(of: 0...24).map { codes -> String in
        var text = String.UnicodeScalarView()
        for code in codes {
            let mapped: UInt32
            switch code % 8 {
            case 0: mapped = UInt32(code % 0x20) // control characters
            case 1: mapped = [0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029][code % 6]
            case 2, 3: mapped = UInt32(0x20 + code % 0x5F) // printable ASCII
            case 4: mapped = UInt32(0x400 + code % 0x100) // Cyrillic
            case 5: mapped = UInt32(0x1F300 + code % 0x300) // emoji
            case 6: mapped = UInt32(0x300 + code % 0x70) // combining marks
            default: mapped = UInt32(code)
            }
            text.append(Unicode.Scalar(mapped) ?? "\u{FFFD}")
        }
        return String(text)
    }

    private struct Small: Codable, Equatable {
        var name: String
        var note: String?
        var count: Int64
        var flags: [Bool]
        var table: [String: Int]
        var child: Child?

        struct Child: Codable, Equatable {
            var value: Int
            var labels: [String?]
        }
    }

    @Test("random strings: same bytes, and they decode back to the same string")
    func randomStrings() async {
        await propertyCheck(count: 500, input: Self.anyText, Gen.bool, Gen.bool) { text, escapesSlashes, prettyPrinted in
            let expected = try foundationBytes(["k\(text)": text], escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted)
            let actual = try SortedJSONEncoder(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted).encode(["k\(text)": text])
            #expect(actual == expected)
            #expect(try JSONDecoder().decode([String: String].self, from: Data(actual)) == ["k\(text)": text])
        }
    }

    @Test("random small structs with random keys: same bytes, decoded back equal")
    func randomStructs() async {
        let small = Gen.int(in: 0...Int.max).map { seed -> Int in seed }
        await propertyCheck(count: 300, input: Self.anyText, Self.anyText.array(of: 0...6), Gen.int64(in: Int64.min...Int64.max), small) { name, keys, count, seed in
            var table: [String: Int] = [:]
            for (index, key) in keys.enumerated() { table[key] = index &* seed }
            let value = Small(name: name, note: seed % 3 == 0 ? nil : keys.first ?? "", count: count,
                              flags: keys.map { $0.count % 2 == 0 }, table: table,
                              child: seed % 2 == 0 ? nil : Small.Child(value: seed, labels: keys.map { $0.isEmpty ? nil : $0 }))
            for escapesSlashes in [true, false] {
                for prettyPrinted in [false, true] {
                    let actual = try SortedJSONEncoder(escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted).encode(value)
                    #expect(actual == (try foundationBytes(value, escapesSlashes: escapesSlashes, prettyPrinted: prettyPrinted)))
                    #expect(try JSONDecoder().decode(Small.self, from: Data(actual)) == value)
                }
            }
        }
    }

    @Test("random doubles and floats print as JSONEncoder prints them")
    func randomNumbers() async {
        await propertyCheck(count: 500, input: Gen.int64(in: Int64.min...Int64.max), Gen.int(in: -30...30)) { bits, exponent in
            let double = Double(bits) * pow(10, Double(exponent))
            let float = Float(double)
            guard double.isFinite, float.isFinite else { return }
            try expectSameBytes([double, Double(bitPattern: UInt64(bitPattern: bits))].filter(\.isFinite))
            try expectSameBytes(["f": float])
        }
    }
}

// MARK: - Pretty printing

/// Nests `depth` objects, the innermost empty (or holding an empty array).
private struct DeepObject: Encodable {
    enum Keys: String, CodingKey { case inner, list, value }
    var depth: Int
    var withArray: Bool
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        if depth > 1 {
            try container.encode(DeepObject(depth: depth - 1, withArray: withArray), forKey: .inner)
            try container.encode(depth, forKey: .value)
        } else if withArray {
            try container.encode([Int](), forKey: .list)
        }
    }
}

/// A value of the kinds the project's reports hold: enums with raw values, money, exact decimals,
/// optionals, dictionaries and arrays of structs, some of them empty.
private struct ReportShape: Encodable {
    enum Status: String, Encodable { case matched, partial, unmatched = "не сопоставлен" }
    enum Level: Int, Encodable { case low = 1, high = 2 }
    struct Row: Encodable {
        var id: String
        var status: Status
        var level: Level?
        var amount: Money
        var quantity: ExactDecimal
        var rate: Double
        var tags: [String]
        var extra: [String: [Int]]
    }
    var rows: [Row]
    var byStatus: [String: Int]
    var nothing: [Row]
    var emptyTable: [String: Row]
    var note: String?
    var path: String
}

@Suite("SortedJSONEncoder pretty prints as JSONEncoder does")
struct PrettyJSONWriterTests {
    @Test("the layout: two-space indent, \" : \", empty containers around a blank line at every depth")
    func layout() throws {
        let pretty = SortedJSONEncoder(prettyPrinted: true)
        #expect(try pretty.encodeString(["b": [1, 2], "a": []]) == "{\n  \"a\" : [\n\n  ],\n  \"b\" : [\n    1,\n    2\n  ]\n}")
        #expect(try pretty.encodeString([[String: Int]()]) == "[\n  {\n\n  }\n]")
        #expect(try pretty.encodeString([Int]()) == "[\n\n]")
        #expect(try pretty.encodeString("a/b") == #""a\/b""#)
        #expect(try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encodeString(["k": "a/b"]) == "{\n  \"k\" : \"a/b\"\n}")
        #expect(try pretty.encodeString(7) == "7")
        #expect(try pretty.encodeString(Int?.none) == "null")
    }

    @Test("empty objects and arrays at every depth; nested empties")
    func emptiesAtDepth() throws {
        for depth in [1, 2, 3, 7, 40] {
            try expectSameBytes(DeepObject(depth: depth, withArray: false))
            try expectSameBytes(DeepObject(depth: depth, withArray: true))
            try expectSameBytes(DeepArray(depth: depth))
        }
        try expectSameBytes(DeepArray(depth: 511))
        try expectSameBytes([[[String: [Int]]]]([[], [[:]], [["a": []]]]))
        try expectSameBytes(["a": [[[Int]]](), "b": [[[]]], "c": [[[1], []]]])
        try expectSameBytes([Containers.Nothing(), Containers.Nothing()])
        try expectSameBytes(["x": [Containers.Nothing()]])
    }

    @Test("report-like values: enums with raw values, money, exact decimals, optionals, Cyrillic, emoji, slashes")
    func reportShapes() throws {
        let quantity = try #require(ExactDecimal("1.436"))
        let statuses: [ReportShape.Status] = [.matched, .partial, .unmatched]
        var rows: [ReportShape.Row] = []
        for index in 0..<25 {
            let level: ReportShape.Level? = index % 2 == 0 ? nil : .high
            let tags: [String] = index % 4 == 0 ? [] : ["t\"\(index)\"", "\n"]
            let list: [Int] = index % 3 == 0 ? [] : [index, -index]
            let extra: [String: [Int]] = index % 5 == 0 ? [:] : ["k\(index)": list]
            let amount = Money(kopecks: Int64(index) * 12_345 - 100_000)
            rows.append(ReportShape.Row(id: "УПД-\(index)/2026 🙂", status: statuses[index % 3], level: level, amount: amount,
                                        quantity: quantity, rate: Double(index) / 8, tags: tags, extra: extra))
        }
        try expectSameBytes(ReportShape(rows: rows, byStatus: ["matched": 9, "не сопоставлен": 8, "": 0], nothing: [],
                                        emptyTable: [:], note: nil, path: "out/2026-11-27/run.json"))
        try expectSameBytes(ReportShape(rows: [], byStatus: [:], nothing: [], emptyTable: ["a": rows[1]], note: "x\ty",
                                        path: ""))
        for text in awkwardStrings {
            try expectSameBytes([text: [text]])
        }
    }
}
