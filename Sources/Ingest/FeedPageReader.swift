import Dispatch
import Domain
import Foundation
import Synchronization

extension OrdersFeed {
    /// Reads one page of the orders feed as its bytes arrive, never holding the whole page.
    ///
    /// Feed it the page in chunks of any size (`feed(_:)`), then call `finish()`. It follows the
    /// envelope object (its keys in any order: `orders` may come before or after `business_date`,
    /// `page` and `pages`), cuts each element of `orders` out as it completes, and reads the orders a
    /// block at a time over all cores, keeping only what was read: the bytes held are those of the
    /// block being read in the background, of the next one being cut out, and the token being
    /// read (while a block's results are taken, of the block before it too). `finish()` checks the envelope and gives the page exactly as
    /// `readPage` does (the same `SourceError`s; a syntax error anywhere fails the page as a whole,
    /// with its line).
    ///
    /// A valid order keeps no JSON (`FeedOrder.raw` is empty) unless `combine` will quarantine it —
    /// a later copy of an id with different content, or an order using an earlier order's shipment
    /// id — which the reader recognises while the order's bytes are at hand, from the day's earlier
    /// pages. Without them (`after: nil` on a page other than the first) it keeps every order's JSON.
    ///
    /// Given a combiner with a spill (the orders source of `ingest(day:sources:client:spill:)`), it
    /// keeps no valid order: its combiner's verdict is final, each admitted order goes to the spill
    /// when its block's results are taken (not shared: it is encoded and let go), and the page
    /// carries only what was decided (`OrdersFeedPage.settled`). A spill that fails fails the page.
    public struct PageReader {
        /// The day requested.
        let day: CivilDate
        /// The page requested, when known.
        let expectedPage: Int?
        /// How many orders are read together.
        let blockSize: Int
        /// The day's orders so far, to know which copies `combine` will quarantine.
        private(set) var combiner: FeedCombiner
        /// Whether every valid order keeps its JSON (the day's earlier pages are unknown).
        private let keepsEveryRaw: Bool

        /// The bytes not yet done with; `buffer[0]` is at `origin` of the page.
        private(set) var buffer: [UInt8] = []
        private(set) var origin = TextPosition()
        /// The next byte of `buffer` to look at.
        var position = 0
        private var state = State.bom
        /// Where the token being delimited (a member name or value, an order) starts in `buffer`.
        private var tokenStart = 0
        private var scan = ValueScan()

        /// The envelope's members read so far (`orders` as an empty array).
        private var members: [(key: String, value: JSONValue)] = []
        private var key = ""
        private var ordersFound = false

        /// Orders delimited but not read yet, as ranges of `buffer`.
        private var block: [Range<Int>] = []
        private var blockBytes = 0
        /// Orders delimited so far (for the labels of those without an id).
        private var itemCount = 0
        /// The page number the records are labelled with (fixed when the first order is read).
        private var labelPage: Int?

        private var orders: [FeedOrder] = []
        private var quarantined: [(record: QuarantinedRecord, id: String?, index: Int)] = []
        private var diagnostics: [Diagnostic] = []
        private var itemSyntaxError: JSONSyntaxError?
        /// With a spill: what the combiner decided for the page's valid orders.
        private var settled = SettledOrders()
        /// The spill failed while a block's orders were taken: the page fails with it.
        private var spillFailure: SourceError?
        /// The block being read in the background.
        private var pending: PendingBlock?
        private(set) var failure: SourceError?
        private var result: OrdersFeedPage?

        /// The most bytes held at once so far (the buffer's capacity, and the blocks' being read),
        /// for tests of the memory shape.
        private(set) var peakRetainedBytes = 0

        /// A reader of one page.
        ///
        /// - Parameters:
        ///   - day: the business day requested; the envelope's `business_date` must equal it.
        ///   - expectedPage: the page requested (`page=N`), when known; the envelope must say the same.
        ///   - earlier: the day's pages before this one, in order (`[]` for the first page), so that
        ///     only the copies `combine` will quarantine keep their JSON; nil when unknown (then a
        ///     page other than the first keeps every order's JSON).
        public init(day: CivilDate, expectedPage: Int? = nil, after earlier: [OrdersFeedPage]? = nil) {
            self.init(day: day, expectedPage: expectedPage, combiner: FeedCombiner(after: earlier ?? []),
                      keepsEveryRaw: earlier == nil && expectedPage != 1)
        }

