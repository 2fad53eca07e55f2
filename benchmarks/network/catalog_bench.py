"""Catalog benchmark at the programme's target size (6,000 members, ~60,000 machines): onboarding and search.

Run: `.venv/bin/python benchmarks/network/catalog_bench.py [members] [queries] [seed]`
(the same as `fabnet bench catalog --members … --queries … --seed … --json`). Prints the figures as JSON.
"""

import sys

from fabnet.cli.market import run_catalog_benchmark


def main(argv: list[str]) -> None:
    members = int(argv[1]) if len(argv) > 1 else 6000
    queries = int(argv[2]) if len(argv) > 2 else 1000
    seed = int(argv[3]) if len(argv) > 3 else 0
    print(run_catalog_benchmark(members, queries, seed).model_dump_json(indent=2))


if __name__ == "__main__":
    main(sys.argv)
