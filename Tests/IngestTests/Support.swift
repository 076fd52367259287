import Domain
import Foundation
@testable import Ingest
import TestSupport

/// Sample and fixture helpers for the Ingest tests.
enum Fixture {
    static let day26 = CivilDate(year: 2026, month: 11, day: 26)!
    static let day27 = CivilDate(year: 2026, month: 11, day: 27)!

    /// The seller's accounts in the sample (main at Сбербанк, second at Альфа-Банк).
    static let mainAccount = "40702810938000012345"
    static let secondAccount = "40702810901300004567"

    static func dayFolder(_ day: CivilDate) -> URL {
        Paths.samples.appendingPathComponent("days", isDirectory: true).appendingPathComponent(day.iso, isDirectory: true)
    }

    static func sample(_ day: CivilDate, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: dayFolder(day).appendingPathComponent(name)))
    }

    static func sampleText(_ day: CivilDate, _ name: String) throws -> String {
        String(decoding: try sample(day, name), as: UTF8.self)
    }

    static func oneCName(_ day: CivilDate) -> String { "kl_to_1c_\(day.ddMMyyyy).txt" }

    /// The 1C sample decoded from cp1251, for building broken variants.
    static func oneCText(_ day: CivilDate) throws -> String {
        CyrillicCodePage.cp1251.decode(try sample(day, oneCName(day)))
    }

    static func cp1251(_ text: String) -> [UInt8] { CyrillicCodePage.cp1251.encode(text) ?? [] }

    static var realInputs: URL? { Paths.realInputs }
    static var hasRealInputs: Bool { Paths.realInputs != nil }
}

extension String {
    /// Replaces the one occurrence of `target`; throws when it is missing or not unique (the fixture changed).
    func replacingOnce(_ target: String, with replacement: String) throws -> String {
        guard let range = range(of: target) else { throw FixtureError(message: "fixture text not found: \(target)") }
        guard self[range.upperBound...].range(of: target) == nil else {
            throw FixtureError(message: "fixture text is not unique: \(target)")
        }
        return replacingCharacters(in: range, with: replacement)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
