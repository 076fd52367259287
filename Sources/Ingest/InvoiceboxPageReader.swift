import Domain

extension Invoicebox {
    /// Reads one page of ИнвойсБокс's order list as its bytes arrive, never holding the page's
    /// JSON tree: each element of `data` is parsed alone, turned into its payment, quarantined
    /// record or ignored count, and let go.
    ///
    /// Feed it the page in chunks of any size (`feed(_:)`), then call `finish()`. The envelope's
    /// members may come in any order (`metaData` and `error` before or after `data`); what the
    /// elements gave is held (it is small) until the envelope is known. The result, the diagnostics
    /// and every `SourceError` are those of reading the whole page at once (`readPage`): a syntax
    /// error anywhere fails the page with the message, line and column the whole-document parser
    /// gives, as soon as it is seen.
    ///
    /// The bytes held are those of the member or element being read (and of the next piece of a
    /// large chunk).
    public struct PageReader {
        /// The business day (payments are those paid on it, in Moscow).
        let day: CivilDate
        /// The page requested, when known: `metaData.page` must say the same.
        let expectedPage: Int?

        /// The bytes not yet done with; `buffer[0]` is at `origin` of the page.
        private(set) var buffer: [UInt8] = []
        private(set) var origin = TextPosition()
        /// The next byte of `buffer` to look at.
        var position = 0
        private var state = State.bom
        /// What is after the value being read: the root, a member of the root object, an element.
        private var context = Context.root
        /// Where the value being delimited starts in `buffer`, and how far delimiting got.
        private var tokenStart = 0
        private var scan = TokenScan()
        private var key = ""

        /// The envelope's members that matter (`error`, `metaData`, `data` — the first of a name
        /// counts), `data` as an empty array when it is one; the text of the first `error`.
        private var members: [(key: String, value: JSONValue)] = []
        private var errorText: String?
        private var rootTypeName: String?
        /// Whether the `data` array being read is the first `data` (the one that counts).
        private var readingData = false
        private var dataFound = false

        /// Elements of the first `data` so far, and what they gave.
        private var elementCount = 0
        private var seen: [String: Int] = [:]
        private var providerIDs: [ProviderOrderID] = []
        /// The payments (they do not name the page), or those given to the keeper, and the rest of what the
        /// elements gave.
        private var payments: [Payment] = []
        private var aside: PaymentsAside
        private var kept: [KeptPayment] = []
        private var verdicts: [ElementVerdict] = []
        private var ignoredCount = 0

        private(set) var failure: SourceError?
        private var result: InvoiceboxPage?

        /// The most bytes held at once so far (the buffer's capacity), for tests of the memory shape.
        private(set) var peakRetainedBytes = 0

        /// A reader of one page.
        ///
        /// - Parameters:
        ///   - day: the business day.
        ///   - expectedPage: the page requested, when known; `metaData.page` must say the same.
        ///   - keeper: where each payment goes, with its record, as it is read (see ``PaymentKeeper``; the
        ///     page's `kept` then says where each went); `nil`: in the page's `payments`. A payment that cannot be
        ///     kept aside fails the page.
        public init(day: CivilDate, expectedPage: Int? = nil, keeper: (any PaymentKeeper)? = nil) {
            self.day = day
            self.expectedPage = expectedPage
            aside = PaymentsAside(keeper, source: Invoicebox.source)
        }

        /// A piece of the page (`ChunkedPageReader.feed` cuts what arrives into pieces of at most
        /// `pieceSize` bytes, so that what is held stays small).
        mutating func take(_ piece: UnsafeRawBufferPointer) throws(SourceError) {
            buffer.append(contentsOf: piece)
            do {
                try advance(final: false)
            } catch {
                throw fail(error)
            }
            try checkAside()
            compact()
        }

        static let pieceSize = 1 << 18

