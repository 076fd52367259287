import Domain
import Foundation

/// Synthetic business days of a B2B grocery seller, deterministic from a seed.
///
/// A day is the four inputs the nightly job reads: the orders feed (`orders.json`), the payment
/// provider's order list (`invoicebox.json`), the main account's 1CClientBankExchange statement
/// (`kl_to_1c_<DDMMYYYY>.txt`, Windows-1251) and the second account's camt.053 statement
/// (`camt053_<YYYYMMDD>.xml`). The same (first day, orders a day, seed, days) gives byte-identical
/// files. See docs/generator.md for the scenarios and their shares.
///
/// For benchmarks the same days are available in memory: `orders(day:count:seed:)`,
/// `payments(day:count:seed:rawRecords:)`, `bills(day:count:seed:)`, or a `Simulation` for several days.
public enum Generator {
    /// The orders of a single generated day (the first day of a run), as the feed reader would return them.
    public static func orders(day: CivilDate, count: Int, seed: UInt64) -> [Order] {
        generate(day: day, count: count, seed: seed).orders
    }

    /// The payments of a single generated day (provider payments, 1C and camt.053 credits).
    ///
    /// Only the day's bills are kept while generating, not the orders, so this stays light for a million bills.
    public static func payments(day: CivilDate, count: Int, seed: UInt64, rawRecords: Bool = true) -> [Payment] {
        var simulation = Simulation(GeneratorSettings(firstDay: day, ordersPerDay: count, seed: seed))
        return simulation.nextDay { _ in }.payments(rawRecords: rawRecords)
    }

    /// The bills of a single generated day, without keeping the orders (light for a million bills).
    public static func bills(day: CivilDate, count: Int, seed: UInt64) -> [GeneratedBill] {
        var simulation = Simulation(GeneratorSettings(firstDay: day, ordersPerDay: count, seed: seed))
        return simulation.nextDay { _ in }.bills
    }

    /// A single generated day in memory: its orders and everything else about it.
    public static func generate(day: CivilDate, count: Int, seed: UInt64) -> (orders: [Order], day: GeneratedDay) {
        var simulation = Simulation(GeneratorSettings(firstDay: day, ordersPerDay: count, seed: seed))
        var orders: [Order] = []
        orders.reserveCapacity(count)
        let generated = simulation.nextDay { orders.append($0) }
        return (orders, generated)
    }

    /// The file names of a day's inputs.
    public static func fileNames(for day: CivilDate) -> DayFileNames {
        DayFileNames(orders: "orders.json", invoicebox: "invoicebox.json", bank1C: "kl_to_1c_\(day.ddMMyyyy).txt",
                     camt053: "camt053_\(day.compact).xml")
    }

    /// Writes `directory/days/<YYYY-MM-DD>/…` for every day of `settings`, and `directory/sverka.yaml`
    /// pointing `file://` sources at them. Orders are streamed to disk as they are generated.
    ///
    /// - Parameter progress: called after each day is written.
    /// - Throws: `GeneratorError` (or a file system error) when a folder or file cannot be written.
    public static func write(_ settings: GeneratorSettings, to directory: URL,
                             progress: (WrittenDay) -> Void = { _ in }) throws -> GenerationReport {
        let manager = FileManager.default
        var simulation = Simulation(settings)
        var written: [WrittenDay] = []
        for _ in 0..<settings.days {
            let date = simulation.nextDate
            let folder = directory.appendingPathComponent("days", isDirectory: true)
                .appendingPathComponent(date.iso, isDirectory: true)
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let names = fileNames(for: date)

            let ordersSink = try ByteSink(url: folder.appendingPathComponent(names.orders))
            var feed = try OrdersFeedWriter(sink: ordersSink, businessDate: date)
            let day = try simulation.nextDay { try feed.append($0) }
            try feed.finish()
            try ordersSink.close()

            let providerSink = try ByteSink(url: folder.appendingPathComponent(names.invoicebox))
            try InvoiceboxWriter.write(day.plan.provider, to: providerSink)
            try providerSink.close()

            let bankSink = try ByteSink(url: folder.appendingPathComponent(names.bank1C))
            try ClientBankWriter.write(day.plan.main, account: simulation.seller.bank.account, day: date,
                                       opening: day.mainOpening, to: bankSink)
            try bankSink.close()

            let camtSink = try ByteSink(url: folder.appendingPathComponent(names.camt053))
            try Camt053Writer.write(day.plan.second, seller: simulation.seller, day: date, dayIndex: day.dayIndex,
                                    opening: day.secondOpening, to: camtSink)
            try camtSink.close()

            let result = WrittenDay(date: date, folder: folder, counts: day.counts,
                                    files: [(names.orders, ordersSink.count), (names.invoicebox, providerSink.count),
                                            (names.bank1C, bankSink.count), (names.camt053, camtSink.count)]
                                        .map { WrittenFile(name: $0.0, bytes: $0.1) })
            written.append(result)
            progress(result)
        }
        let largest = written.flatMap(\.files).map(\.bytes).max() ?? 0
        let configuration = directory.appendingPathComponent("sverka.yaml")
        let yaml = configurationYAML(settings: settings, seller: simulation.seller, provider: simulation.provider,
                                     largestFileBytes: largest)
        try Data(yaml.utf8).write(to: configuration, options: .atomic)
        return GenerationReport(days: written, configuration: configuration)
    }

