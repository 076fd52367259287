import Domain
import HTTP

/// Where a source's bearer token comes from. The token itself never appears in logs or errors.
public enum TokenSource: Sendable {
    /// An environment variable, by name.
    case environment(String)
    /// A file, by path.
    case file(String)
    /// A credential already loaded (tests, or a caller that resolved it).
    case credential(Credential)

    func resolve() throws(CredentialError) -> Credential {
        switch self {
        case .environment(let name): try Credential.environment(name)
        case .file(let path): try Credential.file(path)
        case .credential(let credential): credential
        }
    }
}

/// The shop's orders feed: `…?date={date}&page={page}` (paged) or a file holding the whole day.
public struct OrdersFeedSource: Sendable {
    /// Where to fetch it, with the day (and page) as placeholders.
    public var url: URLTemplate
    /// The bearer token, when the source needs one.
    public var token: TokenSource?

    /// A feed source.
    public init(url: URLTemplate, token: TokenSource? = nil) {
        self.url = url
        self.token = token
    }
}

/// ИнвойсБокс's order list, e.g.
/// `https://api.invoicebox.ru/v3/filter/api/order/order?status=completed&_page={page}&_pageSize={pageSize}`,
/// read page after page until `metaData.totalCount` orders are in; or a file holding the list.
public struct InvoiceboxSource: Sendable {
    /// Where to fetch it, with the day (and page) as placeholders.
    public var url: URLTemplate
    /// The bearer token, when the source needs one.
    public var token: TokenSource?
    /// The page size asked for (`{pageSize}`).
    public var pageSize: Int

    /// A provider source.
    public init(url: URLTemplate, token: TokenSource? = nil, pageSize: Int = 100) {
        self.url = url
        self.token = token
        self.pageSize = pageSize
    }
}

/// A bank statement: one file per day.
public struct BankStatementSource: Sendable {
    /// The statement's format.
    public enum Format: String, Sendable, Hashable {
        case oneC = "1c"
        case camt053
    }

    /// A short name (`main`, `second`) for outcomes and logs.
    public var name: String
    /// The statement's format.
    public var format: Format
    /// Where to fetch it, with the day (and page) as placeholders.
    public var url: URLTemplate
    /// The bearer token, when the source needs one.
    public var token: TokenSource?
    /// Our accounts in this statement: incoming payments are those credited to them.
    public var accounts: Set<String>

    /// A bank statement source.
    public init(name: String, format: Format, url: URLTemplate, token: TokenSource? = nil, accounts: Set<String>) {
        self.name = name
        self.format = format
        self.url = url
        self.token = token
        self.accounts = accounts
    }

    /// The source's name in outcomes: `bank-1c:main`, `bank-camt053:second`.
    public var sourceName: String {
        "\(format == .oneC ? SourceName.bank1C : SourceName.camt053):\(name)"
    }
}

/// Everything the nightly job reads for one business day. A missing (nil) source is not configured.
public struct DaySources: Sendable {
    /// The orders feed.
    public var orders: OrdersFeedSource?
    /// The payment provider, when configured.
    public var invoicebox: InvoiceboxSource?
    /// Bank statements, one source per account or bank.
    public var banks: [BankStatementSource]

    /// The sources of a day.
    public init(orders: OrdersFeedSource?, invoicebox: InvoiceboxSource? = nil, banks: [BankStatementSource] = []) {
        self.orders = orders
        self.invoicebox = invoicebox
        self.banks = banks
    }
}

/// How one source went.
public struct SourceOutcome: Hashable, Sendable, CustomStringConvertible {
    /// Read, or failed with why.
    public enum Status: Hashable, Sendable {
        case ok
        /// The source could not be read; the day is incomplete.
        case failed(SourceError)
    }

    /// `orders-feed`, `invoicebox`, `bank-1c:main`, `bank-camt053:second`.
    public var source: String
    /// The first URL fetched, with credentials and secret query parameters redacted.
    public var location: String
    /// Read, or failed with why.
    public var status: Status
    /// Requests made (pages fetched).
    public var requests: Int
    /// Orders or payments read (before quarantine).
    public var records: Int

    /// Whether the source was read.
    public var isOK: Bool { status == .ok }

    /// A one-line summary.
    public var description: String {
        switch status {
        case .ok: "\(source) (\(location)): ok, \(records) records in \(requests) request\(requests == 1 ? "" : "s")"
        case .failed(let error): "\(source): FAILED: \(error)"
        }
    }
}

