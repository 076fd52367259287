// Module Documents: see README.md, Modules.
