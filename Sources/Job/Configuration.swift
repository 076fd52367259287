import Domain
import Foundation
import Yams

/// The job's configuration: one YAML (or JSON — JSON is YAML) file plus environment overrides.
///
/// Secrets are never in the file: sources name the environment variable or the
/// file that holds their token. `samples/sverka.yaml` is a complete, commented example,
/// and docs/configuration.md lists every key and every environment variable.
public struct Configuration: Sendable, Codable, Equatable {
    public var seller: Seller
    public var signer: Signer
    public var sources: Sources
    public var http: HTTPSettings
    public var output: Output
    public var edo: EDOSettings
    public var numbering: Numbering
    public var policies: Policies
    public var reports: ReportSettings
    public var metrics: Metrics

    public struct Seller: Sendable, Codable, Equatable {
        public var name: String
        public var inn: String
        public var kpp: String
        public var ogrn: String?
        public var address: AddressConfig
        public var bank: BankConfig?
        public var edoID: String
        public var phone: String?
        public var email: String?

        enum CodingKeys: String, CodingKey {
            case name, inn, kpp, ogrn, address, bank, phone, email
            case edoID = "edo_id"
        }
    }

    public struct AddressConfig: Sendable, Codable, Equatable {
        public var regionCode: String
        public var region: String
        public var postalCode: String?
        public var city: String?
        public var street: String?
        public var house: String?
        public var flat: String?
        public var text: String

        enum CodingKeys: String, CodingKey {
            case regionCode = "region_code"
            case region
            case postalCode = "postal_code"
            case city, street, house, flat, text
        }

        public var domain: Address {
            Address(regionCode: regionCode, region: region, postalCode: postalCode, city: city, street: street,
                    house: house, flat: flat, text: text)
        }
    }

    public struct BankConfig: Sendable, Codable, Equatable {
        public var bik: String
        public var account: String
        public var corrAccount: String?
        public var name: String

        enum CodingKeys: String, CodingKey {
            case bik, account, name
            case corrAccount = "corr_account"
        }
    }

    public struct Signer: Sendable, Codable, Equatable {
        public var surname: String
        public var name: String
        public var patronymic: String?
        public var position: String
        /// `СпосПодтПолном`: 1 = own qualified certificate (the director), 3 = МЧД, …
        public var authority: Int?
        /// For authority 3: the machine-readable power of attorney's number (36 characters) and date.
        public var poaNumber: String?
        public var poaDate: String?
        public var poaSystem: String?

        enum CodingKeys: String, CodingKey {
            case surname, name, patronymic, position, authority
            case poaNumber = "poa_number"
            case poaDate = "poa_date"
            case poaSystem = "poa_system"
        }
    }

    public struct Source: Sendable, Codable, Equatable {
        /// URL template: `{date}` YYYY-MM-DD, `{yyyyMMdd}`, `{ddMMyyyy}`, `{page}`, `{config_dir}`.
        public var url: String
        /// Environment variable holding the bearer token.
        public var tokenEnv: String?
        /// File holding the bearer token.
        public var tokenFile: String?

        enum CodingKeys: String, CodingKey {
            case url
            case tokenEnv = "token_env"
            case tokenFile = "token_file"
        }
    }

    public struct ProviderSource: Sendable, Codable, Equatable {
        public var url: String
        public var tokenEnv: String?
        public var tokenFile: String?
        /// The provider's ИНН: its payouts in bank statements are recognised by it.
        public var providerINN: String
        public var pageSize: Int?

        enum CodingKeys: String, CodingKey {
            case url
            case tokenEnv = "token_env"
            case tokenFile = "token_file"
            case providerINN = "provider_inn"
            case pageSize = "page_size"
        }
    }

    public struct BankSource: Sendable, Codable, Equatable {
        public enum Format: String, Sendable, Codable, Equatable {
            case oneC = "1c"
            case camt053
        }