        /// A reader of one page after the pages `combiner` has seen.
        init(day: CivilDate, expectedPage: Int?, combiner: FeedCombiner, keepsEveryRaw: Bool = false, blockSize: Int = 1024) {
            self.day = day
            self.expectedPage = expectedPage
            self.combiner = combiner
            self.keepsEveryRaw = keepsEveryRaw
            self.blockSize = max(1, blockSize)
        }

        /// A piece of the page (`ChunkedPageReader.feed` cuts what arrives into pieces of at most
        /// `pieceSize` bytes, so that what is held stays one block's bytes).
        mutating func take(_ piece: UnsafeRawBufferPointer) throws(SourceError) {
            buffer.append(contentsOf: piece)
            do {
                try advance(final: false)
            } catch {
                throw fail(error)
            }
            if let spillFailure { throw fail(spillFailure) }
            compact()
        }

        static let pieceSize = 1 << 20

        /// The page, once all its bytes were fed.
        /// - Throws: `SourceError` when the page is not JSON, is cut short, or its envelope is wrong.
        ///   A bad order does not throw; it is quarantined and the others are read.
        public mutating func finish() throws(SourceError) -> OrdersFeedPage {
            if let result { return result }
            if let failure { throw failure }
            do {
                try advance(final: true)
                try readBlock()
            } catch {
                throw fail(error)
            }
            collectPending()
            if let spillFailure { throw fail(spillFailure) }
            let page = try envelope()
            result = page
            buffer = []
            return page
        }

        // MARK: The envelope

        private enum State {
            case bom, beforeRoot, wholeDocument
            /// After `{`: a member name or `}`; after `,`: a member name.
            case objectStart, memberName
            case key, colon, value, memberValue
            /// After `[` of `orders`: an order or `]`; after `,`: an order.
            case ordersStart, order, orderValue, afterOrder
            case afterValue, afterRoot
        }

        private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

