"""`fabnet schedule`: Changeover-aware scheduling with CP-SAT."""

from fabnet.cli.root import group

app = group("schedule", "Changeover-aware scheduling with CP-SAT.")
