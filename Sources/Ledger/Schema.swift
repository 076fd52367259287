import GRDB

/// The ledger's schema as forward-only named migrations.
///
/// A migration that has been released is never edited: a change of schema is a new
/// migration appended to the list. Each migration also sets `PRAGMA user_version` to its
/// position (1-based), so the schema version is visible to any SQLite tool.
enum LedgerSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1-initial", v1),
        ("v2-document-details", v2),
        ("v3-lookup-indexes", v3),
        ("v4-documents-xml-last", v4),
        ("v5-covering-indexes", v5),
    ]

    static var migrationNames: [String] { migrations.map(\.name) }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (index, migration) in migrations.enumerated() {
            let version = index + 1
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
                try db.execute(sql: "PRAGMA user_version = \(version)")
            }
        }
        return migrator
    }

    /// The two lookups of the day's balance movements and credit control that read one row per
    /// order or document answered from their index alone: a customer's orders' terms (an order's
    /// row holds its whole content, one page or more each) and an order's documents' stamps (a
    /// document's row holds its XML and details, a page or more each). The indexes keep their
    /// names and their first column, so every query that used them still does.
    static let v5 = """
        DROP INDEX orders_by_customer;
        CREATE INDEX orders_by_customer ON orders(customer_inn, created_at, id, terms_payment, deferral_days, credit_limit);
        DROP INDEX documents_by_order;
        CREATE INDEX documents_by_order ON documents(order_id, identity, correction_number, number, date, business_date);
        """

    /// The documents' XML moved to the end of the row (the table rebuilt with the same columns,
    /// constraints, indexes, rows, ids and AUTOINCREMENT counter). A document's XML is several
    /// kilobytes and SQLite keeps what does not fit a page in a chain of overflow pages: with `xml`
    /// in the middle of the row, reading the totals, status or business date of a document walked
    /// the whole chain (the day's balance movements read every shipped order's documents). With
    /// `xml` last, reading the other columns stops before it.
    static let v4 = """
        CREATE TABLE documents_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            identity TEXT NOT NULL,
            correction_number INTEGER NOT NULL CHECK (correction_number >= 0),
            kind TEXT NOT NULL,
            series TEXT,
            number INTEGER,
            date TEXT NOT NULL,
            order_id TEXT NOT NULL,
            shipment_id TEXT,
            customer_inn TEXT NOT NULL,
            file_name TEXT,
            file_id TEXT,
            content_sha256 TEXT,
            total_without_vat INTEGER NOT NULL,
            total_vat INTEGER NOT NULL,
            total INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('issued', 'corrected', 'held')),
            hold_reason TEXT,
            business_date TEXT NOT NULL,
            details BLOB,
            xml BLOB,
            UNIQUE (identity, correction_number),
            CHECK (status <> 'held' OR number IS NULL),
            CHECK (status = 'held' OR (number IS NOT NULL AND series IS NOT NULL AND xml IS NOT NULL
                                       AND content_sha256 IS NOT NULL AND file_name IS NOT NULL))
        );
        INSERT INTO documents_v4 (id, identity, correction_number, kind, series, number, date, order_id, shipment_id,
            customer_inn, file_name, file_id, content_sha256, total_without_vat, total_vat, total, status, hold_reason,
            business_date, details, xml)
        SELECT id, identity, correction_number, kind, series, number, date, order_id, shipment_id,
            customer_inn, file_name, file_id, content_sha256, total_without_vat, total_vat, total, status, hold_reason,
            business_date, details, xml
        FROM documents ORDER BY id;
        UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'documents'))
        WHERE name = 'documents_v4' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'documents');
        INSERT INTO sqlite_sequence (name, seq)
        SELECT 'documents_v4', seq FROM sqlite_sequence
        WHERE name = 'documents' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'documents_v4');
        DROP TABLE documents;
        ALTER TABLE documents_v4 RENAME TO documents;
        CREATE INDEX documents_by_business_date ON documents(business_date);
        CREATE INDEX documents_by_order ON documents(order_id);
        CREATE INDEX documents_by_shipment ON documents(shipment_id);
        """

    /// Indexes for lookups a day makes per document: a held document's numbers by identity
    /// (`document_numbers` was indexed only by series and identity together).
    static let v3 = """
        CREATE INDEX document_numbers_by_identity ON document_numbers(identity);
        """

    /// The documents stage's own record of each document (its lines, correction date, print form),
    /// kept beside the XML so that corrections, УКД and re-materialised files need nothing else.
    static let v2 = """
        ALTER TABLE documents ADD COLUMN details BLOB;
        """

    /// Dates are ISO `YYYY-MM-DD` text (sorts as dates), timestamps RFC 3339 text,
    /// money INTEGER kopecks, quantities exact decimal text.
    static let v1 = """
        CREATE TABLE customers (
            inn TEXT PRIMARY KEY NOT NULL,
            customer_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            kpp TEXT,
            address_text TEXT NOT NULL,
            edo_id TEXT,
            email TEXT,
            party TEXT NOT NULL,
            source_order_id TEXT NOT NULL,
            source_created_at INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );

        CREATE TABLE customer_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            inn TEXT NOT NULL REFERENCES customers(inn),
            business_date TEXT NOT NULL,
            order_id TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT
        );
        CREATE INDEX customer_changes_by_inn ON customer_changes(inn, id);

        CREATE TABLE orders (
            id TEXT PRIMARY KEY NOT NULL,
            number TEXT NOT NULL,
            customer_inn TEXT NOT NULL REFERENCES customers(inn),
            bill_number TEXT NOT NULL,
            bill_date TEXT NOT NULL,
            bill_amount INTEGER NOT NULL,
            status TEXT NOT NULL,
            terms_payment TEXT NOT NULL,
            deferral_days INTEGER NOT NULL,
            credit_limit INTEGER NOT NULL,
            provider_order_id TEXT,
            created_at TEXT NOT NULL,
            content TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            updated_on TEXT NOT NULL
        );
        CREATE INDEX orders_by_customer ON orders(customer_inn);
        CREATE INDEX orders_by_bill ON orders(bill_number);
        CREATE INDEX orders_by_provider_order ON orders(provider_order_id);

        CREATE TABLE order_versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id TEXT NOT NULL REFERENCES orders(id),
            replaced_on TEXT NOT NULL,
            content TEXT NOT NULL,
            content_sha256 TEXT NOT NULL
        );
        CREATE INDEX order_versions_by_order ON order_versions(order_id, id);

        CREATE TABLE bills (
            number TEXT PRIMARY KEY NOT NULL,
            order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
            date TEXT NOT NULL,
            amount INTEGER NOT NULL,
            customer_inn TEXT NOT NULL
        );
        CREATE INDEX bills_by_customer ON bills(customer_inn, date);

        CREATE TABLE shipments (
            id TEXT PRIMARY KEY NOT NULL,
            order_id TEXT NOT NULL REFERENCES orders(id),
            warehouse_id TEXT NOT NULL,
            warehouse TEXT NOT NULL,
            departed_at TEXT NOT NULL,
            delivered_at TEXT,
            date TEXT NOT NULL
        );
        CREATE INDEX shipments_by_order ON shipments(order_id);

        CREATE TABLE shipment_lines (
            shipment_id TEXT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
            line_no INTEGER NOT NULL,
            quantity TEXT NOT NULL,
            vsd TEXT NOT NULL,
            PRIMARY KEY (shipment_id, line_no)
        );

        CREATE TABLE returns (
            id TEXT PRIMARY KEY NOT NULL,
            order_id TEXT NOT NULL REFERENCES orders(id),
            shipment_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX returns_by_order ON returns(order_id);

        CREATE TABLE return_lines (
            return_id TEXT NOT NULL REFERENCES returns(id) ON DELETE CASCADE,
            line_no INTEGER NOT NULL,
            quantity TEXT NOT NULL,
            PRIMARY KEY (return_id, line_no)
        );

        CREATE TABLE payments (
            id TEXT PRIMARY KEY NOT NULL,
            source TEXT NOT NULL,
            received_on TEXT NOT NULL,
            amount INTEGER NOT NULL,
            payer_inn TEXT,
            payer_name TEXT,
            purpose TEXT NOT NULL,
            document_number TEXT,
            document_date TEXT,
            provider_order_id TEXT,
            merchant_order_id TEXT,
            raw TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX payments_by_received_on ON payments(received_on);
        CREATE INDEX payments_by_payer ON payments(payer_inn);

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            business_date TEXT NOT NULL,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT CHECK (outcome IN ('ok', 'exceptions', 'failed')),
            counts TEXT NOT NULL DEFAULT '{}',
            message TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE allocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            payment_id TEXT NOT NULL REFERENCES payments(id),
            order_id TEXT NOT NULL REFERENCES orders(id),
            bill_number TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK (amount > 0),
            method TEXT NOT NULL,
            business_date TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            pinned INTEGER NOT NULL CHECK (pinned IN (0, 1))
        );
        CREATE INDEX allocations_by_payment ON allocations(payment_id);
        CREATE INDEX allocations_by_bill ON allocations(bill_number);
        CREATE INDEX allocations_by_order ON allocations(order_id);

        CREATE TABLE pins (
            payment_id TEXT NOT NULL,
            bill_number TEXT NOT NULL,
            amount INTEGER CHECK (amount IS NULL OR amount > 0),
            note TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (payment_id, bill_number)
        );

        CREATE TABLE balance_movements (
            id TEXT PRIMARY KEY NOT NULL,
            customer_inn TEXT NOT NULL,
            date TEXT NOT NULL,
            kind TEXT NOT NULL,
            amount INTEGER NOT NULL,
            order_id TEXT,
            reference TEXT NOT NULL,
            business_date TEXT NOT NULL
        );
        CREATE INDEX balance_movements_by_customer ON balance_movements(customer_inn, date);

        CREATE TABLE document_numbers (
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            number INTEGER NOT NULL CHECK (number > 0),
            identity TEXT NOT NULL,
            date TEXT NOT NULL,
            PRIMARY KEY (series, year, number),
            UNIQUE (series, identity)
        );

        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            identity TEXT NOT NULL,
            correction_number INTEGER NOT NULL CHECK (correction_number >= 0),
            kind TEXT NOT NULL,
            series TEXT,
            number INTEGER,
            date TEXT NOT NULL,
            order_id TEXT NOT NULL,
            shipment_id TEXT,
            customer_inn TEXT NOT NULL,
            file_name TEXT,
            file_id TEXT,
            content_sha256 TEXT,
            xml BLOB,
            total_without_vat INTEGER NOT NULL,
            total_vat INTEGER NOT NULL,
            total INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('issued', 'corrected', 'held')),
            hold_reason TEXT,
            business_date TEXT NOT NULL,
            UNIQUE (identity, correction_number),
            CHECK (status <> 'held' OR number IS NULL),
            CHECK (status = 'held' OR (number IS NOT NULL AND series IS NOT NULL AND xml IS NOT NULL
                                       AND content_sha256 IS NOT NULL AND file_name IS NOT NULL))
        );
        CREATE INDEX documents_by_business_date ON documents(business_date);
        CREATE INDEX documents_by_order ON documents(order_id);
        CREATE INDEX documents_by_shipment ON documents(shipment_id);

        CREATE TABLE quarantine (
            key TEXT PRIMARY KEY NOT NULL,
            severity TEXT NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            record TEXT NOT NULL,
            field TEXT,
            message TEXT NOT NULL,
            raw TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );

        CREATE TABLE quarantine_days (
            key TEXT NOT NULL REFERENCES quarantine(key) ON DELETE CASCADE,
            business_date TEXT NOT NULL,
            PRIMARY KEY (key, business_date)
        );
        CREATE INDEX quarantine_days_by_date ON quarantine_days(business_date);
        """
}
