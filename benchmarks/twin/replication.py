"""Twin benchmark: one replication of the four-week brainport scenario (all companies' orders, ≥ 500 operations).

Run: `.venv/bin/python benchmarks/twin/replication.py [--replications 5] [--min-operations 500]`
(the same measurement as `fabnet bench twin`). Prints the figures; target ≤ 1 s per replication.
"""

import argparse
import sys

from fabnet.cli import app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--min-operations", type=int, default=500)
    parser.add_argument("--json", default=None, help="write the figures as JSON")
    args = parser.parse_args()
    argv = ["bench", "twin", "--replications", str(args.replications), "--min-operations", str(args.min_operations)]
    if args.json:
        argv += ["--json", args.json]
    sys.exit(app(argv, prog_name="fabnet", standalone_mode=False))


if __name__ == "__main__":
    main()