        private mutating func advance(final: Bool) throws(JSONSyntaxError) {
            while true {
                switch state {
                case .bom:
                    let available = buffer.count - position
                    if available < 3, !final, buffer[position...].elementsEqual(Self.bom.prefix(available)) { return }
                    if buffer[position...].starts(with: Self.bom) { position += 3 }
                    state = .beforeRoot
                case .beforeRoot:
                    guard let byte = try nextByte(final: final, "unexpected end of input") else { return }
                    if byte == UInt8(ascii: "{") {
                        position += 1
                        state = .objectStart
                    } else {
                        // Not an envelope: kept whole and read at the end, only to say why it fails.
                        tokenStart = position
                        state = .wholeDocument
                    }
                case .wholeDocument:
                    position = buffer.count
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
                    position += 1
                    scan = ValueScan(inString: true)
                    state = .key
                case .key:
                    while position < buffer.count, scan.inString {
                        scan.step(buffer[position])
                        position += 1
                    }
                    if scan.inString {
                        guard final else { return }
                        _ = try parse(tokenStart..<buffer.count, depth: 1)
                        throw error("unterminated string", at: buffer.count)
                    }
                    key = try parse(tokenStart..<position, depth: 1).stringValue ?? ""
                    state = .colon
                case .colon:
                    guard let byte = try nextByte(final: final, "expected ':'") else { return }
                    guard byte == UInt8(ascii: ":") else { throw error("expected ':'", at: position) }
                    position += 1
                    state = .value
                case .value:
                    guard let byte = try nextByte(final: final, "unexpected end of input") else { return }
                    if key == "orders", !ordersFound, byte == UInt8(ascii: "[") {
                        ordersFound = true
                        members.append((key, JSONValue(kind: .array([]), range: position..<position)))
                        position += 1
                        state = .ordersStart
                    } else {
                        tokenStart = position
                        scan = ValueScan()
                        state = .memberValue
                    }
                case .memberValue:
                    guard try delimit(depth: 1, final: final) else {
                        guard final else { return }
                        _ = try parse(tokenStart..<buffer.count, depth: 1)
                        throw error("unexpected end of input", at: buffer.count)
                    }
                    members.append((key, try parse(tokenStart..<position, depth: 1)))
                    state = .afterValue
                case .ordersStart, .order:
                    guard let byte = try nextByte(final: final, "unexpected end of input") else { return }
                    if state == .ordersStart, byte == UInt8(ascii: "]") {
                        position += 1
                        state = .afterValue
                        continue
                    }
                    tokenStart = position
                    scan = ValueScan()
                    state = .orderValue
                case .orderValue:
                    guard try delimit(depth: 2, final: final) else {
                        guard final else { return }
                        throw error(scan.inString ? "unterminated string" : "unexpected end of input", at: buffer.count)
                    }
                    block.append(tokenStart..<position)
                    blockBytes += position - tokenStart
                    if block.count >= blockSize || blockBytes >= 8 << 20 { try readBlock() }
                    state = .afterOrder
                case .afterOrder:
                    guard let byte = try nextByte(final: final, "unexpected end of input in an array") else { return }
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        state = .order
                    } else if byte == UInt8(ascii: "]") {
                        position += 1
                        state = .afterValue
                    } else {
                        throw error("expected ',' or ']'", at: position)
                    }
                case .afterValue:
                    guard let byte = try nextByte(final: final, "unexpected end of input in an object") else { return }
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        state = .memberName
                    } else if byte == UInt8(ascii: "}") {
                        position += 1
                        state = .afterRoot
                    } else {
                        throw error("expected ',' or '}'", at: position)
                    }
                case .afterRoot:
                    skipWhitespace()
                    if position < buffer.count { throw error("unexpected text after the end of the document", at: position) }
                    return
                }
            }
        }

        /// How delimiting a value stopped.
        private enum DelimitStop {
            /// The buffer's end came first: more input is needed.
            case needMore
            /// The value ended at `position`.
            case ended
            /// A `]` or `}` where the value should start.
            case unexpected
            /// A bracket at `position` nests deeper than `JSONParser.maximumDepth`.
            case tooDeep
        }

        /// Follows the value being delimited; true once it ended (at `position`).
        ///
        /// Scans the bytes through a buffer pointer and skips a string's bytes up to its next quote
        /// or backslash at once: what the value is made of is decided only by brackets, quotes and
        /// escapes (the parser checks the rest).
        private mutating func delimit(depth: Int, final: Bool) throws(JSONSyntaxError) -> Bool {
            var scan = self.scan
            var position = self.position
            let tokenStart = self.tokenStart
            let limit = JSONParser.maximumDepth - depth - 1
            let stop: DelimitStop = buffer.withUnsafeBufferPointer { bytes in
                let count = bytes.count
                while position < count {
                    if scan.inString {
                        if scan.escaped {
                            scan.escaped = false
                            position += 1
                            continue
                        }
                        while position < count {
                            let byte = bytes[position]
                            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                            position += 1
                        }
                        guard position < count else { return .needMore }
                        if bytes[position] == UInt8(ascii: "\\") { scan.escaped = true } else { scan.inString = false }
                        position += 1
                        continue
                    }
                    let byte = bytes[position]
                    switch byte {
                    case UInt8(ascii: "\""):
                        scan.inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        if scan.nesting > limit { return .tooDeep }
                        scan.nesting += 1
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        if scan.nesting == 0 { return position > tokenStart ? .ended : .unexpected }
                        scan.nesting -= 1
                    case UInt8(ascii: ","), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                        if scan.nesting == 0 { return .ended }
                    default:
                        break
                    }
                    position += 1
                }
                return .needMore
            }
            self.scan = scan
            self.position = position
            switch stop {
            case .ended: return true
            case .unexpected: throw error("unexpected character", at: position)
            case .tooDeep: throw error("nested deeper than \(JSONParser.maximumDepth) levels", at: position)
            case .needMore: return final && !scan.inString && scan.nesting == 0 && position > tokenStart
            }
        }

        /// Parses a complete token of `buffer`.
        private mutating func fail(_ error: JSONSyntaxError) -> SourceError {
            // The spill's failure came first: the orders after it were not read.
            fail(spillFailure ?? SourceError(source: SourceName.ordersFeed, line: error.line, reason: "the page is \(error.description)"))
        }

        private mutating func fail(_ failure: SourceError) -> SourceError {
            self.failure = failure
            buffer = []
            block = []
            pending = nil
            return failure
        }

        /// Lets go of the bytes already done with.
        private mutating func compact() {
            peakRetainedBytes = max(peakRetainedBytes, buffer.capacity)
            guard state != .wholeDocument else { return }
            var keep = position
            switch state {
            case .key, .memberValue, .orderValue: keep = tokenStart
            default: break
            }
            if let first = block.first { keep = min(keep, first.lowerBound) }
            guard keep > 0, keep >= 1 << 16 || keep == buffer.count || keep * 2 >= buffer.count else { return }
            origin.advance(over: buffer[..<keep])
            buffer.removeSubrange(..<keep)
            position -= keep
            tokenStart -= keep
            block = block.map { ($0.lowerBound - keep)..<($0.upperBound - keep) }
        }

        // MARK: The orders

        /// Starts reading the orders of the block in the background (in parallel), then takes the
        /// results of the block before it: the next block is delimited, and the one before shared
        /// and combined, while this one is read. The buffer goes with the block (the bytes after it
        /// start a new one), so its bytes are not copied.
        private mutating func readBlock() throws(JSONSyntaxError) {
            defer {
                block.removeAll(keepingCapacity: true)
                blockBytes = 0
            }
            guard !block.isEmpty else { return }
            let first = itemCount
            itemCount += block.count
            // After a syntax error (or the spill's) the page fails: its later orders need no reading.
            guard itemSyntaxError == nil, spillFailure == nil else { return }
            let page: Int
            if let labelPage {
                page = labelPage
            } else if let value = members.first(where: { $0.key == "page" })?.value {
                if case .number(let text) = value.kind { page = Int(text) ?? 0 } else { page = 0 }
            } else {
                page = expectedPage ?? 1
            }
            labelPage = page

            let end = block[block.count - 1].upperBound
            let bytes = buffer
            let blockOrigin = origin
            buffer = Array(bytes[end...])
            origin.advance(over: bytes[..<end])
            position -= end
            tokenStart = max(0, tokenStart - end)
            let ranges = block
            let day = self.day
            let result = BlockResult()
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                let items = OrdersFeed.readItems(bytes, ranges: ranges, firstIndex: first, page: page, day: day)
                result.items.withLock { $0 = items }
            }
            let previous = pending
            pending = PendingBlock(bytes: bytes, ranges: ranges, first: first, page: page, origin: blockOrigin,
                                   group: group, result: result)
            peakRetainedBytes = max(peakRetainedBytes, buffer.capacity + bytes.capacity + (previous?.bytes.capacity ?? 0))
            if let previous { collect(previous) }
        }

        /// Waits for a block read in the background and keeps its results.
        private mutating func collect(_ block: PendingBlock) {
            block.group.wait()
            guard itemSyntaxError == nil, spillFailure == nil else { return }
            var items = block.result.items.withLock { items in
                defer { items = [] }
                return items
            }
            for offset in items.indices {
                if let syntaxError = items[offset].syntaxError {
                    itemSyntaxError = syntaxError.placed(from: block.origin)
                    return
                }
                diagnostics += items[offset].warnings
                if combiner.spills, let order = items[offset].order {
                    items[offset].order = nil
                    guard settle(order, block: block, offset: offset) else { return }
                } else if var order = items[offset].order {
                    // Taken out, so that sharing changes it in place; repeated parts shared now,
                    // so the copies parsing made go with the block.
                    items[offset].order = nil
                    combiner.interner.share(&order)
                    let verdict = combiner.admitKept(order, page: block.page)
                    let raw = keepsEveryRaw || verdict.quarantines
                        ? String(decoding: block.bytes[block.ranges[offset]], as: UTF8.self) : ""
                    orders.append(FeedOrder(order: order, raw: raw, page: block.page))
                }
                if let record = items[offset].quarantined {
                    quarantined.append((record, items[offset].id, block.first + offset))
                }
            }
            do {
                try combiner.save()
            } catch {
                spillFailure = error.sourceError
            }
        }

        /// Admits a valid order into the spill (not shared: it is encoded and let go) and keeps
        /// what the verdict gives the page; false when the spill failed.
        private mutating func settle(_ order: Order, block: PendingBlock, offset: Int) -> Bool {
            let verdict: FeedCombiner.Verdict
            do {
                verdict = try combiner.admit(order, page: block.page)
            } catch {
                spillFailure = error.sourceError
                return false
            }
            switch verdict {
            case .accepted:
                settled.admitted += 1
            case .sameAgain(let firstPage):
                settled.duplicates.append(OrdersFeed.duplicate(order.id, page: block.page, firstPage: firstPage))
            case .conflict(let problem):
                let raw = String(decoding: block.bytes[block.ranges[offset]], as: UTF8.self)
                settled.conflicts.append(OrdersFeed.conflicting(order.id, page: block.page, problem: problem, raw: raw, day: day))
            }
            return true
        }

        /// Takes the results of the block still being read, if any.
        private mutating func collectPending() {
            guard let last = pending else { return }
            pending = nil
            collect(last)
        }

        /// Checks the envelope and gives the page.
        private mutating func envelope() throws(SourceError) -> OrdersFeedPage {
            let source = SourceName.ordersFeed
            if state == .wholeDocument {
                let root: JSONValue
                do {
                    root = try JSONParser.parseDocument(buffer, from: tokenStart)
                } catch {
                    let placed = placed(error)
                    throw SourceError(source: source, line: placed.line, reason: "the page is \(placed.description)")
                }
                throw SourceError(source: source, reason: "the page must be a JSON object (the envelope), got \(root.typeName)")
            }
            if let syntax = itemSyntaxError {
                throw SourceError(source: source, line: syntax.line, reason: "the page is \(syntax.description)")
            }
            let root = JSONValue(kind: .object(members), range: 0..<0)
            var envelope = FieldChecker()
            let businessDate = envelope.date(root, "business_date", "")
            let page = envelope.integer(root, "page", "", minimum: 1)
            let pages = envelope.integer(root, "pages", "", minimum: 1)
            let orderList = envelope.array(root, "orders", "")
            if let problem = envelope.problems.first {
                throw SourceError(source: source, reason: "envelope: \(problem)")
            }
            guard let businessDate, let page, let pages, orderList != nil else {
                throw SourceError(source: source, reason: "envelope: incomplete")
            }
            guard businessDate == day else {
                throw SourceError(source: source,
                                  reason: "envelope: business_date is \(businessDate), but the day requested is \(day)")
            }
            guard page <= pages else {
                throw SourceError(source: source, reason: "envelope: page \(page) of \(pages) does not exist (page > pages)")
            }
            if let expectedPage, expectedPage != page {
                throw SourceError(source: source, reason: "envelope: page \(expectedPage) was requested but the response says page \(page)")
            }
            if let labelPage, labelPage != page { relabel(from: labelPage, to: page) }
            return OrdersFeedPage(businessDate: businessDate, page: page, pages: pages, orders: orders,
                                  quarantined: quarantined.map(\.record), diagnostics: diagnostics,
                                  settled: combiner.spills ? settled : nil)
        }

        /// The orders were read before the envelope said its page (`page` after `orders`, no page
        /// requested): their records name the page they are on.
        private mutating func relabel(from guess: Int, to page: Int) {
            let prefix = "page \(guess), "
            func fixed(_ record: String) -> String {
                record.hasPrefix(prefix) ? "page \(page), " + record.dropFirst(prefix.count) : record
            }
            for index in orders.indices { orders[index].page = page }
            for index in diagnostics.indices { diagnostics[index].record = fixed(diagnostics[index].record) }
            // With a spill the combiner remembered the guess as these orders' page; a reader with a
            // spill is always told its page (or reads the only one), so the guess holds there.
            for index in settled.duplicates.indices { settled.duplicates[index].record = fixed(settled.duplicates[index].record) }
            for index in settled.conflicts.indices {
                settled.conflicts[index].diagnostic.record = fixed(settled.conflicts[index].diagnostic.record)
            }
            for index in quarantined.indices {
                var (record, id, number) = quarantined[index]
                record.diagnostic.record = fixed(record.diagnostic.record)
                if id == nil {
                    record.key = "\(SourceName.ordersFeed):\(day.iso):page\(page)#\(number + 1):\(fingerprint(record.raw))"
                }
                quarantined[index] = (record, id, number)
            }
        }
    }
}