        /// The page, once all its bytes were fed.
        /// - Throws: `SourceError` when the page is not JSON, is cut short, is an error response,
        ///   or its envelope is wrong — exactly as `readPage` does. A bad order does not throw; it
        ///   is quarantined and the others are read.
        public mutating func finish() throws(SourceError) -> InvoiceboxPage {
            if let result { return result }
            if let failure { throw failure }
            do {
                try advance(final: true)
            } catch {
                throw fail(error)
            }
            try checkAside()
            buffer = []
            let page = try envelope()
            result = page
            return page
        }

        // MARK: Reading the structure

        private enum State {
            case bom, value, token, afterRoot
            /// After `{`: a member name or `}`; after `,`: a member name.
            case objectStart, memberName, key, colon, afterMember
            /// After `[`: an element or `]`; after `,`: an element.
            case arrayStart, element, afterElement
        }

        /// Where the value being read is.
        private enum Context {
            case root
            case member
            /// An element of the first `data` (read), or of another array (only checked).
            case element(data: Bool)
            /// An element of an array that is the root.
            case rootElement
        }

        private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

        // The parser's messages, where it would give them.
        private mutating func advance(final: Bool) throws(JSONSyntaxError) {
            while true {
                switch state {
                case .bom:
                    let available = buffer.count - position
                    if available < 3, !final, buffer[position...].elementsEqual(Self.bom.prefix(available)) { return }
                    if buffer[position...].starts(with: Self.bom) { position += 3 }
                    state = .value
                case .value:
                    guard let byte = try nextByte(final: final, "unexpected end of input") else { return }
                    if case .root = context, byte == UInt8(ascii: "{") {
                        rootTypeName = "an object"
                        position += 1
                        state = .objectStart
                    } else if case .root = context, byte == UInt8(ascii: "[") {
                        rootTypeName = "an array"
                        position += 1
                        state = .arrayStart
                    } else if case .member = context, key == "data", byte == UInt8(ascii: "[") {
                        readingData = !dataFound
                        dataFound = true
                        members.append((key, JSONValue(kind: .array([]), range: position..<position)))
                        position += 1
                        state = .arrayStart
                    } else {
                        tokenStart = position
                        scan = TokenScan()
                        state = .token
                    }
                case .token:
                    guard let end = try delimit(final: final) else { return }
                    try took(tokenStart..<end)
                    position = end
                    switch context {
                    case .root: state = .afterRoot
                    case .member: state = .afterMember
                    case .element, .rootElement: state = .afterElement
                    }
                case .afterRoot:
                    skipWhitespace()
                    if position < buffer.count { throw error("unexpected text after the end of the document", at: position) }
                    return
                case .objectStart, .memberName:
                    guard let byte = try nextByte(final: final, "expected a member name") else { return }
                    if state == .objectStart, byte == UInt8(ascii: "}") {
                        position += 1
                        state = .afterRoot
                        continue
                    }
                    guard byte == UInt8(ascii: "\"") else { throw error("expected a member name", at: position) }
                    tokenStart = position
                    scan = TokenScan()
                    state = .key
                case .key:
                    guard let end = try delimit(final: final) else { return }
                    key = try parse(tokenStart..<end, depth: 1).stringValue ?? ""
                    position = end
                    state = .colon
                case .colon:
                    guard let byte = try nextByte(final: final, "expected ':'") else { return }
                    guard byte == UInt8(ascii: ":") else { throw error("expected ':'", at: position) }
                    position += 1
                    context = .member
                    state = .value
                case .afterMember:
                    guard let byte = try nextByte(final: final, "unexpected end of input in an object") else { return }
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        state = .memberName
                    } else if byte == UInt8(ascii: "}") {
                        position += 1
                        context = .root
                        state = .afterRoot
                    } else {
                        throw error("expected ',' or '}'", at: position)
                    }
                case .arrayStart, .element:
                    guard let byte = try nextByte(final: final, "unexpected end of input") else { return }
                    if state == .arrayStart, byte == UInt8(ascii: "]") {
                        position += 1
                        closeArray()
                        continue
                    }
                    if case .root = context { context = .rootElement }
                    if case .member = context { context = .element(data: readingData) }
                    tokenStart = position
                    scan = TokenScan()
                    state = .token
                case .afterElement:
                    guard let byte = try nextByte(final: final, "unexpected end of input in an array") else { return }
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        state = .element
                    } else if byte == UInt8(ascii: "]") {
                        position += 1
                        closeArray()
                    } else {
                        throw error("expected ',' or ']'", at: position)
                    }
                }
            }
        }

        /// After the `]` of an array: the root's, or a member's.
        private mutating func closeArray() {
            switch context {
            case .root, .rootElement:
                context = .root
                state = .afterRoot
            case .member, .element:
                context = .member
                readingData = false
                state = .afterMember
            }
        }

        /// A whole value was delimited at `range`: parsed, and kept or read as its place says.
        private mutating func took(_ range: Range<Int>) throws(JSONSyntaxError) {
            switch context {
            case .root:
                rootTypeName = try parse(range, depth: 0).typeName
            case .rootElement:
                _ = try parse(range, depth: 1)
            case .member:
                let value = try parse(range, depth: 1)
                if key == "data" { dataFound = true }
                if key == "error" || key == "metaData" || key == "data" {
                    if key == "error", errorText == nil { errorText = String(decoding: buffer[range], as: UTF8.self) }
                    members.append((key, value))
                }
            case .element(let data):
                let item = try parse(range, depth: 2)
                guard data else { return }
                let raw = String(decoding: buffer[range], as: UTF8.self)
                let index = elementCount
                elementCount += 1
                read(item, raw: raw, index: index)
            }
        }

        /// Where the value starting at `tokenStart` ends as the parser reads it, or nil when more
        /// input is needed. At the end of the input (or when it nests too deep to be valid), the
        /// bytes so far: parsing them gives the parser's error.
        private mutating func delimit(final: Bool) throws(JSONSyntaxError) -> Int? {
            let limit = JSONParser.maximumDepth
            var scan = self.scan
            let start = tokenStart
            let outcome: Int? = buffer.withUnsafeBufferPointer { bytes in
                scan.delimit(bytes, from: start, final: final, nestingLimit: limit)
            }
            self.scan = scan
            if let outcome { return outcome }
            if final { return buffer.count }
            return nil
        }

        private mutating func fail(_ error: JSONSyntaxError) -> SourceError {
            let failure = SourceError(source: Invoicebox.source, line: error.line, reason: "the page is \(error.description)")
            self.failure = failure
            buffer = []
            verdicts = []
            payments = []
            return failure
        }

        /// Fails the page when a payment's record could not be kept aside.
        private mutating func checkAside() throws(SourceError) {
            guard let failure = aside.failure else { return }
            self.failure = failure
            buffer = []
            verdicts = []
            payments = []
            throw failure
        }

        /// Lets go of the bytes already done with.
        private mutating func compact() {
            peakRetainedBytes = max(peakRetainedBytes, buffer.capacity)
            let keep = state == .token || state == .key ? tokenStart : position
            guard keep > 0, keep >= 1 << 16 || keep == buffer.count || keep * 2 >= buffer.count else { return }
            origin.advance(over: buffer[..<keep])
            buffer.removeSubrange(..<keep)
            position -= keep
            tokenStart = max(0, tokenStart - keep)
        }

        // MARK: The orders

        /// What one element of `data` that is not a payment gave, labelled once the page is known.
        private enum ElementVerdict {
            case quarantined(problems: [ContractProblem], label: String, key: String, raw: String)
            case duplicate(label: String, id: String, earlier: Int)
            case otherDay(label: String, paidOn: CivilDate)
        }

        /// Reads one element of `data` (the `index`-th, from 0), as `readPage` always has.
        private mutating func read(_ item: JSONValue, raw: String, index: Int) {
            let source = Invoicebox.source
            let idText = item["id"]?.stringValue
            let label = "order \(idText ?? "#\(index + 1) (no id)")"
            var checker = FieldChecker()
            guard item.isObject else {
                checker.add("", "an order must be a JSON object, got \(item.typeName)")
                verdicts.append(.quarantined(problems: checker.problems, label: label, key: "\(source):\(fingerprint(raw))", raw: raw))
                return
            }
            let id = checker.string(item, "id", "")
            if let id, !isUUID(id) { checker.add("id", "'\(id)' is not a uuid") }
            let status = checker.string(item, "status", "")
            if let id, isUUID(id) {
                if let earlier = seen[id] {
                    verdicts.append(.duplicate(label: label, id: id, earlier: earlier))
                    return
                }
                seen[id] = index + 1
                providerIDs.append(ProviderOrderID(id))
            }
            guard checker.problems.isEmpty, let id, let status else {
                verdicts.append(.quarantined(problems: checker.problems, label: label,
                                             key: "\(source):\(idText ?? fingerprint(raw))", raw: raw))
                return
            }
            guard status == "completed" else {
                ignoredCount += 1
                return
            }
            let paidAt = checker.timestamp(item, "paidAt", "")
            let amount = Invoicebox.providerMoney(item, "amount", &checker)
            if let currency = item["currencyId"], !Invoicebox.isNull(currency) {
                let code = currency.stringValue ?? (currency.kind.numberLiteral ?? "")
                if code != "RUB" && code != "643" {
                    checker.add("currencyId", "only roubles (RUB) are accepted, got '\(code)'")
                }
            }
            var merchantOrderID: String?
            if let value = item["merchantOrderId"], !Invoicebox.isNull(value) {
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
                verdicts.append(.quarantined(problems: checker.problems, label: label, key: "\(source):\(id)", raw: raw))
                return
            }
            guard paidAt.moscowDate == day else {
                ignoredCount += 1
                verdicts.append(.otherDay(label: label, paidOn: paidAt.moscowDate))
                return
            }
            aside.add(Payment(
                id: PaymentID(compacting: "invoicebox:\(id)"), source: .invoicebox, receivedOn: paidAt.moscowDate, amount: amount,
                payerINN: payerINN, payerName: payerName, purpose: description ?? "",
                providerOrderID: ProviderOrderID(id), merchantOrderID: merchantOrderID, raw: raw),
                from: label, to: &payments, kept: &kept)
        }

        // MARK: The envelope

        /// Checks the envelope, as `readPage` always has, and gives the page.
        private mutating func envelope() throws(SourceError) -> InvoiceboxPage {
            let source = Invoicebox.source
            guard rootTypeName == "an object" else {
                throw SourceError(source: source, reason: "the page must be a JSON object ({data, metaData}), got \(rootTypeName ?? "nothing")")
            }
            let root = JSONValue(kind: .object(members), range: 0..<0)
            if let error = root["error"], !Invoicebox.isNull(error) {
                let detail = error["message"]?.stringValue ?? error.stringValue ?? errorText ?? ""
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
            guard data != nil, let totalCount, let page, let pageSize else {
                throw SourceError(source: source, reason: "envelope: incomplete")
            }
            if let expectedPage, expectedPage != page {
                throw SourceError(source: source, reason: "envelope: page \(expectedPage) was requested but metaData.page is \(page)")
            }
            guard elementCount <= pageSize else {
                throw SourceError(source: source, reason: "envelope: \(elementCount) orders on a page of pageSize \(pageSize)")
            }
            var result = InvoiceboxPage(page: page, pageSize: pageSize, totalCount: totalCount, recordCount: elementCount,
                                        providerIDs: providerIDs, payments: payments, quarantined: [], diagnostics: [],
                                        ignoredCount: ignoredCount, kept: kept)
            providerIDs = []
            payments = []
            kept = []
            for verdict in verdicts {
                switch verdict {
                case .quarantined(let problems, let label, let key, let raw):
                    result.quarantined.append(quarantine(problems, source: source, record: "page \(page), \(label)", key: key, raw: raw))
                case .duplicate(let label, let id, let earlier):
                    result.diagnostics.append(Diagnostic(severity: .warning, kind: "duplicate-record", source: source,
                                                         record: "page \(page), \(label)",
                                                         message: "provider order \(id) appears again (first as #\(earlier)); read once"))
                case .otherDay(let label, let paidOn):
                    result.diagnostics.append(Diagnostic(severity: .info, kind: "other-day", source: source,
                                                         record: "page \(page), \(label)",
                                                         message: "paid on \(paidOn) (Moscow), not on \(day); not a payment of this day"))
                }
            }
            verdicts = []
            return result
        }
    }
}

