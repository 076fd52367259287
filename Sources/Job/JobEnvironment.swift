import Domain
import Foundation
import HTTP
import Ingest
import Logging

/// Every side effect the job has, passed in so tests can replace it.
public struct JobEnvironment: Sendable {
    /// Makes the HTTP client for a source, given its bearer token (nil when it has none).
    public var httpClient: @Sendable (Credential?) -> HTTPClient
    /// Now (the run journal, log lines, metrics). Documents and `run.json` never depend on it.
    public var now: @Sendable () -> Date
    /// The process environment (tokens by name, overrides).
    public var environment: [String: String]
    public var logger: Logger
    /// The project's schemas (documents are validated against them before anything leaves).
    public var schemasDirectory: URL

    public init(httpClient: @escaping @Sendable (Credential?) -> HTTPClient, now: @escaping @Sendable () -> Date,
                environment: [String: String], logger: Logger, schemasDirectory: URL) {
        self.httpClient = httpClient
        self.now = now
        self.environment = environment
        self.logger = logger
        self.schemasDirectory = schemasDirectory
    }

    /// The live environment: libcurl with the configuration's limits, the system clock.
    public static func live(configuration: LoadedConfiguration, environment: [String: String], logger: Logger,
                            schemasDirectory: URL) -> JobEnvironment {
        let settings = configuration.configuration.http
        var base = HTTPConfiguration(
            connectTimeout: .seconds(settings.connectTimeoutSeconds),
            timeout: .seconds(settings.totalTimeoutSeconds),
            stall: StallPolicy(minimumBytesPerSecond: 1, window: .seconds(settings.stallSeconds)),
            maxResponseBytes: settings.maxResponseMegabytes * 1024 * 1024,
            caBundlePath: settings.caBundle.map { configuration.resolve($0).path },
            retry: RetryPolicy(maxAttempts: settings.maxAttempts),
            userAgent: "sverka/1.0")
        if let user = settings.sftpUser {
            base.sftp = SFTPCredentials(user: user, privateKeyPath: settings.sftpKeyFile.map { configuration.resolve($0).path },
                                        knownHostsPath: settings.sftpKnownHosts.map { configuration.resolve($0).path })
        }
        let retryLogger = logger
        let shared = base
        return JobEnvironment(
            httpClient: { token in
                var configuration = shared
                configuration.bearerToken = token
                return .live(configuration, onRetry: { error, delay in
                    retryLogger.warning("retrying after \(delay): \(error)")
                })
            },
            now: { Date() }, environment: environment, logger: logger, schemasDirectory: schemasDirectory)
    }

    /// The current instant as a timestamp in Moscow time.
    func timestamp() -> Timestamp {
        Timestamp(epochSeconds: Int64(now().timeIntervalSince1970.rounded(.down)))
    }
}

extension LoadedConfiguration {
    /// The sources of a day as the Ingest stage takes them, `{config_dir}` filled in.
    ///
    /// A `token_env` is looked up in `environment` (the job's environment, which the CLI
    /// fills from the process); when the variable is not there, in the process environment.
    func daySources(environment: [String: String]) throws -> DaySources {
        let sources = configuration.sources
        func template(_ text: String) throws -> URLTemplate {
            try URLTemplate(text.replacingOccurrences(of: "{config_dir}", with: directory.path))
        }
        func token(env: String?, file: String?) -> TokenSource? {
            if let env {
                if let value = environment[env], let credential = try? Credential(secret: value) {
                    return .credential(credential)
                }
                return .environment(env)
            }
            if let file { return .file(resolve(file).path) }
            return nil
        }
        let orders = OrdersFeedSource(url: try template(sources.orders.url),
                                      token: token(env: sources.orders.tokenEnv, file: sources.orders.tokenFile))
        let provider = try sources.invoicebox.map {
            InvoiceboxSource(url: try template($0.url), token: token(env: $0.tokenEnv, file: $0.tokenFile),
                             pageSize: $0.pageSize ?? 100)
        }
        let banks = try sources.banks.map { bank in
            BankStatementSource(name: bank.name, format: bank.format == .oneC ? .oneC : .camt053,
                                url: try template(bank.url), token: token(env: bank.tokenEnv, file: bank.tokenFile),
                                accounts: Set(bank.accounts))
        }
        return DaySources(orders: orders, invoicebox: provider, banks: banks)
    }
}
