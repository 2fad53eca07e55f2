"""Run the connector benchmark and write its figures as JSON (same as `fabnet bench exchange --json`).

    .venv/bin/python benchmarks/exchange/run_exchange_bench.py --negotiations 1000 --transfer-mb 500 -o out.json
"""

import argparse
import json
from pathlib import Path

from fabnet.service.exchange_bench import DEFAULT_CONCURRENCY, DEFAULT_SWEEP, SWEEP_NEGOTIATIONS, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--negotiations", type=int, default=1000)
    parser.add_argument("--transfer-mb", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--sweep", default=",".join(map(str, DEFAULT_SWEEP)), help="'' for none")
    parser.add_argument("--sweep-negotiations", type=int, default=SWEEP_NEGOTIATIONS)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    levels = tuple(int(part) for part in args.sweep.split(",") if part.strip())
    result = json.dumps(run(args.negotiations, args.transfer_mb, args.concurrency, sweep=levels,
                            sweep_negotiations=args.sweep_negotiations).to_json(), indent=1)
    if args.output:
        args.output.write_text(result, encoding="utf-8")
    print(result)


if __name__ == "__main__":
    main()
