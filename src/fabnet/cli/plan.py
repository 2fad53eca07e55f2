"""`fabnet plan`: Zero-programming process planning."""

from fabnet.cli.root import group

app = group("plan", "Zero-programming process planning.")
