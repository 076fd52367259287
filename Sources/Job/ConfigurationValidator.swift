import Domain
import Foundation
import Ingest

/// Checks a configuration and says exactly what is wrong, with the key's path.
enum ConfigurationValidator {
    static func problems(in c: Configuration, environment: [String: String], loaded: LoadedConfiguration) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func error(_ path: String, _ message: String) { problems.append(.init(.error, path, message)) }
        func warning(_ path: String, _ message: String) { problems.append(.init(.warning, path, message)) }
        func requisite(_ path: String, _ check: () throws(RequisiteError) -> Void) {
            do { try check() } catch let failure { error(path, failure.reason) }
        }

        // Seller
        if c.seller.name.trimmingCharacters(in: .whitespaces).isEmpty { error("seller.name", "is empty") }
        requisite("seller.inn") { () throws(RequisiteError) in _ = try INN(c.seller.inn) }
        if c.seller.inn.count == 10 {
            requisite("seller.kpp") { () throws(RequisiteError) in try Requisites.checkKPP(c.seller.kpp) }
        }
        if let ogrn = c.seller.ogrn { requisite("seller.ogrn") { () throws(RequisiteError) in try Requisites.checkOGRN(ogrn) } }
        if let bank = c.seller.bank {
            requisite("seller.bank.account") { () throws(RequisiteError) in try Requisites.checkAccount(bank.account, bik: bank.bik) }
            if let corr = bank.corrAccount {
                requisite("seller.bank.corr_account") { () throws(RequisiteError) in
                    try Requisites.checkCorrespondentAccount(corr, bik: bank.bik)
                }
            }
        }
        checkEDOID(c.seller.edoID, path: "seller.edo_id", error: error)
        if c.seller.address.regionCode.count != 2 || !c.seller.address.regionCode.allSatisfy(\.isASCIIDigit) {
            error("seller.address.region_code", "must be 2 digits")
        }

        // Signer
        if c.signer.surname.isEmpty { error("signer.surname", "is empty") }
        if c.signer.name.isEmpty { error("signer.name", "is empty") }
        if c.signer.position.isEmpty { error("signer.position", "is empty (ЭДО operators reject a УПД without Должн)") }
        let authority = c.signer.authority ?? 1
        if !(1...6).contains(authority) { error("signer.authority", "must be 1…6 (СпосПодтПолном), got \(authority)") }
        if authority == 3 {
            if (c.signer.poaNumber ?? "").count != 36 { error("signer.poa_number", "a МЧД number of 36 characters is required when authority is 3") }
            if c.signer.poaDate.flatMap(CivilDate.init(iso:)) == nil { error("signer.poa_date", "a YYYY-MM-DD date is required when authority is 3") }
        }