/// What ingestion produced for one day.
public struct IngestResult: Sendable {
    /// The business day read.
    public var day: CivilDate
    /// Orders that keep the contract (empty when they went to a spill: see `spilledOrders`).
    public var orders: [FeedOrder]
    /// How many orders that keep the contract went to the spill given to `ingest` (0 without one).
    public var spilledOrders: Int
    /// Payments of every payment source, one per payment id (empty when they went to a keeper: see `kept`).
    public var payments: [Payment]
    /// The payments of every payment source given to the ``PaymentKeeper`` given to `ingest`, one per
    /// payment id, in the same order as `payments` would hold them (each one's id and place); empty
    /// without one.
    public var kept: [KeptPayment] = []
    /// Records that broke their contract, kept whole with why.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes (a mercury line without ВСД, an encoding note, a duplicate read once, …).
    public var diagnostics: [Diagnostic]
    /// One outcome per configured source, in the order orders, ИнвойсБокс, banks.
    public var outcomes: [SourceOutcome]

    /// Whether every configured source was read. A day with a failed source is not complete.
    public var isComplete: Bool { outcomes.allSatisfy(\.isOK) }

    /// The errors of the sources that failed.
    public var failures: [SourceError] {
        outcomes.compactMap { if case .failed(let error) = $0.status { error } else { nil } }
    }
}

