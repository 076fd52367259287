import ArgumentParser
import Documents
import Foundation

/// `sverka validate FILE… [--schemas DIR]`: checks FNS XML documents.
///
/// Output: one line per finding on **stdout**, `file:line: message (element path)`,
/// and `file: valid (kind, schema)` for a file without findings. Problems with
/// the setup (unreadable file, no schema folder, no schema for the kind) go to
/// **stderr** as `sverka validate: …`.
///
/// Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage or
/// setup error (2 wins over 1).
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate FNS XML documents (УПД, УКД, акт сверки) against their XSD and sverka's rules.",
        discussion: """
        Checks that each file is well-formed, declares encoding="windows-1251", is a known kind \
        (by Файл/@ВерсФорм, Документ/@КНД and the @ИдФайл prefix), is valid against its XSD, and \
        that its name without .xml equals Файл/@ИдФайл. A folder argument checks every *.xml in it.

        The schema for a kind is the *.xsd in the schema folder whose name starts with the kind's \
        prefix and "_" and contains the version as _MM_mm (e.g. ON_NSCHFDOPPR_1_997_01_05_03_05.xsd \
        for УПД 5.03); when several match, the greatest name wins. Without --schemas, the folder is \
        schemas/ of the package the sverka executable was built in, else ./schemas.

        Findings go to stdout as file:line: message. Exit status: 0 all valid, 1 some invalid, \
        2 usage or setup error.
        """
    )

    @Argument(help: "XML files, or folders whose *.xml files are checked.")
    var files: [String] = []

    @Option(name: .long, help: "Folder with the XSD schemas.")
    var schemas: String?

    func run() async throws {
        guard !files.isEmpty else { throw usageError("no files given (usage: sverka validate FILE… [--schemas DIR])") }
        let catalog: SchemaCatalog
        do {
            catalog = try SchemaCatalog(directory: try schemaDirectory())
        } catch {
            throw usageError(error.description)
        }
        var targets: [(url: URL, name: String)] = []
        var setupFailed = false
        for argument in files {
            switch expand(argument) {
            case .success(let found): targets += found
            case .failure(let error):
                printError(error.description)
                setupFailed = true
            }
        }
        let validator = FNSValidator(catalog: catalog)
        let outcomes = await Self.validateAll(targets, with: validator)
        var anyInvalid = false
        for outcome in outcomes {
            switch outcome {
            case .success(let report):
                if report.isValid && report.issues.isEmpty {
                    let kind = report.kind.map { "\($0.title) \($0.formatVersion)" } ?? "unknown kind"
                    print("\(report.file): valid (\(kind), \(report.schemaName ?? "no schema"))")
                } else {
                    report.issues.forEach { print($0.description) }
                    if !report.isValid { anyInvalid = true }
                }
            case .failure(let error):
                printError(error.description)
                setupFailed = true
            }
        }
        if setupFailed { throw ExitCode(2) }
        if anyInvalid { throw ExitCode(1) }
    }

    /// `--schemas`, or the default folder (see `SchemaCatalog.defaultDirectory`).
    private func schemaDirectory() throws(ValidationSetupError) -> URL {
        if let schemas { return URL(fileURLWithPath: schemas, isDirectory: true) }
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        guard let found = SchemaCatalog.defaultDirectory(executable: Bundle.main.executableURL, currentDirectory: current) else {
            throw ValidationSetupError(message: "no schemas/ folder found next to the sverka package or in the current directory; pass --schemas DIR")
        }
        return found
    }

    /// A file as is; a folder as its `*.xml` files sorted by name.
    private func expand(_ argument: String) -> Result<[(url: URL, name: String)], ValidationSetupError> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            return .failure(ValidationSetupError(file: argument, message: "no such file or folder"))
        }
        guard isDirectory.boolValue else { return .success([(URL(fileURLWithPath: argument), argument)]) }
        let folder = URL(fileURLWithPath: argument, isDirectory: true)
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: argument)
                .filter { $0.lowercased().hasSuffix(".xml") }
                .sorted()
            let prefix = argument.hasSuffix("/") ? argument : argument + "/"
            return .success(names.map { (folder.appendingPathComponent($0), prefix + $0) })
        } catch {
            return .failure(ValidationSetupError(file: argument, message: "cannot list the folder (\(error.localizedDescription))"))
        }
    }

    /// Validates up to as many files at once as there are processors; results keep argument order.
    private static func validateAll(_ targets: [(url: URL, name: String)], with validator: FNSValidator) async
        -> [Result<ValidationReport, ValidationSetupError>]
    {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var results = [Result<ValidationReport, ValidationSetupError>?](repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, Result<ValidationReport, ValidationSetupError>).self) { group in
            var next = 0
            func start() {
                guard next < targets.count else { return }
                let index = next
                let target = targets[index]
                next += 1
                group.addTask {
                    (index, Result { () throws(ValidationSetupError) in
                        try validator.validate(fileAt: target.url, displayName: target.name)
                    })
                }
            }
            for _ in 0..<width { start() }
            while let (index, result) = await group.next() {
                results[index] = result
                start()
            }
        }
        return results.compactMap { $0 }
    }

    private func usageError(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(2)
    }

    private func printError(_ message: String) {
        FileHandle.standardError.write(Data("sverka validate: \(message)\n".utf8))
    }
}
