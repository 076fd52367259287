// Module Ledger: see README.md, Modules.
