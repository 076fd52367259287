import Testing
import XML

/// `XDocument.parse(fileName:maxDepth:maxBytes:read:closed:)`: a document read a piece at a time,
/// its elements dropped as they close.
@Suite("Pruned parse of a document read a piece at a time")
struct PrunedParseTests {
    struct Stop: Error, Equatable { let at: String }

    /// Reads `bytes` `piece` bytes at a time.
    struct Pieces {
        let bytes: [UInt8]
        let piece: Int
        var offset = 0

        mutating func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            let count = min(buffer.count, piece, bytes.count - offset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
            offset += count
            return count
        }
    }

    /// A document of `records` records (`<rec n="…">` with two children each) under `<header>`
    /// and a first `filler` lines of comment, the records' start lines given.
    static func document(records: Int, filler: Int = 0) -> (text: String, lines: [Int]) {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--" + String(repeating: "\n", count: filler) + "-->\n"
        var line = 2 + filler
        text += "<root xmlns=\"urn:test\">\n  <list>\n    <header>Шапка</header>\n"
        line += 3
        var lines: [Int] = []
        for index in 0..<records {
            lines.append(line + 1)
            text += "    <rec n=\"\(index)\">\n      <a>запись \(index)</a>\n      <b>\(index * 7)</b>\n    </rec>\n"
            line += 4
        }
        text += "  </list>\n</root>\n"
        return (text, lines)
    }