        /// A short name (`main`, `second`): used in payment ids' sources, logs and `SVERKA_BANK_<NAME>_URL`.
        public var name: String
        public var format: Format
        public var url: String
        public var tokenEnv: String?
        public var tokenFile: String?
        /// Our accounts in this statement: incoming payments are those credited to them.
        public var accounts: [String]

        enum CodingKeys: String, CodingKey {
            case name, format, url, accounts
            case tokenEnv = "token_env"
            case tokenFile = "token_file"
        }
    }

    public struct Sources: Sendable, Codable, Equatable {
        public var orders: Source
        public var invoicebox: ProviderSource?
        public var banks: [BankSource]

        public init(orders: Source, invoicebox: ProviderSource?, banks: [BankSource]) {
            self.orders = orders
            self.invoicebox = invoicebox
            self.banks = banks
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            orders = try container.decode(Source.self, forKey: .orders)
            invoicebox = try container.decodeIfPresent(ProviderSource.self, forKey: .invoicebox)
            banks = try container.decodeIfPresent([BankSource].self, forKey: .banks) ?? []
        }
    }

    public struct HTTPSettings: Sendable, Codable, Equatable {
        public var connectTimeoutSeconds: Int = 10
        public var totalTimeoutSeconds: Int = 300
        public var stallSeconds: Int = 30
        public var maxAttempts: Int = 4
        public var maxResponseMegabytes: Int = 256
        public var caBundle: String?
        public var sftpUser: String?
        public var sftpKeyFile: String?
        /// known_hosts for sftp:// (the host key is always checked).
        public var sftpKnownHosts: String?

