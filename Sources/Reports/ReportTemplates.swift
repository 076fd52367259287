import Foundation
import Mustache

/// Why a report could not be rendered.
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed: a template's name or file, or the report's part.
    public var item: String
    /// Why, in plain words.
    public var reason: String

    public init(item: String, reason: String) {
        self.item = item
        self.reason = reason
    }

    public var description: String { "\(item): \(reason)" }
}

/// The mustache templates the reports are rendered with.
///
/// The bundled templates live in the module's `Templates/` folder. An operator can
/// lay out the reports differently by passing a directory of their own: any
/// `NAME.mustache` file there replaces the bundled template `NAME`; the others stay
/// bundled. Templates escape data with `{{ }}` (HTML escaping); they never need
/// triple mustache for data.
public struct ReportTemplates: Sendable {
    /// The template names the reports use.
    public static let names = ["day", "day-style", "bar-chart", "act", "act-style"]

    let library: MustacheLibrary
    /// The text of the bundled `day-style` when the day's templates (`day`, `day-style`, `bar-chart`)
    /// are exactly the bundled files `DayHTML` writes directly; `nil` sends the day through mustache.
    let directDayStyle: String?
    /// Where each template came from (`bundled` or the override file's path), by name.
    public let origins: [String: String]

    /// The bundled templates, with any of `overrideDirectory`'s `*.mustache` files replacing them.
    ///
    /// When the bundled templates cannot be found (a binary copied without its
    /// `sverka_Reports.resources` folder), an override directory that holds every
    /// template in `names` is enough; otherwise it is a `ReportError`, never a crash.
    public init(overrideDirectory: URL? = nil) throws(ReportError) {
        var library = MustacheLibrary()
        var origins: [String: String] = [:]
        var bundledTexts: [String: String] = [:]
        if let bundled = ReportTemplates.bundledDirectory {
            for (name, url) in try ReportTemplates.files(in: bundled) {
                let text = try ReportTemplates.read(url)
                library.register(try ReportTemplates.parse(text, url: url), named: name)
                origins[name] = "bundled"
                bundledTexts[name] = text
            }
        }
        if let overrideDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: overrideDirectory.path, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw ReportError(item: overrideDirectory.path, reason: "the templates directory does not exist")
            }
            for (name, url) in try ReportTemplates.files(in: overrideDirectory) {
                library.register(try ReportTemplates.parse(try ReportTemplates.read(url), url: url), named: name)
                origins[name] = url.path
            }
        }
        for name in ReportTemplates.names where library.getTemplate(named: name) == nil {
            throw ReportError(item: "\(name).mustache", reason: ReportTemplates.bundledDirectory == nil
                ? "the bundled templates were not found (install \(ReportTemplates.resourceBundleName) beside the "
                    + "sverka binary) and no templates directory provides it"
                : "no template of that name")
        }
        self.library = library
        self.origins = origins
        if ["day", "day-style", "bar-chart"].allSatisfy({ origins[$0] == "bundled" }),
           let day = bundledTexts["day"], DayHTML.fingerprint(day) == DayHTML.dayFingerprint,
           let chart = bundledTexts["bar-chart"], DayHTML.fingerprint(chart) == DayHTML.barChartFingerprint,
           let style = bundledTexts["day-style"], !style.contains("{{") {
            directDayStyle = style
        } else {
            directDayStyle = nil
        }
    }

    /// Whether the day report is written directly (the bundled day templates, unchanged) rather than
    /// rendered by mustache (an operator's `day`, `day-style` or `bar-chart`). Both give the same bytes
    /// for the bundled templates.
    public var writesDayDirectly: Bool { directDayStyle != nil }

    /// The name of the resource folder SwiftPM builds beside the executable.
    public static let resourceBundleName = "sverka_Reports.resources"

    /// Where the bundled templates were found, or `nil`.
    ///
    /// Looked up without `Bundle.module` (which stops the process when its folder is
    /// missing): beside the main bundle, beside the real executable, in a macOS
    /// `.bundle`, and finally in the source tree this module was built from.
    public static let bundledDirectory: URL? = {
        var roots: [URL] = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            roots.append(executable)
        }
        var candidates: [URL] = []
        for root in roots {
            candidates.append(root.appendingPathComponent(resourceBundleName).appendingPathComponent("Templates"))
            let macBundle = root.appendingPathComponent("sverka_Reports.bundle")
            candidates.append(macBundle.appendingPathComponent("Contents/Resources/Templates"))
            candidates.append(macBundle.appendingPathComponent("Templates"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Templates"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("day.mustache").path)
        }
    }()

    /// Renders the template `name` with `context`.
    func render(_ context: Any, template name: String) throws(ReportError) -> String {
        guard let text = library.render(context, withTemplate: name) else {
            throw ReportError(item: name, reason: "no template named '\(name).mustache'")
        }
        return text
    }

    private static func files(in directory: URL) throws(ReportError) -> [(String, URL)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw ReportError(item: directory.path, reason: "cannot list templates: \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".mustache") }.sorted().map {
            (String($0.dropLast(".mustache".count)), directory.appendingPathComponent($0))
        }
    }

    private static func read(_ url: URL) throws(ReportError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ReportError(item: url.path, reason: "cannot read the template as UTF-8: \(error.localizedDescription)")
        }
    }

    private static func parse(_ text: String, url: URL) throws(ReportError) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw ReportError(item: url.path, reason: "the template does not parse: \(error)")
        }
    }
}
