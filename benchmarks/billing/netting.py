"""Netting benchmark: multilateral netting of synthetic open invoices at the programme's target size.

Run: `.venv/bin/python benchmarks/billing/netting.py [--members 6000] [--invoices 200000] [--repeat 3]`
(the same measurement as `fabnet bench netting`). Prints one JSON object with the figures; target ≤ 5 s.
"""

import argparse
import json
import statistics
import time

from fabnet.billing.netting import net_invoices
from fabnet.billing.synthetic import synthetic_invoices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=6_000)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    invoices = synthetic_invoices(args.members, args.invoices, args.seed)
    generated = time.perf_counter() - started
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = net_invoices(invoices, "bench")
        timings.append(time.perf_counter() - started)
    bound = max(result.nonzero_members - 1, 0)
    print(json.dumps({
        **result.summary(),
        "generation_seconds": round(generated, 3),
        "netting_seconds_median": round(statistics.median(timings), 3),
        "netting_seconds_max": round(max(timings), 3),
        "target_seconds": 5.0,
        "payment_bound": bound,
        "payment_bound_holds": len(result.payments) <= bound,
    }, indent=2))


if __name__ == "__main__":
    main()
