import Foundation
import Testing
import TestSupport

/// The same two days fetched over HTTP from a loopback server (the orders feed paged and behind a
/// bearer token named in the configuration) give the same results as from files, and the token
/// never shows.
@Suite("sources over HTTP (built binary)")
struct HTTPSourcesTests {
    static let token = "e2e-Bearer-0f3c9a71d2b84e56"
    static let tokenVariable = "SVERKA_E2E_SHOP_TOKEN"

    /// The day's orders feed cut into pages of `perPage` orders (the sample file is one page).
    static func pages(of feed: Data, perPage: Int) throws -> [Data] {
        let root = try #require(try JSONSerialization.jsonObject(with: feed) as? [String: Any])
        let orders = try #require(root["orders"] as? [Any])
        let chunks = stride(from: 0, to: orders.count, by: perPage).map { Array(orders[$0..<min($0 + perPage, orders.count)]) }
        return try chunks.enumerated().map { index, chunk in
            var page = root
            page["page"] = index + 1
            page["pages"] = chunks.count
            page["orders"] = chunk
            return try JSONSerialization.data(withJSONObject: page, options: [.sortedKeys])
        }
    }

    /// Serves the workspace's sample days: `/b2b/orders?date=…&page=…` (token required), the
    /// ИнвойсБокс list and the statements by day in the path.
    static func server(serving samples: URL) throws -> LoopbackHTTPServer {
        var files: [String: [UInt8]] = [:]
        var feedPages: [String: [Data]] = [:]
        for day in [Workspace.firstDay, Workspace.secondDay] {
            let folder = samples.appendingPathComponent("days/\(day)")
            feedPages[day] = try pages(of: Data(contentsOf: folder.appendingPathComponent("orders.json")), perPage: 3)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != "orders.json" {
                files["/\(day)/\(name)"] = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            }
        }
        let servedFiles = files
        let servedPages = feedPages
        return try LoopbackHTTPServer { request in
            if request.path == "/b2b/orders" {
                guard request.header("Authorization") == "Bearer \(token)" else {
                    return .status(401, body: #"{"error": "unauthorized"}"#)
                }
                guard let day = request.queryValue("date"), let pages = servedPages[day],
                      let page = request.queryValue("page").flatMap(Int.init), (1...pages.count).contains(page) else {
                    return .status(404)
                }
                return ScriptedResponse(status: 200, headers: [("Content-Type", "application/json")], body: [UInt8](pages[page - 1]))
            }
            if request.path.hasPrefix("/invoicebox/") {
                // /invoicebox/<day>?_page=1&_pageSize=100: the day's whole list is one page.
                let day = String(request.path.dropFirst("/invoicebox/".count))
                guard request.queryValue("_page") == "1", let body = servedFiles["/\(day)/invoicebox.json"] else { return .status(404) }
                return ScriptedResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
            }
            guard let body = servedFiles[request.path] else { return .status(404) }
            return ScriptedResponse(status: 200, body: body)
        }
    }

    /// A configuration of our own: the samples' file, its sources replaced by the server's URLs
    /// and the orders feed's token named by `token_env`.
    static func writeConfiguration(_ workspace: Workspace, server: LoopbackHTTPServer) throws -> URL {
        var text = try String(contentsOf: workspace.config, encoding: .utf8)
        let replacements = [
            ("url: file://{config_dir}/days/{date}/orders.json\n    # token_env: SVERKA_SHOP_TOKEN",
             "url: \"\(server.url("/b2b/orders?date={date}&page={page}"))\"\n    token_env: \(tokenVariable)"),
            ("url: file://{config_dir}/days/{date}/invoicebox.json",
             "url: \"\(server.url("/invoicebox/{date}?_page={page}&_pageSize={pageSize}"))\""),
            ("url: file://{config_dir}/days/{date}/kl_to_1c_{ddMMyyyy}.txt", "url: \(server.url("/{date}/kl_to_1c_{ddMMyyyy}.txt"))"),
            ("url: file://{config_dir}/days/{date}/camt053_{yyyyMMdd}.xml", "url: \(server.url("/{date}/camt053_{yyyyMMdd}.xml"))"),
        ]
        for (old, new) in replacements {
            #expect(text.contains(old), "samples/sverka.yaml no longer has \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let url = workspace.root.appendingPathComponent("http.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("over HTTP with a bearer token and pages: the same run.json and documents as from files; the token never shows")
    func overHTTP() async throws {
        let reference = try await Reference.bothDays.value
        let workspace = try Workspace.make("http")
        defer { workspace.remove() }
        let server = try Self.server(serving: workspace.root.appendingPathComponent("samples"))
        defer { server.stop() }
        let config = try Self.writeConfiguration(workspace, server: server)

        let check = try await workspace.sverka(["config", "check", "--config", config.path], environment: [Self.tokenVariable: Self.token])
        #expect(check.status == 0, "\(check.transcript)")

        let outcome = try await workspace.sverka(["rerun", "--from", Workspace.firstDay, "--to", Workspace.secondDay, "--config", config.path],
                                                 environment: [Self.tokenVariable: Self.token])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        // Every orders request carried the token; the 27th's 10 orders came in 4 pages of 3.
        let orderRequests = server.requests(to: "/b2b/orders")
        #expect(orderRequests.allSatisfy { $0.header("Authorization") == "Bearer \(Self.token)" })
        #expect(orderRequests.filter { $0.queryValue("date") == Workspace.secondDay }.compactMap { $0.queryValue("page") } == ["1", "2", "3", "4"])

        for day in [Workspace.firstDay, Workspace.secondDay] {
            let http = try workspace.runJSON(day)
            let files = try reference.workspace.runJSON(day)
            #expect(http.sources.map(\.url).allSatisfy { $0.hasPrefix("http://127.0.0.1:") }, "\(http.sources.map(\.url))")
            #expect(http.sources.map(\.name) == files.sources.map(\.name) && http.sources.map(\.records) == files.sources.map(\.records))
            // Apart from where the sources are, the same bytes.
            let httpText = try Self.withoutSourceURLs(workspace.day(day).appendingPathComponent("run.json"))
            let fileText = try Self.withoutSourceURLs(reference.workspace.day(day).appendingPathComponent("run.json"))
            #expect(httpText == fileText)
        }
        // Documents and manifests: byte for byte.
        let tree = try workspace.outputTree()
        for (path, hash) in reference.tree.files where path.contains("/edo/") || path.contains("/archive/") || path.hasSuffix("manifest.json") {
            #expect(tree.files[path] == hash, "\(path)")
        }
        #expect(tree.files.keys.filter { $0.contains("/edo/") || $0.contains("/archive/") }.count
                == reference.tree.files.keys.filter { $0.contains("/edo/") || $0.contains("/archive/") }.count)

        // The token is nowhere: not in stdout, stderr, run.json, reports, or the ledger.
        #expect(!outcome.stdout.contains(Self.token) && !outcome.stderr.contains(Self.token))
        #expect(!check.stdout.contains(Self.token) && !check.stderr.contains(Self.token))
        let needle = Array(Self.token.utf8)
        let enumerator = try #require(FileManager.default.enumerator(atPath: workspace.output.path))
        while let relative = enumerator.nextObject() as? String {
            let path = workspace.output.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes.firstRange(of: needle) == nil, "the token is written in \(relative)")
        }
    }

    @Test("without the token the orders feed fails with 401 and the run exits 2, and the wrong token is not shown")
    func missingToken() async throws {
        let workspace = try Workspace.make("http-no-token")
        defer { workspace.remove() }
        let server = try Self.server(serving: workspace.root.appendingPathComponent("samples"))
        defer { server.stop() }
        let config = try Self.writeConfiguration(workspace, server: server)
        let wrong = "wrong-\(Self.token)"
        let outcome = try await workspace.sverka(["run", "--date", Workspace.firstDay, "--config", config.path],
                                                 environment: [Self.tokenVariable: wrong])
        #expect(outcome.status == 2, "\(outcome.transcript)")
        let run = try workspace.runJSON(Workspace.firstDay)
        #expect(run.status == "failed")
        #expect(run.exceptions.contains { $0.kind == "source-failed" && $0.ref == "orders-feed" && $0.message.contains("401") }, "\(run.exceptions)")
        #expect(!outcome.stderr.contains(wrong) && !outcome.stdout.contains(wrong))
        #expect(!(try String(contentsOf: workspace.day(Workspace.firstDay).appendingPathComponent("run.json"), encoding: .utf8)).contains(wrong))
    }

    /// run.json's text with each source's `"url"` line blanked.
    static func withoutSourceURLs(_ file: URL) throws -> String {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\"url\" : ") ? "\"url\"" : String($0) }
            .joined(separator: "\n")
    }
}
