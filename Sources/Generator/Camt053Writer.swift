import Domain

/// Writes a camt.053.001.05 statement of the second account, the way Russian banks ship it.
enum Camt053Writer {
    static func write(_ operations: [BankOperation], seller: SellerProfile, day: CivilDate, dayIndex: Int, opening: Money,
                      to sink: ByteSink) throws {
        let booked = operations.filter(\.booked)
        let closing = opening + ClientBankWriter.credits(booked) - ClientBankWriter.debits(booked)
        let account = seller.secondBank.account
        let created = "\(day.iso)T23:50:02+03:00"
        var text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.05" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <BkToCstmrStmt>
                <GrpHdr>
                    <MsgId>AB-STMT-\(day.compact)-0001</MsgId>
                    <CreDtTm>\(created)</CreDtTm>
                    <MsgRcpt>
                        <Nm>\(escape(seller.name))</Nm>
        \(organisationID(seller.inn, indent: "                "))
                    </MsgRcpt>
                    <MsgPgntn>
                        <PgNb>1</PgNb>
                        <LastPgInd>true</LastPgInd>
                    </MsgPgntn>
                </GrpHdr>
                <Stmt>
                    <Id>\(account)-\(day.compact)</Id>
                    <ElctrncSeqNb>\(300 + dayIndex)</ElctrncSeqNb>
                    <CreDtTm>\(created)</CreDtTm>
                    <FrToDt>
                        <FrDtTm>\(day.iso)T00:00:00+03:00</FrDtTm>
                        <ToDtTm>\(day.iso)T23:59:59+03:00</ToDtTm>
                    </FrToDt>
                    <Acct>
                        <Id>
                            <Othr>
                                <Id>\(account)</Id>
                            </Othr>
                        </Id>
                        <Ccy>RUB</Ccy>
                        <Ownr>
                            <Nm>\(escape(seller.name))</Nm>
        \(organisationID(seller.inn, indent: "                        "))
                        </Ownr>
                        <Svcr>
        \(institution(seller.secondBank, indent: "                        "))
                        </Svcr>
                    </Acct>
        \(balance("OPBD", opening, day: day))
        \(balance("CLBD", closing, day: day))

        """
        try sink.write(text)
        text = ""
        for operation in operations {
            try sink.write(entry(operation, indent: "            ") + "\n")
        }
        try sink.write("""
                </Stmt>
            </BkToCstmrStmt>
        </Document>

        """)
    }

    private static func balance(_ code: String, _ amount: Money, day: CivilDate) -> String {
        """
                    <Bal>
                        <Tp>
                            <CdOrPrtry>
                                <Cd>\(code)</Cd>
                            </CdOrPrtry>
                        </Tp>
                        <Amt Ccy="RUB">\(amount.magnitude)</Amt>
                        <CdtDbtInd>\(amount.isNegative ? "DBIT" : "CRDT")</CdtDbtInd>
                        <Dt>
                            <Dt>\(day.iso)</Dt>
                        </Dt>
                    </Bal>
        """
    }

    /// One `Ntry` element, each line prefixed with `indent`.
    static func entry(_ operation: BankOperation, indent: String) -> String {
        let incoming = operation.direction == .incoming
        let amount = operation.amount.description
        var lines: [String] = [
            "<Ntry>",
            "    <Amt Ccy=\"RUB\">\(amount)</Amt>",
            "    <CdtDbtInd>\(incoming ? "CRDT" : "DBIT")</CdtDbtInd>",
            "    <Sts>\(operation.booked ? "BOOK" : "PDNG")</Sts>",
            "    <BookgDt>",
            "        <Dt>\(operation.date.iso)</Dt>",
            "    </BookgDt>",
            "    <ValDt>",
            "        <Dt>\(operation.date.iso)</Dt>",
            "    </ValDt>",
            "    <AcctSvcrRef>\(escape(operation.reference))</AcctSvcrRef>",
            "    <BkTxCd>",
            "        <Prtry>",
            "            <Cd>01</Cd>",
            "            <Issr>CBR</Issr>",
            "        </Prtry>",
            "    </BkTxCd>",
            "    <NtryDtls>",
            "        <TxDtls>",
            "            <Refs>",
            "                <AcctSvcrRef>\(escape(operation.reference))</AcctSvcrRef>",
            "                <EndToEndId>\(escape(operation.number))</EndToEndId>",
            "            </Refs>",
            "            <Amt Ccy=\"RUB\">\(amount)</Amt>",
            "            <CdtDbtInd>\(incoming ? "CRDT" : "DBIT")</CdtDbtInd>",
            "            <RltdPties>",
        ]
        for (role, party) in [("Dbtr", operation.payer), ("Cdtr", operation.payee)] {
            lines.append("                <\(role)>")
            lines.append("                    <Nm>\(escape(party.name))</Nm>")
            lines.append(organisationID(party.inn, indent: "                    "))
            lines.append("                </\(role)>")
            lines.append("                <\(role)Acct>")
            lines.append("                    <Id>")
            lines.append("                        <Othr>")
            lines.append("                            <Id>\(party.bank.account)</Id>")
            lines.append("                        </Othr>")
            lines.append("                    </Id>")
            lines.append("                </\(role)Acct>")
        }
        let agent = incoming ? ("DbtrAgt", operation.payer.bank) : ("CdtrAgt", operation.payee.bank)
        lines += [
            "            </RltdPties>",
            "            <RltdAgts>",
            "                <\(agent.0)>",
            institution(agent.1, indent: "                    "),
            "                </\(agent.0)>",
            "            </RltdAgts>",
            "            <RmtInf>",
        ]
        for piece in operation.purpose {
            lines.append("                <Ustrd>\(escape(piece))</Ustrd>")
        }
        lines += [
            "            </RmtInf>",
            "        </TxDtls>",
            "    </NtryDtls>",
            "</Ntry>",
        ]
        return lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .map { indent + $0 }.joined(separator: "\n")
    }

    /// `<Id><OrgId><Othr><Id>ИНН</Id><SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id>`, indented.
    private static func organisationID(_ inn: String, indent: String) -> String {
        [
            "<Id>", "    <OrgId>", "        <Othr>", "            <Id>\(inn)</Id>", "            <SchmeNm>",
            "                <Cd>TXID</Cd>", "            </SchmeNm>", "        </Othr>", "    </OrgId>", "</Id>",
        ].map { indent + $0 }.joined(separator: "\n")
    }

    private static func institution(_ bank: BankDetails, indent: String) -> String {
        [
            "<FinInstnId>", "    <ClrSysMmbId>", "        <ClrSysId>", "            <Cd>RUCBC</Cd>", "        </ClrSysId>",
            "        <MmbId>\(bank.bik)</MmbId>", "    </ClrSysMmbId>", "    <Nm>\(escape(bank.name))</Nm>", "</FinInstnId>",
        ].map { indent + $0 }.joined(separator: "\n")
    }

    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\"" }) else { return text }
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
