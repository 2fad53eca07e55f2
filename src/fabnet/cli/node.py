"""`fabnet node`: A company's node service."""

from fabnet.cli.root import group

app = group("node", "A company's node service.")
