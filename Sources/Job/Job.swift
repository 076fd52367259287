// Module Job: see README.md, Modules.
