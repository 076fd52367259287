import CXMLBridge

/// libxml2 is initialised exactly once, before any other call into it.
///
/// A Swift global is initialised lazily and thread-safely (`swift_once`), so the
/// first use from any thread runs `sxb_init()` (xmlInitParser, xmlSchemaInitTypes,
/// silenced global error printing) before any parser, schema or XPath work.
let libxml2Initialised: Void = sxb_init()

/// Makes sure libxml2 is initialised; every entry point of this module calls it.
@inline(__always)
func ensureLibXML2() {
    _ = libxml2Initialised
}

/// The linked libxml2 version as a number (e.g. 20914 for 2.9.14).
public var libxml2Version: Int {
    ensureLibXML2()
    return Int(sxb_version())
}

/// Turns a bridge-owned C string into a Swift string and frees it.
func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { sxb_free(pointer) }
    return String(cString: pointer)
}

/// Converts the diagnostics libxml2 reported during one call and frees them.
func takeIssues(_ raw: inout sxb_issues, file: String, minimumLevel: Int32 = 1) -> [XMLIssue] {
    defer { sxb_issues_free(&raw) }
    var issues: [XMLIssue] = []
    if let items = raw.items {
        for index in 0..<raw.count {
            let item = items[index]
            guard item.level >= minimumLevel else { continue }
            issues.append(XMLIssue(
                file: file,
                line: Int(item.line),
                column: Int(item.column),
                path: item.path.map { String(cString: $0) },
                message: item.message.map { String(cString: $0) } ?? "unknown libxml2 error",
                severity: XMLIssue.Severity(level: item.level)
            ))
        }
    }
    if raw.dropped > 0 {
        issues.append(XMLIssue(
            file: file, line: 0, column: 0, path: nil,
            message: "\(raw.dropped) more issue(s) not reported", severity: .error
        ))
    }
    return issues
}

/// Whether libxml2 reads and writes windows-1251 through the bridge's tables (registered by
/// `sxb_init()`), not through iconv.
var windows1251ByTable: Bool {
    ensureLibXML2()
    return sxb_cp1251_handler_registered() == 1
}

/// The bridge's windows-1251 decoder (what libxml2 reads such documents with) run once over
/// `bytes` into at most `capacity` bytes: its status (the bytes written, or -2 at 0x98), the UTF-8
/// written and how many bytes it read. For tests of the decoder against the table.
func bridgeDecodeWindows1251(_ bytes: [UInt8], capacity: Int) -> (status: Int32, utf8: [UInt8], read: Int) {
    ensureLibXML2()
    var output = [UInt8](repeating: 0, count: max(capacity, 1))
    var outputLength = Int32(capacity)
    var inputLength = Int32(bytes.count)
    // An empty input still needs an address (the decoder reads nothing from it).
    let input = bytes.isEmpty ? [0] : bytes
    let status = output.withUnsafeMutableBufferPointer { out in
        input.withUnsafeBufferPointer { sxb_cp1251_to_utf8(out.baseAddress, &outputLength, $0.baseAddress, &inputLength) }
    }
    return (status, Array(output.prefix(Int(outputLength))), Int(inputLength))
}
