import Domain
import Foundation
import Job
import Testing
import TestSupport

@Suite("Configuration: loading, overrides, validation")
struct ConfigurationTests {
    // MARK: The sample

    @Test func theSampleLoadsWithNoProblems() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try ConfigurationLoader.loadUnchecked(path: sandbox.configPath, environment: [:])
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let c = loaded.configuration
        #expect(c.seller.inn == "7714698320")
        #expect(c.seller.edoID == "2BM-7714698320-771401001-201501010000000000001")
        #expect(c.signer.authority == 1)
        #expect(c.sources.banks.map(\.name) == ["main", "second"])
        #expect(c.sources.banks.map(\.format) == [.oneC, .camt053])
        #expect(c.sources.invoicebox?.providerINN == "7708051171")
        #expect(c.http.maxAttempts == 4 && c.http.stallSeconds == 30)
        #expect(c.policies.commissionPercent == ExactDecimal(units: 25, scale: 1))
        #expect(c.policies.writeOffLimit == .zero)
        #expect(c.policies.vsdSlot == .svGosSist)
        #expect(c.metrics.textfile == nil)
        // Relative paths resolve against the configuration file's folder, not the working directory.
        #expect(loaded.ledgerPath.path == sandbox.out.appendingPathComponent("ledger.sqlite").path)
        #expect(loaded.outputDirectory.path == sandbox.out.path)
        #expect(loaded.directory.path == sandbox.samples.path)
    }

    @Test func defaultsApplyWhenOptionalSectionsAreAbsent() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let minimal = """
            seller:
              name: ООО «Гипермаркет Онлайн»
              inn: "7714698320"
              kpp: "771401001"
              address: {region_code: "77", region: г. Москва, text: "125167, г. Москва"}
              edo_id: 2BM-7714698320-771401001-201501010000000000001
            signer: {surname: Орлова, name: Марина, position: Генеральный директор}
            sources:
              orders: {url: "file://{config_dir}/days/{date}/orders.json"}
            output: {directory: out, ledger: out/ledger.sqlite}
            """
        let path = try sandbox.writeConfiguration(minimal, name: "minimal.yaml")
        let loaded = try ConfigurationLoader.load(path: path, environment: [:])
        let c = loaded.configuration
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        #expect(c.sources.banks.isEmpty && c.sources.invoicebox == nil)
        #expect(c.http.connectTimeoutSeconds == 10 && c.http.totalTimeoutSeconds == 300 && c.http.maxAttempts == 4)
        #expect(c.http.maxResponseMegabytes == 256)
        #expect(c.policies.weighedDifference == .credit && c.policies.applyCredit)
        #expect(c.policies.settlementLagDays == 1 && c.policies.advanceInvoiceDays == 5)
        #expect(c.reports.csvDecimalSeparator == ",")
        #expect(c.signer.authority == nil)
        #expect(loaded.ledgerPath.path == sandbox.samples.appendingPathComponent("out/ledger.sqlite").path)
    }

    // MARK: Environment overrides

    @Test func everyEnvironmentOverrideTakesEffect() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let environment = [
            "SVERKA_ORDERS_URL": "https://shop.example/b2b/orders?date={date}&page={page}",
            "SVERKA_INVOICEBOX_URL": "https://api.invoicebox.example/v3/order?_page={page}&day={date}",
            "SVERKA_BANK_MAIN_URL": "sftp://bank.example/out/kl_to_1c_{ddMMyyyy}.txt",
            "SVERKA_BANK_SECOND_URL": "file:///srv/bank/camt053_{yyyyMMdd}.xml",
            "SVERKA_OUTPUT_DIR": "/var/lib/sverka/out",
            "SVERKA_LEDGER": "state/ledger.sqlite",
            "SVERKA_METRICS_TEXTFILE": "/var/lib/node_exporter/sverka.prom",
        ]
        let loaded = try ConfigurationLoader.loadUnchecked(path: sandbox.configPath, environment: environment)
        let c = loaded.configuration
        #expect(c.sources.orders.url == environment["SVERKA_ORDERS_URL"])
        #expect(c.sources.invoicebox?.url == environment["SVERKA_INVOICEBOX_URL"])
        #expect(c.sources.banks[0].url == environment["SVERKA_BANK_MAIN_URL"])
        #expect(c.sources.banks[1].url == environment["SVERKA_BANK_SECOND_URL"])
        #expect(loaded.outputDirectory.path == "/var/lib/sverka/out")
        // A relative override resolves against the configuration's folder too.
        #expect(loaded.ledgerPath.path == sandbox.samples.appendingPathComponent("state/ledger.sqlite").path)
        #expect(c.metrics.textfile == "/var/lib/node_exporter/sverka.prom")
        // The metrics folder does not exist here: a warning, not an error.
        #expect(loaded.problems == [.init(.warning, "metrics.textfile", "folder /var/lib/node_exporter does not exist yet")])
    }

    @Test func emptyOverridesAreIgnoredAndBankNamesAreUpperCasedWithUnderscores() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let text = try sandbox.sampleConfiguration().replacingOccurrences(of: "- name: main ", with: "- name: main-1c ")
        let path = try sandbox.writeConfiguration(text, name: "renamed.yaml")
        #expect(ConfigurationLoader.environmentName("main-1c") == "MAIN_1C")
        let loaded = try ConfigurationLoader.load(path: path, environment: [
            "SVERKA_BANK_MAIN_1C_URL": "file:///elsewhere/kl_{ddMMyyyy}.txt",
            "SVERKA_ORDERS_URL": "", "SVERKA_LEDGER": "",
        ])
        #expect(loaded.configuration.sources.banks[0].name == "main-1c")
        #expect(loaded.configuration.sources.banks[0].url == "file:///elsewhere/kl_{ddMMyyyy}.txt")
        #expect(loaded.configuration.sources.orders.url == "file://{config_dir}/days/{date}/orders.json")
        #expect(loaded.ledgerPath.path == sandbox.out.appendingPathComponent("ledger.sqlite").path)
    }

    @Test func configDirInAURLIsTheConfigurationsFolder() async throws {
        // The sample's sources are all `file://{config_dir}/days/…`: a run from a copy elsewhere
        // reads the copy's files (the run.json's source URLs say where they came from).
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let loaded = try sandbox.load()
        let outcomes = try await runDays([Day.d26], loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()))
        let result = try #require(outcomes.first?.result)
        #expect(result.status == .ok)
        #expect(result.sources.map(\.url) == [
            "file://\(sandbox.samples.path)/days/2026-11-26/orders.json",
            "file://\(sandbox.samples.path)/days/2026-11-26/invoicebox.json",
            "file://\(sandbox.samples.path)/days/2026-11-26/kl_to_1c_26112026.txt",
            "file://\(sandbox.samples.path)/days/2026-11-26/camt053_20261126.xml",
        ])
    }

    // MARK: Validation: each rule, with its key path and message

    /// The problems of the sample with `edit` applied to its text.
    func problems(_ edit: (String) -> String, environment: [String: String] = [:]) throws -> [ConfigurationProblem] {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let text = try sandbox.sampleConfiguration()
        let edited = edit(text)
        #expect(edited != text, "the edit changed nothing")
        let path = try sandbox.writeConfiguration(edited, name: "edited.yaml")
        return try ConfigurationLoader.loadUnchecked(path: path, environment: environment).problems
    }

    func replacing(_ old: String, _ new: String) -> (String) -> String {
        { $0.replacingOccurrences(of: old, with: new) }
    }

    @Test func aBadSellerINNCheckDigit() throws {
        let found = try problems(replacing(#"inn: "7714698320""#, #"inn: "7714698321""#))
        #expect(found.contains(.init(.error, "seller.inn", "check digit is 1, expected 0")), "\(found)")
    }

    @Test func aBadKPP() throws {
        let found = try problems(replacing(#"kpp: "771401001""#, #"kpp: "77140100""#))
        #expect(found == [.init(.error, "seller.kpp", "must be 9 characters, got 8")], "\(found)")
        let letters = try problems(replacing(#"kpp: "771401001""#, #"kpp: "7714ab001""#))
        #expect(letters == [.init(.error, "seller.kpp", "must be 4 digits, 2 digits or capital letters A–Z, 3 digits")])
    }

    @Test func aBadAccountKey() throws {
        let found = try problems(replacing(#"account: "40702810938000012345""#, #"account: "40702810038000012345""#))
        #expect(found == [.init(.error, "seller.bank.account", "control key (digit 9 = 0) does not match the БИК")], "\(found)")
    }

    @Test func anEDOIDWithoutOperatorCode() throws {
        let found = try problems(replacing("edo_id: 2BM-7714698320", "edo_id: 7714698320"))
        #expect(found == [.init(.error, "seller.edo_id",
                                "must be an EDO participant id: a 3-character operator code, '-', then the id (at most 100 characters), e.g. 2BM-7701234560-770101001-…")],
                "\(found)")
    }

    @Test func aSignerWithoutPosition() throws {
        let empty = try problems(replacing("position: Генеральный директор", #"position: """#))
        #expect(empty == [.init(.error, "signer.position", "is empty (ЭДО operators reject a УПД without Должн)")], "\(empty)")
        // Without the key at all, the file does not decode: the error names the key path.
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let path = try sandbox.writeConfiguration(
            try sandbox.sampleConfiguration().replacingOccurrences(of: "  position: Генеральный директор\n", with: ""),
            name: "no-position.yaml")
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.loadUnchecked(path: path, environment: [:])
        }
        #expect(error.problems == [.init(.error, "signer.position", "is required but missing")])
        #expect(error.description == "configuration \(path):\n  error: signer.position: is required but missing")
    }

    @Test func authorityThreeWithoutAPowerOfAttorney() throws {
        let found = try problems(replacing("authority: 1", "authority: 3"))
        #expect(found == [
            .init(.error, "signer.poa_number", "a МЧД number of 36 characters is required when authority is 3"),
            .init(.error, "signer.poa_date", "a YYYY-MM-DD date is required when authority is 3"),
        ], "\(found)")
        let complete = try problems(replacing("authority: 1", """
            authority: 3
              poa_number: "8f2b1c4e-3d5a-4b6c-9e7f-0a1b2c3d4e5f"
              poa_date: "2026-01-15"
            """))
        #expect(complete.isEmpty, "\(complete)")
        let badAuthority = try problems(replacing("authority: 1", "authority: 7"))
        #expect(badAuthority == [.init(.error, "signer.authority", "must be 1…6 (СпосПодтПолном), got 7")])
    }

    @Test func aURLWithoutADatePlaceholder() throws {
        let found = try problems(replacing("url: file://{config_dir}/days/{date}/orders.json", "url: https://shop.example/b2b/orders"))
        #expect(found == [.init(.error, "sources.orders.url",
                                "has no business-date placeholder ({date}, {yyyyMMdd} or {ddMMyyyy}): every night would read the same data")],
                "\(found)")
    }

    @Test("the provider's order list may go without a date (it filters by creation date): a warning, not an error")
    func aProviderURLWithoutADate() throws {
        let found = try problems(replacing("url: file://{config_dir}/days/{date}/invoicebox.json",
                                           "url: https://api.invoicebox.ru/v3/filter/api/order/order?status=completed&_page={page}"))
        #expect(found.map(\.severity) == [.warning], "\(found)")
        #expect(found.first?.path == "sources.invoicebox.url")
    }

    @Test func aURLWithAnUnknownPlaceholder() throws {
        // Caught by `config check`, not only by the first run.
        let found = try problems(replacing("{date}/orders.json", "{date}/orders-{page_no}.json"))
        #expect(found == [.init(.error, "sources.orders.url",
                                "is not a valid URL template: unknown placeholder {page_no} (known: {date}, {yyyyMMdd}, {ddMMyyyy}, {page}, {pageSize})")],
                "\(found)")
        let unbalanced = try problems(replacing("{date}/orders.json", "{date}/orders-{page.json"))
        #expect(unbalanced == [.init(.error, "sources.orders.url",
                                     "is not a valid URL template: unbalanced braces")])
    }

    @Test func aURLWithAPassword() throws {
        let found = try problems(replacing("url: file://{config_dir}/days/{date}/kl_to_1c_{ddMMyyyy}.txt",
                                           "url: sftp://sverka:hunter2@bank.example/kl_to_1c_{ddMMyyyy}.txt"))
        #expect(found == [.init(.error, "sources.banks[0].url",
                                "contains a password: put credentials in token_env or token_file, never in the configuration")],
                "\(found)")
    }

    @Test func aURLWithAnUnknownScheme() throws {
        let found = try problems(replacing("url: file://{config_dir}/days/{date}/orders.json", "url: ftp://shop.example/{date}.json"))
        #expect(found == [.init(.error, "sources.orders.url", "must start with https://, http://, sftp:// or file://")])
    }

    @Test func tokenEnvAndTokenFileBoth() throws {
        let found = try problems(replacing("    # token_env: SVERKA_SHOP_TOKEN ", """
                token_env: SVERKA_SHOP_TOKEN
                token_file: secrets/shop.token
            #
            """), environment: ["SVERKA_SHOP_TOKEN": "abc"])
        #expect(found == [.init(.error, "sources.orders", "token_env and token_file are both set: choose one"),
                          .init(.warning, "sources.orders.token_file", "file secrets/shop.token does not exist here")],
                "\(found)")
    }

    @Test func aTokenVariableThatIsNotSetIsAWarning() throws {
        let found = try problems(replacing("    # token_env: SVERKA_SHOP_TOKEN ", "    token_env: SVERKA_SHOP_TOKEN\n#"))
        #expect(found == [.init(.warning, "sources.orders.token_env", "environment variable SVERKA_SHOP_TOKEN is not set here")])
    }

    @Test func aBankNameUsedTwice() throws {
        let found = try problems(replacing("- name: second", "- name: main"))
        #expect(found == [.init(.error, "sources.banks[1].name", "'main' is used twice")], "\(found)")
    }

    @Test func anAccountThatIsNot20Digits() throws {
        let found = try problems(replacing(#"accounts: ["40702810901300004567"]"#, #"accounts: ["4070281090130000456"]"#))
        #expect(found == [.init(.error, "sources.banks[1].accounts[0]", "must be 20 digits")], "\(found)")
        let none = try problems(replacing(#"accounts: ["40702810901300004567"]"#, "accounts: []"))
        #expect(none == [.init(.error, "sources.banks[1].accounts",
                               "lists no account: incoming payments could not be told from outgoing")])
    }

    @Test func aWriteOffLimitAbove10Kopecks() throws {
        let found = try problems(replacing(#"write_off_limit: "0.00""#, #"write_off_limit: "0.11""#))
        #expect(found == [.init(.error, "policies.write_off_limit", "must be between 0.00 and 0.10 (a few kopecks), got 0.11")],
                "\(found)")
        #expect(try problems(replacing(#"write_off_limit: "0.00""#, #"write_off_limit: "0.10""#)).isEmpty)
    }

    @Test func aCommissionAbove100Percent() throws {
        let found = try problems(replacing(#"commission_percent: "2.5""#, #"commission_percent: "100.5""#))
        #expect(found == [.init(.error, "policies.commission_percent", "must be between 0 and 100")], "\(found)")
    }

    @Test func sixAdvanceInvoiceDays() throws {
        let found = try problems(replacing("advance_invoice_days: 5", "advance_invoice_days: 6"))
        #expect(found == [.init(.error, "policies.advance_invoice_days", "must be 1…5 (п.3 ст.168 НК: five calendar days)")],
                "\(found)")
    }

    @Test func aSemicolonAsCSVSeparator() throws {
        let found = try problems(replacing(#"csv_decimal_separator: ",""#, #"csv_decimal_separator: ";""#))
        #expect(found == [.init(.error, "reports.csv_decimal_separator", #"must be "," or ".""#)], "\(found)")
    }

    @Test func httpLimits() throws {
        let found = try problems(replacing("max_attempts: 4 ", "max_attempts: 11 "))
        #expect(found == [.init(.error, "http.max_attempts", "must be 1…10")], "\(found)")
    }

    @Test func severalProblemsAreAllReported() throws {
        let found = try problems { text in
            text.replacingOccurrences(of: "advance_invoice_days: 5", with: "advance_invoice_days: 0")
                .replacingOccurrences(of: "- name: second", with: "- name: main")
                .replacingOccurrences(of: #"inn: "7714698320""#, with: #"inn: "771469832""#)
        }
        #expect(found.map(\.path) == ["seller.inn", "sources.banks[1].name", "policies.advance_invoice_days"], "\(found)")
        #expect(found.allSatisfy { $0.severity == .error })
    }

    @Test func loadThrowsOnErrorsButNotOnWarnings() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let bad = try sandbox.writeConfiguration(
            try sandbox.sampleConfiguration().replacingOccurrences(of: "advance_invoice_days: 5", with: "advance_invoice_days: 6"),
            name: "bad.yaml")
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: bad, environment: [:]) }
        #expect(error.file == bad)
        #expect(error.problems.map(\.path) == ["policies.advance_invoice_days"])
        // A warning alone does not stop a run.
        let loaded = try ConfigurationLoader.load(path: sandbox.configPath, environment: ["SVERKA_METRICS_TEXTFILE": "/nonexistent/x.prom"])
        #expect(loaded.problems.map(\.severity) == [.warning])
    }

    // MARK: Files that do not decode

    func decodingProblem(_ edit: (String) -> String) throws -> ConfigurationProblem? {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let path = try sandbox.writeConfiguration(edit(try sandbox.sampleConfiguration()), name: "broken.yaml")
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.loadUnchecked(path: path, environment: [:])
        }
        #expect(error.problems.count == 1)
        return error.problems.first
    }

    @Test func aMissingRequiredKeyIsNamedByItsPath() throws {
        let ledger = try decodingProblem(replacing("  ledger: ../out/ledger.sqlite\n", ""))
        #expect(ledger == .init(.error, "output.ledger", "is required but missing"))
        let account = try decodingProblem(replacing(#"      accounts: ["40702810901300004567"]"#, ""))
        #expect(account == .init(.error, "sources.banks[1].accounts", "is required but missing"))
        let seller = try decodingProblem { text in
            // Drop the whole seller section: a top-level key.
            let start = text.range(of: "seller:\n")!
            let end = text.range(of: "# Who signs")!
            return text.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "")
        }
        #expect(seller == .init(.error, "seller", "is required but missing"))
    }

    @Test func aWrongType() throws {
        let attempts = try decodingProblem(replacing("max_attempts: 4 ", "max_attempts: many "))
        #expect(attempts == .init(.error, "http.max_attempts", "has the wrong type (expected Int)"))
        let accounts = try decodingProblem(replacing(#"accounts: ["40702810938000012345"]"#, #"accounts: "40702810938000012345""#))
        #expect(accounts == .init(.error, "sources.banks[0].accounts", "has the wrong type (expected Sequence)"))
        let format = try decodingProblem(replacing("format: camt053", "format: mt940"))
        #expect(format == .init(.error, "sources.banks[1].format", "Cannot initialize Format from invalid String value mt940"))
        let money = try decodingProblem(replacing(#"write_off_limit: "0.00""#, #"write_off_limit: "0.1""#))
        #expect(money == .init(.error, "policies.write_off_limit", "'0.1' is not money with exactly two decimals"))
    }

    @Test func anUnreadableFile() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.loadUnchecked(path: "/nonexistent/sverka.yaml", environment: [:])
        }
        #expect(error.problems == [.init(.error, "(file)", "cannot be read (does it exist?)")])
    }

    @Test func aJSONConfigurationWorksToo() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let yaml = try sandbox.load()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(yaml.configuration), as: UTF8.self)
        #expect(json.hasPrefix("{"))
        let path = try sandbox.writeConfiguration(json, name: "sverka.json")
        let loaded = try ConfigurationLoader.load(path: path, environment: [:])
        #expect(loaded.configuration == yaml.configuration)
        #expect(loaded.problems.isEmpty)
        #expect(loaded.ledgerPath == yaml.ledgerPath)
        // A compact hand-written JSON file with a validation error is checked like YAML.
        let text = json.replacingOccurrences(of: #""advance_invoice_days" : 5"#, with: #""advance_invoice_days" : 6"#)
        #expect(text != json)
        let bad = try sandbox.writeConfiguration(text, name: "bad.json")
        let problems = try ConfigurationLoader.loadUnchecked(path: bad, environment: [:]).problems
        #expect(problems.map(\.path) == ["policies.advance_invoice_days"])
    }
}