        // Sources
        checkSource(url: c.sources.orders.url, tokenEnv: c.sources.orders.tokenEnv, tokenFile: c.sources.orders.tokenFile,
                    path: "sources.orders", environment: environment, loaded: loaded, error: error, warning: warning)
        if let provider = c.sources.invoicebox {
            checkSource(url: provider.url, tokenEnv: provider.tokenEnv, tokenFile: provider.tokenFile,
                        path: "sources.invoicebox", environment: environment, loaded: loaded, error: error, warning: warning)
            requisite("sources.invoicebox.provider_inn") { () throws(RequisiteError) in _ = try INN(provider.providerINN) }
            if let size = provider.pageSize, !(1...1000).contains(size) { error("sources.invoicebox.page_size", "must be 1…1000") }
        }
        var names = Set<String>()
        for (index, bank) in c.sources.banks.enumerated() {
            let path = "sources.banks[\(index)]"
            if bank.name.isEmpty || !bank.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                error(path + ".name", "must be Latin letters, digits and '-' (it names the source in ids and variables)")
            }
            if !names.insert(bank.name).inserted { error(path + ".name", "'\(bank.name)' is used twice") }
            checkSource(url: bank.url, tokenEnv: bank.tokenEnv, tokenFile: bank.tokenFile, path: path,
                        environment: environment, loaded: loaded, error: error, warning: warning)
            if bank.accounts.isEmpty { error(path + ".accounts", "lists no account: incoming payments could not be told from outgoing") }
            for (n, account) in bank.accounts.enumerated() where account.count != 20 || !account.allSatisfy(\.isASCIIDigit) {
                error(path + ".accounts[\(n)]", "must be 20 digits")
            }
        }

        // HTTP
        if c.http.connectTimeoutSeconds <= 0 { error("http.connect_timeout_seconds", "must be positive") }
        if c.http.totalTimeoutSeconds <= 0 { error("http.total_timeout_seconds", "must be positive") }
        if !(1...10).contains(c.http.maxAttempts) { error("http.max_attempts", "must be 1…10") }
        if c.http.maxResponseMegabytes <= 0 { error("http.max_response_mb", "must be positive") }
        if let bundle = c.http.caBundle, !FileManager.default.fileExists(atPath: loaded.resolve(bundle).path) {
            error("http.ca_bundle", "file \(bundle) does not exist")
        }

        // Output
        if c.output.directory.isEmpty { error("output.directory", "is empty") }
        if c.output.ledger.isEmpty { error("output.ledger", "is empty") }

        // EDO
        if let command = c.edo.signCommand {
            if command.isEmpty { error("edo.sign_command", "is an empty list") }
            if !command.contains(where: { $0.contains("{in}") }) || !command.contains(where: { $0.contains("{out}") }) {
                error("edo.sign_command", "must contain {in} (the file) and {out} (the signature)")
            }
        }

        if let official = c.edo.officialSchemas {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: loaded.resolve(official).path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                error("edo.official_schemas", "folder \(official) does not exist")
            }
        }

        // Policies
        if c.policies.writeOffLimit.isNegative || c.policies.writeOffLimit > Money(kopecks: 10) {
            error("policies.write_off_limit", "must be between 0.00 and 0.10 (a few kopecks), got \(c.policies.writeOffLimit)")
        }
        if c.policies.commissionPercent.isNegative || c.policies.commissionPercent > ExactDecimal(100) {
            error("policies.commission_percent", "must be between 0 and 100")
        }
        if !(0...30).contains(c.policies.settlementLagDays) { error("policies.settlement_lag_days", "must be 0…30") }
        if !(1...5).contains(c.policies.advanceInvoiceDays) {
            error("policies.advance_invoice_days", "must be 1…5 (п.3 ст.168 НК: five calendar days)")
        }

        // Reports
        if ![",", "."].contains(c.reports.csvDecimalSeparator) { error("reports.csv_decimal_separator", "must be \",\" or \".\"") }
        if let templates = c.reports.templates {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: loaded.resolve(templates).path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                error("reports.templates", "folder \(templates) does not exist")
            }
        }
        if let textfile = c.metrics.textfile {
            let folder = loaded.resolve(textfile).deletingLastPathComponent().path
            if !FileManager.default.fileExists(atPath: folder) { warning("metrics.textfile", "folder \(folder) does not exist yet") }
        }
        return problems
    }

    static func checkEDOID(_ id: String, path: String, error: (String, String) -> Void) {
        let chars = Array(id)
        guard (5...100).contains(chars.count), chars[3] == "-",
              chars[0..<3].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            error(path, "must be an EDO participant id: a 3-character operator code, '-', then the id (at most 100 characters), e.g. 2BM-7701234560-770101001-…")
            return
        }
    }

    static func checkSource(url: String, tokenEnv: String?, tokenFile: String?, path: String, environment: [String: String],
                            loaded: LoadedConfiguration, error: (String, String) -> Void, warning: (String, String) -> Void) {
        let schemes = ["https://", "http://", "sftp://", "file://"]
        if !schemes.contains(where: { url.hasPrefix($0) }) {
            error(path + ".url", "must start with https://, http://, sftp:// or file://")
        }
        if !["{date}", "{yyyyMMdd}", "{ddMMyyyy}"].contains(where: { url.contains($0) }) {
            if path == "sources.invoicebox" {
                // The provider's order list filters by creation date, not by payment date; the job keeps
                // the payments of the business day itself. Without a filter it reads every order each night.
                warning(path + ".url", "has no date placeholder: every night reads all completed orders (consider createdAt[_ge] with {date})")
            } else {
                error(path + ".url", "has no business-date placeholder ({date}, {yyyyMMdd} or {ddMMyyyy}): every night would read the same data")
            }
        }
        do {
            _ = try URLTemplate(url.replacingOccurrences(of: "{config_dir}", with: loaded.directory.path))
        } catch let failure {
            error(path + ".url", "is not a valid URL template: \(failure.reason)")
        }
        if url.contains("@") && url.range(of: #"://[^/]*:[^/]*@"#, options: .regularExpression) != nil {
            error(path + ".url", "contains a password: put credentials in token_env or token_file, never in the configuration")
        }
        if tokenEnv != nil && tokenFile != nil { error(path, "token_env and token_file are both set: choose one") }
        if let name = tokenEnv, (environment[name] ?? "").isEmpty {
            warning(path + ".token_env", "environment variable \(name) is not set here")
        }
        if let file = tokenFile, !FileManager.default.fileExists(atPath: loaded.resolve(file).path) {
            warning(path + ".token_file", "file \(file) does not exist here")
        }
    }
}
