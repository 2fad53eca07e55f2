"""`fabnet bench`: Benchmarks (run on demand)."""

from fabnet.cli.root import group

app = group("bench", "Benchmarks (run on demand).")
