import Foundation
import Testing
import TestSupport

/// Runs the built `sverka validate` as a user would and checks stdout, stderr and the exit status.
@Suite("sverka validate (built binary)")
struct ValidateCommandTests {
    static let fileID = "ON_NSCHFDOPPR_2LT-600072763_2LT-600070554_20260817_a52bb884-0009-4984-a002-39e9cc326cd4_0_1_0_0_0_00"
    static let sampleName = "vscherbo_ark-upd-xml_example-upd_5.03.xml"

    /// Runs the built binary in `directory` (see `BinaryRunner`).
    static func run(_ arguments: [String], in directory: URL) async throws -> BinaryRunner.Outcome {
        try await BinaryRunner.run(arguments, in: directory)
    }

    /// A working folder holding the official 5.03 sample under `name`, optionally edited.
    static func workspace(sampleAs name: String, edit: ((inout [UInt8]) throws -> Void)? = nil) throws -> (folder: URL, schemas: String) {
        let schemas = try #require(Paths.officialSchemas)
        var bytes = try [UInt8](Data(contentsOf: schemas.appendingPathComponent("examples").appendingPathComponent(sampleName)))
        try edit?(&bytes)
        let folder = try Paths.temporaryDirectory("sverka-validate")
        try Data(bytes).write(to: folder.appendingPathComponent(name))
        return (folder, schemas.path)
    }

    @Test("a valid file named after its ИдФайл exits 0",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func validFile() async throws {
        let (folder, schemas) = try Self.workspace(sampleAs: "\(Self.fileID).xml")
        let outcome = try await Self.run(["validate", "\(Self.fileID).xml", "--schemas", schemas], in: folder)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.lines == ["\(Self.fileID).xml: valid (УПД, титул продавца 5.03, ON_NSCHFDOPPR_1_997_01_05_03_05.xsd)"])
        #expect(outcome.stderr.isEmpty)
    }

    @Test("the sample as is exits 1 with only the file-name finding",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func sampleAsIs() async throws {
        let (folder, schemas) = try Self.workspace(sampleAs: Self.sampleName)
        let outcome = try await Self.run(["validate", Self.sampleName, "--schemas", schemas], in: folder)
        #expect(outcome.status == 1)
        #expect(outcome.lines.count == 1)
        #expect(outcome.lines.first?.hasPrefix("\(Self.sampleName):2: file name 'vscherbo_ark-upd-xml_example-upd_5.03' (without .xml) must equal Файл/@ИдФайл '\(Self.fileID)'") == true)
        #expect(outcome.stderr.isEmpty, "libxml2 must print nothing: \(outcome.stderr)")
    }

    @Test("a broken amount exits 1 and names its line",
          .enabled(if: Paths.officialSchemas != nil, "../shared/fns-xsd is absent"))
    func brokenAmount() async throws {
        var brokenLine = 0
        let (folder, schemas) = try Self.workspace(sampleAs: "\(Self.fileID).xml") { bytes in
            let needle = Array(try #require("СтТовУчНал=\"5982\"".data(using: .windowsCP1251)))
            let replacement = Array(try #require("СтТовУчНал=\"abc\"".data(using: .windowsCP1251)))
            let range = try #require(bytes.firstRange(of: needle))
            brokenLine = bytes[..<range.lowerBound].filter { $0 == 0x0A }.count + 1
            bytes.replaceSubrange(range, with: replacement)
        }
        let outcome = try await Self.run(["validate", ".", "--schemas", schemas], in: folder)
        #expect(outcome.status == 1)
        // The XSD finding on the broken line, then the totals rule: ВсегоОпл no longer equals the sum of lines.
        #expect(outcome.lines.count == 2, "\(outcome.stdout)")
        let line = try #require(outcome.lines.first)
        #expect(line.hasPrefix("./\(Self.fileID).xml:\(brokenLine): Element 'СведТов', attribute 'СтТовУчНал': 'abc'"))
        #expect(outcome.lines.last?.contains("СтТовУчНалВсего") == true)
        #expect(line.hasSuffix("(/Файл/Документ/ТаблСчФакт/СведТов[1])"))
        #expect(outcome.stderr.isEmpty)
    }

    @Test("a nonexistent file, a missing schema folder or no schema for the kind exit 2")
    func usageErrors() async throws {
        let folder = try Paths.temporaryDirectory("sverka-usage")
        let missingFile = try await Self.run(["validate", "nope.xml", "--schemas", folder.path], in: folder)
        #expect(missingFile.status == 2)
        #expect(missingFile.stderr.contains("nope.xml: no such file or folder"))
        #expect(missingFile.stdout.isEmpty)

        try Data("<Файл ИдФайл=\"ON_NSCHFDOPPR_A\" ВерсФорм=\"5.03\"><Документ КНД=\"1115131\"/></Файл>".utf8)
            .write(to: folder.appendingPathComponent("ON_NSCHFDOPPR_A.xml"))
        let badFolder = try await Self.run(["validate", "ON_NSCHFDOPPR_A.xml", "--schemas", "absent-folder"], in: folder)
        #expect(badFolder.status == 2)
        #expect(badFolder.stderr.contains("absent-folder"))

        let noSchema = try await Self.run(["validate", "ON_NSCHFDOPPR_A.xml", "--schemas", folder.path], in: folder)
        #expect(noSchema.status == 2)
        #expect(noSchema.stderr.contains("no schema for УПД, титул продавца 5.03"))

        let noFiles = try await Self.run(["validate", "--schemas", folder.path], in: folder)
        #expect(noFiles.status == 2)

        let unknownOption = try await Self.run(["validate", "--bogus", "ON_NSCHFDOPPR_A.xml"], in: folder)
        #expect(unknownOption.status == 2)
        #expect(unknownOption.stderr.contains("Unknown option '--bogus'"))
    }
}