    /// The job's configuration for generated days: `file://` sources under `{config_dir}/days/{date}/`,
    /// output and ledger under `{config_dir}/out/`, the provider's lag and commission as generated.
    public static func configurationYAML(settings: GeneratorSettings, seller: SellerProfile, provider: ProviderProfile,
                                         largestFileBytes: Int) -> String {
        func q(_ text: String) -> String {
            "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        let megabytes = max(256, largestFileBytes / (1 << 20) * 5 / 4 + 16)
        let address = seller.address
        let lastDay = settings.firstDay.adding(days: max(settings.days, 1) - 1)
        let days = "days/{date}"
        return """
        # Generated by `sverka generate`: synthetic business days \(settings.firstDay.iso) … \(lastDay.iso),
        # \(settings.ordersPerDay) new orders a day, seed \(settings.seed). Not real data.
        seller:
          name: \(q(seller.name))
          inn: \(q(seller.inn))
          kpp: \(q(seller.kpp))
          ogrn: \(q(seller.ogrn))
          address:
            region_code: \(q(address.regionCode))
            region: \(q(address.region))
            postal_code: \(q(address.postalCode ?? ""))
            city: \(q(address.city ?? ""))
            street: \(q(address.street ?? ""))
            house: \(q(address.house ?? ""))
            text: \(q(address.text))
          bank:
            bik: \(q(seller.bank.bik))
            account: \(q(seller.bank.account))
            corr_account: \(q(seller.bank.correspondentAccount ?? ""))
            name: \(q(seller.bank.name))
          edo_id: \(q(seller.edoID))
          email: "buh@gipermarket-online.example"
        signer:
          surname: \(q(seller.signer.surname))
          name: \(q(seller.signer.name))
          patronymic: \(q(seller.signer.patronymic))
          position: \(q(seller.signer.position))
          authority: 1
        sources:
          orders:
            url: "file://{config_dir}/\(days)/orders.json"
          invoicebox:
            url: "file://{config_dir}/\(days)/invoicebox.json"
            provider_inn: \(q(provider.inn))
          banks:
            - name: main
              format: "1c"
              url: "file://{config_dir}/\(days)/kl_to_1c_{ddMMyyyy}.txt"
              accounts: [\(q(seller.bank.account))]
            - name: second
              format: camt053
              url: "file://{config_dir}/\(days)/camt053_{yyyyMMdd}.xml"
              accounts: [\(q(seller.secondBank.account))]
        http:
          max_response_mb: \(megabytes)
        output:
          directory: "out"
          ledger: "out/ledger.sqlite"
        policies:
          weighed_difference: credit
          apply_credit: true
          settlement_lag_days: \(provider.settlementLagDays)
          commission_percent: \(q(provider.commissionPercent.description))

        """
    }
}

/// The names of a day's input files inside `days/<YYYY-MM-DD>/`.
public struct DayFileNames: Hashable, Sendable {
    public let orders: String
    public let invoicebox: String
    public let bank1C: String
    public let camt053: String
}

/// A file written, with its size.
public struct WrittenFile: Hashable, Sendable {
    public let name: String
    public let bytes: Int
}

/// One day written to disk.
public struct WrittenDay: Hashable, Sendable {
    public let date: CivilDate
    public let folder: URL
    public let counts: DayCounts
    public let files: [WrittenFile]
}

/// What `Generator.write` produced.
public struct GenerationReport: Hashable, Sendable {
    public let days: [WrittenDay]
    /// `sverka.yaml` beside the `days` folder.
    public let configuration: URL
}
