"""CPU per received QoS-1 message of MQTT client libraries versus fabnet's lean MQTT 5 session.

Each consumer runs in its own process, subscribes with QoS 1 and decodes every one-sample JSON payload; a
publisher process sends N one-sample messages (the monitor benchmark's publisher). Reported: consumer CPU
microseconds per message (process CPU time, so it means the same under load) and wall-clock messages/s.
Clients that are not installed are skipped (`pip install gmqtt aiomqtt` to compare them too).

Run: `.venv/bin/python benchmarks/monitor/client_cpu.py [--messages 20000] [--mqtt 127.0.0.1:1883]`
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import multiprocessing
import os
import threading
import time
from datetime import UTC, datetime

CLIENTS = ("fabnet", "paho", "gmqtt", "aiomqtt")


class _Meter:
    def __init__(self, expected: int, consumed: multiprocessing.sharedctypes.Synchronized) -> None:  # type: ignore[name-defined]
        self.expected, self.consumed, self.count = expected, consumed, 0
        self.started: tuple[float, float] | None = None
        self.done = threading.Event()
        self.figures: tuple[float, float] = (0.0, 0.0)

    def payload(self, body: bytes) -> None:
        if self.started is None:
            self.started = (time.perf_counter(), time.process_time())
        json.loads(body)
        self.count += 1
        self.consumed.value = self.count
        if self.count >= self.expected:
            wall, cpu = time.perf_counter() - self.started[0], time.process_time() - self.started[1]
            self.figures = (wall, cpu)
            self.done.set()


def _consume(client: str, host: str, port: int, topic: str, expected: int, consumed, ready, out) -> None:  # type: ignore[no-untyped-def]
    meter = _Meter(expected, consumed)
    if client == "fabnet":
        from fabnet.standards.mqtt_session import SessionOptions, Subscription

        async def run() -> None:
            subscription = Subscription(SessionOptions(host, port, f"cpu-{client}-{os.getpid()}", clean_start=True,
                                                       session_expiry=0),
                                        topic, lambda messages: [meter.payload(m.payload) for m in messages])
            task = asyncio.create_task(subscription.run())
            await subscription.subscribed.wait()
            ready.set()
            while not meter.done.is_set():
                await asyncio.sleep(0.05)
            await subscription.stop()
            task.cancel()

        asyncio.run(run())
    elif client == "paho":
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        paho = mqtt.Client(CallbackAPIVersion.VERSION2)
        paho.on_message = lambda c, u, message: meter.payload(message.payload)
        paho.on_connect = lambda c, *args: c.subscribe(topic, qos=1)
        paho.on_subscribe = lambda *args: ready.set()
        paho.connect(host, port)
        paho.loop_start()
        meter.done.wait()
        paho.disconnect()
        paho.loop_stop()
    elif client == "gmqtt":
        import gmqtt

        async def run() -> None:
            g = gmqtt.Client(f"cpu-gmqtt-{os.getpid()}")
            subscribed = asyncio.Event()
            g.on_message = lambda c, t, payload, qos, properties: meter.payload(payload) or 0
            g.on_subscribe = lambda *args: subscribed.set()
            await g.connect(host, port)
            g.subscribe(topic, qos=1)
            await subscribed.wait()
            ready.set()
            while not meter.done.is_set():
                await asyncio.sleep(0.05)
            await g.disconnect()

        asyncio.run(run())
    elif client == "aiomqtt":
        import aiomqtt

        async def run() -> None:
            async with aiomqtt.Client(host, port) as a:
                await a.subscribe(topic, qos=1)
                ready.set()
                async for message in a.messages:
                    meter.payload(message.payload)
                    if meter.done.is_set():
                        break

        asyncio.run(run())
    out.put(meter.figures)


def _available(client: str) -> bool:
    module = {"fabnet": "mqtt5", "paho": "paho.mqtt", "gmqtt": "gmqtt", "aiomqtt": "aiomqtt"}[client]
    return importlib.util.find_spec(module.split(".")[0]) is not None


def main() -> None:
    from fabnet.standards.monitor_benchmark import _publisher_process

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--mqtt", default="127.0.0.1:1883")
    args = parser.parse_args()
    host, _, port_text = args.mqtt.rpartition(":")
    context = multiprocessing.get_context("spawn")
    for client in CLIENTS:
        if not _available(client):
            print(f"{client:8s} not installed, skipped")
            continue
        tag = f"cpu{os.getpid()}{client}"
        consumed, ready, out = context.Value("q", 0, lock=False), context.Event(), context.Queue()
        consumer = context.Process(target=_consume, args=(client, host, int(port_text), f"fabnet/{tag}/#",
                                                          args.messages, consumed, ready, out))
        consumer.start()
        ready.wait(30)
        # 500 ahead at most: MQTT 3.1.1 clients (paho) get Mosquitto's 20 in flight + 1000 queued, no more
        _publisher_process(host, int(port_text), tag, args.messages, 1, datetime(2026, 1, 5, tzinfo=UTC), 4,
                           consumed, window=500)
        wall, cpu = out.get(timeout=600)
        consumer.join(30)
        print(f"{client:8s} {cpu / args.messages * 1e6:6.1f} µs CPU per message, {args.messages / wall:8,.0f} "
              f"messages/s (load average {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
