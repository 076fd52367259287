// Module Ingest: see README.md, Modules.
