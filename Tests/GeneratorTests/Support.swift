import Domain
import Foundation
import Generator
import TestSupport

/// Days generated once and shared by the tests (generation is deterministic, so sharing is safe).
enum Fixture {
    static let firstDay = CivilDate(year: 2026, month: 11, day: 27)!
    static let settings = GeneratorSettings(firstDay: firstDay, ordersPerDay: 1_500, seed: 42, days: 3)

    /// The three days written to a temporary folder.
    static let written: (report: GenerationReport, folder: URL) = {
        do {
            let folder = try Paths.temporaryDirectory("generator")
            return (try Generator.write(settings, to: folder), folder)
        } catch {
            fatalError("could not write the fixture days: \(error)")
        }
    }()

    /// The first day in memory.
    static let firstDayInMemory = Generator.generate(day: firstDay, count: settings.ordersPerDay, seed: settings.seed)

    static func folder(_ day: CivilDate) -> URL {
        written.folder.appendingPathComponent("days/\(day.iso)", isDirectory: true)
    }

    static func bytes(_ day: CivilDate, _ name: String) throws -> Data {
        try Data(contentsOf: folder(day).appendingPathComponent(name))
    }

    static func json(_ day: CivilDate, _ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: bytes(day, name))
        guard let dictionary = object as? [String: Any] else { throw FixtureError("\(name) is not a JSON object") }
        return dictionary
    }

    /// The 1C statement of a day, decoded from Windows-1251, split at CR LF.
    static func statementLines(_ day: CivilDate) throws -> [String] {
        let data = try bytes(day, Generator.fileNames(for: day).bank1C)
        return CP1251.decode(data).components(separatedBy: "\r\n")
    }

    /// The `СекцияДокумент` sections of a 1C statement as key → value dictionaries.
    static func documents(_ lines: [String]) -> [[String: String]] {
        var documents: [[String: String]] = []
        var current: [String: String]?
        for line in lines {
            guard let equals = line.firstIndex(of: "=") else {
                if line == "КонецДокумента", let open = current { documents.append(open); current = nil }
                continue
            }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            if key == "СекцияДокумент" { current = [:] } else if current != nil { current?[key] = value }
        }
        return documents
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func array(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}
