import Domain
import PropertyBased
import Testing

@Suite("Dates, timestamps, identities")
struct DateTests {
    @Test("civil dates parse in ISO and Russian forms and reject impossible days")
    func parsing() throws {
        let date = try #require(CivilDate(iso: "2026-11-27"))
        #expect(date.russian == "27.11.2026")
        #expect(date.compact == "20261127")
        #expect(date.ddMMyyyy == "27112026")
        #expect(CivilDate(russian: "27.11.2026") == date)
        #expect(CivilDate(iso: "2026-02-29") == nil)
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2026-13-01") == nil)
        #expect(CivilDate(iso: "26-11-27") == nil)
        #expect(date.quarter == 4)
    }

    @Test("day arithmetic round-trips through days since the epoch")
    func dayArithmetic() async {
        await propertyCheck(count: 500, input: Gen.int(in: -100_000...100_000)) { days in
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CivilDate(iso: date.iso) == date)
            #expect(date.adding(days: 1) > date)
        }
        #expect(CivilDate(iso: "2026-12-31")!.adding(days: 1) == CivilDate(iso: "2027-01-01"))
        #expect(CivilDate(iso: "2026-11-27")!.days(to: CivilDate(iso: "2026-12-27")!) == 30)
    }

    @Test("a civil date is its day number: 4 bytes, ordered as (year, month, day), every valid day kept")
    func dayNumber() async throws {
        #expect(MemoryLayout<CivilDate>.size == 4)
        await propertyCheck(count: 500, input: Gen.int(in: -800_000...3_000_000), Gen.int(in: -800_000...3_000_000)) { a, b in
            let (x, y) = (CivilDate(daysSinceEpoch: a), CivilDate(daysSinceEpoch: b))
            let (xy, xm, xd) = x.components
            let (yy, ym, yd) = y.components
            #expect((x < y) == ((xy, xm, xd) < (yy, ym, yd)))
            #expect((x == y) == (a == b))
            #expect(CivilDate(year: xy, month: xm, day: xd).map { $0 == x } ?? !(1...9999).contains(xy))
            #expect((x.year, x.month, x.day) == (xy, xm, xd))
        }
        // The first and last days of the calendar's years 1 and 9999 (what `init?(year:month:day:)` admits).
        let first = try #require(CivilDate(year: 1, month: 1, day: 1))
        let last = try #require(CivilDate(year: 9999, month: 12, day: 31))
        #expect(first.iso == "0001-01-01" && last.iso == "9999-12-31")
        #expect(first.adding(days: -1).year == 0 && last.adding(days: 1).year == 10_000)
        #expect(CivilDate(daysSinceEpoch: CivilDate.daysSinceEpochRange.upperBound).daysSinceEpoch == Int(Int32.max))
    }

    @Test("timestamps convert to Moscow business days and FNS times")
    func timestamps() throws {
        let late = try #require(Timestamp(rfc3339: "2026-11-27T22:30:00Z")) // 01:30 next day in Moscow
        #expect(late.moscowDate == CivilDate(iso: "2026-11-28"))
        #expect(late.moscowTimeFNS == "01.30.00")
        let local = try #require(Timestamp(rfc3339: "2026-11-27T06:10:00+03:00"))
        #expect(local.moscowDate == CivilDate(iso: "2026-11-27"))
        #expect(local.description == "2026-11-27T06:10:00+03:00")
        #expect(Timestamp(rfc3339: "2026-11-27T06:10:00.123+03:00") == local)
        #expect(Timestamp(rfc3339: "2026-11-27T06:10:00") == nil) // offset is required
        #expect(Timestamp(rfc3339: "2026-11-27 06:10") == nil)
    }

    @Test("SHA-256 matches the FIPS test vectors")
    func sha256() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("stable GUIDs derive from the identity alone")
    func stableGUID() {
        let a = StableGUID.make(namespace: "sverka/UPD", name: "SH-9001")
        #expect(a == StableGUID.make(namespace: "sverka/UPD", name: "SH-9001"))
        #expect(a != StableGUID.make(namespace: "sverka/UPD", name: "SH-9002"))
        #expect(a.count == 36)
        #expect(Array(a)[14] == "8")
    }

    @Test("a stable GUID is the digest's first 16 bytes in groups, version and variant set, as hex of each byte joined")
    func stableGUIDDigits() {
        // The reference: the bytes turned to hex one by one and joined in groups (how it was first written).
        func reference(_ namespace: String, _ name: String) -> String {
            var bytes = Array(SHA256.hash(Array(namespace.utf8) + [0] + Array(name.utf8)).prefix(16))
            bytes[6] = (bytes[6] & 0x0F) | 0x80
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }
            return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
        }
        let names = ["UPD:SH-8830#0", "UKD:RET-1#1", "ADV:PAY-9f8e7d6c:ORD-000123#9", "", "UPD:Отгрузка №5#-1", "#",
                     "UPD:" + String(repeating: "x", count: 200) + "#\(Int.max)"]
        for namespace in ["sverka/documents", "", "пространство"] {
            for name in names {
                #expect(StableGUID.make(namespace: namespace, name: name) == reference(namespace, name), "\(namespace) \(name)")
            }
        }
    }

    @Test("FNV-1a 64 over UTF-8: the published test values, and bytes not characters")
    func fnv1a() {
        #expect(FNV1a.hash64(utf8: "") == 0xCBF2_9CE4_8422_2325)
        #expect(FNV1a.hash64(utf8: "a") == 0xAF63_DC4C_8601_EC8C)
        #expect(FNV1a.hash64(utf8: "foobar") == 0x8594_4171_F739_67E8)
        // «é» precomposed and decomposed are equal Strings but different bytes.
        #expect("\u{E9}" == "e\u{301}")
        #expect(FNV1a.hash64(utf8: "\u{E9}") != FNV1a.hash64(utf8: "e\u{301}"))
    }

    @Test("identifiers of different kinds are different types")
    func identifiers() {
        let order: OrderID = "ORD-1"
        let payment: PaymentID = "ORD-1"
        #expect(order.rawValue == payment.rawValue)
        // `order == payment` would not compile: the kinds differ.
        #expect(Set([order, "ORD-2", "ORD-1"]).count == 2)
    }
}
