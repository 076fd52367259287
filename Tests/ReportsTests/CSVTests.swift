import Domain
import Reports
import Testing

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows: an independent reader for the tests.
func parseCSV(_ bytes: [UInt8], separator: Character = ";") -> [[String]] {
    var body = bytes
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
    let text = String(decoding: body, as: UTF8.self)
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var inQuotes = false
    var iterator = Array(text.unicodeScalars).makeIterator()
    var pending: Unicode.Scalar? = nil
    func nextScalar() -> Unicode.Scalar? {
        if let p = pending { pending = nil; return p }
        return iterator.next()
    }
    while let scalar = nextScalar() {
        if inQuotes {
            if scalar == "\"" {
                if let following = iterator.next() {
                    if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                } else { inQuotes = false }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" && field.isEmpty {
            inQuotes = true
        } else if Character(scalar) == separator {
            row.append(field); field = ""
        } else if scalar == "\r" {
            continue
        } else if scalar == "\n" {
            row.append(field); field = ""
            rows.append(row); row = []
        } else {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// Reads an amount as the CSV writes it (`12345,67` or `12345.67`).
func csvMoney(_ text: String) -> Money? {
    text.isEmpty ? nil : Money(lenientString: text)
}

@Suite("CSV")
struct CSVTests {
    @Test("BOM, semicolons, CRLF, quoting per RFC 4180")
    func quoting() {
        var table = CSVTable(header: ["Имя", "Сумма"], options: .excel)
        table.append(["ООО «Ромашка»; филиал", table.money(Money(kopecks: 1_234_567))])
        table.append(["Кавычки \"внутри\"", table.money(Money(kopecks: -5))])
        table.append(["две\nстроки", ""])
        table.append(["просто текст", table.money(nil)])
        let bytes = table.bytes
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text == "Имя;Сумма\r\n"
            + "\"ООО «Ромашка»; филиал\";12345,67\r\n"
            + "\"Кавычки \"\"внутри\"\"\";-0,05\r\n"
            + "\"две\nстроки\";\r\n"
            + "просто текст;\r\n")
        #expect(parseCSV(bytes) == [["Имя", "Сумма"], ["ООО «Ромашка»; филиал", "12345,67"],
                                    ["Кавычки \"внутри\"", "-0,05"], ["две\nстроки", ""], ["просто текст", ""]])
    }

    @Test("a text that Excel would run as a formula shows as text; negative amounts stay numbers")
    func formulaInjection() {
        var table = CSVTable(header: ["Плательщик", "Сумма"], options: .excel)
        table.append(["=HYPERLINK(\"http://evil.example\";\"ООО Ромашка\")", table.money(Money(kopecks: -4223))])
        table.append(["+7 (495) 000-00-00", table.money(Money(kopecks: 100))])
        table.append(["@SUM(A1:A9)", ""])
        table.append(["-опл. сч. 126", ""])
        let rows = parseCSV(table.bytes)
        #expect(rows[1] == ["'=HYPERLINK(\"http://evil.example\";\"ООО Ромашка\")", "-42,23"])
        #expect(rows[2] == ["'+7 (495) 000-00-00", "1,00"])
        #expect(rows[3][0] == "'@SUM(A1:A9)")
        #expect(rows[4][0] == "'-опл. сч. 126")
    }

    @Test("decimal point is configurable; no thousands separator either way")
    func decimalPoint() {
        let point = CSVTable(header: [], options: CSVOptions(decimalSeparator: .point))
        let comma = CSVTable(header: [], options: .excel)
        let amount = Money(kopecks: 123_456_789_01)
        #expect(point.money(amount) == "123456789.01")
        #expect(comma.money(amount) == "123456789,01")
        #expect(comma.date(CivilDate(year: 2026, month: 3, day: 9)) == "09.03.2026")
    }

    @Test("without BOM when asked")
    func noBOM() {
        var table = CSVTable(header: ["a"], options: CSVOptions(byteOrderMark: false))
        table.append(["b"])
        #expect(table.bytes == Array("a\r\nb\r\n".utf8))
    }
}
