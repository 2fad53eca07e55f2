"""Integrated billing: metering, pricing and quotes, EN 16931 invoices, double-entry ledger, network netting."""