/// Reads one business day from every configured source.
///
/// Sources are fetched and read at the same time (the orders feed while the statements are read);
/// their results are combined in one fixed order — orders, ИнвойсБокс, banks as configured — so
/// the result does not depend on which finished first. One that fails (cannot be fetched after the
/// HTTP client's retries, a page that is not JSON, a truncated statement, an XXE payload) is
/// reported in `outcomes` with a clear error naming the source, the URL without secrets
/// and why — it does not stop the others, and the result says the day is incomplete.
///
/// - Parameters:
///   - day: the business day (Europe/Moscow).
///   - sources: what to read.
///   - client: makes the HTTP client for a source, given the source's bearer token (nil
///     when it has none), e.g. `{ token in .live(configuration.with(bearerToken: token)) }`.
///   - spill: where the orders feed's valid orders go, when given (it should start empty): each
///     is appended, in the feed's order, as soon as reading decides to keep it (a block of a page
///     at a time), and only a small index of them is held; `IngestResult.orders` is then empty and
///     `IngestResult.spilledOrders` says how many the spill got. A page read again from its start
///     (a retried transfer) does not append its orders twice. A spill that fails fails the orders
///     source; when the orders source fails, for any reason, the spill is truncated to 0.
///   - spoolDirectory: where a bank statement (1C or camt.053) is written as it arrives, to be read
///     back a piece at a time (an unlinked temporary file: nothing stays there); `nil`: `TMPDIR`,
///     else `/tmp`.
///   - keeper: where the payments (the bank statements' and ИнвойсБокс's, each with its record) go as
///     they are read (see ``PaymentKeeper``; `kept` then says, in the payments' order, where each went);
///     `nil`: in `payments`. A page read again from its start (a retried transfer) keeps its payments
///     again, and a payment read by two sources is kept twice: those copies are never referred to.
public func ingest(day: CivilDate, sources: DaySources, client: @escaping @Sendable (Credential?) -> HTTPClient,
                   spill: (any OrderSpill)? = nil, spoolDirectory: String? = nil,
                   keeper: (any PaymentKeeper)? = nil) async -> IngestResult {
    async let ordersRead: SourceRead<OrdersFeedReading>? = {
        guard let orders = sources.orders else { return nil }
        var fetcher = Fetcher(source: SourceName.ordersFeed, template: orders.url, day: day)
        do throws(SourceError) {
            let reading = try await fetcher.orders(orders, client: client, spill: spill)
            let records = reading.orders.count + reading.spilledOrders + reading.quarantined.count
            return SourceRead(outcome: fetcher.outcome(.ok, records: records), reading: reading)
        } catch {
            var failure = error
            if let spill {
                // Nothing half-read is kept aside.
                do {
                    try spill.truncate(to: 0)
                } catch {
                    failure.reason += "; the orders kept aside could not be dropped: \(error)"
                }
            }
            return SourceRead(outcome: fetcher.outcome(.failed(failure), records: 0), reading: nil)
        }
    }()
    // (Handed over, not returned: an `async let` keeps its value to the end of the scope, and the
    // provider's payments would be held twice while they are merged below.)
    async let providerRead: Handover<SourceRead<InvoiceboxReading>>? = {
        guard let provider = sources.invoicebox else { return nil }
        var fetcher = Fetcher(source: SourceName.invoicebox, template: provider.url, day: day, pageSize: provider.pageSize)
        do throws(SourceError) {
            let reading = try await fetcher.invoicebox(provider, client: client, keeper: keeper)
            return Handover(SourceRead(outcome: fetcher.outcome(.ok, records: reading.recordCount), reading: reading))
        } catch {
            return Handover(SourceRead(outcome: fetcher.outcome(.failed(error), records: 0), reading: nil))
        }
    }()
    var bankReads = await withTaskGroup(of: (Int, SourceRead<BankStatementReading>).self) { group in
        for (index, bank) in sources.banks.enumerated() {
            group.addTask {
                var fetcher = Fetcher(source: bank.sourceName, template: bank.url, day: day)
                do throws(SourceError) {
                    let reading = try await fetcher.bank(bank, client: client, spoolDirectory: spoolDirectory, keeper: keeper)
                    return (index, SourceRead(outcome: fetcher.outcome(.ok, records: reading.documentCount), reading: reading))
                } catch {
                    return (index, SourceRead(outcome: fetcher.outcome(.failed(error), records: 0), reading: nil))
                }
            }
        }
        var reads: [(Int, SourceRead<BankStatementReading>)] = []
        for await read in group { reads.append(read) }
        return reads.sorted { $0.0 < $1.0 }.map(\.1)
    }

    var result = IngestResult(day: day, orders: [], spilledOrders: 0, payments: [], quarantined: [], diagnostics: [], outcomes: [])
    var paymentIDs: Set<PaymentID> = []
    /// Appends to `merged` each of `items` whose id no earlier source gave; a warning for each other.
    func add<Item>(_ items: [Item], id: (Item) -> PaymentID, to merged: inout [Item], from source: String) -> [Diagnostic] {
        var repeated: [Diagnostic] = []
        for item in items {
            if paymentIDs.insert(id(item)).inserted {
                merged.append(item)
            } else {
                repeated.append(Diagnostic(severity: .warning, kind: "duplicate-record", source: source,
                                           record: "payment \(id(item))", message: "read by an earlier source too; read once"))
            }
        }
        return repeated
    }
    if let read = await ordersRead {
        if let reading = read.reading {
            result.orders = reading.orders
            result.spilledOrders = reading.spilledOrders
            result.quarantined += reading.quarantined
            result.diagnostics += reading.diagnostics
        }
        result.outcomes.append(read.outcome)
    }
    // Every source's payments are merged into one array made at its full size, each source's own let go
    // once merged: they are never all held twice.
    let provider = await providerRead?.take()
    if keeper == nil {
        result.payments.reserveCapacity((provider?.reading?.payments.count ?? 0)
                                        + bankReads.reduce(0) { $0 + ($1.reading?.payments.count ?? 0) })
    } else {
        result.kept.reserveCapacity((provider?.reading?.kept.count ?? 0)
                                    + bankReads.reduce(0) { $0 + ($1.reading?.kept.count ?? 0) })
    }
    if let read = consume provider {
        if let reading = read.reading {
            result.diagnostics += add(reading.payments, id: \.id, to: &result.payments, from: SourceName.invoicebox)
            result.diagnostics += add(reading.kept, id: \.id, to: &result.kept, from: SourceName.invoicebox)
            result.quarantined += reading.quarantined
            result.diagnostics += reading.diagnostics
        }
        result.outcomes.append(read.outcome)
    }
    for index in bankReads.indices {
        let read = bankReads[index]
        bankReads[index].reading = nil
        if let reading = read.reading {
            result.diagnostics += add(reading.payments, id: \.id, to: &result.payments, from: read.outcome.source)
            result.diagnostics += add(reading.kept, id: \.id, to: &result.kept, from: read.outcome.source)
            result.quarantined += reading.quarantined
            result.diagnostics += reading.diagnostics
        }
        result.outcomes.append(read.outcome)
    }
    return result
}

/// What reading one source gave: its outcome and, when read, its records.
private struct SourceRead<Reading: Sendable>: Sendable {
    var outcome: SourceOutcome
    var reading: Reading?
}

/// Fetches one source's pages and hands them to its reader.
private struct Fetcher {
    let source: String
    let template: URLTemplate
    let day: CivilDate
    var pageSize: Int?
    var requests = 0

    init(source: String, template: URLTemplate, day: CivilDate, pageSize: Int? = nil) {
        self.source = source
        self.template = template
        self.day = day
        self.pageSize = pageSize
    }

    var location: String { Redaction.url(template.url(day: day, page: 1, pageSize: pageSize)) }

    func outcome(_ status: SourceOutcome.Status, records: Int) -> SourceOutcome {
        SourceOutcome(source: source, location: location, status: status, requests: requests, records: records)
    }

