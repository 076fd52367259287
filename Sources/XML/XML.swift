// Module XML: see README.md, Modules.
