import Domain

/// Writes a 1CClientBankExchange statement of the main account, encoded in Windows-1251
/// (`Кодировка=Windows`), lines ending in CR LF.
enum ClientBankWriter {
    static func write(_ operations: [BankOperation], account: String, day: CivilDate, opening: Money,
                      to sink: ByteSink) throws {
        let credits = credits(operations)
        let debits = debits(operations)
        var header = [
            "1CClientBankExchange",
            "ВерсияФормата=1.03",
            "Кодировка=Windows",
            "Отправитель=СберБизнес",
            "Получатель=Бухгалтерия предприятия, редакция 3.0",
            "ДатаСоздания=\(day.russian)",
            "ВремяСоздания=23:55:11",
            "ДатаНачала=\(day.russian)",
            "ДатаКонца=\(day.russian)",
            "РасчСчет=\(account)",
            "Документ=Платежное поручение",
            "СекцияРасчСчет",
            "ДатаНачала=\(day.russian)",
            "ДатаКонца=\(day.russian)",
            "РасчСчет=\(account)",
            "НачальныйОстаток=\(opening)",
            "ВсегоПоступило=\(credits)",
            "ВсегоСписано=\(debits)",
            "КонечныйОстаток=\(opening + credits - debits)",
            "КонецРасчСчет",
        ]
        try sink.write(encode(header))
        header.removeAll()
        for operation in operations {
            try sink.write(encode(documentLines(operation)))
        }
        try sink.write(encode(["КонецФайла"]))
    }

    static func credits(_ operations: [BankOperation]) -> Money {
        operations.reduce(Money.zero) { $0 + ($1.direction == .incoming ? $1.amount : .zero) }
    }

    static func debits(_ operations: [BankOperation]) -> Money {
        operations.reduce(Money.zero) { $0 + ($1.direction == .outgoing ? $1.amount : .zero) }
    }

    /// The lines of one `СекцияДокумент` … `КонецДокумента`, as written (without line ends).
    static func documentLines(_ operation: BankOperation) -> [String] {
        let payer = operation.payer
        let payee = operation.payee
        let incoming = operation.direction == .incoming
        let amount = operation.wholeRoublesWritten ? String(operation.amount.rublesPart) : operation.amount.description
        var lines = [
            "СекцияДокумент=Платежное поручение",
            "Номер=\(operation.number)",
            "Дата=\(operation.date.russian)",
            "Сумма=\(amount)",
            "ПлательщикСчет=\(payer.bank.account)",
            "ДатаСписано=\(incoming ? "" : operation.date.russian)",
            "Плательщик=ИНН \(payer.inn) \(payer.name)",
            "ПлательщикИНН=\(payer.inn)",
            "Плательщик1=\(payer.name)",
            "ПлательщикРасчСчет=\(payer.bank.account)",
            "ПлательщикБанк1=\(payer.bank.name)",
            "ПлательщикБанк2=\(payer.bankCity)",
            "ПлательщикБИК=\(payer.bank.bik)",
            "ПлательщикКорсчет=\(payer.bank.correspondentAccount ?? "")",
            "ПолучательСчет=\(payee.bank.account)",
            "ДатаПоступило=\(incoming ? operation.date.russian : "")",
            "Получатель=ИНН \(payee.inn) \(payee.name)",
            "ПолучательИНН=\(payee.inn)",
            "Получатель1=\(payee.name)",
            "ПолучательРасчСчет=\(payee.bank.account)",
            "ПолучательБанк1=\(payee.bank.name)",
            "ПолучательБанк2=\(payee.bankCity)",
            "ПолучательБИК=\(payee.bank.bik)",
            "ПолучательКорсчет=\(payee.bank.correspondentAccount ?? "")",
            "ВидПлатежа=",
            "ВидОплаты=01",
            "Код=0",
            "СтатусСоставителя=",
            "ПлательщикКПП=\(payer.kpp ?? "")",
            "ПолучательКПП=\(payee.kpp ?? "")",
            "Очередность=5",
        ]
        if operation.purpose.count == 1 {
            lines.append("НазначениеПлатежа=\(operation.purpose[0])")
        } else {
            lines.append("НазначениеПлатежа=")
            for (index, piece) in operation.purpose.enumerated() { lines.append("НазначениеПлатежа\(index + 1)=\(piece)") }
        }
        lines.append("КонецДокумента")
        return lines
    }

    /// Lines in Windows-1251, each ended by CR LF.
    static func encode(_ lines: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 2 })
        for line in lines {
            CP1251.append(line, to: &bytes)
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        return bytes
    }
}

/// Windows-1251 (the code page of `Кодировка=Windows`).
public enum CP1251 {
    /// Unicode scalars of bytes 0x80…0xFF (0x98 is undefined: U+FFFD).
    static let upperHalf: [UInt32] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    ] + (0x0410...0x044F).map { UInt32($0) }

    private static let reverse: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for (offset, scalar) in upperHalf.enumerated() where scalar != 0xFFFD { table[scalar] = UInt8(0x80 + offset) }
        return table
    }()

    /// Whether every character of `text` has a byte in Windows-1251.
    public static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value < 0x80 || reverse[$0.value] != nil }
    }

    /// Appends `text` in Windows-1251; a character without a byte becomes `?` (the generator never writes one).
    static func append(_ text: String, to bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                bytes.append(UInt8(value))
            } else if value >= 0x0410, value <= 0x044F {
                bytes.append(UInt8(value - 0x0410 + 0xC0))
            } else {
                bytes.append(reverse[value] ?? UInt8(ascii: "?"))
            }
        }
    }

    /// Decodes Windows-1251 bytes.
    public static func decode(_ bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            let value = byte < 0x80 ? UInt32(byte) : upperHalf[Int(byte) - 0x80]
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }
}
