"""Monitor benchmark: samples per second from MQTT (real Mosquitto, QoS 1) into alarms, consumer on one core.

A separate process publishes simulated samples of 20 machines (with a shift and a drift fault) over `--connections`
MQTT connections, one JSON sample per message (`--batch 1`, the telemetry payload) or arrays of `--batch` samples;
this process ingests them with the persistent-session subscriber and feeds every value to the stream monitor.
Run: `.venv/bin/python benchmarks/monitor/mqtt_end_to_end.py [--samples 200000] [--batch 1] [--connections 4]
[--mqtt H:P]` (the same measurement as `fabnet bench monitor`). Target ≥ 20,000 samples/s.
"""

import argparse
import sys

from fabnet.cli import app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--mqtt", default="127.0.0.1:1883")
    parser.add_argument("--json", default=None, help="write the figures as JSON")
    args = parser.parse_args()
    argv = ["bench", "monitor", "--samples", str(args.samples), "--batch", str(args.batch), "--connections",
            str(args.connections), "--mqtt", args.mqtt]
    if args.json:
        argv += ["--json", args.json]
    sys.exit(app(argv, prog_name="fabnet", standalone_mode=False))


if __name__ == "__main__":
    main()
