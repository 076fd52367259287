@testable import Domain
import Testing
import TestSupport

/// `CivilDate(iso:)` reads the bytes directly; it accepts exactly what the parser that split the text
/// on "-" accepted, and gives the same day.
@Suite("ISO dates: the byte parser")
struct ISODateFastPathTests {
    static func agree(_ text: String) {
        #expect(CivilDate(iso: text) == CivilDate.parsedBySplitting(iso: text), "\(text.debugDescription)")
    }

    @Test("edge cases: wrong lengths, separators, signs, non-ASCII digits, combining marks, invalid days")
    func edgeCases() {
        let cases = [
            "2026-11-27", "2024-02-29", "2026-02-29", "2000-02-29", "1900-02-29", "0000-01-01", "0001-01-01",
            "9999-12-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-04-31", "2026-4-30",
            "26-11-27", "2026-11-2", "2026-11-277", "02026-11-27", "2026/11/27", "2026-11-27 ", " 2026-11-27",
            "2026--1-27", "+026-11-27", "-026-11-27", "2026-+1-27", "2026-1--27", "2026-11--7", "", "-", "--",
            "2026-11", "2026-11-27-", "２０２６-11-27", "2026-１1-27", "2026-11-2\u{301}", "2026-1\u{0661}-27",
            "2026-11-27\r\n", "2026-11-2\r\n", "abcd-ef-gh", "2026-11-27T00:00:00Z", "2026\u{2010}11\u{2010}27",
        ]
        for text in cases { Self.agree(text) }
        #expect(CivilDate(iso: "2026-11-27") == CivilDate(year: 2026, month: 11, day: 27))
        #expect(CivilDate(iso: "2026-02-29") == nil)
    }

    @Test("every day of four centuries round-trips through its ISO text")
    func everyDay() {
        var date = CivilDate(year: 1899, month: 12, day: 1)!
        let end = CivilDate(year: 2301, month: 1, day: 31)!
        while date <= end {
            #expect(CivilDate(iso: date.iso) == date)
            date = date.adding(days: 1)
        }
    }

    @Test("random texts of ten characters over digits, '-' and a few others: both parsers agree")
    func randomTexts() {
        var random = SplitMix64(seed: 20_261_127)
        let alphabet: [Character] = Array("0123456789-") + ["/", " ", "٣", "é", "e\u{301}", "+", "9"]
        var accepted = 0
        for _ in 0..<200_000 {
            let length = Int(random.next() % 3) + 9
            var text = ""
            for index in 0..<length {
                // Mostly the shape of a date, so that many of them are one.
                if random.next() % 8 != 0 {
                    text.append(index == 4 || index == 7 ? "-" : Character(String(random.next() % 10)))
                } else {
                    text.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
                }
            }
            let fast = CivilDate(iso: text)
            #expect(fast == CivilDate.parsedBySplitting(iso: text), "\(text.debugDescription)")
            if fast != nil { accepted += 1 }
        }
        #expect(accepted > 1_000)
    }

    @Test("ISO and Russian texts are the zero-padded forms, inside and outside the years of four digits")
    func formatting() {
        func padded(_ date: CivilDate) -> (iso: String, russian: String) {
            ("\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))",
             "\(pad(date.day, 2)).\(pad(date.month, 2)).\(pad(date.year, 4))")
        }
        var dates = [CivilDate(year: 1, month: 1, day: 1)!, CivilDate(year: 9999, month: 12, day: 31)!,
                     CivilDate(year: 987, month: 6, day: 5)!, CivilDate(daysSinceEpoch: 3_000_000),
                     CivilDate(daysSinceEpoch: -800_000), CivilDate(daysSinceEpoch: -719_528)]
        var date = CivilDate(year: 1999, month: 12, day: 1)!
        while date.year < 2101 {
            dates.append(date)
            date = date.adding(days: 1)
        }
        for date in dates {
            let expected = padded(date)
            #expect(date.iso == expected.iso)
            #expect(date.russian == expected.russian)
        }
        #expect(CivilDate(daysSinceEpoch: 3_000_000).year > 9999)
    }
}