        enum CodingKeys: String, CodingKey {
            case connectTimeoutSeconds = "connect_timeout_seconds"
            case totalTimeoutSeconds = "total_timeout_seconds"
            case stallSeconds = "stall_seconds"
            case maxAttempts = "max_attempts"
            case maxResponseMegabytes = "max_response_mb"
            case caBundle = "ca_bundle"
            case sftpUser = "sftp_user"
            case sftpKeyFile = "sftp_key_file"
            case sftpKnownHosts = "sftp_known_hosts"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connectTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .connectTimeoutSeconds) ?? 10
            totalTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .totalTimeoutSeconds) ?? 300
            stallSeconds = try c.decodeIfPresent(Int.self, forKey: .stallSeconds) ?? 30
            maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 4
            maxResponseMegabytes = try c.decodeIfPresent(Int.self, forKey: .maxResponseMegabytes) ?? 256
            caBundle = try c.decodeIfPresent(String.self, forKey: .caBundle)
            sftpUser = try c.decodeIfPresent(String.self, forKey: .sftpUser)
            sftpKeyFile = try c.decodeIfPresent(String.self, forKey: .sftpKeyFile)
            sftpKnownHosts = try c.decodeIfPresent(String.self, forKey: .sftpKnownHosts)
        }
    }

    public struct Output: Sendable, Codable, Equatable {
        /// Day folders go here: `<directory>/<YYYY-MM-DD>/`.
        public var directory: String
        /// The SQLite ledger file.
        public var ledger: String
    }

    public struct EDOSettings: Sendable, Codable, Equatable {
        /// Optional detached-signature command (argument list with `{in}` and `{out}`).
        public var signCommand: [String]?
        /// Where `ВерсПрог` says the files came from.
        public var programName: String?
        /// A folder of official FNS schemas: documents are checked against them too before they leave.
        public var officialSchemas: String?

        enum CodingKeys: String, CodingKey {
            case signCommand = "sign_command"
            case programName = "program_name"
            case officialSchemas = "official_schemas"
        }

        public init() {}
    }

    public struct Numbering: Sendable, Codable, Equatable {
        /// The series name (default: the seller's ИНН). One series per seller and year.
        public var series: String?
        /// Printed before the number (`""` by default).
        public var prefix: String?

        public init() {}
    }

    public struct Policies: Sendable, Codable, Equatable {
        public enum WeighedDifference: String, Sendable, Codable, Equatable {
            /// The difference stays as the customer's credit (advance) and pays later bills.
            case credit
            /// The difference goes to the refund register, to be paid back.
            case refund
        }

        public enum VSDSlot: String, Sendable, Codable, Equatable {
            case svGosSist = "svgossist"
            case soprDokTov = "soprdoktov"
            case infPolFHZh2 = "infpolfhzh2"
        }

        public var weighedDifference: WeighedDifference = .credit
        /// The largest shortfall a configured write-off may close, e.g. `"0.05"` (at most 0.10).
        public var writeOffLimit: Money = .zero
        /// Whether a customer's credit pays later bills automatically.
        public var applyCredit: Bool = true
        public var vsdSlot: VSDSlot = .svGosSist
        /// Days between the provider's payments and its payout.
        public var settlementLagDays: Int = 1
        /// The provider's commission in percent, e.g. `"2.5"`.
        public var commissionPercent: ExactDecimal = .zero
        /// An advance invoice is due when a prepayment is not shipped within this many days.
        public var advanceInvoiceDays: Int = 5

        enum CodingKeys: String, CodingKey {
            case weighedDifference = "weighed_difference"
            case writeOffLimit = "write_off_limit"
            case applyCredit = "apply_credit"
            case vsdSlot = "vsd_slot"
            case settlementLagDays = "settlement_lag_days"
            case commissionPercent = "commission_percent"
            case advanceInvoiceDays = "advance_invoice_days"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weighedDifference = try c.decodeIfPresent(WeighedDifference.self, forKey: .weighedDifference) ?? .credit
            writeOffLimit = try c.decodeIfPresent(Money.self, forKey: .writeOffLimit) ?? .zero
            applyCredit = try c.decodeIfPresent(Bool.self, forKey: .applyCredit) ?? true
            vsdSlot = try c.decodeIfPresent(VSDSlot.self, forKey: .vsdSlot) ?? .svGosSist
            settlementLagDays = try c.decodeIfPresent(Int.self, forKey: .settlementLagDays) ?? 1
            commissionPercent = try c.decodeIfPresent(ExactDecimal.self, forKey: .commissionPercent) ?? .zero
            advanceInvoiceDays = try c.decodeIfPresent(Int.self, forKey: .advanceInvoiceDays) ?? 5
        }
    }

    public struct ReportSettings: Sendable, Codable, Equatable {
        /// The decimal separator in CSV files: `,` (Russian Excel, default) or `.`.
        public var csvDecimalSeparator: String = ","
        /// A folder of mustache templates overriding the bundled ones.
        public var templates: String?

        enum CodingKeys: String, CodingKey {
            case csvDecimalSeparator = "csv_decimal_separator"
            case templates
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            csvDecimalSeparator = try c.decodeIfPresent(String.self, forKey: .csvDecimalSeparator) ?? ","
            templates = try c.decodeIfPresent(String.self, forKey: .templates)
        }
    }

    public struct Metrics: Sendable, Codable, Equatable {
        /// node_exporter textfile collector file (`…/sverka.prom`); absent = no metrics file.
        public var textfile: String?

        public init() {}
    }

    enum CodingKeys: String, CodingKey {
        case seller, signer, sources, http, output, edo, numbering, policies, reports, metrics
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seller = try c.decode(Seller.self, forKey: .seller)
        signer = try c.decode(Signer.self, forKey: .signer)
        sources = try c.decode(Sources.self, forKey: .sources)
        http = try c.decodeIfPresent(HTTPSettings.self, forKey: .http) ?? HTTPSettings()
        output = try c.decode(Output.self, forKey: .output)
        edo = try c.decodeIfPresent(EDOSettings.self, forKey: .edo) ?? EDOSettings()
        numbering = try c.decodeIfPresent(Numbering.self, forKey: .numbering) ?? Numbering()
        policies = try c.decodeIfPresent(Policies.self, forKey: .policies) ?? Policies()
        reports = try c.decodeIfPresent(ReportSettings.self, forKey: .reports) ?? ReportSettings()
        metrics = try c.decodeIfPresent(Metrics.self, forKey: .metrics) ?? Metrics()
    }
}
