import Domain

/// The printable УПД in its usual paper layout (ПП РФ 1137, the form of ФНС letter
/// ММВ-20-3/96@): header lines (1)–(8), the goods table with columns 1–11, totals, signatures
/// and the transfer section (10)–(21).
///
/// One self-contained HTML file (UTF-8, inline CSS, A4 landscape print rules). Every value
/// from data goes through `escape(_:)`, so a product named `<script>` prints as text.
public enum PrintForm {
    /// Escapes text for HTML element content and double- or single-quoted attribute values.
    public static func escape(_ text: String) -> String {
        // Most values hold none of the five characters: returned as they are.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The HTML print form of a УПД (or an advance invoice) with the number the ledger gave it.
    public static func html(for draft: InvoiceDraft, number: DocumentNumber) -> String {
        let e = escape
                let title = draft.isAdvance ? "Счёт-фактура" : "Универсальный передаточный документ"
        var h = """
        <!DOCTYPE html>
        <html lang="ru">
        <head>
        <meta charset="utf-8">
        <title>\(e(title)) № \(e(number.rawValue)) от \(draft.date.russian)</title>
        <style>
        @page { size: A4 landscape; margin: 8mm; }
        body { font-family: "Arial", "Helvetica", sans-serif; font-size: 8pt; margin: 0; color: #000; }
        table { border-collapse: collapse; width: 100%; }
        .head td { padding: 1px 4px; vertical-align: top; }
        .head .label { white-space: nowrap; width: 24%; }
        .head .value { border-bottom: 1px solid #000; }
        .head .no { width: 3%; text-align: right; white-space: nowrap; }
        .frame { display: flex; border-bottom: 2px solid #000; }
        .status { width: 16%; border-right: 2px solid #000; padding: 4px; }
        .status b { font-size: 11pt; }
        .main { width: 84%; padding-left: 4px; }
        .goods th, .goods td { border: 1px solid #000; padding: 1px 3px; }
        .goods th { font-weight: normal; font-size: 7pt; text-align: center; }
        .goods td.n { text-align: right; white-space: nowrap; }
        .goods tr.total td { font-weight: bold; }
        .sign td { padding: 6px 4px 1px 4px; vertical-align: bottom; }
        .sign .line { border-bottom: 1px solid #000; min-width: 30mm; }
        .sign .hint { font-size: 6pt; text-align: center; vertical-align: top; padding-top: 0; }
        .transfer { display: flex; border-top: 2px solid #000; margin-top: 4px; }
        .transfer > div { width: 50%; padding: 2px 4px; }
        .transfer > div + div { border-left: 2px solid #000; }
        .transfer td { padding: 3px 2px; vertical-align: bottom; }
        .transfer .line { border-bottom: 1px solid #000; }
        @media print { .goods tr { page-break-inside: avoid; } }
        </style>
        </head>
        <body>
        <div class="frame">
        <div class="status">
        <b>\(e(title))</b><br><br>
        Статус: <b>1</b><br>
        <span style="font-size:6pt">1 — счёт-фактура и передаточный документ (акт)<br>2 — передаточный документ (акт)</span>
        </div>
        <div class="main">
        <table class="head">

        """
        h.reserveCapacity(8_192 + 1_024 * draft.lines.count)
        func row(_ label: String, _ value: String, _ no: String) {
            // Appended piece by piece (no interpolated string made first).
            h += "<tr><td class=\"label\">"
            h += label
            h += "</td><td class=\"value\">"
            h += value
            h += "</td><td class=\"no\">("
            h += no
            h += ")</td></tr>\n"
        }
        row("Счёт-фактура №", "\(e(number.rawValue)) от \(draft.date.russian)", "1")
        if let correction = draft.correction {
            row("Исправление №", "\(correction.number) от \(correction.date.russian)", "1а")
        } else {
            row("Исправление №", "— от —", "1а")
        }
        row("Продавец", e(draft.seller.party.name), "2")
        row("Адрес", e(draft.seller.address.text), "2а")
        row("ИНН/КПП продавца", e(innKPP(draft.seller)), "2б")
        row("Грузоотправитель и его адрес", draft.shipper.map { e(participantLine($0)) } ?? "—", "3")
        row("Грузополучатель и его адрес", draft.consignee.map { e(participantLine($0)) } ?? "—", "4")
        let payments = draft.paymentDocuments.map { "№ \(e($0.number)) от \($0.date.russian)" }.joined(separator: "; ")
        row("К платёжно-расчётному документу", payments.isEmpty ? "№ — от —" : payments, "5")
        if draft.function == .invoiceAndTransfer {
            row("Документ об отгрузке", "№ п/п 1–\(draft.lines.count) № \(e(number.rawValue)) от \(draft.date.russian)", "5а")
        }
        row("Покупатель", e(draft.buyer.party.name), "6")
        row("Адрес", e(draft.buyer.address.text), "6а")
        row("ИНН/КПП покупателя", e(innKPP(draft.buyer)), "6б")
        row("Валюта: наименование, код", "Российский рубль, 643", "7")
        row("Идентификатор государственного контракта, договора (соглашения)", "—", "8")
        h += """
        </table>
        </div>
        </div>
        <table class="goods">
        <thead>
        <tr><th rowspan="2">Код товара/ работ, услуг</th><th rowspan="2">№ п/п</th>
        <th rowspan="2">Наименование товара (описание выполненных работ, оказанных услуг), имущественного права</th>
        <th rowspan="2">Код вида товара</th><th colspan="2">Единица измерения</th>
        <th rowspan="2">Коли&shy;чество (объём)</th><th rowspan="2">Цена (тариф) за единицу измерения</th>
        <th rowspan="2">Стоимость товаров (работ, услуг), имущественных прав без налога — всего</th>
        <th rowspan="2">В том числе сумма акциза</th><th rowspan="2">Нало&shy;говая ставка</th>
        <th rowspan="2">Сумма налога, предъявляемая покупателю</th>
        <th rowspan="2">Стоимость товаров (работ, услуг), имущественных прав с налогом — всего</th>
        <th colspan="2">Страна происхождения товара</th>
        <th rowspan="2">Регистрационный номер декларации на товары или регистрационный номер партии товара, подлежащего прослеживаемости</th></tr>
        <tr><th>код</th><th>условное обозначение (национальное)</th><th>цифровой код</th><th>краткое наименование</th></tr>
        <tr><th>А</th><th>1</th><th>1а</th><th>1б</th><th>2</th><th>2а</th><th>3</th><th>4</th><th>5</th><th>6</th><th>7</th><th>8</th><th>9</th><th>10</th><th>10а</th><th>11</th></tr>
        </thead>
        <tbody>

        """
        for line in draft.lines {
            // Plain if-let, not optional chaining: Swift 6.3's optimiser crashes (CopyPropagation)
            // on the chained form of this loop in release builds.
            var okei = "—", unitName = "—", quantity = "—", unitPrice = "—", withoutVAT = "—"
            if let goods = line.goods {
                okei = goods.unit.okei
                unitName = goods.unit.name
                quantity = goods.amounts.quantity.description
                unitPrice = price(goods.amounts.unitPriceWithoutVAT)
                withoutVAT = money(goods.amounts.totalWithoutVAT)
            }
            let vat = line.rate == .exempt ? "без НДС" : money(line.vat)
            // Appended piece by piece (no interpolated string made first).
            h += "<tr><td>"
            h += e(line.sku ?? "—")
            h += "</td><td class=\"n\">"
            h += String(line.number)
            h += "</td><td>"
            h += e(line.name)
            h += "</td><td>—</td><td>"
            h += e(okei)
            h += "</td><td>"
            h += e(unitName)
            h += "</td><td class=\"n\">"
            h += quantity
            h += "</td><td class=\"n\">"
            h += unitPrice
            h += "</td><td class=\"n\">"
            h += withoutVAT
            h += "</td><td>без акциза</td><td>"
            h += e(line.rate.fnsCode)
            h += "</td><td class=\"n\">"
            h += vat
            h += "</td><td class=\"n\">"
            h += money(line.total)
            h += "</td><td>—</td><td>—</td><td>—</td></tr>\n"
        }
        let totalVAT = draft.isWithoutVAT ? "без НДС" : money(draft.vat)
        let totalWithout = draft.isAdvance ? "—" : money(draft.totalWithoutVAT)
        h += """
        <tr class="total"><td></td><td colspan="7">Всего к оплате (9)</td><td class="n">\(totalWithout)</td><td>X</td><td></td>
        <td class="n">\(totalVAT)</td><td class="n">\(money(draft.total))</td><td colspan="3"></td></tr>
        </tbody>
        </table>
        <table class="sign">
        <tr><td>Руководитель организации или иное уполномоченное лицо</td><td class="line"></td><td class="line">\(e(draft.signer.shortName))</td>
        <td>Главный бухгалтер или иное уполномоченное лицо</td><td class="line"></td><td class="line"></td></tr>
        <tr><td></td><td class="hint">(подпись)</td><td class="hint">(ф.и.о.)</td><td></td><td class="hint">(подпись)</td><td class="hint">(ф.и.о.)</td></tr>
        </table>

        """
        if let transfer = draft.transfer {
            let seller = "\(draft.seller.party.name), ИНН/КПП \(innKPP(draft.seller))"
            let buyer = "\(draft.buyer.party.name), ИНН/КПП \(innKPP(draft.buyer))"
            h += """
            <table class="head" style="margin-top:4px">
            <tr><td class="label">Основание передачи (сдачи) / получения (приёмки)</td><td class="value">\(e(transfer.basis.name)) № \(e(transfer.basis.number)) от \(transfer.basis.date.russian)</td><td class="no">(10)</td></tr>
            <tr><td class="label">Данные о транспортировке и грузе</td><td class="value">—</td><td class="no">(11)</td></tr>
            </table>
            <div class="transfer">
            <div><table>
            <tr><td>Товар (груз) передал / услуги, результаты работ, права сдал</td></tr>
            <tr><td class="line">\(e(draft.signer.position)) &nbsp; ________ &nbsp; \(e(draft.signer.shortName))</td><td class="no">(12)</td></tr>
            <tr><td>Дата отгрузки, передачи (сдачи): \(transfer.date.russian)</td><td class="no">(13)</td></tr>
            <tr><td>Иные сведения об отгрузке, передаче: \(e(transfer.content))</td><td class="no">(14)</td></tr>
            <tr><td>Ответственный за правильность оформления факта хозяйственной жизни</td></tr>
            <tr><td class="line">\(e(draft.signer.position)) &nbsp; ________ &nbsp; \(e(draft.signer.shortName))</td><td class="no">(15)</td></tr>
            <tr><td>Наименование экономического субъекта — составителя документа (в т.ч. комиссионера / агента)</td></tr>
            <tr><td class="line">\(e(seller))</td><td class="no">(16)</td></tr>
            </table></div>
            <div><table>
            <tr><td>Товар (груз) получил / услуги, результаты работ, права принял</td></tr>
            <tr><td class="line">&nbsp;</td><td class="no">(17)</td></tr>
            <tr><td>Дата получения (приёмки): «___» ____________ 20__ г.</td><td class="no">(18)</td></tr>
            <tr><td>Иные сведения о получении, приёмке</td></tr>
            <tr><td class="line">&nbsp;</td><td class="no">(19)</td></tr>
            <tr><td>Ответственный за правильность оформления факта хозяйственной жизни</td></tr>
            <tr><td class="line">&nbsp;</td><td class="no">(20)</td></tr>
            <tr><td>Наименование экономического субъекта — составителя документа</td></tr>
            <tr><td class="line">\(e(buyer))</td><td class="no">(21)</td></tr>
            </table></div>
            </div>

            """
        }
        h += "</body>\n</html>\n"
        return h
    }

    static func innKPP(_ participant: Participant) -> String {
        participant.party.inn.value + "/" + (participant.kpp ?? "—")
    }

    static func participantLine(_ participant: Participant) -> String {
        var text = participant.party.name
        if let unit = participant.structuralUnit { text += " (\(unit))" }
        return text + ", ИНН/КПП " + innKPP(participant) + ", " + participant.address.text
    }

    /// Money as printed on the form: `1 234,56`.
    static func money(_ value: Money) -> String { value.formatted(grouping: "\u{00A0}", decimalSeparator: ",") }

    /// A unit price: two decimals at least, more only when the price has them.
    static func price(_ value: ExactDecimal) -> String {
        let normalized = value.normalized
        let text = (normalized.scale < 2 ? (normalized.rescaled(to: 2) ?? normalized) : normalized).description
        return String(text.map { $0 == "." ? "," : $0 })
    }
}
