// Module Generator: synthetic business days (see README.md, Modules).
