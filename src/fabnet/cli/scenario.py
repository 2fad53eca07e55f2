"""`fabnet scenario`: Reference scenarios."""

from fabnet.cli.root import group

app = group("scenario", "Reference scenarios.")