/// A block of orders being read in the background (`OrdersFeed.PageReader`).
private struct PendingBlock {
    /// The buffer the block was cut from (its bytes, and those before it since the last compaction).
    let bytes: [UInt8]
    /// The orders, as ranges of `bytes`.
    let ranges: [Range<Int>]
    /// The page's order number of the first (from 0).
    let first: Int
    /// The page the records are labelled with.
    let page: Int
    /// Where `bytes[0]` is in the page.
    let origin: TextPosition
    /// Left when the block is read.
    let group: DispatchGroup
    let result: BlockResult
}

/// What reading a block in the background gave, once `PendingBlock.group` is left.
private final class BlockResult: Sendable {
    let items = Mutex<[OrdersFeed.ItemReading]>([])
}

/// What the page readers (the orders feed's, ИнвойсБокс's) share as they follow a page's JSON: the
/// page's bytes not yet let go, where reading stands in them, and where they start in the page.
protocol JSONPageScanning {
    var buffer: [UInt8] { get }
    var position: Int { get set }
    var origin: TextPosition { get }
}

extension JSONPageScanning {
    /// The byte at `position` after whitespace; nil when more input is needed. At the end of the
    /// input (`final`), `atEnd` is the error.
    mutating func nextByte(final: Bool, _ atEnd: String) throws(JSONSyntaxError) -> UInt8? {
        skipWhitespace()
        guard position < buffer.count else {
            if final { throw error(atEnd, at: position) }
            return nil
        }
        return buffer[position]
    }

    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Parses a complete value of `buffer`, `depth` levels deep; its error is placed in the page.
    func parse(_ range: Range<Int>, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        do {
            return try JSONParser.parse(buffer, range: range, depth: depth)
        } catch {
            throw placed(error)
        }
    }

