// The bundled day template (`day.mustache` with its partials `day-style` and `bar-chart`) written
// straight into bytes. Mustache spent most of a large day's report on per-row section rendering and
// escaping; this writer produces the very same bytes (same text, same escaping, same whitespace:
// mustache drops the lines that hold only a section tag) without building Strings per row.
// `ReportTemplates` uses it only when the day's templates are the bundled files this code was written
// from (checked by fingerprint); an operator's templates, or edited bundled ones, go through mustache.
// `ReportsTests` compares both paths byte for byte.

import Domain

enum DayHTML {
    /// FNV-1a 64 of the bundled `day.mustache` and `bar-chart.mustache` this writer reproduces.
    static let dayFingerprint: UInt64 = 0xd6e5_8204_a449_df19
    static let barChartFingerprint: UInt64 = 0x7544_2969_b76f_7a06

    /// FNV-1a, 64 bits, over the UTF-8 bytes of `text`.
    static func fingerprint(_ text: String) -> UInt64 { FNV1a.hash64(utf8: text) }

    /// The day's HTML; `style` is the text of the bundled `day-style` template (no tags, copied as is).
    static func render(_ view: DayView, style: String) -> [UInt8] {
        var w = ByteBuffer(capacity: estimatedSize(view) + style.utf8.count)
        write(view, style: style, into: &w, registerRows: { _, _ in })
        return w.bytes
    }