    /// Each element's name, attributes, own text and children, for comparing trees.
    static func shape(_ node: XNode) -> String {
        let attributes = node.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        return "\(node.namespaceURI ?? "")|\(node.name)[\(attributes)](\(node.children.map(shape).joined(separator: ";")))"
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func recordsAreHandedOverAndDroppedAndTheRestIsKept(piece: Int) throws {
        let (text, lines) = Self.document(records: 300)
        var input = Pieces(bytes: Array(text.utf8), piece: piece)
        var seen: [(n: String, a: String, line: Int)] = []
        let document = try XDocument.parse(fileName: "records.xml", maxDepth: 2, read: { input.read($0) }) { element, depth, line in
            guard depth == 2, element.name == "rec" else { return .keep }
            // The element's parent and the header kept before it are there.
            #expect(element.parent?.name == "list")
            #expect(element.parent?.child(named: "header")?.text == "Шапка")
            #expect(element.document.declaredEncoding == "UTF-8")
            seen.append((element.attribute("n") ?? "", element.child(named: "a")?.text ?? "", line))
            return .drop
        }
        #expect(seen.map(\.n) == (0..<300).map(String.init))
        #expect(seen.map(\.a) == (0..<300).map { "запись \($0)" })
        #expect(seen.map(\.line) == lines)
        // What is left: the header only, the records and the text between them gone.
        let list = try #require(document.root?.child(named: "list"))
        #expect(list.children.map(\.name) == ["header"])
        #expect(list.text == "\n    Шапка\n  ")
        #expect(document.declaredEncoding == "UTF-8")
    }

    @Test func startLinesAreExactPastTheTreesLimit() throws {
        // libxml2 stores an element's line in 16 bits: past 65 535 its own lines are not exact.
        let (text, lines) = Self.document(records: 40, filler: 70_000)
        var input = Pieces(bytes: Array(text.utf8), piece: 65_536)
        var seen: [Int] = []
        _ = try XDocument.parse(fileName: "long.xml", maxDepth: 2, read: { input.read($0) }) { element, depth, line in
            if depth == 2, element.name == "rec" { seen.append(line) }
            return .drop
        }
        #expect(lines.first.map { $0 > 70_000 } == true)
        #expect(seen == lines)
    }

    @Test func textAfterADroppedElementStartsANodeOfItsOwn() throws {
        // The tree builder appends text to a last child that is text through its own record of that
        // node's length: after a drop, the text before the dropped element goes with it.
        let long = String(repeating: "x", count: 5_000)
        let text = "<r>lead<a>\(long)</a>tail<b>\(long)</b>more <c/>end</r>"
        for piece in [1, 3, 64, 100_000] {
            var input = Pieces(bytes: Array(text.utf8), piece: piece)
            let document = try XDocument.parse(fileName: "mixed.xml", maxDepth: 1, read: { input.read($0) }) { element, _, _ in
                element.name == "c" ? .keep : .drop
            }
            #expect(document.root?.text == "more end")
            #expect(document.root?.children.map(\.name) == ["c"])
        }
    }

    /// Documents whole parsing accepts or refuses: the pruned parse, keeping everything, decides the
    /// same, with the same first issue, and builds the same tree.
    static let documents: [String] = [
        "<r/>",
        "<?xml version=\"1.0\"?>\n<r a=\"1\"><b>текст</b><!-- c --><![CDATA[x<y]]></r>",
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?><r><b/></r>",
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?><r>ascii</r>",
        "<!DOCTYPE r>\n<r a=\"1\"/>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<r>&xxe;</r>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<r>&b;</r>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r/>",
        "<r><b></r>",
        "<r>\n<b>\n</b>\n",
        "",
        "not xml",
        "<r/><r/>",
        "<r xmlns:p=\"urn:p\"><p:b p:c=\"1\"/><q:d/></r>",
    ]

    @Test(arguments: documents)
    func acceptsAndRefusesAsWholeParsing(_ text: String) throws {
        let bytes = Array(text.utf8)
        let whole = Result { () throws(XMLError) in try XDocument(bytes: bytes, fileName: "doc.xml") }
        for piece in [1, 5, 4096] {
            var input = Pieces(bytes: bytes, piece: piece)
            var encodings: [String?] = []
            let pruned = Result { () throws(XPrunedParseError<Never>) in
                try XDocument.parse(fileName: "doc.xml", maxDepth: 3, read: { input.read($0) }) { element, _, _ in
                    encodings.append(element.document.declaredEncoding)
                    return .keep
                }
            }
            switch (whole, pruned) {
            case (.success(let expected), .success(let document)):
                #expect(document.declaredEncoding == expected.declaredEncoding)
                #expect(encodings.allSatisfy { $0 == expected.declaredEncoding })
                #expect(document.root.map(Self.shape) == expected.root.map(Self.shape))
                #expect(document.root?.text == expected.root?.text)
            case (.failure(let expected), .failure(.xml(let error))):
                #expect(error.kind == expected.kind)
                #expect(error.message == expected.message)
                #expect(error.line == expected.line)
            default:
                Issue.record("whole: \(whole), pruned (pieces of \(piece)): \(pruned)")
            }
        }
    }

    @Test func theCallersErrorsStopTheParse() throws {
        let (text, _) = Self.document(records: 50)
        var input = Pieces(bytes: Array(text.utf8), piece: 256)
        var handed = 0
        func readInput(_ buffer: UnsafeMutableRawBufferPointer) throws(Stop) -> Int { input.read(buffer) }
        func stopAtNine(_ element: XNode, _ depth: Int, _ line: Int) throws(Stop) -> XPruning {
            guard depth == 2, element.name == "rec" else { return .keep }
            handed += 1
            if element.attribute("n") == "9" { throw Stop(at: "9") }
            return .drop
        }
        let stopped = Result { () throws(XPrunedParseError<Stop>) in
            try XDocument.parse(fileName: "stop.xml", maxDepth: 2, read: readInput, closed: stopAtNine)
        }
        guard case .failure(.caller(let stop)) = stopped else { Issue.record("\(stopped)"); return }
        #expect(stop == Stop(at: "9"))
        #expect(handed == 10)

        var read = 0
        input = Pieces(bytes: Array(text.utf8), piece: 256)
        func failThirdRead(_ buffer: UnsafeMutableRawBufferPointer) throws(Stop) -> Int {
            read += 1
            if read == 3 { throw Stop(at: "read") }
            return input.read(buffer)
        }
        func dropAll(_ element: XNode, _ depth: Int, _ line: Int) throws(Stop) -> XPruning { .drop }
        let failed = Result { () throws(XPrunedParseError<Stop>) in
            try XDocument.parse(fileName: "read.xml", maxDepth: 2, read: failThirdRead, closed: dropAll)
        }
        guard case .failure(.caller(let error)) = failed else { Issue.record("\(failed)"); return }
        #expect(error == Stop(at: "read"))
        #expect(read == 3)
    }

    @Test func moreBytesThanTheLimitAreRefused() throws {
        let (text, _) = Self.document(records: 100)
        var input = Pieces(bytes: Array(text.utf8), piece: 4096)
        let error = Result { () throws(XPrunedParseError<Never>) in
            try XDocument.parse(fileName: "big.xml", maxDepth: 2, maxBytes: 1_000, read: { input.read($0) }) { _, _, _ in .drop }
        }
        guard case .failure(.xml(let refused)) = error else { Issue.record("\(error)"); return }
        #expect(refused.kind == .rejected)
        #expect(refused.message.contains("more than the limit of 1000 bytes"))
        // At the limit exactly, it is read.
        var exact = Pieces(bytes: Array(text.utf8), piece: 4096)
        _ = try XDocument.parse(fileName: "big.xml", maxDepth: 2, maxBytes: text.utf8.count, read: { exact.read($0) }) { _, _, _ in .drop }
    }
}