    /// An error the parser placed in `buffer`, placed in the page.
    func placed(_ error: JSONSyntaxError) -> JSONSyntaxError {
        error.placed(from: origin)
    }

    /// `message` at `index` of `buffer`, placed in the page.
    func error(_ message: String, at index: Int) -> JSONSyntaxError {
        var at = origin
        at.advance(over: buffer[..<min(index, buffer.count)])
        return JSONSyntaxError(message: message, line: at.line, column: at.column)
    }
}

extension JSONSyntaxError {
    /// This error, placed by the parser in bytes that start at `origin` of the page, placed in the page.
    func placed(from origin: TextPosition) -> JSONSyntaxError {
        var copy = self
        if line == 1 {
            copy.line = origin.line
            copy.column = origin.column + column - 1
        } else {
            copy.line = origin.line + line - 1
        }
        return copy
    }
}

extension OrdersFeed.PageReader: JSONPageScanning {}
extension Invoicebox.PageReader: JSONPageScanning {}

/// A line and column in a text (1-based), counted as `JSONSyntaxError` counts them.
struct TextPosition {
    var line = 1
    var column = 1

    mutating func advance(over bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { advance(over: $0) }
    }

    /// Moves past `bytes`: a line per LF, and the column counts the characters' first bytes
    /// (those that are not UTF-8 continuation bytes) after the last LF.
    mutating func advance(over bytes: UnsafeBufferPointer<UInt8>) {
        var lastBreak = bytes.count
        while lastBreak > 0, bytes[lastBreak - 1] != 0x0A { lastBreak -= 1 }
        if lastBreak > 0 {
            var breaks = 0
            for byte in UnsafeBufferPointer(rebasing: bytes[..<lastBreak]) { breaks &+= byte == 0x0A ? 1 : 0 }
            line += breaks
            column = 1
        }
        var starts = 0
        for byte in UnsafeBufferPointer(rebasing: bytes[lastBreak...]) { starts &+= byte & 0xC0 != 0x80 ? 1 : 0 }
        column += starts
    }
}

