/// A string identifier that cannot be mixed up with another kind: an `OrderID`
/// is not a `PaymentID`, a `BillNumber` is not a `DocumentNumber`.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// An identifier whose text holds no room to grow: text made by interpolation or appending keeps
    /// room (a 72-byte 1C payment id sat in a 184-byte block), and the day keeps its payments' ids from
    /// ingest to the end. The same identifier as `init(_:)` gives.
    public init(compacting text: String) {
        var text = text
        let count = text.utf8.count
        rawValue = text.withUTF8 { source in
            String(unsafeUninitializedCapacity: count) { buffer in
                _ = buffer.initialize(from: source)
                return count
            }
        }
    }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The kinds of identifiers; each is an uninhabited enum used only as a type tag.
public protocol IdentifierKind: Sendable {}

public enum OrderKind: IdentifierKind {}
public enum PaymentKind: IdentifierKind {}
public enum ShipmentKind: IdentifierKind {}
public enum ReturnKind: IdentifierKind {}
public enum CustomerKind: IdentifierKind {}
public enum WarehouseKind: IdentifierKind {}
public enum BillNumberKind: IdentifierKind {}
public enum DocumentNumberKind: IdentifierKind {}
public enum ProviderOrderKind: IdentifierKind {}

/// The shop's order id: stable, the idempotency key of an order.
public typealias OrderID = Identifier<OrderKind>
/// A payment's stable id: its source plus the source's own reference.
public typealias PaymentID = Identifier<PaymentKind>
public typealias ShipmentID = Identifier<ShipmentKind>
public typealias ReturnID = Identifier<ReturnKind>
public typealias CustomerID = Identifier<CustomerKind>
public typealias WarehouseID = Identifier<WarehouseKind>
/// The number of a payment bill (счёт на оплату), as customers quote it.
public typealias BillNumber = Identifier<BillNumberKind>
/// The number of a document sverka issues (УПД, УКД, advance invoice) from the ledger's series.
public typealias DocumentNumber = Identifier<DocumentNumberKind>
/// The payment provider's (ИнвойсБокс) order id, a uuid.
public typealias ProviderOrderID = Identifier<ProviderOrderKind>
