"""`fabnet aas`: Export and import Asset Administration Shell documents."""

from fabnet.cli.root import group

app = group("aas", "Export and import Asset Administration Shell documents.")
