"""`fabnet twin`: The SimPy digital twin."""

from fabnet.cli.root import group

app = group("twin", "The SimPy digital twin.")
