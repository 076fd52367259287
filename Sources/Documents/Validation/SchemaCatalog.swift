import Foundation
import Synchronization
import XML

/// The XSDs of one folder, chosen per document kind and compiled once.
///
/// A schema for a kind is a `*.xsd` file whose name starts with the kind's
/// prefix followed by `_` and contains the version as two `_`-separated
/// two-digit parts (`…_05_03` or `…_05_03_…` for 5.03). Examples:
/// `ON_NSCHFDOPPR_1_997_01_05_03_05.xsd` (official) and
/// `ON_NSCHFDOPPR_sverka_05_03.xsd` (the project's own). When several match,
/// the lexicographically greatest name wins (so `…_sverka_…` beats `…_1_997_…`).
///
/// Thread-safe: compiled schemas are cached under a mutex and shared.
public final class SchemaCatalog: Sendable {
    /// The folder searched.
    public let directory: URL
    private let cache = Mutex<[String: Result<XMLSchema, ValidationSetupError>]>([:])
    /// The schema chosen for each kind, once found (a renderer asks for every document it checks).
    private let chosen = Mutex<[FNSFormat: (schema: XMLSchema, file: URL)]>([:])

    /// A catalog over `directory`.
    /// - Throws: `ValidationSetupError` when it is not an existing folder.
    public init(directory: URL) throws(ValidationSetupError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationSetupError(message: "schema folder '\(directory.path)' does not exist or is not a folder")
        }
        self.directory = directory
    }

    /// True when `fileName` is a schema for `kind` by the naming rule above.
    public static func matches(fileName: String, kind: FNSFormat) -> Bool {
        guard fileName.hasSuffix(".xsd"), fileName.hasPrefix(kind.filePrefix + "_") else { return false }
        let parts = fileName.dropLast(4).dropFirst(kind.filePrefix.count + 1).split(separator: "_", omittingEmptySubsequences: false)
        let version = kind.schemaVersionParts
        guard version.count == 2, parts.count >= 2 else { return false }
        return (0..<(parts.count - 1)).contains { parts[$0] == version[0] && parts[$0 + 1] == version[1] }
    }

    /// The schema file chosen for `kind`, if the folder holds one.
    public func schemaFile(for kind: FNSFormat) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { Self.matches(fileName: $0, kind: kind) }.max()
            .map { directory.appendingPathComponent($0) }
    }

    /// The compiled schema for `kind` (compiled on first use, then shared).
    /// - Throws: `ValidationSetupError` when no file matches or it does not compile.
    public func schema(for kind: FNSFormat) throws(ValidationSetupError) -> (schema: XMLSchema, file: URL) {
        if let known = chosen.withLock({ $0[kind] }) { return known }
        guard let file = schemaFile(for: kind) else {
            let version = kind.schemaVersionParts.joined(separator: "_")
            throw ValidationSetupError(message: "no schema for \(kind) in '\(directory.path)' "
                + "(expected a file named \(kind.filePrefix)_…_\(version)….xsd)")
        }
        let result = cache.withLock { cached in
            if let hit = cached[file.path] { return hit }
            let compiled: Result<XMLSchema, ValidationSetupError>
            do throws(XMLError) {
                compiled = .success(try XMLSchema(contentsOf: file))
            } catch {
                compiled = .failure(ValidationSetupError(
                    message: "schema '\(file.lastPathComponent)' does not compile:\n" + error.description))
            }
            cached[file.path] = compiled
            return compiled
        }
        let found = (schema: try result.get(), file: file)
        chosen.withLock { $0[kind] = found }
        return found
    }

    /// The default schema folder of `sverka validate`:
    /// 1. walking up from the running executable (symlinks resolved), the first
    ///    folder that holds both `Package.swift` and `schemas/` gives that `schemas/`
    ///    (so `swift run sverka` and `.build/debug/sverka` use the checkout's schemas);
    /// 2. otherwise `schemas/` in the current directory, if it exists;
    /// 3. otherwise `nil`.
    public static func defaultDirectory(executable: URL?, currentDirectory: URL) -> URL? {
        let manager = FileManager.default
        func isFolder(_ url: URL) -> Bool {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        if let executable {
            var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            while folder.path != "/" && !folder.path.isEmpty {
                let schemas = folder.appendingPathComponent("schemas", isDirectory: true)
                if manager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), isFolder(schemas) {
                    return schemas
                }
                folder.deleteLastPathComponent()
            }
        }
        let local = currentDirectory.appendingPathComponent("schemas", isDirectory: true)
        return isFolder(local) ? local : nil
    }
}
