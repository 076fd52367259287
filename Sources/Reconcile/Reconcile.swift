// Module Reconcile: see README.md, Modules.
