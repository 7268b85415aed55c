"""The workspace file: its tables, its upgrades and the ledger of files that left it."""
