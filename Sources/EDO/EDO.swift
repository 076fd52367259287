// Module EDO: see README.md, Modules.
