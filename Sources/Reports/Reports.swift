// Module Reports: see README.md, Modules.
