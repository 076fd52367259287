import Domain

/// One way a record breaks its contract: the field (`customer.inn`,
/// `shipments[0].lines[1].quantity`) and why.
public struct ContractProblem: Hashable, Sendable, CustomStringConvertible {
    /// The field path (`customer.inn`, `Сумма`, `Amt/@Ccy`).
    public var field: String
    /// Why, in plain words.
    public var reason: String

    /// A problem with `field`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `field: reason`.
    public var description: String { "\(field): \(reason)" }
}

/// Reads typed fields out of a JSON record and collects every problem instead of stopping at the first.
struct FieldChecker {
    var problems: [ContractProblem] = []

    mutating func add(_ field: String, _ reason: String) {
        problems.append(ContractProblem(field: field, reason: reason))
    }

    /// Whether every character of `text` is whitespace (`Character.isWhitespace`: its first scalar is
    /// White_Space). Decided from the first byte when it cannot begin a whitespace scalar (those begin
    /// with 09–0D, 20, C2, E1, E2 or E3), as almost every value's does.
    static func isBlank(_ text: String) -> Bool {
        if let first = text.utf8.first {
            switch first {
            case 0x09...0x0D, 0x20, 0xC2, 0xE1, 0xE2, 0xE3: break
            default: return false
            }
        }
        return text.allSatisfy(\.isWhitespace)
    }

    static func path(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    /// The member, or nil (with a problem when required). JSON `null` counts as absent.
    mutating func member(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, required: Bool) -> JSONValue? {
        guard let value = parent[key] else {
            if required { add(Self.path(prefix(), key), "is required") }
            return nil
        }
        if case .null = value.kind {
            if required { add(Self.path(prefix(), key), "is required (null given)") }
            return nil
        }
        return value
    }

    mutating func object(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, required: Bool = true) -> JSONValue? {
        guard let value = member(parent, key, prefix(), required: required) else { return nil }
        guard value.isObject else {
            add(Self.path(prefix(), key), "must be an object, got \(value.typeName)")
            return nil
        }
        return value
    }

    /// Whether an element of a list is an object; otherwise the problem is recorded at `path`.
    mutating func isObject(_ item: JSONValue, at path: @autoclosure () -> String) -> Bool {
        guard item.isObject else {
            add(path(), "must be an object, got \(item.typeName)")
            return false
        }
        return true
    }

    /// Records a key (an id, a line number) that an earlier element of `list` already has:
    /// `<field>: <label> X repeats list[i]`.
    mutating func unique<Key: Hashable & CustomStringConvertible>(_ key: Key?, at index: Int, seen: inout [Key: Int],
                                                                   field: @autoclosure () -> String, label: String, list: String) {
        guard let key else { return }
        if let other = seen[key] {
            add(field(), "\(label) \(key) repeats \(list)[\(other)]")
        } else {
            seen[key] = index
        }
    }

    mutating func array(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, required: Bool = true) -> [JSONValue]? {
        guard let value = member(parent, key, prefix(), required: required) else { return nil }
        guard let items = value.arrayValue else {
            add(Self.path(prefix(), key), "must be an array, got \(value.typeName)")
            return nil
        }
        return items
    }

    mutating func string(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, required: Bool = true,
                         allowEmpty: Bool = false) -> String? {
        guard let value = member(parent, key, prefix(), required: required) else { return nil }
        guard let text = value.stringValue else {
            add(Self.path(prefix(), key), "must be a string, got \(value.typeName)")
            return nil
        }
        if !allowEmpty && Self.isBlank(text) {
            add(Self.path(prefix(), key), "must not be empty")
            return nil
        }
        return text
    }

    mutating func integer(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, minimum: Int) -> Int? {
        guard let value = member(parent, key, prefix(), required: true) else { return nil }
        guard case .number(let literal) = value.kind else {
            add(Self.path(prefix(), key), "must be an integer, got \(value.typeName)")
            return nil
        }
        guard let number = Int(literal) else {
            add(Self.path(prefix(), key), "must be an integer, got \(literal)")
            return nil
        }
        guard number >= minimum else {
            add(Self.path(prefix(), key), "must be at least \(minimum), got \(number)")
            return nil
        }
        return number
    }

    mutating func bool(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String) -> Bool? {
        guard let value = member(parent, key, prefix(), required: true) else { return nil }
        guard case .bool(let flag) = value.kind else {
            add(Self.path(prefix(), key), "must be true or false, got \(value.typeName)")
            return nil
        }
        return flag
    }

    /// Money: a string with exactly two decimals (`"1234.50"`).
    mutating func money(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, nonNegative: Bool = true) -> Money? {
        func field() -> String { Self.path(prefix(), key) }
        guard let value = member(parent, key, prefix(), required: true) else { return nil }
        guard let text = value.stringValue else {
            if case .number(let literal) = value.kind {
                add(field(), "money must be a string with two decimals (\"\(literal)\" in quotes), got the number \(literal)")
            } else {
                add(field(), "money must be a string with two decimals, got \(value.typeName)")
            }
            return nil
        }
        guard let money = Money(exactString: text) else {
            add(field(), "'\(text)' is not money with exactly two decimals (like \"1234.50\")")
            return nil
        }
        if nonNegative && money < .zero {
            add(field(), "must not be negative, got \(text)")
            return nil
        }
        return money
    }

    /// A quantity: a decimal string (`"12"`, `"1.436"`).
    mutating func decimal(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String) -> ExactDecimal? {
        func field() -> String { Self.path(prefix(), key) }
        guard let value = member(parent, key, prefix(), required: true) else { return nil }
        guard let text = value.stringValue else {
            add(field(), "a quantity must be a decimal string, got \(value.typeName)")
            return nil
        }
        guard let number = ExactDecimal(text) else {
            add(field(), "'\(text)' is not a decimal number")
            return nil
        }
        return number
    }

    mutating func timestamp(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, required: Bool = true) -> Timestamp? {
        guard let text = string(parent, key, prefix(), required: required) else { return nil }
        guard let stamp = Timestamp(rfc3339: text) else {
            add(Self.path(prefix(), key), "'\(text)' is not an RFC 3339 timestamp with an offset (like 2026-11-27T06:10:00+03:00)")
            return nil
        }
        return stamp
    }

    mutating func date(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String) -> CivilDate? {
        guard let text = string(parent, key, prefix()) else { return nil }
        guard let date = CivilDate(iso: text) else {
            add(Self.path(prefix(), key), "'\(text)' is not a date YYYY-MM-DD")
            return nil
        }
        return date
    }

    /// One of `allowed` (string values).
    mutating func choice(_ parent: JSONValue, _ key: String, _ prefix: @autoclosure () -> String, _ allowed: [String]) -> String? {
        guard let text = string(parent, key, prefix()) else { return nil }
        guard allowed.contains(text) else {
            add(Self.path(prefix(), key), "'\(text)' is not one of \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
            return nil
        }
        return text
    }
}

/// Whether the text is a uuid (`8-4-4-4-12` hexadecimal digits, any case).
func isUUID(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count == 36 else { return false }
    for (index, byte) in bytes.enumerated() {
        if [8, 13, 18, 23].contains(index) {
            guard byte == UInt8(ascii: "-") else { return false }
        } else {
            let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            guard isHex else { return false }
        }
    }
    return true
}
