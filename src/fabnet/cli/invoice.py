"""`fabnet invoice`: Peppol BIS 3 invoices: create, list, show, export, validate."""

from fabnet.cli.root import group

app = group("invoice", "Peppol BIS 3 invoices: create, list, show, export, validate.")
