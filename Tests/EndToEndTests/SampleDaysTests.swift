import Domain
import Foundation
import Testing
import TestSupport

/// The bundled sample days (samples/README.md) closed by the real binary, as the issue runs it:
/// `sverka rerun --from 2026-11-26 --to 2026-11-27 --config samples/sverka.yaml`.
@Suite("the two sample days, end to end (built binary)")
struct SampleDaysTests {
    static let A = "7728451932", B = "500112233462", C = "7733015829", D = "5029147365", E = "7718024699"
    static let F = "7715982407", G = "7726093181", H = "5047123857", romashka = "7701234560", unknownPayer = "7711122337"

    @Test("rerun of both days exits 1 and prints a summary per day")
    func exitStatusAndSummary() async throws {
        let reference = try await Reference.bothDays.value
        #expect(reference.outcome.status == 1, "\(reference.outcome.transcript)")
        let lines = reference.outcome.lines
        #expect(lines.contains("2026-11-26: ok — 3 document(s), 0 held, 2 payment(s), 0 exception(s)"), "\(lines)")
        #expect(lines.contains("2026-11-27: exceptions — 9 document(s), 1 held, 10 payment(s), 5 exception(s)"), "\(lines)")
        // Not at a terminal: the log on stderr is one JSON object per line, none of them an error.
        let logLines = reference.outcome.stderr.split(separator: "\n")
        #expect(!logLines.isEmpty)
        for line in logLines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["msg"] is String && object?["ts"] is String, "not a JSON log line: \(line)")
            #expect(object?["level"] as? String != "error", "\(line)")
        }
    }

    @Test("the binary runs on jemalloc, and each day's log line says so")
    func allocator() async throws {
        let reference = try await Reference.bothDays.value
        let dayLines = reference.outcome.stderr.split(separator: "\n").filter { $0.contains("peak_rss_mib") }
        #expect(dayLines.count == 2, "\(reference.outcome.stderr)")
        for line in dayLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let allocator = try #require(object["allocator"] as? String, "\(line)")
            // (A build that lost the link to libjemalloc would say "glibc".)
            #expect(allocator.hasPrefix("jemalloc 5."), "\(line)")
        }
    }

    @Test("2026-11-26: three УПД, the bank and provider payments matched, nothing for the accountant")
    func firstDay() async throws {
        let workspace = try await Reference.bothDays.value.workspace
        let run = try workspace.runJSON(Workspace.firstDay)
        #expect(run.version == 1 && run.businessDate == "2026-11-26" && run.status == "ok")
        #expect(run.sources.map(\.name) == ["orders-feed", "invoicebox", "bank-1c:main", "bank-camt053:second"])
        #expect(run.sources.map(\.status) == ["ok", "ok", "ok", "ok"])
        #expect(run.sources.map(\.records) == [3, 2, 2, 0]) // scenario 8: the second account has no movements

        // Scenarios 1, 2, 5: one УПД per shipment, numbered 1…3 on the 26th, all for EDO.
        let expected: [(shipment: String, order: String, number: String, inn: String, total: String)] = [
            ("SH-8801", "ORD-2026-000118", "1", Self.A, "9264.31"), // at shipped quantities (4.870 kg)
            ("SH-8802", "ORD-2026-000119", "2", Self.C, "8608.20"),
            ("SH-8803", "ORD-2026-000120", "3", Self.D, "6583.50"),
        ]
        #expect(run.documents.count == expected.count)
        for item in expected {
            let document = try #require(run.document(shipment: item.shipment), "no УПД for \(item.shipment)")
            #expect(document.orderID == item.order && document.number == item.number && document.date == "2026-11-26")
            #expect(document.customerINN == item.inn && document.total == item.total && !document.paperOnly)
            #expect(document.file.hasPrefix("edo/ON_NSCHFDOPPR_") && document.file.hasSuffix(".xml"))
        }
        #expect(run.documents.allSatisfy { document in
            guard let net = Money(exactString: document.totalWithoutVAT), let vat = Money(exactString: document.vat),
                  let total = Money(exactString: document.total) else { return false }
            return net + vat == total
        })

        // Scenarios 3, 4, 6, 7: №417 pays СЧ-000119 by reference; the provider payment pays ORD-120;
        // our outgoing №1288 and the unpaid (`created`) provider order are no payments.
        #expect(run.payments.count == 2)
        let bank = try #require(run.payment(":417:"))
        #expect(bank.source == "bank-1c" && bank.amount == "8608.20" && bank.status == "allocated" && bank.payerINN == Self.C)
        #expect(bank.allocations == [.init(orderID: "ORD-2026-000119", billNumber: "СЧ-000119", amount: "8608.20", method: "reference")])
        let provider = try #require(run.payment("invoicebox:5e2d7c41-93b8-4f0a-b6d1-2c8e4a7f9013"))
        #expect(provider.source == "invoicebox" && provider.status == "allocated" && provider.unallocated == "0.00")
        #expect(provider.allocations == [.init(orderID: "ORD-2026-000120", billNumber: "СЧ-000120", amount: "6583.50", method: "provider")])
        #expect(!run.payments.contains { $0.id.contains(":1288:") || $0.id.contains("0b4c5c3e") })

        #expect(run.exceptions.isEmpty && run.held.isEmpty)
        // A owes the shipped value (postpaid, limit 150 000); C and D paid in full.
        #expect(run.customer(Self.A)?.balance == "9264.31" && run.customer(Self.A)?.creditLimit == "150000.00")
        #expect(run.customer(Self.C)?.balance == "0.00" && run.customer(Self.D)?.balance == "0.00")
        #expect(run.customers.allSatisfy { !$0.onStopList })
    }

    @Test("2026-11-27: УКД, corrected УПД, paper-only УПД, a held УПД, every kind of payment")
    func secondDay() async throws {
        let workspace = try await Reference.bothDays.value.workspace
        let run = try workspace.runJSON(Workspace.secondDay)
        #expect(run.businessDate == "2026-11-27" && run.status == "exceptions")
        #expect(run.sources.map(\.records) == [10, 4, 7, 3] && run.sources.allSatisfy { $0.status == "ok" && $0.error == nil })

        // 9: the УКД against the 26th's УПД № 1 for SH-8801: −858.00 (2 coffees returned).
        let ukd = try #require(run.document(shipment: "SH-8801", kind: "UKD"))
        #expect(ukd.orderID == "ORD-2026-000118" && ukd.total == "-858.00" && ukd.date == "2026-11-27" && ukd.number == "4")
        #expect(ukd.file.hasPrefix("edo/ON_NKORSCHFDOPPR_"))
        // 10: the corrected УПД for SH-8802 keeps the original's number and date.
        let corrected = try #require(run.document(shipment: "SH-8802", kind: "UPD-correction"))
        #expect(corrected.number == "2" && corrected.date == "2026-11-26" && corrected.total == "8169.00")
        #expect(corrected.orderID == "ORD-2026-000119" && corrected.file.hasPrefix("edo/ON_NSCHFDOPPR_"))
        // 11: the weighed cheese at shipped weight.
        let cheese = try #require(run.document(shipment: "SH-9001"))
        #expect(cheese.orderID == "ORD-2026-000123" && cheese.total == "2387.50" && cheese.customerINN == Self.romashka)
        // 13: the sole trader's two shipments, on paper only: archived with printable forms.
        for shipment in ["SH-9002", "SH-9003"] {
            let paper = try #require(run.document(shipment: shipment))
            #expect(paper.paperOnly && paper.customerINN == Self.B && paper.orderID == "ORD-2026-000124")
            #expect(paper.file.hasPrefix("archive/ON_NSCHFDOPPR_") && paper.file.hasSuffix(".xml"))
            let html = workspace.day(Workspace.secondDay).appendingPathComponent(String(paper.file.dropLast(4)) + ".html")
            let form = try String(contentsOf: html, encoding: .utf8)
            #expect(form.contains("<html") && form.contains("Смирнова"), "print form \(html.lastPathComponent)")
        }
        let paperTotal = ["SH-9002", "SH-9003"].compactMap { run.document(shipment: $0).flatMap { Money(exactString: $0.total) } }.sum()
        #expect(paperTotal == Money(exactString: "13823.60"))
        // 17, 18, 19: УПД for the other shipped orders.
        for (shipment, order, total) in [("SH-9004", "ORD-2026-000125", "1500.00"), ("SH-9005", "ORD-2026-000126", "4870.40"),
                                         ("SH-9006", "ORD-2026-000127", "2877.60"), ("SH-9007", "ORD-2026-000128", "2670.00")] {
            let document = try #require(run.document(shipment: shipment), "no УПД for \(shipment)")
            #expect(document.orderID == order && document.total == total && !document.paperOnly)
        }
        #expect(run.documents.count == 9)
        // 26: the chicken without a ВСД is held, with the reason; 27: nothing for the cancelled order.
        #expect(run.held.count == 1)
        let held = try #require(run.held.first)
        #expect(held.orderID == "ORD-2026-000129" && held.shipmentID == "SH-9008" && held.reason.contains("ВСД"))
        #expect(!run.documents.contains { $0.orderID == "ORD-2026-000129" || $0.orderID == "ORD-2026-000130" })

        try checkPayments(run)
        try checkCustomersAndExceptions(run)
    }

    func checkPayments(_ run: RunJSON) throws {
        // 15, 16, 23, 25: pending, outgoing and expired items are no payments.
        #expect(run.payments.count == 10)
        #expect(!run.payments.contains { $0.id.contains("000402") || $0.id.contains("000415") || $0.id.contains(":1291:") })
        #expect(!run.payments.contains { $0.id.contains("e1b6a2d0") })
        // 14: B's 7000.00 over camt.053 pays part of СЧ-000124.
        let camt = try #require(run.payment("AB-20261127-000381"))
        #expect(camt.source == "bank-camt053" && camt.payerINN == Self.B && camt.status == "allocated")
        #expect(camt.allocations == [.init(orderID: "ORD-2026-000124", billNumber: "СЧ-000124", amount: "7000.00", method: "reference")])
        // 17: a partial payment 1000.00 of СЧ-000125.
        let partial = try #require(run.payment(":2231:"))
        #expect(partial.allocations == [.init(orderID: "ORD-2026-000125", billNumber: "СЧ-000125", amount: "1000.00", method: "reference")])
        #expect(partial.unallocated == "0.00")
        // 18: 5000.00 for a bill of 4870.40: 129.60 stays as F's credit.
        let over = try #require(run.payment(":905:"))
        #expect(over.amount == "5000.00" && over.status == "partial" && over.unallocated == "129.60")
        #expect(over.allocations == [.init(orderID: "ORD-2026-000126", billNumber: "СЧ-000126", amount: "4870.40", method: "reference")])
        // 19: one payment split over two bills.
        let split = try #require(run.payment(":318:"))
        #expect(split.status == "allocated" && split.allocations == [
            .init(orderID: "ORD-2026-000127", billNumber: "СЧ-000127", amount: "2877.60", method: "reference"),
            .init(orderID: "ORD-2026-000128", billNumber: "СЧ-000128", amount: "2670.00", method: "reference"),
        ])
        // 20: a quoted bill that does not exist: nothing allocated, all of it A's credit.
        let unknownBill = try #require(run.payment(":1544:"))
        #expect(unknownBill.payerINN == Self.A && unknownBill.allocations.isEmpty && unknownBill.unallocated == "9264.31")
        #expect(unknownBill.status == "unallocated")
        // 21: an unknown payer.
        let stranger = try #require(run.payment(":77:"))
        #expect(stranger.payerINN == Self.unknownPayer && stranger.allocations.isEmpty && stranger.status == "unallocated")
        // 22: the provider's payout is recognised, never allocated.
        let payout = try #require(run.payment(":6013:"))
        #expect(payout.status == "payout" && payout.amount == "6418.91" && payout.allocations.isEmpty && payout.unallocated == "0.00")
        // 12: the provider payment for the cheese.
        let cheese = try #require(run.payment("invoicebox:0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11"))
        #expect(cheese.allocations == [.init(orderID: "ORD-2026-000123", billNumber: "СЧ-000123", amount: "2429.73", method: "provider")])
        // 24: two provider payments naming the same (unknown) order: neither is allocated.
        for id in ["invoicebox:8a9f3c12", "invoicebox:c47e0b95"] {
            let payment = try #require(run.payment(id))
            #expect(payment.amount == "1250.00" && payment.allocations.isEmpty && payment.status == "unallocated")
        }
    }

    func checkCustomersAndExceptions(_ run: RunJSON) throws {
        let balances = Dictionary(uniqueKeysWithValues: run.customers.map { ($0.inn, $0.balance) })
        #expect(balances == [
            Self.B: "6823.60",          // 13823.60 shipped − 7000.00 paid
            Self.romashka: "-42.23",    // 11: the weighed difference stays as credit
            Self.F: "-129.60",          // 18: over-payment
            Self.E: "500.00",           // 17: 500.00 still due
            Self.G: "0.00",             // 19: both bills paid
            Self.A: "946.71",           // 9264.31 − 858.00 + 1804.71 (held SH-9008 shipped) − 9264.31 credit
            Self.C: "-439.20",          // 10: the prepayment exceeds the corrected total
        ])
        #expect(run.customer(Self.H) == nil) // 27: the cancelled order touches nobody's balance
        #expect(run.customer(Self.B)?.creditLimit == "50000.00" && run.customers.allSatisfy { !$0.onStopList })

        let kinds = run.exceptions.map { "\($0.kind) \($0.ref)" }
        #expect(run.exceptions.count == 5, "\(kinds)")
        #expect(run.exceptions.contains { $0.kind.hasPrefix("unknown-bill") && $0.ref.contains(":1544:") && $0.message.contains("СЧ-000999") }, "\(kinds)")
        #expect(run.exceptions.contains { $0.kind == "unmatched-payment" && $0.ref.contains(":77:") }, "\(kinds)")
        #expect(run.exceptions.filter { $0.kind == "ambiguous-provider-id" && $0.message.contains("ORD-2026-000131") }.count == 2, "\(kinds)")
        #expect(run.exceptions.contains { $0.kind == "held-document" && $0.ref == "UPD:SH-9008" }, "\(kinds)")
        // 22: the payout matches the 26th's provider payments less 2.5 %: no difference.
        #expect(!run.exceptions.contains { $0.kind == "payout-difference" || $0.kind == "quarantined" }, "\(kinds)")
    }

    @Test("every XML placed validates with sverka validate; the УПД also against the official 5.03 schema")
    func everyFileValidates() async throws {
        let workspace = try await Reference.bothDays.value.workspace
        var files: [String] = []
        for day in [Workspace.firstDay, Workspace.secondDay] {
            for sub in ["edo", "archive"] {
                let folder = workspace.day(day).appendingPathComponent(sub)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                files += names.filter { $0.hasSuffix(".xml") }.sorted().map { "out/\(day)/\(sub)/\($0)" }
            }
        }
        #expect(files.count == 12) // 3 + 7 in edo/, 2 in archive/
        let own = try await BinaryRunner.run(["validate"] + files, in: workspace.root)
        #expect(own.status == 0, "\(own.transcript)")
        #expect(own.lines.count == files.count && own.lines.allSatisfy { $0.contains(": valid (") }, "\(own.stdout)")
        #expect(own.stderr.isEmpty)

        guard let official = Paths.officialSchemas else { return } // ../shared/fns-xsd is absent: the project's schemas only
        let upd = files.filter { ($0 as NSString).lastPathComponent.hasPrefix("ON_NSCHFDOPPR_") }
        #expect(upd.count == 11) // every document but the УКД (no official 5.01 УКД schema is bundled)
        let checked = try await BinaryRunner.run(["validate"] + upd + ["--schemas", official.path], in: workspace.root)
        #expect(checked.status == 0, "\(checked.transcript)")
        #expect(checked.lines.allSatisfy { $0.hasSuffix("(УПД, титул продавца 5.03, ON_NSCHFDOPPR_1_997_01_05_03_05.xsd)") }, "\(checked.stdout)")
    }

    @Test("manifest.json lists every file placed, with its SHA-256; run.json agrees")
    func manifests() async throws {
        let workspace = try await Reference.bothDays.value.workspace
        for day in [Workspace.firstDay, Workspace.secondDay] {
            let folder = workspace.day(day)
            let manifest = try workspace.manifest(day)
            let run = try workspace.runJSON(day)
            #expect(manifest.businessDate == day)
            var placed = Set<String>()
            for sub in ["edo", "archive"] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(sub).path)) ?? []
                placed.formUnion(names.filter { $0.hasSuffix(".xml") }.map { "\(sub)/\($0)" })
                #expect(!names.contains { $0.hasPrefix(".") }, "hidden files left in \(day)/\(sub): \(names)")
            }
            #expect(Set(manifest.files.map(\.file)) == placed)
            #expect(manifest.files.count == placed.count, "a file listed twice")
            for entry in manifest.files {
                let bytes = try Data(contentsOf: folder.appendingPathComponent(entry.file))
                #expect(SHA256.hex(bytes) == entry.sha256, "\(entry.file)")
                let document = try #require(run.documents.first { $0.file == entry.file })
                #expect(document.number == entry.number && document.kind == entry.kind && document.date == entry.date)
                #expect(document.total == entry.total && document.paperOnly == entry.paperOnly)
                if entry.paperOnly {
                    let form = try #require(entry.printForm)
                    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(form).path), "\(form)")
                } else {
                    #expect(entry.printForm == nil)
                }
            }
            #expect(run.documents.count == manifest.files.count)
        }
    }

    @Test("numbers: 1…11 over the two days, no gaps, no duplicates, increasing with the dates")
    func numbering() async throws {
        let workspace = try await Reference.bothDays.value.workspace
        let documents = try [Workspace.firstDay, Workspace.secondDay].flatMap { try workspace.runJSON($0).documents }
        let originals = documents.filter { $0.kind != "UPD-correction" }
        let numbers = originals.compactMap { Int($0.number) }
        #expect(numbers.count == originals.count, "numbers are plain integers (no prefix configured)")
        #expect(numbers.sorted() == Array(1...11))
        let byNumber = originals.sorted { (Int($0.number) ?? 0) < (Int($1.number) ?? 0) }
        #expect(zip(byNumber, byNumber.dropFirst()).allSatisfy { $0.date <= $1.date }, "\(byNumber.map { ($0.number, $0.date) })")
        // A correction keeps the number and date of the document it corrects.
        for correction in documents.filter({ $0.kind == "UPD-correction" }) {
            let original = try #require(originals.first { $0.kind == "UPD" && $0.shipmentID == correction.shipmentID })
            #expect(correction.number == original.number && correction.date == original.date)
        }
    }
}
