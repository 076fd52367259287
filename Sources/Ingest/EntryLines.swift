/// The lines of a statement, read forward once beside its parse, to cut each entry's XML out as
/// written: the lines from the entry's start tag to the first holding its end tag.
///
/// Lines end at `\n` (a `\r` before it is not part of the line), as libxml2 counts them. Only the
/// lines from the entry at hand on are held, at most about `limit` bytes of them: an entry whose
/// text would reach the limit has none (it is then stored in its compact form), and a long line
/// is read past, not held.
struct EntryLines<Source: StatementBytes> {
    /// The text of an entry is under this many bytes.
    static var limit: Int { 1 << 20 }
    static var pieceSize: Int { 64 << 10 }

    private var source: Source
    /// Bytes read and not yet passed: line `line` starts at `start`.
    private var window: [UInt8] = []
    private var start = 0
    private var line = 1
    private var atEnd = false
    /// The text last cut and the line it starts at: entries sharing a line share it.
    private var last: (line: Int, text: String?)?

    /// The bytes held (the lines from the entry at hand on, and what was read ahead).
    var heldBytes: Int { window.count }

    /// Reads `source` from where it is.
    init(_ source: Source) {
        self.source = source
    }

    /// The lines from `first` to the first holding `closing`, joined by `\n`, when they hold
    /// `opening` exactly once and are under `limit` bytes; `nil` otherwise, or when `first` is
    /// before a line already passed or after the last.
    mutating func text(from first: Int, opening: String, closing: String) throws(SourceError) -> String? {
        if let last, last.line == first { return last.text }
        let text = try cut(from: first, opening: opening, closing: closing)
        last = (first, text)
        return text
    }

    private mutating func cut(from first: Int, opening: String, closing: String) throws(SourceError) -> String? {
        guard first >= line else { return nil }
        while line < first {
            if let newline = window[start...].firstIndex(of: 0x0A) {
                start = newline + 1
                line += 1
            } else {
                start = window.count
                guard try fill() else { return nil }
            }
        }
        // What is before the entry is never needed again.
        if start > 0 {
            window.removeFirst(start)
            start = 0
        }
        var pieces: [String] = []
        var length = -1 // of the pieces joined
        var position = start
        while true {
            var newline = window[position...].firstIndex(of: 0x0A)
            while newline == nil {
                guard window.count - start < Self.limit + 2 else { return nil }
                let searched = window.count
                guard try fill() else { break }
                newline = window[searched...].firstIndex(of: 0x0A)
            }
            let end = newline ?? window.count
            let contentEnd = newline != nil && end > position && window[end - 1] == 0x0D ? end - 1 : end
            let piece = String(decoding: window[position..<contentEnd], as: UTF8.self)
            pieces.append(piece)
            length += piece.utf8.count + 1
            guard length < Self.limit else { return nil }
            if piece.contains(closing) { break }
            guard let newline else { break }
            position = newline + 1
            if position == window.count, try !fill() {
                // The last line, empty, after the last `\n`.
                pieces.append("")
                break
            }
        }
        let text = pieces.joined(separator: "\n")
        guard text.ranges(of: opening).count == 1, text.contains(closing) else { return nil }
        return text
    }

    /// Reads the next piece after the window; false at the end.
    private mutating func fill() throws(SourceError) -> Bool {
        guard !atEnd else { return false }
        if start == window.count {
            // (Passing lines: nothing read is still needed.)
            window.removeAll(keepingCapacity: true)
            start = 0
        }
        let old = window.count
        window.append(contentsOf: repeatElement(0, count: Self.pieceSize))
        let outcome = window.withUnsafeMutableBytes { bytes in
            Result { () throws(SourceError) in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[old...])) }
        }
        let count = try outcome.get()
        window.removeLast(Self.pieceSize - count)
        if count == 0 { atEnd = true }
        return count > 0
    }
}
