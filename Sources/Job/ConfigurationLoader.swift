import Domain
import Foundation
import Yams

/// One thing wrong with a configuration: where (`sources.banks[1].accounts[0]`) and why.
public struct ConfigurationProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning }
    public var severity: Severity
    public var path: String
    public var message: String

    public init(_ severity: Severity = .error, _ path: String, _ message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }

    public var description: String { "\(severity == .error ? "error" : "warning"): \(path): \(message)" }
}

/// A configuration that could not be loaded at all, or that has errors.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigurationProblem]

    public var description: String {
        "configuration \(file):\n" + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// A loaded configuration, with relative paths resolved against the configuration file's folder.
public struct LoadedConfiguration: Sendable {
    public var configuration: Configuration
    /// The file it came from.
    public var file: URL
    /// `{config_dir}` in URL templates; relative paths are resolved against it.
    public var directory: URL
    /// Errors and warnings found by `validate`.
    public var problems: [ConfigurationProblem]

    /// Where day folders go.
    public var outputDirectory: URL { resolve(configuration.output.directory) }
    /// The ledger file.
    public var ledgerPath: URL { resolve(configuration.output.ledger) }

    /// A path relative to the configuration file's folder, or absolute.
    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path).standardizedFileURL
    }
}

/// Reads the configuration file and applies environment overrides.
///
/// Environment variables (each overrides the file):
/// - `SVERKA_ORDERS_URL`: the orders feed URL template
/// - `SVERKA_INVOICEBOX_URL`: the ИнвойсБокс URL template
/// - `SVERKA_BANK_<NAME>_URL`: a bank statement's URL template (`<NAME>` is the bank source's name,
///   upper-cased, `-` as `_`: `main-1c` → `SVERKA_BANK_MAIN_1C_URL`)
/// - `SVERKA_OUTPUT_DIR`: where day folders go
/// - `SVERKA_LEDGER`: the ledger file
/// - `SVERKA_METRICS_TEXTFILE`: the node_exporter textfile
public enum ConfigurationLoader {
    /// The variables `load` reads, for `--help` and the docs.
    public static let environmentVariables = [
        "SVERKA_CONFIG", "SVERKA_ORDERS_URL", "SVERKA_INVOICEBOX_URL", "SVERKA_BANK_<NAME>_URL",
        "SVERKA_OUTPUT_DIR", "SVERKA_LEDGER", "SVERKA_METRICS_TEXTFILE",
    ]

    /// Loads and validates. Throws when the file cannot be read or decoded, or has errors.
    public static func load(path: String, environment: [String: String]) throws(ConfigurationError) -> LoadedConfiguration {
        let loaded = try loadUnchecked(path: path, environment: environment)
        let errors = loaded.problems.filter { $0.severity == .error }
        guard errors.isEmpty else { throw ConfigurationError(file: path, problems: loaded.problems) }
        return loaded
    }

    /// Loads and validates, returning problems instead of throwing on validation errors
    /// (for `sverka config check`). Throws only when the file cannot be read or decoded.
    public static func loadUnchecked(path: String, environment: [String: String]) throws(ConfigurationError) -> LoadedConfiguration {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ConfigurationError(file: path, problems: [.init(.error, "(file)", "cannot be read (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, problems: [.init(.error, "(file)", "is not UTF-8 text")])
        }
        var configuration: Configuration
        do {
            configuration = try YAMLDecoder().decode(Configuration.self, from: text)
        } catch let error as DecodingError {
            throw ConfigurationError(file: path, problems: [describe(error)])
        } catch {
            throw ConfigurationError(file: path, problems: [.init(.error, "(file)", "is not valid YAML: \(error)")])
        }
        applyOverrides(&configuration, environment: environment)
        var loaded = LoadedConfiguration(configuration: configuration, file: file,
                                         directory: file.deletingLastPathComponent(), problems: [])
        loaded.problems = ConfigurationValidator.problems(in: configuration, environment: environment, loaded: loaded)
        return loaded
    }

    static func applyOverrides(_ configuration: inout Configuration, environment: [String: String]) {
        if let url = environment["SVERKA_ORDERS_URL"], !url.isEmpty { configuration.sources.orders.url = url }
        if let url = environment["SVERKA_INVOICEBOX_URL"], !url.isEmpty { configuration.sources.invoicebox?.url = url }
        for index in configuration.sources.banks.indices {
            let key = "SVERKA_BANK_\(environmentName(configuration.sources.banks[index].name))_URL"
            if let url = environment[key], !url.isEmpty { configuration.sources.banks[index].url = url }
        }
        if let dir = environment["SVERKA_OUTPUT_DIR"], !dir.isEmpty { configuration.output.directory = dir }
        if let ledger = environment["SVERKA_LEDGER"], !ledger.isEmpty { configuration.output.ledger = ledger }
        if let textfile = environment["SVERKA_METRICS_TEXTFILE"], !textfile.isEmpty { configuration.metrics.textfile = textfile }
    }

    /// `main-1c` → `MAIN_1C`.
    public static func environmentName(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func describe(_ error: DecodingError) -> ConfigurationProblem {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "(top level)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return .init(.error, parent == "(top level)" ? key.stringValue : parent + "." + key.stringValue, "is required but missing")
        case .typeMismatch(let type, let context):
            return .init(.error, path(context.codingPath), "has the wrong type (expected \(type))")
        case .valueNotFound(let type, let context):
            return .init(.error, path(context.codingPath), "is empty (expected \(type))")
        case .dataCorrupted(let context):
            return .init(.error, path(context.codingPath), context.debugDescription)
        @unknown default:
            return .init(.error, "(file)", "\(error)")
        }
    }
}