/// How far delimiting a JSON value has got (`Invoicebox.PageReader`): where the parser will stop
/// reading it, found without parsing, so that the value is parsed once, when whole.
private struct TokenScan {
    /// How many bytes after the value's start were looked at.
    var offset = 0
    var nesting = 0
    var inString = false
    var escaped = false

    /// The end of the value starting at `bytes[start]` as the parser would read it (a string to its
    /// closing quote, an array or object to its closing bracket, a number as far as its grammar
    /// goes, a literal its length), or the end of what to parse to get the parser's error (a value
    /// nesting deeper than `nestingLimit`); nil when more bytes are needed (`final`: the number at
    /// the end of the input ends there).
    mutating func delimit(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, final: Bool, nestingLimit: Int) -> Int? {
        let count = bytes.count
        guard start < count else { return nil }
        let first = bytes[start]
        switch first {
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
            var position = start + offset
            if offset == 0 {
                if first == UInt8(ascii: "\"") { inString = true } else { nesting = 1 }
                position += 1
            }
            while position < count {
                if inString {
                    if escaped {
                        escaped = false
                        position += 1
                        continue
                    }
                    while position < count {
                        let byte = bytes[position]
                        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                        position += 1
                    }
                    guard position < count else { break }
                    if bytes[position] == UInt8(ascii: "\\") {
                        escaped = true
                    } else {
                        inString = false
                        if nesting == 0 { return position + 1 }
                    }
                    position += 1
                    continue
                }
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    nesting += 1
                    // Not valid: parsing this far gives the parser's error (this bracket's, or one before).
                    if nesting > nestingLimit { return position + 1 }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    nesting -= 1
                    if nesting == 0 { return position + 1 }
                default:
                    break
                }
                position += 1
            }
            offset = position - start
            return nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let literal: StaticString = first == UInt8(ascii: "t") ? "true" : first == UInt8(ascii: "f") ? "false" : "null"
            let length = literal.utf8CodeUnitCount
            return literal.withUTF8Buffer { expected in
                for index in 0..<length {
                    guard start + index < count else { return nil }
                    if bytes[start + index] != expected[index] { return start + index + 1 }
                }
                return start + length
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            // The bytes a number can be made of, then its grammar over them.
            var position = start + offset
            while position < count {
                switch bytes[position] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                     UInt8(ascii: "e"), UInt8(ascii: "E"):
                    position += 1
                    continue
                default:
                    break
                }
                break
            }
            offset = position - start
            guard position < count || final else { return nil }
            return Self.numberEnd(bytes, from: start, to: position)
        default:
            return start + 1
        }
    }

    /// Where the parser stops reading a number in `bytes[start..<limit]` (it checks the rest).
    private static func numberEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to limit: Int) -> Int {
        var index = start
        func digits() {
            while index < limit, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < limit, bytes[index] == UInt8(ascii: "-") { index += 1 }
        digits()
        if index < limit, bytes[index] == UInt8(ascii: ".") {
            index += 1
            digits()
        }
        if index < limit, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < limit, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            digits()
        }
        return index
    }
}
