import Domain

/// How CSV files are written. The defaults suit Russian Excel: UTF-8 with a BOM,
/// `;` between fields, a decimal comma, dates as `ДД.ММ.ГГГГ`, CRLF line ends.
public struct CSVOptions: Sendable, Hashable {
    /// The decimal separator of amounts.
    public enum DecimalSeparator: String, Sendable, Hashable, CaseIterable {
        case comma = ","
        case point = "."
    }

    public var decimalSeparator: DecimalSeparator
    /// The field separator (`;` by default; a `,` is allowed only with a decimal point).
    public var fieldSeparator: Character
    /// Start the file with a UTF-8 BOM so Excel recognises the encoding.
    public var byteOrderMark: Bool

    public init(decimalSeparator: DecimalSeparator = .comma, fieldSeparator: Character = ";", byteOrderMark: Bool = true) {
        self.decimalSeparator = decimalSeparator
        self.fieldSeparator = fieldSeparator
        self.byteOrderMark = byteOrderMark
    }

    /// Russian Excel's defaults.
    public static let excel = CSVOptions()
}

/// A CSV table under construction: a header row and data rows of text fields.
///
/// Fields are quoted per RFC 4180 when they hold the separator, a quote, CR or LF
/// (quotes doubled); numbers have no thousands separator.
public struct CSVTable: Sendable, Hashable {
    public private(set) var header: [String]
    public private(set) var rows: [[String]]
    public let options: CSVOptions

    public init(header: [String], options: CSVOptions) {
        self.header = header
        self.rows = []
        self.options = options
    }

    /// Appends a row (as many fields as the header).
    public mutating func append(_ fields: [String]) { rows.append(fields) }

    /// An amount: `12345,67` (or `12345.67`); empty for `nil`.
    public func money(_ value: Money?) -> String {
        guard let value else { return "" }
        return plainMoney(value, decimalSeparator: options.decimalSeparator.rawValue)
    }

    /// A date: `ДД.ММ.ГГГГ`; empty for `nil`.
    public func date(_ value: CivilDate?) -> String { value?.russian ?? "" }

    /// The file's text (without the BOM).
    public var text: String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The file's bytes: the optional BOM, then UTF-8 text.
    public var bytes: [UInt8] {
        var out: [UInt8] = options.byteOrderMark ? [0xEF, 0xBB, 0xBF] : []
        write(into: &out)
        return out
    }

    /// Appends the rows as UTF-8, CRLF after each. A field with no byte that could need quoting or
    /// formula-neutralising is copied straight; any other goes through `quote` (Character by Character),
    /// so the bytes are those of `quote` for every field.
    func write(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (rows.count + 1) * max(header.count, 1) * 24)
        appendRow(header, into: &out)
        for fields in rows { appendRow(fields, into: &out) }
    }

    /// Appends one row (not kept in `rows`) as `bytes` would write it: its fields, then CRLF.
    func appendRow(_ fields: [String], into out: inout [UInt8]) {
        var separator = String(options.fieldSeparator)
        let separatorBytes = separator.withUTF8 { Array($0) }
        let separatorLead = separatorBytes.first ?? 0x3B
        func field(_ raw: String) {
            var raw = raw
            let copied = raw.withUTF8 { utf8 -> Bool in
                if let first = utf8.first,
                   first == 0x3D || first == 0x2B || first == 0x40 || first == 0x09 || first == 0x0D || first == 0x2D {
                    return false
                }
                for byte in utf8 where byte == 0x22 || byte == 0x0A || byte == 0x0D || byte == separatorLead {
                    return false
                }
                out.append(contentsOf: utf8)
                return true
            }
            if !copied {
                var quoted = quote(raw)
                quoted.withUTF8 { out.append(contentsOf: $0) }
            }
        }
        for (index, value) in fields.enumerated() {
            if index > 0 { out.append(contentsOf: separatorBytes) }
            field(value)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// A text field Excel would run as a formula (`=HYPERLINK(…)` in a payer's name from a bank
    /// statement) gets a leading apostrophe, so it shows as text. Numbers (`-42,23`) are left alone.
    static func neutraliseFormula(_ field: String) -> String {
        guard let first = field.first else { return field }
        if first == "=" || first == "+" || first == "@" || first == "\t" || first == "\r" {
            return "'" + field
        }
        if first == "-", let second = field.dropFirst().first, !second.isASCIIDigit {
            return "'" + field
        }
        return field
    }

    private func quote(_ raw: String) -> String {
        let field = CSVTable.neutraliseFormula(raw)
        let needsQuotes = field.contains(options.fieldSeparator) || field.contains("\"")
            || field.unicodeScalars.contains { $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return field }
        var out = "\""
        for ch in field {
            if ch == "\"" { out += "\"\"" } else { out.append(ch) }
        }
        return out + "\""
    }
}

/// A file a report produced: its name and bytes. The job writes it where it wants.
public struct ReportFile: Sendable, Hashable {
    /// The file name (no directory): `day-2026-11-27.html`, `payments-2026-11-27.csv`.
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}