    /// The error as this source reports it: named after the source, located at the URL without secrets.
    func failure(_ error: SourceError, url: String) -> SourceError {
        var copy = error
        copy.source = source
        if copy.location == nil { copy.location = Redaction.url(url) }
        return copy
    }

    mutating func fetch(page: Int, client: HTTPClient) async throws(SourceError) -> (url: String, body: [UInt8]) {
        try await fetch(page: page) { url in try await client.get(url).body }
    }

    /// Fetches a page with `get`, its errors reported as this source's.
    mutating func fetch<Body>(page: Int, _ get: (String) async throws -> Body) async throws(SourceError) -> (url: String, body: Body) {
        let url = template.url(day: day, page: page, pageSize: pageSize)
        requests += 1
        do {
            return (url, try await get(url))
        } catch let error as SourceError {
            // The body's reader failed while the page arrived.
            throw failure(error, url: url)
        } catch let error as HTTPError {
            // `GET <url>: HTTP 500 after 3 attempts` → the part after the URL; the URL is the location.
            let prefix = "\(error.method) \(error.url): "
            let text = error.description
            let reason = text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
            throw SourceError(source: source, location: Redaction.url(url), reason: "could not be fetched: \(reason)")
        } catch is CancellationError {
            throw SourceError(source: source, location: Redaction.url(url), reason: "cancelled")
        } catch {
            throw SourceError(source: source, location: Redaction.url(url), reason: "could not be fetched: \(error)")
        }
    }

    func makeClient(_ token: TokenSource?, _ client: @Sendable (Credential?) -> HTTPClient) throws(SourceError) -> HTTPClient {
        guard let token else { return client(nil) }
        do {
            return client(try token.resolve())
        } catch {
            throw SourceError(source: source, location: location, reason: "no bearer token: \(error)")
        }
    }

    /// Reads the orders feed page after page; with a spill, the valid orders go to it as read.
    mutating func orders(_ feed: OrdersFeedSource, client makeHTTP: @Sendable (Credential?) -> HTTPClient,
                         spill: (any OrderSpill)?) async throws(SourceError) -> OrdersFeedReading {
        let client = try makeClient(feed.token, makeHTTP)
        var pages: [OrdersFeedPage] = []
        var combiner = spill.map { FeedCombiner(spillingTo: $0) } ?? FeedCombiner()
        var page = 1
        while true {
            // The page is read as it arrives: its bytes are never all in memory.
            let sink = PageSink(OrdersFeed.PageReader(day: day, expectedPage: template.isPaged ? page : nil, combiner: combiner))
            let (url, _) = try await fetch(page: page) { url in try await client.stream(.get(url), into: sink) }
            let read: OrdersFeedPage
            do {
                read = try sink.reader.finish()
            } catch {
                throw failure(error, url: url)
            }
            combiner = sink.reader.combiner
            if let first = pages.first, read.pages != first.pages {
                throw failure(SourceError(source: source, reason: "page \(page) says there are \(read.pages) pages, page 1 said \(first.pages)"), url: url)
            }
            pages.append(read)
            if read.pages > 1 && !template.isPaged {
                throw failure(SourceError(source: source, reason: "the feed has \(read.pages) pages but the URL template has no {page}"), url: url)
            }
            guard page < read.pages else { break }
            page += 1
        }
        // The pages' combiner has decided. With a spill its verdicts are final (the pages hold no
        // orders); without, combining decides again from the pages (it remembers every order of the
        // day: two at once would hold the day's orders twice more).
        combiner = FeedCombiner()
        do {
            if spill != nil { return try OrdersFeed.combineSettled(pages, day: day) }
            return try OrdersFeed.combine(pages, day: day, sharing: false)
        } catch {
            throw failure(error, url: template.url(day: day))
        }
    }

