import Domain
import PropertyBased
import Testing

@Suite("VAT rates and line arithmetic")
struct VATTests {
    let before = CivilDate(year: 2025, month: 12, day: 31)!
    let after = CivilDate(year: 2026, month: 1, day: 1)!

    @Test("22% and 22/122 from 01.01.2026, 20% and 20/120 before, the others always")
    func validity() {
        #expect(VATRate.standard22.isValid(on: after))
        #expect(!VATRate.standard22.isValid(on: before))
        #expect(VATRate.standard20.isValid(on: before))
        #expect(!VATRate.standard20.isValid(on: after))
        #expect(VATRate.calculated22.isValid(on: after) && !VATRate.calculated22.isValid(on: before))
        #expect(VATRate.calculated20.isValid(on: before) && !VATRate.calculated20.isValid(on: after))
        for rate in [VATRate.reduced10, .zero, .exempt, .calculated10] {
            #expect(rate.isValid(on: before) && rate.isValid(on: after))
        }
    }

    @Test("a rate used on the wrong date is an error that says why")
    func invalidRateError() {
        #expect(throws: VATRateError.self) { try VATRate.standard20.validate(on: after) }
        do {
            try VATRate.standard20.validate(on: after)
        } catch {
            #expect(error.description.contains("until 31.12.2025"))
            #expect(error.description.contains("01.01.2026"))
        }
    }

    @Test("feed values and calculated rates for advances")
    func feedValues() {
        #expect(VATRate(feedValue: "22%") == .standard22)
        #expect(VATRate(feedValue: "без НДС") == .exempt)
        #expect(VATRate(feedValue: "22/122") == nil)
        #expect(VATRate(feedValue: "18%") == nil)
        #expect(VATRate.standard22.calculatedForAdvance == .calculated22)
        #expect(VATRate.reduced10.calculatedForAdvance == .calculated10)
        #expect(VATRate.exempt.calculatedForAdvance == nil)
        #expect(VATRate.calculated22.fnsCode == "22/122")
    }

    @Test("the worked example: 1.436 kg of cheese at 659.90 ₽, 10%")
    func weighedCheese() throws {
        let line = LineAmounts(quantity: try #require(ExactDecimal("1.436")), unitPriceWithVAT: Money(kopecks: 65990), rate: .reduced10)
        #expect(line.total.description == "947.62")
        #expect(line.vat.description == "86.15")
        #expect(line.totalWithoutVAT.description == "861.47")
        #expect(line.unitPriceWithoutVAT.description == "599.90947075209")
        #expect(line.isConsistent)
    }

    @Test("12 × 119.99 ₽ at 22%")
    func water() {
        let line = LineAmounts(quantity: ExactDecimal(12), unitPriceWithVAT: Money(kopecks: 11999), rate: .standard22)
        #expect(line.total.description == "1439.88")
        #expect(line.vat.description == "259.65") // 1439.88 × 22/122 = 259.6505…
        #expect(line.totalWithoutVAT.description == "1180.23")
        #expect(line.isConsistent)
    }

    @Test("without VAT and 0% carry no tax")
    func noTax() {
        for rate in [VATRate.exempt, .zero] {
            let line = LineAmounts(quantity: ExactDecimal(3), unitPriceWithVAT: Money(kopecks: 1001), rate: rate)
            #expect(line.vat == .zero)
            #expect(line.totalWithoutVAT == line.total)
            #expect(line.total.kopecks == 3003)
        }
    }

    @Test("every line's columns agree: 5 + 8 = 9 and quantity × price rounds back to 5")
    func lineConsistency() async {
        let rates = Gen.element(of: [VATRate.standard22, .reduced10, .zero, .exempt, .calculated22, .calculated10])
        await propertyCheck(count: 500, input: Gen.int64(in: 1...5_000_000), Gen.int64(in: 1...50_000), rates) { price, milli, maybeRate in
            let rate = maybeRate ?? .standard22
            let line = LineAmounts(quantity: ExactDecimal(units: milli, scale: 3), unitPriceWithVAT: Money(kopecks: price), rate: rate)
            #expect(line.totalWithoutVAT + line.vat == line.total)
            #expect(line.isConsistent)
            #expect(line.vat.kopecks >= 0 && line.vat <= line.total)
        }
    }
}