/// Where delimiting a JSON value is: its open brackets, and whether inside a string (after a `\`).
struct ValueScan {
    var nesting = 0
    var inString = false
    var escaped = false

    init(inString: Bool = false) { self.inString = inString }

    mutating func step(_ byte: UInt8) {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return
        }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["): nesting += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"): nesting -= 1
        case UInt8(ascii: "\""): inString = true
        default: break
        }
    }
}

/// Combining a day's orders in feed order: an id seen again is read once when the copies are the
/// same and quarantined when they differ; an order using a shipment id of an earlier order is
/// quarantined. `OrdersFeed.combine` decides with it, and the page reader asks it in advance which
/// copies will be quarantined (only those keep their JSON); the reader also shares the orders'
/// repeated parts with its `interner` as it reads them.
///
/// Made with a spill (`init(spillingTo:)`), it keeps no order: each admitted order goes to the
/// spill (`save()` appends those admitted since the last save), and it remembers only where each
/// id's first copy is and which order owns each shipment id. An id seen again is compared exactly
/// with its first copy, read back from the spill. Its verdicts are then final: `combine` does not
/// decide again.
struct FeedCombiner {
    /// What combining decides for one order.
    enum Verdict {
        /// Read.
        case accepted
        /// The same as a copy first on `firstPage`: read once.
        case sameAgain(firstPage: Int)
        /// Quarantined for this problem.
        case conflict(ContractProblem)

        var quarantines: Bool {
            if case .conflict = self { return true }
            return false
        }
    }

    /// The admitted orders by id, with their page (a combiner without a spill).
    private var seen: [OrderID: (order: Order, page: Int)] = [:]
    private var shipmentOwner: [ShipmentID: OrderID] = [:]
    /// Where the admitted orders are (a combiner with a spill).
    private var spilled: AdmittedOrders?
    /// Shares the repeated parts of the day's orders (used by the page reader as it reads).
    var interner = OrderInterner()

