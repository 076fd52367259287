/// Why a requisite (ИНН, КПП, ОГРН, БИК, account) is not valid.
public struct RequisiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The requisite: `ИНН`, `КПП`, `ОГРН`, `ОГРНИП`, `БИК`, `расчётный счёт`, `корр. счёт`.
    public let field: String
    /// The value as given (requisites are public registry data, not secrets).
    public let value: String
    /// Why it is rejected, in words an accountant understands.
    public let reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String { "\(field) '\(value)': \(reason)" }
}

/// A taxpayer number (ИНН) with valid check digits: 10 digits for an organisation,
/// 12 for an individual or a sole trader (ИП).
public struct INN: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// Validates length, digits and check digits.
    public init(_ text: String) throws(RequisiteError) {
        try INN.check(text)
        value = text
    }

    /// Whether this is an organisation's (10-digit) ИНН.
    public var isLegalEntity: Bool { value.utf8.count == 10 }
    public var description: String { value }
    public static func < (lhs: INN, rhs: INN) -> Bool { lhs.value < rhs.value }

    /// Checks a ИНН without building one.
    public static func check(_ text: String) throws(RequisiteError) {
        let digits = try requisiteDigits(text, field: "ИНН", counts: [10, 12])
        func control(_ weights: [Int], _ count: Int) -> Int {
            var sum = 0
            for i in 0..<count { sum += digits[i] * weights[i] }
            return sum % 11 % 10
        }
        if digits.count == 10 {
            let expected = control([2, 4, 10, 3, 5, 9, 4, 6, 8], 9)
            guard digits[9] == expected else {
                throw RequisiteError(field: "ИНН", value: text, reason: "check digit is \(digits[9]), expected \(expected)")
            }
        } else {
            let first = control([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10)
            let second = control([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11)
            guard digits[10] == first, digits[11] == second else {
                throw RequisiteError(field: "ИНН", value: text,
                                     reason: "check digits are \(digits[10])\(digits[11]), expected \(first)\(second)")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// Requisite checks that are not types of their own.
public enum Requisites {
    /// КПП: 9 characters — 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits.
    public static func checkKPP(_ text: String) throws(RequisiteError) {
        let chars = Array(text)
        guard chars.count == 9 else {
            throw RequisiteError(field: "КПП", value: text, reason: "must be 9 characters, got \(chars.count)")
        }
        let ok = chars[0..<4].allSatisfy(\.isASCIIDigit)
            && chars[4..<6].allSatisfy { $0.isASCIIDigit || ("A"..."Z").contains($0) }
            && chars[6..<9].allSatisfy(\.isASCIIDigit)
        guard ok else {
            throw RequisiteError(field: "КПП", value: text, reason: "must be 4 digits, 2 digits or capital letters A–Z, 3 digits")
        }
    }

    /// ОГРН (13 digits) or ОГРНИП (15 digits) with its check digit.
    public static func checkOGRN(_ text: String) throws(RequisiteError) {
        let field = text.utf8.count == 15 ? "ОГРНИП" : "ОГРН"
        let digits = try requisiteDigits(text, field: field, counts: [13, 15])
        let modulus = digits.count == 13 ? 11 : 13
        var remainder = 0
        for digit in digits.dropLast() { remainder = (remainder * 10 + digit) % modulus }
        let expected = remainder % 10
        guard digits.last == expected else {
            throw RequisiteError(field: field, value: text, reason: "check digit is \(digits.last ?? 0), expected \(expected)")
        }
    }

    /// БИК: 9 digits starting with `04` (Russian banks).
    public static func checkBIK(_ text: String) throws(RequisiteError) {
        let digits = try requisiteDigits(text, field: "БИК", counts: [9])
        guard digits[0] == 0, digits[1] == 4 else {
            throw RequisiteError(field: "БИК", value: text, reason: "a Russian БИК starts with 04")
        }
    }

    /// A settlement account (расчётный счёт) held at the bank with `bik`: 20 digits whose key
    /// (the 9th digit) agrees with the БИК. Accounts at a cash settlement centre (БИК ending
    /// 000–002) are keyed like correspondent accounts.
    public static func checkAccount(_ account: String, bik: String) throws(RequisiteError) {
        try checkBIK(bik)
        try checkAccountKey(account, prefix: settlementKeyPrefix(bik: bik), field: "расчётный счёт")
    }

    /// A correspondent account (корр. счёт): 20 digits, starting `30101`, keyed with `0` + the 5th and 6th digits of the БИК.
    public static func checkCorrespondentAccount(_ account: String, bik: String) throws(RequisiteError) {
        try checkBIK(bik)
        guard account.hasPrefix("30101") else {
            throw RequisiteError(field: "корр. счёт", value: account, reason: "a correspondent account starts with 30101")
        }
        try checkAccountKey(account, prefix: "0" + String(bik.dropFirst(4).prefix(2)), field: "корр. счёт")
    }

    /// The three digits written before a settlement account for its key: the БИК's last three, or,
    /// at a cash settlement centre (БИК ending 000–002), `0` + the БИК's 5th and 6th digits.
    private static func settlementKeyPrefix(bik: String) -> String {
        let isSettlementCentre = ["000", "001", "002"].contains(String(bik.suffix(3)))
        return isSettlementCentre ? "0" + String(bik.dropFirst(4).prefix(2)) : String(bik.suffix(3))
    }

    /// The weighted sum (weights 7, 1, 3, each product's last digit) of the 23-digit key string;
    /// the account is valid when it ends in 0.
    private static func keySum(_ digits: String) -> Int {
        let weights = [7, 1, 3]
        var sum = 0
        if digits.utf8.allSatisfy(isDigitByte) {
            for (index, byte) in digits.utf8.enumerated() { sum += Int(byte - 0x30) * weights[index % 3] % 10 }
            return sum
        }
        for (index, character) in digits.enumerated() {
            sum += (character.wholeNumberValue ?? 0) * weights[index % 3] % 10
        }
        return sum
    }

    private static func checkAccountKey(_ account: String, prefix: String, field: String) throws(RequisiteError) {
        let digits = try requisiteDigits(account, field: field, counts: [20])
        guard keySum(prefix + account) % 10 == 0 else {
            throw RequisiteError(field: field, value: account,
                                 reason: "control key (digit 9 = \(digits[8])) does not match the БИК")
        }
    }

    /// Computes the control key (9th digit) that makes `account` valid for `bik`; for generating test data.
    public static func accountWithKey(_ account: String, bik: String) -> String {
        var chars = Array(account)
        guard chars.count == 20 else { return account }
        chars[8] = "0"
        let sum = keySum(settlementKeyPrefix(bik: bik) + String(chars))
        // The key's weight is 3 (position 11 of the 23-digit string): find k with (sum + 3k mod 10) ≡ 0.
        for key in 0...9 where (sum + key * 3 % 10) % 10 == 0 {
            chars[8] = Character(String(key))
            break
        }
        return String(chars)
    }

    /// Computes the check digit(s) that make a ИНН of 9 (or 10) leading digits valid; for generating test data.
    public static func innWithCheckDigits(_ leading: String) -> String {
        let digits = leading.compactMap(\.wholeNumberValue)
        func control(_ weights: [Int], _ values: [Int]) -> Int {
            zip(weights, values).reduce(0) { $0 + $1.0 * $1.1 } % 11 % 10
        }
        if digits.count == 9 {
            return leading + String(control([2, 4, 10, 3, 5, 9, 4, 6, 8], digits))
        }
        let first = control([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], digits)
        let second = control([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], digits + [first])
        return leading + String(first) + String(second)
    }
}

private func requisiteDigits(_ text: String, field: String, counts: [Int]) throws(RequisiteError) -> [Int] {
    // By bytes: a text is all ASCII digit characters exactly when all its bytes are ASCII digits.
    guard text.utf8.allSatisfy(isDigitByte) else {
        throw RequisiteError(field: field, value: text, reason: "must contain digits only")
    }
    let digits = text.utf8.map { Int($0 - 0x30) }
    guard counts.contains(digits.count) else {
        let expected = counts.map(String.init).joined(separator: " or ")
        throw RequisiteError(field: field, value: text, reason: "must be \(expected) digits, got \(digits.count)")
    }
    return digits
}

/// An ASCII digit's byte, `0`…`9`.
@inline(__always)
private func isDigitByte(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
