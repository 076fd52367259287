/// A calendar day without a time or a time zone: a business day, a document date.
///
/// Business days are Europe/Moscow days; `Timestamp.moscowDate` converts.
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01: the whole value, 4 bytes. (Three `Int`s took 24 bytes in every payment,
    /// bill, order, document key and outcome a day holds; the order of days is the order of dates.)
    private let days: Int32

    /// A valid calendar day, or `nil` (`CivilDate(year: 2026, month: 2, day: 30)` is `nil`).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        days = Int32(Self.days(year: year, month: month, day: day))
    }

    /// The year, month and day (worked out from the day number: ask once when all three are needed).
    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public var year: Int { components.year }
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// Parses `YYYY-MM-DD` (ISO 8601): exactly four ASCII digits, `-`, two, `-`, two, naming a valid day.
    public init?(iso text: String) {
        var text = text
        guard let parsed = text.withUTF8({ CivilDate(isoUTF8: $0) }) else { return nil }
        self = parsed
    }

    /// Parses the UTF-8 bytes of `YYYY-MM-DD` (ISO 8601); accepts exactly what ``init(iso:)`` accepts.
    @inlinable
    public init?(isoUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return nil }
        @inline(__always) func digit(_ index: Int) -> Int? {
            let value = bytes[index] &- 0x30
            return value < 10 ? Int(value) : nil
        }
        guard let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
              let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9) else { return nil }
        self.init(year: y0 * 1000 + y1 * 100 + y2 * 10 + y3, month: m0 * 10 + m1, day: d0 * 10 + d1)
    }

    /// The parser ``init(iso:)`` used before its byte fast path (kept to test that both accept the same).
    static func parsedBySplitting(iso text: String) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// Parses `ДД.ММ.ГГГГ` (the Russian and FNS form, and 1CClientBankExchange's).
    public init?(russian text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 2, parts[1].count == 2, parts[2].count == 4,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The day `days` after 1970-01-01 (negative for earlier days); `days` must be within
    /// ``daysSinceEpochRange`` (about 5.8 million years either way).
    public init(daysSinceEpoch days: Int) {
        precondition(Self.daysSinceEpochRange.contains(days), "day \(days) is outside the calendar CivilDate keeps")
        self.days = Int32(days)
    }

    /// The day numbers a `CivilDate` can hold.
    public static let daysSinceEpochRange = Int(Int32.min)...Int(Int32.max)

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int { Int(days) }

    /// Howard Hinnant's days_from_civil.
    private static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + count) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: CivilDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// The calendar quarter, 1…4.
    public var quarter: Int { (month - 1) / 3 + 1 }

    /// `YYYY-MM-DD`.
    public var iso: String {
        guard let text = formatted(yearFirst: true, separator: 0x2D) else {
            let (year, month, day) = components
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
        return text
    }
    /// `ДД.ММ.ГГГГ`, the FNS and Russian form.
    public var russian: String {
        guard let text = formatted(yearFirst: false, separator: 0x2E) else {
            let (year, month, day) = components
            return "\(pad(day, 2)).\(pad(month, 2)).\(pad(year, 4))"
        }
        return text
    }

    /// `YYYY-MM-DD` or `DD.MM.YYYY` written byte by byte (ten bytes: a small string, no allocation),
    /// or `nil` outside the years, months and days the padded forms write in ten characters.
    private func formatted(yearFirst: Bool, separator: UInt8) -> String? {
        let (year, month, day) = components
        guard (0...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func put(_ value: Int, digits: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
            }
            if yearFirst {
                put(year, digits: 4, at: 0)
                buffer[4] = separator
                put(month, digits: 2, at: 5)
                buffer[7] = separator
                put(day, digits: 2, at: 8)
            } else {
                put(day, digits: 2, at: 0)
                buffer[2] = separator
                put(month, digits: 2, at: 3)
                buffer[5] = separator
                put(year, digits: 4, at: 6)
            }
            return 10
        }
    }
    /// `YYYYMMDD`, as in FNS file names.
    public var compact: String {
        let (year, month, day) = components
        return "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))"
    }
    /// `DDMMYYYY`, as in bank statement file names.
    public var ddMMyyyy: String {
        let (year, month, day) = components
        return "\(pad(day, 2))\(pad(month, 2))\(pad(year, 4))"
    }

    public var description: String { iso }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.days < rhs.days }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a YYYY-MM-DD date")
        }
        self = date
    }
}

/// An instant with the UTC offset it was written with (RFC 3339).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// The offset from UTC it was written with, in seconds.
    public let offsetSeconds: Int32

    /// Moscow's offset from UTC (Europe/Moscow has kept UTC+3 all year since 2014).
    public static let moscowOffsetSeconds: Int32 = 3 * 3600

    public init(epochSeconds: Int64, offsetSeconds: Int32 = Timestamp.moscowOffsetSeconds) {
        self.epochSeconds = epochSeconds
        self.offsetSeconds = offsetSeconds
    }

    /// Parses RFC 3339 with an offset: `2026-11-27T06:10:00+03:00`, `…Z`, optional fractional seconds (dropped).
    public init?(rfc3339 text: String) {
        var text = text
        guard let value = text.withUTF8({ Timestamp.parse(rfc3339: $0) }) else { return nil }
        self = value
    }

    /// ``init(rfc3339:)`` of the text's UTF-8 bytes.
    private static func parse(rfc3339 bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let date = CivilDate(year: year, month: month, day: day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        let offset: Int
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return nil }
            offset = 0
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
                  index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6),
                  hours < 24, minutes < 60 else { return nil }
            offset = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        return Timestamp(epochSeconds: local - Int64(offset), offsetSeconds: Int32(offset))
    }

    /// The Europe/Moscow calendar day of the instant.
    public var moscowDate: CivilDate { moscowParts.date }

    /// The Europe/Moscow wall-clock time as the FNS formats write it: `ЧЧ.ММ.СС`.
    public var moscowTimeFNS: String {
        let seconds = moscowParts.secondOfDay
        return "\(pad(seconds / 3600, 2)).\(pad(seconds / 60 % 60, 2)).\(pad(seconds % 60, 2))"
    }

    private var moscowParts: (date: CivilDate, secondOfDay: Int) {
        let local = epochSeconds + Int64(Timestamp.moscowOffsetSeconds)
        let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        return (CivilDate(daysSinceEpoch: days), Int(local - Int64(days) * 86_400))
    }

    /// RFC 3339 in the offset it was written with.
    public var description: String {
        let local = epochSeconds + Int64(offsetSeconds)
        let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        let offset = Int(offsetSeconds)
        let zone = offset == 0
            ? "Z"
            : "\(offset < 0 ? "-" : "+")\(pad(abs(offset) / 3600, 2)):\(pad(abs(offset) / 60 % 60, 2))"
        return "\(date.iso)T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))\(zone)"
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.epochSeconds < rhs.epochSeconds }
    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.epochSeconds == rhs.epochSeconds }
    public func hash(into hasher: inout Hasher) { hasher.combine(epochSeconds) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 timestamp with an offset")
        }
        self = value
    }
}

/// Zero-padded decimal of at least `width` digits.
@inline(__always)
func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

extension Character {
    /// An ASCII digit 0–9 (not other Unicode digits).
    @inlinable public var isASCIIDigit: Bool {
        guard let ascii = asciiValue else { return false }
        return ascii >= 0x30 && ascii <= 0x39
    }
}
