"""`fabnet db`: Database migrations."""

from fabnet.cli.root import group

app = group("db", "Database migrations.")
