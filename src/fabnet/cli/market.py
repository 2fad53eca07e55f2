"""`fabnet market`: the hub's capability catalog and the marketplace that splits orders over members."""

from fabnet.cli.root import group

app = group("market", "Capability catalog search and order allocation over the network's members.")
