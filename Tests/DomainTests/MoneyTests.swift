import Domain
import PropertyBased
import Testing

@Suite("Money and exact decimals")
struct MoneyTests {
    @Test("the contract's money form parses exactly and prints back", arguments: [
        ("1234.50", Int64(123_450)), ("0.07", 7), ("-15.00", -1500), ("0.00", 0), ("2429.73", 242_973),
    ])
    func exactForm(text: String, kopecks: Int64) throws {
        let money = try #require(Money(exactString: text))
        #expect(money.kopecks == kopecks)
        #expect(money.description == text)
    }

    @Test("anything but two decimals is rejected", arguments: [
        "1234.5", "1,234.50", "1e3", " 12.00", "12.00 ", "", ".50", "12.", "12.345", "--1.00", "1.0O", "١٢.٠٠",
    ])
    func rejectsMalformed(text: String) {
        #expect(Money(exactString: text) == nil)
    }

    @Test("amounts as people and banks type them", arguments: [
        ("2429-73", Int64(242_973)), ("2429,73", 242_973), ("2 429.73", 242_973), ("2429", 242_900), ("2429.7", 242_970),
    ])
    func lenientForm(text: String, kopecks: Int64) throws {
        #expect(try #require(Money(lenientString: text)).kopecks == kopecks)
    }

    @Test("accountant's form groups thousands and uses a decimal comma")
    func formatted() {
        #expect(Money(kopecks: 1_234_567).formatted(grouping: " ") == "12 345,67")
        #expect(Money(kopecks: -5).formatted(grouping: " ") == "-0,05")
        #expect(Money(kopecks: 100_000_000).formatted(grouping: " ", decimalSeparator: ".") == "1 000 000.00")
    }

    @Test("printing and parsing are inverse for every amount")
    func roundTrip() async {
        await propertyCheck(count: 500, input: Gen.int64(in: -10_000_000_000...10_000_000_000)) { kopecks in
            let money = Money(kopecks: kopecks)
            #expect(Money(exactString: money.description) == money)
        }
    }

    @Test("addition is exact, associative and has an inverse")
    func additionLaws() async {
        let amount = Gen.int64(in: -1_000_000_000...1_000_000_000).map { Money(kopecks: $0) }
        await propertyCheck(count: 300, input: amount, amount, amount) { a, b, c in
            #expect((a + b) + c == a + (b + c))
            #expect(a + b - b == a)
            #expect([a, b, c].sum().kopecks == a.kopecks + b.kopecks + c.kopecks)
        }
    }

    @Test("decimals keep their written scale but compare by value")
    func decimals() throws {
        let a = try #require(ExactDecimal("1.500"))
        #expect(a.description == "1.500")
        #expect(a == ExactDecimal("1.5"))
        #expect(a.normalized.description == "1.5")
        #expect(try #require(ExactDecimal("12.000")).normalized.description == "12")
        #expect(try #require(ExactDecimal("0.00000000001")).scale == 11)
        #expect(ExactDecimal("0.000000000001") == nil)
        #expect(ExactDecimal("1,5") == nil)
        #expect(ExactDecimal("1.") == nil)
        #expect((try #require(ExactDecimal("1.436")) - ExactDecimal(1)).description == "0.436")
    }

    @Test("money times quantity rounds half away from zero to the kopeck")
    func multiplication() throws {
        let price = Money(kopecks: 65990)
        #expect(Money.multiply(price, by: try #require(ExactDecimal("1.436"))) == Money(kopecks: 94762)) // 947.6164
        #expect(Money.multiply(Money(kopecks: 1), by: try #require(ExactDecimal("0.5"))) == Money(kopecks: 1))
        #expect(Money.multiply(Money(kopecks: 1), by: try #require(ExactDecimal("0.49"))) == Money(kopecks: 0))
        #expect(Money.multiply(Money(kopecks: -1), by: try #require(ExactDecimal("0.5"))) == Money(kopecks: -1))
        #expect(Money.multiply(Money(kopecks: 11999), by: ExactDecimal(12)) == Money(kopecks: 143_988))
    }

    @Test("a product is within half a kopeck of the exact value")
    func multiplicationBound() async {
        await propertyCheck(count: 500, input: Gen.int64(in: 1...10_000_000), Gen.int64(in: 1...100_000_000)) { price, milli in
            let quantity = ExactDecimal(units: milli, scale: 3)
            let total = Money.multiply(Money(kopecks: price), by: quantity)
            // exact value in thousandths of a kopeck: price × milli
            let exact = Int128(price) * Int128(milli)
            let diff = Int128(total.kopecks) * 1000 - exact
            #expect(diff.magnitude <= 500)
            #expect(diff != -500) // half rounds up, never down
        }
    }
}
