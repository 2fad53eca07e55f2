"""Detection benchmark: delay per injected fault kind and false alarms per 10,000 parts, EWMA/CUSUM vs Shewhart.

Usage: .venv/bin/python benchmarks/quality/detection.py [--runs 50] [--in-control-runs 5] [--json OUT]
(the same as `fabnet bench quality`; the series come from the twin's seeded signal simulator).
"""

import argparse
import json
import time
from pathlib import Path

from fabnet.cli.quality import DETECTION_FAULTS, detection_series, detection_table
from fabnet.cli.root import console
from fabnet.quality.detection import study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="faulted series per fault kind")
    parser.add_argument("--in-control-runs", type=int, default=5, help="in-control series of 10,000 parts")
    parser.add_argument("--phase1", type=int, default=200, help="in-control parts that estimate the limits")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    faulted, in_control, source = detection_series(
        args.runs, args.seed, args.phase1, 100, 400, 10_000, args.in_control_runs
    )
    simulated = time.perf_counter()
    report = study(faulted, in_control, args.phase1)
    done = time.perf_counter()
    console.print(detection_table(report))
    console.print(f"faults: {', '.join(f'{k} {m:g}' for k, m in DETECTION_FAULTS)}; series from {source}; "
                  f"simulation {simulated - started:.1f} s, monitoring {done - simulated:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"source": source, **report.model_dump()}, indent=2), encoding="utf-8")
        console.print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
