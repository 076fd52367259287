// The day report's view types give their fields to mustache by name (`MustacheParent`) instead
// of through reflection: swift-mustache's `Mirror` lookup builds every child of a row for every
// field it reads, which was most of the time of a report of 100 000 rows. Each `child(named:)`
// lists every stored property under its own name, so templates see exactly what reflection showed
// (an optional that is nil is absent, as reflection's lookup made it); `ReportsTests` checks each
// type against `Mirror`.
import Mustache

/// A view type whose fields mustache reads by name (see above).
protocol ViewFields: MustacheParent {
    /// The stored property `name`; `nil` when there is none or it is a nil optional.
    func field(named name: String) -> Any?
}

extension ViewFields {
    func child(named name: String) -> Any? { field(named: name) }
}

extension DayView: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "title": title
        case "date": date
        case "generatedAt": generatedAt
        case "seller": seller
        case "sellerINN": sellerINN
        case "sellerKPP": sellerKPP
        case "outcome": outcome
        case "outcomeClass": outcomeClass
        case "runTimes": runTimes
        case "notes": notes
        case "hasNotes": hasNotes
        case "cards": cards
        case "sources": sources
        case "hasSources": hasSources
        case "moneyChart": moneyChart
        case "ageingChart": ageingChart
        case "payments": Array(payments)
        case "hasPayments": hasPayments
        case "paymentCount": paymentCount
        case "exceptions": Array(exceptions)
        case "hasExceptions": hasExceptions
        case "held": Array(held)
        case "hasHeld": hasHeld
        case "quarantined": Array(quarantined)
        case "hasQuarantined": hasQuarantined
        case "nothingToResolve": nothingToResolve
        case "exceptionCount": exceptionCount
        case "documents": Array(documents)
        case "hasDocuments": hasDocuments
        case "documentCount": documentCount
        case "weighed": Array(weighed)
        case "hasWeighed": hasWeighed
        case "weighedCount": weighedCount
        case "returns": Array(returns)
        case "hasReturns": hasReturns
        case "returnCount": returnCount
        case "receivables": Array(receivables)
        case "hasReceivables": hasReceivables
        case "receivableCount": receivableCount
        case "totals": totals
        default: nil
        }
    }
}

extension DayView.Card: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "title": title
        case "value": value
        case "detail": detail
        case "alert": alert
        default: nil
        }
    }
}

extension DayView.Source: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "label": label
        case "origin": origin
        case "state": state
        case "read": read
        case "quarantined": quarantined
        case "message": message
        case "failed": failed
        default: nil
        }
    }
}

extension DayView.AllocationLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "bill": bill
        case "order": order
        case "amount": amount
        case "rule": rule
        default: nil
        }
    }
}

extension DayView.PaymentLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "id": id
        case "source": source
        case "date": date
        case "documentNumber": documentNumber
        case "payer": payer
        case "payerINN": payerINN
        case "amount": amount
        case "purpose": purpose
        case "allocations": allocations
        case "unallocated": unallocated
        case "hasUnallocated": hasUnallocated
        case "status": status
        case "unmatched": unmatched
        default: nil
        }
    }
}

extension DayView.ExceptionLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "reference": reference
        case "amount": amount
        case "message": message
        case "candidates": candidates
        default: nil
        }
    }
}

extension DayView.DocumentLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "number": number
        case "correction": correction
        case "date": date
        case "order": order
        case "buyer": buyer
        case "buyerINN": buyerINN
        case "withoutVAT": withoutVAT
        case "vat": vat
        case "total": total
        case "file": file
        case "paperOnly": paperOnly
        default: nil
        }
    }
}

extension DayView.HeldLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "order": order
        case "reference": reference
        case "buyer": buyer
        case "buyerINN": buyerINN
        case "amount": amount
        case "reason": reason
        default: nil
        }
    }
}

extension DayView.QuarantineLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "source": source
        case "record": record
        case "field": field
        case "message": message
        case "raw": raw
        default: nil
        }
    }
}

extension DayView.WeighedLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "order": order
        case "bill": bill
        case "customer": customer
        case "customerINN": customerINN
        case "billAmount": billAmount
        case "shippedValue": shippedValue
        case "difference": difference
        case "treatment": treatment
        default: nil
        }
    }
}

extension DayView.ReturnLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "order": order
        case "returnID": returnID
        case "stage": stage
        case "date": date
        case "customer": customer
        case "reason": reason
        case "amount": amount
        case "document": document
        case "file": file
        default: nil
        }
    }
}

extension DayView.ReceivableLine: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "customer": customer
        case "inn": inn
        case "creditLimit": creditLimit
        case "balance": balance
        case "notDue": notDue
        case "d1to30": d1to30
        case "d31to60": d31to60
        case "d61to90": d61to90
        case "over90": over90
        case "overdue": overdue
        case "stopList": stopList
        case "onStopList": onStopList
        case "overLimit": overLimit
        default: nil
        }
    }
}

extension DayView.Totals: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "moneyIn": moneyIn
        case "allocated": allocated
        case "unallocated": unallocated
        case "exceptionAmount": exceptionAmount
        case "documentsWithoutVAT": documentsWithoutVAT
        case "documentsVAT": documentsVAT
        case "documentsTotal": documentsTotal
        case "heldAmount": heldAmount
        case "weighedBillAmount": weighedBillAmount
        case "weighedShippedValue": weighedShippedValue
        case "weighedDifference": weighedDifference
        case "returnsAmount": returnsAmount
        case "creditLimit": creditLimit
        case "balance": balance
        case "notDue": notDue
        case "d1to30": d1to30
        case "d31to60": d31to60
        case "d61to90": d61to90
        case "over90": over90
        case "overdue": overdue
        default: nil
        }
    }
}

extension BarChart: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "title": title
        case "width": width
        case "height": height
        case "labelWidth": labelWidth
        case "barX": barX
        case "barHeight": barHeight
        case "bars": bars
        case "isEmpty": isEmpty
        default: nil
        }
    }
}

extension BarChart.Bar: ViewFields {
    func field(named name: String) -> Any? {
        switch name {
        case "label": label
        case "amount": amount
        case "y": y
        case "textY": textY
        case "width": width
        case "amountX": amountX
        case "color": color
        default: nil
        }
    }
}
