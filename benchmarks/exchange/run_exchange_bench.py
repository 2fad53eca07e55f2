"""Run the connector benchmark and write its figures as JSON (same as `fabnet bench exchange --json`).

    .venv/bin/python benchmarks/exchange/run_exchange_bench.py --negotiations 1000 --transfer-mb 500 -o out.json
"""

import argparse
import json
from pathlib import Path

from fabnet.service.exchange_bench import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--negotiations", type=int, default=1000)
    parser.add_argument("--transfer-mb", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    result = json.dumps(run(args.negotiations, args.transfer_mb, args.concurrency).to_json(), indent=1)
    if args.output:
        args.output.write_text(result, encoding="utf-8")
    print(result)


if __name__ == "__main__":
    main()
