// Module HTTP: see README.md, Modules.
