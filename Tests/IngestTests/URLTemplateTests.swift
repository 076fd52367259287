import Domain
@testable import Ingest
import Testing

@Suite("URL templates")
struct URLTemplateTests {
    @Test func placeholdersAreFilledWithTheDay() throws {
        let template = try URLTemplate("https://shop.example/b2b/orders?date={date}&page={page}")
        #expect(template.isPaged)
        #expect(template.url(day: Fixture.day27, page: 3) == "https://shop.example/b2b/orders?date=2026-11-27&page=3")
        let file = try URLTemplate("file:///srv/bank/kl_to_1c_{ddMMyyyy}.txt")
        #expect(!file.isPaged)
        #expect(file.url(day: Fixture.day27) == "file:///srv/bank/kl_to_1c_27112026.txt")
        let camt = try URLTemplate("sftp://bank.example/out/camt053_{yyyyMMdd}.xml")
        #expect(camt.url(day: Fixture.day26) == "sftp://bank.example/out/camt053_20261126.xml")
        let provider = try URLTemplate("https://api.invoicebox.ru/v3/filter/api/order/order?status=completed&_page={page}&_pageSize={pageSize}")
        #expect(provider.url(day: Fixture.day27, page: 2, pageSize: 50).hasSuffix("_page=2&_pageSize=50"))
    }

    @Test func unknownPlaceholdersAndBrokenBracesAreRefused() {
        #expect(throws: URLTemplateError.self) { try URLTemplate("https://x.example/{day}") }
        #expect(throws: URLTemplateError.self) { try URLTemplate("https://x.example/{date") }
        #expect(throws: URLTemplateError.self) { try URLTemplate("https://x.example/date}") }
        let error = #expect(throws: URLTemplateError.self) { try URLTemplate("https://x.example/?token=s3cr3t&d={day}") }
        #expect(error?.description.contains("s3cr3t") == false)
    }
}
