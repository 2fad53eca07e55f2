"""Stream-monitor throughput on one core: samples per second through `observe_values`, through JSON payload
decoding plus `observe_values` (the MQTT path minus the socket), and through `observe(Measurement)`.

Usage: .venv/bin/python benchmarks/quality/monitor_throughput.py [--samples 200000] [--streams 40]
"""

import argparse
import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from fabnet.domain.part import Measurement
from fabnet.quality.monitor import MonitorConfig, StreamMonitor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--streams", type=int, default=40, help="(machine, characteristic) streams, interleaved")
    parser.add_argument("--rules", default="none", help="extra run rules (the monitor default: none)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    values = rng.normal(size=args.samples).tolist()
    keys = [(f"machine-{i // 4}", f"signal-{i % 4}") for i in range(args.streams)]
    origin = datetime(2026, 1, 5, tzinfo=UTC)
    config = MonitorConfig(rules=args.rules)

    monitor = StreamMonitor(config)
    started = time.perf_counter()
    alarms = 0
    for i, value in enumerate(values):
        machine, signal = keys[i % args.streams]
        alarms += len(monitor.observe_values(machine, signal, value, f"p-{i}", i * 0.1))
    fast = args.samples / (time.perf_counter() - started)

    payloads = [
        json.dumps({"timestamp": (origin + timedelta(seconds=i)).isoformat(), "value": v, "unit": "mm",
                    "part_id": f"p-{i}"}).encode()
        for i, v in enumerate(values)
    ]
    monitor = StreamMonitor(config)
    started = time.perf_counter()
    for i, payload in enumerate(payloads):
        machine, signal = keys[i % args.streams]
        message = json.loads(payload)
        monitor.observe_values(machine, signal, message["value"], message["part_id"],
                               datetime.fromisoformat(message["timestamp"]))
    decoded = args.samples / (time.perf_counter() - started)

    count = min(args.samples, 50_000)
    measurements = [
        Measurement(characteristic=keys[i % args.streams][1], value=v, timestamp=origin + timedelta(seconds=i),
                    part_id=f"p-{i}", machine_id=keys[i % args.streams][0])
        for i, v in enumerate(values[:count])
    ]
    monitor = StreamMonitor(config)
    started = time.perf_counter()
    for m in measurements:
        monitor.observe(m)
    via_model = count / (time.perf_counter() - started)

    print(json.dumps({
        "samples": args.samples, "streams": args.streams, "rules": args.rules, "alarms": alarms,
        "observe_values_per_s": round(fast), "json_decode_plus_observe_values_per_s": round(decoded),
        "observe_measurement_per_s": round(via_model),
    }, indent=2))


if __name__ == "__main__":
    main()