    /// Writes the day's HTML into `w`; `registerRows(part, &w)` writes the rows a register set aside
    /// (`.paymentsHTML` after `view.payments`', `.documentsHTML` after `view.documents`'), each asked
    /// only when its table is shown (the register's count is not zero).
    static func write(_ view: DayView, style: String, into w: inout ByteBuffer,
                      registerRows: (RegisterPart, inout ByteBuffer) -> Void) {
        w.raw(#"<!DOCTYPE html>\#n<html lang="ru">\#n<head>\#n<meta charset="utf-8">\#n<meta name="viewport" content="width=device-width, initial-scale=1">\#n<title>"#)
        w.escaped(view.title); w.raw(" — "); w.escaped(view.seller); w.raw("</title>\n")
        w.raw(style)
        w.raw(#"</head>\#n<body>\#n<header class="report">\#n  <div>\#n    <h1>"#)
        w.escaped(view.title)
        w.raw(#"</h1>\#n    <div class="seller">"#)
        w.escaped(view.seller); w.raw(", ИНН "); w.escaped(view.sellerINN)
        if let kpp = view.sellerKPP { w.raw(", КПП "); w.escaped(kpp) }
        w.raw(#"</div>\#n  </div>\#n  <div class="run">\#n    <span class="badge "#)
        w.escaped(view.outcomeClass); w.raw(#"" id="run-status">"#); w.escaped(view.outcome)
        w.raw(#"</span>\#n    <div class="meta">"#)
        if let runTimes = view.runTimes { w.raw("Запуск "); w.escaped(runTimes); w.raw(". ") }
        if let generatedAt = view.generatedAt { w.raw("Сформирован "); w.escaped(generatedAt) }
        w.raw("</div>\n  </div>\n</header>\n")
        if view.hasNotes {
            w.raw(#"<ul class="notes">"#)
            for note in view.notes { w.raw("<li>"); w.escaped(note); w.raw("</li>") }
            w.raw("</ul>")
        }
        w.raw(#"\#n\#n<section class="summary" id="summary">\#n  <h2>Сводка</h2>\#n  <div class="cards">\#n"#)
        for card in view.cards {
            w.raw(#"    <div class="card"#)
            if card.alert { w.raw(" alert") }
            w.raw(#"">\#n      <div class="title">"#); w.escaped(card.title)
            w.raw(#"</div>\#n      <div class="value">"#); w.escaped(card.value)
            w.raw(#"</div>\#n      <div class="detail">"#); w.escaped(card.detail)
            w.raw("</div>\n    </div>\n")
        }
        w.raw(#"  </div>\#n  <div class="charts">\#n    "#)
        barChart(view.moneyChart, &w)
        w.raw("\n    ")
        barChart(view.ageingChart, &w)
        w.raw("\n  </div>\n")
        if view.hasSources {
            w.raw(#"  <h3>Источники</h3>\#n  <table class="sources">\#n    <thead><tr><th>Источник</th><th>Что прочитано</th><th>Состояние</th><th class="num">Записей</th><th class="num">В карантине</th><th>Примечание</th></tr></thead>\#n    <tbody>\#n"#)
            for source in view.sources {
                w.raw("      <tr")
                if source.failed { w.raw(#" class="alert""#) }
                w.raw("><td>"); w.escaped(source.label)
                w.raw(#"</td><td class="small">"#); w.escaped(source.origin)
                w.raw(#"</td><td class="status">"#); w.escaped(source.state)
                w.raw(#"</td><td class="num">"#); w.int(source.read)
                w.raw(#"</td><td class="num">"#); w.int(source.quarantined)
                w.raw(#"</td><td class="wrap">"#); w.escaped(source.message)
                w.raw("</td></tr>\n")
            }
            w.raw("    </tbody>\n  </table>\n")
        }
        w.raw(#"</section>\#n\#n<section class="register" id="exceptions">\#n  <h2>К разбору <span class="count">("#)
        w.int(view.exceptionCount)
        w.raw(")</span></h2>\n  ")
        if view.nothingToResolve {
            w.raw(#"<p class="ok-note">Разбирать нечего: все платежи разнесены, документы выпущены, записи прочитаны.</p>"#)
        }
        w.raw("\n")
        exceptions(view, &w)
        w.raw("</section>\n\n")
        payments(view, &w, registerRows: registerRows)
        documents(view, &w, registerRows: registerRows)
        weighed(view, &w)
        returns(view, &w)
        receivables(view, &w)
        w.raw("<footer>"); w.escaped(view.seller); w.raw(" · "); w.escaped(view.title)
        w.raw(" · суммы в рублях; итоги посчитаны по строкам отчёта.</footer>\n</body>\n</html>\n")
    }

    /// A rough size of the page, so the buffer grows a few times at most.
    static func estimatedSize(_ view: DayView) -> Int {
        16_384 + view.payments.count * 900 + view.documents.count * 700 + view.exceptions.count * 400
            + view.held.count * 400 + view.quarantined.count * 600 + view.weighed.count * 500
            + view.returns.count * 500 + view.receivables.count * 700
    }

    /// `bar-chart.mustache` with the chart as context.
    static func barChart(_ chart: BarChart, _ w: inout ByteBuffer) {
        w.raw(#"<figure class="chart">\#n  <figcaption>"#); w.escaped(chart.title); w.raw("</figcaption>\n  ")
        if chart.isEmpty { w.raw(#"<p class="empty">Нет данных</p>"#) }
        w.raw("\n")
        if !chart.isEmpty {
            w.raw(#"  <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=""#); w.escaped(chart.title)
            w.raw(#"" width=""#); w.int(chart.width); w.raw(#"" height=""#); w.int(chart.height)
            w.raw(#"" viewBox="0 0 "#); w.int(chart.width); w.raw(" "); w.int(chart.height); w.raw("\">\n")
            for bar in chart.bars {
                w.raw(#"    <g>\#n      <text x=""#); w.int(chart.labelWidth)
                w.raw(#"" y=""#); w.int(bar.textY); w.raw(#"" text-anchor="end" class="bar-label">"#); w.escaped(bar.label)
                w.raw(#"</text>\#n      <rect x=""#); w.int(chart.barX); w.raw(#"" y=""#); w.int(bar.y)
                w.raw(#"" width=""#); w.int(bar.width); w.raw(#"" height=""#); w.int(chart.barHeight)
                w.raw(#"" rx="2" fill=""#); w.escaped(bar.color)
                w.raw(#""></rect>\#n      <text x=""#); w.int(bar.amountX); w.raw(#"" y=""#); w.int(bar.textY)
                w.raw(#"" class="bar-amount">"#); w.escaped(bar.amount); w.raw("</text>\n    </g>\n")
            }
            w.raw("  </svg>\n")
        }
        w.raw("</figure>\n")
    }

    static func exceptions(_ view: DayView, _ w: inout ByteBuffer) {
        if view.hasExceptions {
            w.raw(#"  <h3>Платежи и выплаты</h3>\#n  <table class="exceptions">\#n    <thead><tr><th>Вид</th><th>Ссылка</th><th class="num">Сумма</th><th>Описание</th><th>Возможные счета и заказы</th></tr></thead>\#n    <tbody>\#n"#)
            for row in view.exceptions {
                w.raw("      <tr><td>"); w.escaped(row.kind)
                w.raw(#"</td><td class="small">"#); w.escaped(row.reference)
                w.raw(#"</td><td class="num">"#); w.escaped(row.amount)
                w.raw(#"</td><td class="wrap">"#); w.escaped(row.message)
                w.raw(#"</td><td class="wrap">"#)
                for candidate in row.candidates { w.raw("<div>"); w.escaped(candidate); w.raw("</div>") }
                if row.candidates.isEmpty { w.raw(#"<span class="small">нет</span>"#) }
                w.raw("</td></tr>\n")
            }
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="2">Итого</td><td class="num" id="total-exceptions">"#)
            w.escaped(view.totals.exceptionAmount)
            w.raw(#"</td><td colspan="2"></td></tr></tfoot>\#n  </table>\#n"#)
        }
        if view.hasHeld {
            w.raw(#"  <h3>Задержанные документы</h3>\#n  <table class="exceptions">\#n    <thead><tr><th>Документ</th><th>Заказ</th><th>Основание</th><th>Покупатель</th><th class="num">Сумма</th><th>Причина</th></tr></thead>\#n    <tbody>\#n"#)
            for row in view.held {
                w.raw("      <tr><td>"); w.escaped(row.kind)
                w.raw("</td><td>"); w.escaped(row.order)
                w.raw(#"</td><td class="small">"#); w.escaped(row.reference)
                w.raw("</td><td>"); w.escaped(row.buyer)
                if let inn = row.buyerINN { w.raw(#"<div class="small">ИНН "#); w.escaped(inn); w.raw("</div>") }
                w.raw(#"</td><td class="num">"#); w.escaped(row.amount)
                w.raw(#"</td><td class="wrap">"#); w.escaped(row.reason)
                w.raw("</td></tr>\n")
            }
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="4">Итого</td><td class="num" id="total-held">"#)
            w.escaped(view.totals.heldAmount)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
        if view.hasQuarantined {
            w.raw(#"  <h3>Записи в карантине</h3>\#n  <table class="exceptions">\#n    <thead><tr><th>Источник</th><th>Запись</th><th>Поле</th><th>Причина и запись как прочитана</th></tr></thead>\#n    <tbody>\#n"#)
            for row in view.quarantined {
                w.raw("      <tr><td>"); w.escaped(row.source)
                w.raw(#"</td><td class="small">"#); w.escaped(row.record)
                w.raw(#"</td><td class="small">"#); w.escaped(row.field)
                w.raw(#"</td><td class="wrap">"#); w.escaped(row.message)
                w.raw(#"<pre class="raw">"#); w.escaped(row.raw)
                w.raw("</pre></td></tr>\n")
            }
            w.raw("    </tbody>\n  </table>\n")
        }
    }

    /// One register as `day.mustache` spells each: `<section class="register" id=…>`, its title with
    /// the count, the empty day's sentence, or the table (`<table class=id>` with its head, then
    /// `body` writes the rows and closes the table).
    static func register(id: String, title: String, count: Int, hasRows: Bool, empty: String, head: String,
                         _ w: inout ByteBuffer, body: (inout ByteBuffer) -> Void) {
        w.raw(#"<section class="register" id=""#); w.raw(id)
        w.raw(#"">\#n  <h2>"#); w.raw(title); w.raw(#" <span class="count">("#)
        w.int(count)
        w.raw(")</span></h2>\n  ")
        if !hasRows { w.raw(#"<p class="empty">"#); w.raw(empty); w.raw("</p>") }
        w.raw("\n")
        if hasRows {
            w.raw(#"  <table class=""#); w.raw(id); w.raw(#"">\#n    <thead>"#); w.raw(head)
            w.raw(#"</thead>\#n    <tbody>\#n"#)
            body(&w)
        }
        w.raw("</section>\n\n")
    }

    static func payments(_ view: DayView, _ w: inout ByteBuffer, registerRows: (RegisterPart, inout ByteBuffer) -> Void) {
        register(id: "payments", title: "Реестр платежей", count: view.paymentCount, hasRows: view.hasPayments,
                 empty: "Платежей за день нет.",
                 head: #"<tr><th>Дата</th><th>Источник</th><th>Плательщик</th><th>Назначение</th><th class="num">Сумма</th><th>Куда разнесено и по какому правилу</th><th class="num">Не разнесено</th><th>Статус</th></tr>"#, &w) { w in
            for row in view.payments { paymentRow(row, &w) }
            registerRows(.paymentsHTML, &w)
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="4">Итого</td><td class="num" id="total-payments">"#)
            w.escaped(view.totals.moneyIn)
            w.raw(#"</td><td>разнесено <span id="total-allocated">"#); w.escaped(view.totals.allocated)
            w.raw(#"</span></td><td class="num" id="total-unallocated">"#); w.escaped(view.totals.unallocated)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
    }

    /// One row of the payments register.
    static func paymentRow(_ row: DayView.PaymentLine, _ w: inout ByteBuffer) {
        w.raw("      <tr")
        if row.unmatched { w.raw(#" class="alert""#) }
        w.raw(">\n        <td>"); w.escaped(row.date)
        if let number = row.documentNumber { w.raw(#"<div class="small">п/п № "#); w.escaped(number); w.raw("</div>") }
        w.raw("</td>\n        <td>"); w.escaped(row.source)
        w.raw(#"<div class="small">"#); w.escaped(row.id)
        w.raw("</div></td>\n        <td>"); w.escaped(row.payer)
        if let inn = row.payerINN { w.raw(#"<div class="small">ИНН "#); w.escaped(inn); w.raw("</div>") }
        w.raw(#"</td>\#n        <td class="wrap small">"#); w.escaped(row.purpose)
        w.raw(#"</td>\#n        <td class="num">"#); w.escaped(row.amount)
        w.raw("</td>\n        <td>")
        if row.allocations.isEmpty { w.raw(#"<span class="red">—</span>"#) }
        w.raw(#"<ul class="allocs">"#)
        for allocation in row.allocations {
            w.raw("<li>счёт "); w.escaped(allocation.bill); w.raw(" · "); w.escaped(allocation.order)
            w.raw(" — <b>"); w.escaped(allocation.amount); w.raw(#"</b> <span class="rule">"#)
            w.escaped(allocation.rule); w.raw("</span></li>")
        }
        w.raw(#"</ul></td>\#n        <td class="num">"#)
        if row.hasUnallocated { w.escaped(row.unallocated) }
        w.raw(#"</td>\#n        <td class="status">"#); w.escaped(row.status)
        w.raw("</td>\n      </tr>\n")
    }

    static func documents(_ view: DayView, _ w: inout ByteBuffer, registerRows: (RegisterPart, inout ByteBuffer) -> Void) {
        register(id: "documents", title: "Выпущенные документы", count: view.documentCount, hasRows: view.hasDocuments, empty: "Документов за день не выпущено.",
                 head: #"<tr><th>Документ</th><th>Номер</th><th>Дата</th><th>Покупатель</th><th class="num">Без НДС</th><th class="num">НДС</th><th class="num">Всего</th><th>Файл</th></tr>"#, &w) { w in
            for row in view.documents { documentRow(row, &w) }
            registerRows(.documentsHTML, &w)
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="4">Итого</td><td class="num" id="total-documents-net">"#)
            w.escaped(view.totals.documentsWithoutVAT)
            w.raw(#"</td><td class="num" id="total-documents-vat">"#); w.escaped(view.totals.documentsVAT)
            w.raw(#"</td><td class="num" id="total-documents">"#); w.escaped(view.totals.documentsTotal)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
    }

    /// One row of the documents register.
    static func documentRow(_ row: DayView.DocumentLine, _ w: inout ByteBuffer) {
        w.raw("      <tr>\n        <td>"); w.escaped(row.kind)
        if let correction = row.correction { w.raw(#" <span class="small">"#); w.escaped(correction); w.raw("</span>") }
        if row.paperOnly { w.raw(#" <span class="tag">на бумаге</span>"#) }
        w.raw("</td>\n        <td>"); w.escaped(row.number)
        if let order = row.order { w.raw(#"<div class="small">заказ "#); w.escaped(order); w.raw("</div>") }
        w.raw("</td>\n        <td>"); w.escaped(row.date)
        w.raw("</td>\n        <td>"); w.escaped(row.buyer)
        w.raw(#"<div class="small">ИНН "#); w.escaped(row.buyerINN)
        w.raw(#"</div></td>\#n        <td class="num">"#); w.escaped(row.withoutVAT)
        w.raw(#"</td><td class="num">"#); w.escaped(row.vat)
        w.raw(#"</td><td class="num">"#); w.escaped(row.total)
        w.raw(#"</td>\#n        <td class="small wrap">"#); w.escaped(row.file)
        w.raw("</td>\n      </tr>\n")
    }

    static func weighed(_ view: DayView, _ w: inout ByteBuffer) {
        register(id: "weighed", title: "Весовой товар: корректировки", count: view.weighedCount, hasRows: view.hasWeighed, empty: "Корректировок по весу за день нет.",
                 head: #"<tr><th>Заказ</th><th>Счёт</th><th>Покупатель</th><th class="num">Сумма счёта</th><th class="num">Отгружено на сумму</th><th class="num">Разница</th><th>Как учтено</th></tr>"#, &w) { w in
            for row in view.weighed {
                w.raw("      <tr><td>"); w.escaped(row.order)
                w.raw("</td><td>"); w.escaped(row.bill)
                w.raw("</td><td>"); w.escaped(row.customer)
                w.raw(#"<div class="small">ИНН "#); w.escaped(row.customerINN)
                w.raw(#"</div></td><td class="num">"#); w.escaped(row.billAmount)
                w.raw(#"</td><td class="num">"#); w.escaped(row.shippedValue)
                w.raw(#"</td><td class="num">"#); w.escaped(row.difference)
                w.raw("</td><td>"); w.escaped(row.treatment)
                w.raw("</td></tr>\n")
            }
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="3">Итого</td><td class="num" id="total-weighed-bills">"#)
            w.escaped(view.totals.weighedBillAmount)
            w.raw(#"</td><td class="num" id="total-weighed-shipped">"#); w.escaped(view.totals.weighedShippedValue)
            w.raw(#"</td><td class="num" id="total-weighed-difference">"#); w.escaped(view.totals.weighedDifference)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
    }

    static func returns(_ view: DayView, _ w: inout ByteBuffer) {
        register(id: "returns", title: "Возвраты", count: view.returnCount, hasRows: view.hasReturns, empty: "Возвратов за день нет.",
                 head: #"<tr><th>Заказ</th><th>Возврат</th><th>Этап</th><th>Дата</th><th>Покупатель</th><th>Причина</th><th class="num">Сумма</th><th>Документ</th></tr>"#, &w) { w in
            for row in view.returns {
                w.raw("      <tr><td>"); w.escaped(row.order)
                w.raw(#"</td><td class="small">"#); w.escaped(row.returnID)
                w.raw("</td><td>"); w.escaped(row.stage)
                w.raw("</td><td>"); w.escaped(row.date)
                w.raw("</td><td>"); w.escaped(row.customer)
                w.raw(#"</td><td class="wrap">"#); w.escaped(row.reason)
                w.raw(#"</td><td class="num">"#); w.escaped(row.amount)
                w.raw("</td><td>"); w.escaped(row.document)
                if let file = row.file { w.raw(#"<div class="small">"#); w.escaped(file); w.raw("</div>") }
                w.raw("</td></tr>\n")
            }
            w.raw(#"    </tbody>\#n    <tfoot><tr><td colspan="6">Итого</td><td class="num" id="total-returns">"#)
            w.escaped(view.totals.returnsAmount)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
    }

    static func receivables(_ view: DayView, _ w: inout ByteBuffer) {
        register(id: "receivables", title: "Дебиторская задолженность", count: view.receivableCount, hasRows: view.hasReceivables, empty: "Задолженности покупателей нет.",
                 head: #"<tr><th>Покупатель</th><th class="num">Лимит</th><th class="num">Сальдо</th><th class="num">Срок не наступил</th><th class="num">1–30 дн.</th><th class="num">31–60 дн.</th><th class="num">61–90 дн.</th><th class="num">&gt; 90 дн.</th><th class="num">Просрочено</th><th>Стоп-лист</th></tr>"#, &w) { w in
            for row in view.receivables {
                w.raw("      <tr")
                if row.onStopList { w.raw(#" class="alert""#) }
                w.raw("><td>"); w.escaped(row.customer)
                w.raw(#"<div class="small">ИНН "#); w.escaped(row.inn)
                w.raw(#"</div></td><td class="num">"#); w.escaped(row.creditLimit)
                w.raw(#"</td><td class="num"#)
                if row.overLimit { w.raw(" red") }
                w.raw("\">"); w.escaped(row.balance)
                w.raw(#"</td><td class="num">"#); w.escaped(row.notDue)
                w.raw(#"</td><td class="num">"#); w.escaped(row.d1to30)
                w.raw(#"</td><td class="num">"#); w.escaped(row.d31to60)
                w.raw(#"</td><td class="num">"#); w.escaped(row.d61to90)
                w.raw(#"</td><td class="num">"#); w.escaped(row.over90)
                w.raw(#"</td><td class="num">"#); w.escaped(row.overdue)
                w.raw(#"</td><td class="status wrap">"#); w.escaped(row.stopList)
                w.raw("</td></tr>\n")
            }
            w.raw(#"    </tbody>\#n    <tfoot><tr><td>Итого</td><td class="num" id="total-credit-limit">"#)
            w.escaped(view.totals.creditLimit)
            w.raw(#"</td><td class="num" id="total-balance">"#); w.escaped(view.totals.balance)
            w.raw(#"</td><td class="num" id="total-not-due">"#); w.escaped(view.totals.notDue)
            w.raw(#"</td><td class="num">"#); w.escaped(view.totals.d1to30)
            w.raw(#"</td><td class="num">"#); w.escaped(view.totals.d31to60)
            w.raw(#"</td><td class="num">"#); w.escaped(view.totals.d61to90)
            w.raw(#"</td><td class="num">"#); w.escaped(view.totals.over90)
            w.raw(#"</td><td class="num" id="total-overdue">"#); w.escaped(view.totals.overdue)
            w.raw("</td><td></td></tr></tfoot>\n  </table>\n")
        }
    }
}
