"""`fabnet hub`: The regional hub: members, trust, catalog."""

from fabnet.cli.root import group

app = group("hub", "The regional hub: members, trust, catalog.")
