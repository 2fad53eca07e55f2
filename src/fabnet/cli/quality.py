"""`fabnet quality`: SPC charts, capability, live quality monitor."""

from fabnet.cli.root import group

app = group("quality", "SPC charts, capability, live quality monitor.")
