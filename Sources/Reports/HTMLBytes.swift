// Byte buffers for the direct renderers (the bundled day report's HTML, the CSV registers): text is
// appended as UTF-8 into one `[UInt8]`, never concatenated into Strings.

/// A growing UTF-8 buffer with the HTML escaping of swift-mustache's `{{ }}`.
///
/// With a `sink`, the bytes are handed to it whenever 1 MiB has gathered (and by `flush()`), so a
/// large page is never all in memory; the sink's first failure is kept in `failure` and nothing
/// more is written after it.
struct ByteBuffer {
    var bytes: [UInt8] = []
    /// Where full buffers go; `nil` keeps every byte in `bytes`.
    var sink: (any ReportSink)?
    /// The sink's first failure.
    var failure: (any Error)?

    static let flushSize = 1 << 20

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// A buffer that hands its bytes to `sink` a MiB at a time.
    init(sink: any ReportSink) {
        self.sink = sink
        bytes.reserveCapacity(Self.flushSize + 64 * 1024)
    }

    /// Hands what has gathered to the sink (without a sink, does nothing).
    mutating func flush() {
        guard let sink else { return }
        if failure == nil, !bytes.isEmpty {
            do {
                try sink.write(bytes)
            } catch {
                failure = error
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private mutating func flushIfFull() {
        if bytes.count >= Self.flushSize, sink != nil { flush() }
    }

    /// Appends text as is.
    mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    /// Appends an integer in decimal, as `String(describing:)` prints it.
    mutating func int(_ value: Int) { raw(String(value)) }

    /// Appends text escaped exactly as swift-mustache's `htmlEscape` does it: by Character, so `<`,
    /// `>`, `&`, `"`, `'` become `&lt;` `&gt;` `&amp;` `&quot;` `&#39;` only when they stand alone as a
    /// Character (a `<` carrying a combining mark is one Character and stays as it is). Text without
    /// any of these bytes is copied straight through.
    mutating func escaped(_ text: String) {
        var text = text
        let plain = text.withUTF8 { utf8 -> Bool in
            for byte in utf8 where byte == 0x3C || byte == 0x3E || byte == 0x26 || byte == 0x22 || byte == 0x27 {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
            flushIfFull()
            return
        }
        for character in text {
            switch character {
            case "<": raw("&lt;")
            case ">": raw("&gt;")
            case "&": raw("&amp;")
            case "\"": raw("&quot;")
            case "'": raw("&#39;")
            default: raw(String(character))
            }
        }
    }
}