    init() {}

    /// A combiner sized for `expectedOrders` (its tables are not grown, and copied, as they fill).
    init(expectedOrders: Int) {
        seen.reserveCapacity(expectedOrders)
        shipmentOwner.reserveCapacity(expectedOrders)
    }

    /// A combiner that hands the orders it admits to `spill`, after the `spill.count` orders it holds.
    init(spillingTo spill: any OrderSpill) {
        spilled = AdmittedOrders(spill: spill, saved: spill.count)
    }

    /// A combiner without a spill that has seen the orders of `pages`, in order.
    init(after pages: [OrdersFeedPage]) {
        for page in pages {
            for order in page.orders { _ = admitKept(order.order, page: order.page) }
        }
    }

    /// Whether admitted orders go to a spill.
    var spills: Bool { spilled != nil }

    /// Decides for the next order (on `page`) and remembers it when read; with a spill, an id
    /// seen again is compared with its first copy read back from it.
    /// - Throws: `OrderSpillFailure` when the spill cannot give the first copy back.
    mutating func admit(_ order: Order, page: Int) throws(OrderSpillFailure) -> Verdict {
        guard var index = spilled else { return admitKept(order, page: page) }
        if let (copy, firstPage) = try index.first(order.id) {
            return Self.again(order, same: copy == order, firstPage: firstPage)
        }
        for (number, shipment) in order.shipments.enumerated() {
            if let owner = try index.owner(of: shipment.id), owner != order.id {
                return .conflict(Self.taken(shipment.id, at: number, by: owner))
            }
        }
        // Taken out while it changes, so that its tables are not copied.
        spilled = nil
        index.keep(order, page: page)
        spilled = index
        return .accepted
    }

    /// `admit` for a combiner without a spill (one made by `init()`, `init(expectedOrders:)` or
    /// `init(after:)`), which keeps the first copy of each order.
    mutating func admitKept(_ order: Order, page: Int) -> Verdict {
        if let earlier = seen[order.id] {
            return Self.again(order, same: earlier.order == order, firstPage: earlier.page)
        }
        if let conflict = shipmentConflict(order) { return conflict }
        for shipment in order.shipments { shipmentOwner[shipment.id] = order.id }
        seen[order.id] = (order, page)
        return .accepted
    }

    /// Appends the orders admitted since the last save to the spill (nothing without a spill).
    /// - Throws: `OrderSpillFailure` when the spill refuses them.
    mutating func save() throws(OrderSpillFailure) {
        guard var index = spilled else { return }
        spilled = nil
        defer { spilled = index }
        try index.save()
    }

    /// Drops from the spill the orders appended after this combiner's last save: a page read
    /// again from its start with the combiner it started with.
    /// - Throws: `OrderSpillFailure` when the spill cannot drop them.
    func rewind() throws(OrderSpillFailure) {
        try spilled?.rewind()
    }

    private static func again(_ order: Order, same: Bool, firstPage: Int) -> Verdict {
        if same { return .sameAgain(firstPage: firstPage) }
        return .conflict(ContractProblem(
            field: "id", reason: "order \(order.id) appears again (first on page \(firstPage)) with different content"))
    }

    private func shipmentConflict(_ order: Order) -> Verdict? {
        for (index, shipment) in order.shipments.enumerated() {
            if let owner = shipmentOwner[shipment.id], owner != order.id {
                return .conflict(Self.taken(shipment.id, at: index, by: owner))
            }
        }
        return nil
    }

    private static func taken(_ shipment: ShipmentID, at index: Int, by owner: OrderID) -> ContractProblem {
        ContractProblem(field: "shipments[\(index)].id", reason: "shipment \(shipment) already belongs to order \(owner)")
    }
}

/// The admitted orders of a `FeedCombiner` with a spill: where each id's first copy is, and the
/// orders admitted since the last save (appended to the spill a block at a time).
private struct AdmittedOrders {
    let spill: any OrderSpill
    /// How many orders the spill held after the last save: positions below are in it.
    private(set) var saved: Int
    /// Orders admitted since, at positions `saved...`.
    private var unsaved: [Order] = []
    /// The position of the first order admitted here (the spill's count when the combiner was made).
    private let origin: Int
    /// Each admitted order's position, filed under its id's hash (the ids are not kept: a candidate
    /// is read back and its id compared), and its page, by position from `origin`.
    private var positions = HashedPositions()
    private var pages: [Int32] = []
    /// Each admitted shipment's order position, filed under the shipment id's hash.
    private var owners = HashedPositions()

