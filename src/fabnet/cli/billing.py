"""`fabnet billing`: Metering, quotes, ledger and network netting."""

from fabnet.cli.root import group

app = group("billing", "Metering, quotes, ledger and network netting.")
