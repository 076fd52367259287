import CXMLBridge

/// What a pruned parse does with an element that has just closed (see
/// `XDocument.parse(fileName:maxDepth:maxBytes:read:closed:)`).
public enum XPruning: Sendable {
    /// The element stays in the tree.
    case keep
    /// The element is freed at once, with the text and comments between it and its preceding
    /// element sibling.
    case drop
}

/// Why a pruned parse failed: the document itself, or the caller's own reader or callback.
public enum XPrunedParseError<Failure: Error>: Error {
    /// The document is not well-formed, is refused for safety, or is over the size limit.
    case xml(XMLError)
    /// `read` or `closed` threw this; the parse stopped there.
    case caller(Failure)
}

extension XDocument {
    /// Parses a document whose bytes `read` gives a piece at a time, handing every element that
    /// closes at depth 1 ... `maxDepth` (the root is depth 0) to `closed` as soon as its subtree is
    /// built, which says whether it stays in the tree. What is dropped is freed at once, so a
    /// document of many records (a bank statement's entries) is read in the memory of a few: the
    /// bytes are never whole in memory, and the tree never holds more than what was kept and the
    /// element at hand.
    ///
    /// The protections of `init(bytes:fileName:maxBytes:)` apply unchanged: no network, no entity
    /// substitution, no DTD loaded, a DOCTYPE declaring entities or naming an external DTD refused.
    ///
    /// - Parameters:
    ///   - fileName: the name used in diagnostics.
    ///   - maxDepth: the deepest elements `closed` is given.
    ///   - maxBytes: the most bytes read; a document with more is refused (kind `.rejected`).
    ///   - read: fills the buffer from its start with the next bytes and returns how many (fewer than
    ///     it holds is fine); 0 at the end.
    ///   - closed: given the element (its document is the tree being built: the element's parent
    ///     and the elements before it that were kept are there), its depth and the line of its start
    ///     tag, exact also past line 65535 (`XNode.line` is not there). The element, its
    ///     document and every node under it are valid only during the call: a node kept past it
    ///     may point to freed memory. Throwing stops the parse.
    /// - Returns: what is left of the document once it was read whole and accepted.
    /// - Throws: `.xml` as `init(bytes:…)` throws; `.caller` with what `read` or `closed` threw.
    public static func parse<Failure: Error>(
        fileName: String, maxDepth: Int, maxBytes: Int = XDocument.defaultMaxBytes,
        read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int,
        closed: (_ element: XNode, _ depth: Int, _ line: Int) throws(Failure) -> XPruning
    ) throws(XPrunedParseError<Failure>) -> XDocument {
        ensureLibXML2()
        let run = PrunedParse(fileName: fileName, maxBytes: maxBytes)
        var failure: Failure?
        let outcome = withoutActuallyEscaping(read) { read in
            withoutActuallyEscaping(closed) { closed in
                run.read = { buffer in
                    do throws(Failure) {
                        return try read(buffer)
                    } catch {
                        failure = error
                        return -1
                    }
                }
                run.closed = { element, depth, line in
                    do throws(Failure) {
                        return try closed(element, depth, line)
                    } catch {
                        failure = error
                        return nil
                    }
                }
                defer {
                    run.read = nil
                    run.closed = nil
                }
                return run.parse(maxDepth: maxDepth)
            }
        }
        if let failure { throw .caller(failure) }
        if run.overLimit {
            throw .xml(XMLError(kind: .rejected, source: fileName,
                                message: "document is more than the limit of \(maxBytes) bytes"))
        }
        guard let handle = outcome.handle else {
            throw .xml(XMLError(kind: outcome.rejected ? .rejected : .notWellFormed, source: fileName, issues: outcome.issues))
        }
        let encoding = takeString(sxb_doc_declared_encoding(handle))
        if let document = run.document {
            // The object the callbacks' nodes belong to becomes the tree's owner.
            document.ownsTree = true
            document.declaredEncoding = encoding
            return document
        }
        return XDocument(parsed: handle, fileName: fileName, declaredEncoding: encoding, owned: true)
    }
}

/// One pruned parse's state, reached from the C callbacks through an unretained pointer.
private final class PrunedParse {
    let fileName: String
    let maxBytes: Int
    var byteCount = 0
    var overLimit = false
    /// The caller's reader and callback, for the parse's duration (nil: failed, stop).
    var read: ((UnsafeMutableRawBufferPointer) -> Int)?
    var closed: ((XNode, Int, Int) -> XPruning?)?
    /// The tree being built, made at the first element handed over.
    var document: XDocument?

    init(fileName: String, maxBytes: Int) {
        self.fileName = fileName
        self.maxBytes = maxBytes
    }

    func parse(maxDepth: Int) -> (handle: OpaquePointer?, rejected: Bool, issues: [XMLIssue]) {
        var raw = sxb_issues()
        var rejected: Int32 = 0
        var stopped: Int32 = 0
        let context = Unmanaged.passUnretained(self).toOpaque()
        let handle = withExtendedLifetime(self) {
            sxb_doc_parse_pruned(readBytes, Int32(clamping: max(1, maxDepth)), elementClosed, context,
                                 &rejected, &stopped, &raw)
        }
        return (handle, rejected != 0, takeIssues(&raw, file: fileName, minimumLevel: 2))
    }
}

private func prunedParse(_ context: UnsafeMutableRawPointer?) -> PrunedParse? {
    context.map { Unmanaged<PrunedParse>.fromOpaque($0).takeUnretainedValue() }
}

/// `sxb_read_callback`: the caller's next bytes, counted against the limit. The buffer is filled
/// whole before the end (libxml2 reads the start of a document expecting it: a short piece there
/// cuts the XML declaration).
private let readBytes: sxb_read_callback = { context, buffer, length in
    guard let run = prunedParse(context), let read = run.read, let buffer, length > 0 else { return -1 }
    let whole = UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))
    var count = 0
    while count < whole.count {
        let piece = read(UnsafeMutableRawBufferPointer(rebasing: whole[count...]))
        guard piece >= 0 else { return -1 }
        if piece == 0 { break }
        count += piece
    }
    run.byteCount += count
    if run.byteCount > run.maxBytes {
        run.overLimit = true
        return -1
    }
    return Int32(count)
}

/// `sxb_closed_callback`: the caller's decision on the element.
private let elementClosed: sxb_closed_callback = { context, doc, element, depth, line, encoding in
    guard let run = prunedParse(context), let closed = run.closed, let doc, let element else { return Int32(SXB_STOP) }
    let document: XDocument
    if let existing = run.document {
        document = existing
    } else {
        document = XDocument(parsed: doc, fileName: run.fileName, declaredEncoding: encoding.map { String(cString: $0) }, owned: false)
        run.document = document
    }
    switch closed(XNode(document: document, handle: element), Int(depth), line) {
    case .keep: return Int32(SXB_KEEP)
    case .drop: return Int32(SXB_DROP)
    case nil: return Int32(SXB_STOP)
    }
}