    init(spill: any OrderSpill, saved: Int) {
        self.spill = spill
        self.saved = saved
        origin = saved
    }

    mutating func keep(_ order: Order, page: Int) {
        let position = saved + unsaved.count
        positions.insert(Int32(position - origin), hash: order.id.hashValue)
        pages.append(Int32(clamping: page))
        for shipment in order.shipments { owners.insert(Int32(position - origin), hash: shipment.id.hashValue) }
        unsaved.append(order)
    }

    /// The first copy of the order of this id and its page, if one was admitted (read back: only an
    /// id admitted before, or one whose hash is equal, is ever read).
    func first(_ id: OrderID) throws(OrderSpillFailure) -> (order: Order, page: Int)? {
        for candidate in positions.candidates(hash: id.hashValue) {
            let copy = try order(at: origin + Int(candidate))
            if copy.id == id { return (copy, Int(pages[Int(candidate)])) }
        }
        return nil
    }

    /// The id of the order admitted with a shipment of this id, if any.
    func owner(of shipment: ShipmentID) throws(OrderSpillFailure) -> OrderID? {
        for candidate in owners.candidates(hash: shipment.hashValue) {
            let owner = try order(at: origin + Int(candidate))
            if owner.shipments.contains(where: { $0.id == shipment }) { return owner.id }
        }
        return nil
    }

    /// The order admitted at `position`.
    func order(at position: Int) throws(OrderSpillFailure) -> Order {
        if position >= saved, position - saved < unsaved.count { return unsaved[position - saved] }
        do {
            return try spill.order(at: position)
        } catch {
            throw OrderSpillFailure("reading back the order at position \(position)", error)
        }
    }

    mutating func save() throws(OrderSpillFailure) {
        guard !unsaved.isEmpty else { return }
        do {
            try spill.append(unsaved)
        } catch {
            throw OrderSpillFailure("appending \(unsaved.count) orders after \(saved)", error)
        }
        saved += unsaved.count
        unsaved.removeAll(keepingCapacity: true)
    }

    func rewind() throws(OrderSpillFailure) {
        do {
            try spill.truncate(to: saved)
        } catch {
            throw OrderSpillFailure("dropping the orders after \(saved) of a page read again", error)
        }
    }
}

/// An `OrderSpill` failed while the orders feed was read: the source fails with it.
struct OrderSpillFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done, and the spill's error.
    var reason: String

    init(_ doing: String, _ error: any Error) {
        let why = (error as? OrderSpillError)?.reason ?? String(describing: error)
        reason = "\(doing): \(why)"
    }

    var description: String { reason }

    /// The orders source's error.
    var sourceError: SourceError {
        SourceError(source: SourceName.ordersFeed, reason: "the orders could not be kept aside (\(reason))")
    }
}

/// Values (`Int32`) filed under a key's hash in an open-addressing table at most half full: 16 bytes an
/// entry and 8 a slot, where a dictionary of strings held a table sized for them and each key's text.
/// A lookup gives every value filed under an equal hash, in the order they were filed: the caller tells
/// the keys apart (a hash says only that a key may be there).
struct HashedPositions: Sendable {
    private var hashes: [Int] = []
    private var values: [Int32] = []
    /// Entry index + 1 (0: an empty slot).
    private var slots: [Int32] = Array(repeating: 0, count: 16)

    /// How many values are filed.
    var count: Int { values.count }

    /// Files `value` under `hash`.
    mutating func insert(_ value: Int32, hash: Int) {
        if (values.count + 1) * 2 > slots.count { grow() }
        hashes.append(hash)
        values.append(value)
        place(values.count - 1)
    }

    /// The values filed under `hash`, in the order they were filed.
    func candidates(hash: Int) -> [Int32] {
        let mask = slots.count - 1
        var slot = hash & mask
        var found: [Int32] = []
        while slots[slot] != 0 {
            let entry = Int(slots[slot]) - 1
            if hashes[entry] == hash { found.append(values[entry]) }
            slot = (slot + 1) & mask
        }
        // (Probing meets the entries of a hash in the order they were placed; growing places them again
        // in that order, so this holds after a growth too.)
        return found
    }

    private mutating func place(_ entry: Int) {
        let mask = slots.count - 1
        var slot = hashes[entry] & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entry + 1)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for entry in values.indices { place(entry) }
    }
}