    mutating func invoicebox(_ provider: InvoiceboxSource, client makeHTTP: @Sendable (Credential?) -> HTTPClient,
                             keeper: (any PaymentKeeper)?) async throws(SourceError)
        -> InvoiceboxReading {
        let client = try makeClient(provider.token, makeHTTP)
        var pages: [InvoiceboxPage] = []
        var read = 0
        var page = 1
        while true {
            // The page is read as it arrives, an order at a time: neither its bytes nor its JSON
            // tree are ever whole in memory. A retry starts the page again.
            let sink = PageSink(Invoicebox.PageReader(day: day, expectedPage: template.isPaged ? page : nil, keeper: keeper))
            let (url, _) = try await fetch(page: page) { url in try await client.stream(.get(url), into: sink) }
            let result: InvoiceboxPage
            do {
                result = try sink.reader.finish()
            } catch {
                throw failure(error, url: url)
            }
            pages.append(result)
            read += result.recordCount
            if read >= result.totalCount { break }
            guard template.isPaged else {
                throw failure(SourceError(source: source,
                                          reason: "holds \(read) of the \(result.totalCount) orders metaData.totalCount announces, and the URL template has no {page}"),
                              url: url)
            }
            guard result.recordCount > 0 else {
                throw failure(SourceError(source: source,
                                          reason: "page \(page) is empty after \(read) of the \(result.totalCount) orders metaData.totalCount announces"),
                              url: url)
            }
            let limit = (result.totalCount + max(result.pageSize, 1) - 1) / max(result.pageSize, 1) + 1
            guard page < limit else {
                throw failure(SourceError(source: source, reason: "more pages than metaData.totalCount allows (\(page))"), url: url)
            }
            page += 1
        }
        return Invoicebox.combine(consume pages)
    }

    mutating func bank(_ bank: BankStatementSource, client makeHTTP: @Sendable (Credential?) -> HTTPClient,
                       spoolDirectory: String?, keeper: (any PaymentKeeper)?) async throws(SourceError)
        -> BankStatementReading {
        let client = try makeClient(bank.token, makeHTTP)
        switch bank.format {
        case .oneC:
            // The statement goes to a temporary file (unlinked: it has no name) as it arrives and is
            // read back a piece at a time: neither its bytes nor its text are ever in memory whole.
            // A retry empties the file; the file goes when the spool does, read or failed.
            let (url, spool) = try await fetch(page: 1) { url in
                let spool = try StatementSpool(directory: spoolDirectory)
                _ = try await client.stream(.get(url), into: spool)
                return spool
            }
            do {
                return try ClientBankExchange.read(spool, ourAccounts: bank.accounts, keeper: keeper)
            } catch {
                throw failure(error, url: url)
            }
        case .camt053:
            // Spooled as the 1C statement is, and read back a piece at a time: its entries are read
            // one at a time as they close, so neither the bytes nor the XML tree are ever whole.
            let (url, spool) = try await fetch(page: 1) { url in
                let spool = try StatementSpool(directory: spoolDirectory, source: SourceName.camt053)
                _ = try await client.stream(.get(url), into: spool)
                return spool
            }
            do {
                return try Camt053.read(spool, ourAccounts: bank.accounts, fileName: Redaction.url(url), keeper: keeper)
            } catch {
                throw failure(error, url: url)
            }
        }
    }
}

/// A reader of one page fed as the page arrives (the orders feed's, ИнвойсБокс's).
protocol ChunkedPageReader {
    /// At most how many bytes `take` is given at once.
    static var pieceSize: Int { get }
    /// The page's failure once it failed (every later call throws it again).
    var failure: SourceError? { get }
    /// Reads the next piece of the page, at most `pieceSize` bytes.
    mutating func take(_ piece: UnsafeRawBufferPointer) throws(SourceError)
    /// Undoes what reading the page so far did outside the reader, before the page is read again.
    func rewind() throws
}

extension ChunkedPageReader {
    func rewind() throws {}

    /// The next bytes of the page, taken a piece at a time so that what is held stays small.
    /// - Throws: `SourceError` as soon as the page is not valid JSON (the page fails).
    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(SourceError) {
        if let failure { throw failure }
        var offset = 0
        while offset < chunk.count {
            let end = min(chunk.count, offset + Self.pieceSize)
            try take(UnsafeRawBufferPointer(rebasing: chunk[offset..<end]))
            offset = end
        }
    }

    /// The next bytes of the page.
    mutating func feed(_ chunk: [UInt8]) throws(SourceError) {
        let outcome = chunk.withUnsafeBytes { bytes in
            Result { () throws(SourceError) in try feed(bytes) }
        }
        try outcome.get()
    }
}

extension OrdersFeed.PageReader: ChunkedPageReader {
    /// Drops from the spill, if any, the orders the attempt before appended.
    func rewind() throws {
        do {
            try combiner.rewind()
        } catch {
            throw error.sourceError
        }
    }
}

extension Invoicebox.PageReader: ChunkedPageReader {}

/// Feeds a page (of the orders feed, of ИнвойсБокс's order list) to its reader as it arrives; a
/// retry starts the page again.
private final class PageSink<Reader: ChunkedPageReader>: BodySink {
    private let start: Reader
    var reader: Reader

    init(_ reader: Reader) {
        start = reader
        self.reader = reader
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        try reader.feed(chunk)
    }

    func restart() throws {
        reader = start
        try start.rewind()
    }
}
