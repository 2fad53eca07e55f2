"""The JSON API load benchmark: one real node process (uvicorn, SQLite) under N concurrent API clients on loopback,
reads and writes mixed, for a fixed time; throughput, latency percentiles, errors, and a check afterwards that
every acknowledged write is stored (no lost write)."""

import asyncio
import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import httpx
import numpy as np

from fabnet.domain.access import Role
from fabnet.service import users
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import Service, free_port, serve_command

SCENARIO = "brainport"
COMPANY = "kempenplaat"
MACHINE = "kp-laser-12"
CHARACTERISTIC = "bench_hole_diameter"

READS: tuple[tuple[str, int], ...] = (
    ("order", 4), ("orders", 3), ("machines", 1), ("alarms", 1), ("schedule", 1), ("company", 1), ("forecast", 1),
)
"""Read kinds with their weights: a dashboard's mix (mostly order pages and single orders)."""


@dataclass
class Tally:
    """What the clients saw: latency per request kind, failures, and what the node acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    orders_acknowledged: list[str] = field(default_factory=list)
    measurements_acknowledged: int = 0
    first_error: str | None = None

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def fail(self, kind: str, reason: str) -> None:
        self.errors[kind] += 1
        self.first_error = self.first_error or f"{kind}: {reason}"


@dataclass(frozen=True)
class ApiBenchResult:
    clients: int
    seconds: float
    requests: int
    reads: int
    writes: int
    throughput_rps: float
    p50_ms: float
    p99_ms: float
    read_p99_ms: float
    write_p99_ms: float
    errors: int
    first_error: str | None
    orders_written: int
    measurements_written: int
    lost_writes: int
    load_average_before: tuple[float, float, float]
    load_average_after: tuple[float, float, float]
    per_kind_p99_ms: dict[str, float]

    def to_json(self) -> dict:
        return asdict(self)


def _start_node(folder: Path) -> tuple[Service, dict[Role, str]]:
    """A node process with its own SQLite file, and an admin, planner and operator token."""
    port = free_port()
    config = folder / "node.json"
    config.write_text(json.dumps({"port": port, "data_dir": "data", "member_id": "urn:fabnet:member:bench"}),
                      encoding="utf-8")
    service = Service("node", f"http://127.0.0.1:{port}", folder, [*serve_command(), "node", "--config", str(config)])
    service.start()
    service.wait_ready("/.well-known/dspace-version")
    store = open_node_store(f"sqlite:///{folder / 'data' / 'node.sqlite'}")
    try:
        tokens = {}
        for role in (Role.ADMIN, Role.PLANNER, Role.OPERATOR):
            users.add_user(store, f"bench-{role.value}", role)
            tokens[role] = users.issue_token(store, f"bench-{role.value}", timedelta(days=1))
    finally:
        store.close()
    return service, tokens


def _prepare(service: Service, tokens: dict[Role, str]) -> tuple[dict, list[str]]:
    """Import the company, schedule and forecast it once (so that those reads have something to show)."""
    with httpx.Client(base_url=service.url, timeout=300.0,
                      headers={"Authorization": f"Bearer {tokens[Role.ADMIN]}"}) as admin:
        admin.post("/api/v1/import", json={"scenario": SCENARIO, "company_id": COMPANY}).raise_for_status()
        admin.post("/api/v1/schedule", json={"time_limit_s": 2}).raise_for_status()
        admin.post("/api/v1/forecast", json={"replications": 5}).raise_for_status()
        orders = admin.get("/api/v1/orders?limit=1000").json()["items"]
    return orders[0], [o["id"] for o in orders]


async def _client(number: int, http: aiohttp.ClientSession, tokens: dict[Role, str], template: dict,
                  order_ids: list[str], deadline: float, write_share: float, tally: Tally) -> None:
    rng = random.Random(number)
    planner = {"Authorization": f"Bearer {tokens[Role.PLANNER]}"}
    operator = {"Authorization": f"Bearer {tokens[Role.OPERATOR]}"}
    read_kinds = [kind for kind, weight in READS for _ in range(weight)]
    written = 0
    while time.monotonic() < deadline:
        if rng.random() < write_share:
            if rng.random() < 0.5:
                written += 1
                order_id = f"bench-{number}-{written}"
                kind, method, url, body, headers = ("write order", "POST", "/api/v1/orders",
                                                    {**template, "id": order_id, "status": "received"}, planner)
            else:
                order_id = None
                value = 10.0 + rng.gauss(0, 0.01)
                body = {"measurements": [{"characteristic": CHARACTERISTIC, "value": value, "machine_id": MACHINE,
                                          "timestamp": datetime.now(UTC).isoformat()}]}
                kind, method, url, headers = "write measurement", "POST", "/api/v1/quality/measurements", operator
        else:
            order_id, body, method, headers = None, None, "GET", planner
            kind = rng.choice(read_kinds)
            url = {
                "order": f"/api/v1/orders/{rng.choice(order_ids)}",
                "orders": f"/api/v1/orders?limit=20&offset={rng.randrange(0, 40)}",
                "machines": "/api/v1/machines", "alarms": "/api/v1/quality/alarms?limit=20",
                "schedule": "/api/v1/schedule", "company": "/api/v1/company", "forecast": "/api/v1/forecast",
            }[kind]
            kind = f"read {kind}"
        started = time.perf_counter()
        try:
            status, text = await _send(http, method, url, body, headers)
        except (aiohttp.ClientError, TimeoutError) as error:
            tally.fail(kind, f"{type(error).__name__}: {error}")
            continue
        tally.record(kind, time.perf_counter() - started)
        if status >= 300:
            tally.fail(kind, f"{status} {text[:200]}")
        elif kind == "write order":
            tally.orders_acknowledged.append(order_id or "")
        elif kind == "write measurement":
            tally.measurements_acknowledged += 1


async def _send(http: aiohttp.ClientSession, method: str, url: str, body: dict | None,
                headers: dict[str, str]) -> tuple[int, str]:
    """One request, its status and body; a read whose kept-alive connection the server had just closed is sent
    once more (as any HTTP client does for an idempotent request), a write never is."""
    try:
        return await _exchange(http, method, url, body, headers)
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
        if method != "GET":
            raise
        return await _exchange(http, method, url, body, headers)


async def _exchange(http: aiohttp.ClientSession, method: str, url: str, body: dict | None,
                    headers: dict[str, str]) -> tuple[int, str]:
    async with http.request(method, url, json=body, headers=headers) as response:
        return response.status, await response.text()


async def _load(service: Service, tokens: dict[Role, str], template: dict, order_ids: list[str], clients: int,
                seconds: float, write_share: float) -> Tally:
    """The clients share one aiohttp session with a connection each: the load generator must cost far less than
    the node it measures (httpx's connection pool spends more CPU per request than the node does at 200
    connections, so it measured itself)."""
    tally = Tally()
    # uvicorn closes a connection idle for 5 s; on a starved machine the client may hold one that long between two
    # requests, so it drops connections idle for 1 s itself rather than write into one the server is closing
    connector = aiohttp.TCPConnector(limit=clients, keepalive_timeout=1.0)
    async with aiohttp.ClientSession(base_url=service.url, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=120.0)) as http:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client(k, http, tokens, template, order_ids, deadline, write_share, tally)
                               for k in range(clients)))
    return tally


def _lost_writes(service: Service, tokens: dict[Role, str], tally: Tally) -> int:
    """Acknowledged writes the node does not hold afterwards: orders missing from the list, measurements short."""
    with httpx.Client(base_url=service.url, timeout=120.0,
                      headers={"Authorization": f"Bearer {tokens[Role.ADMIN]}"}) as admin:
        stored: set[str] = set()
        offset = 0
        while True:
            page = admin.get(f"/api/v1/orders?limit=1000&offset={offset}").json()
            stored.update(o["id"] for o in page["items"])
            offset += 1000
            if offset >= page["total"]:
                break
        counts = {(c["machine_id"], c["characteristic"]): c["values"]
                  for c in admin.get("/api/v1/quality/characteristics").json()}
    missing_orders = sum(1 for order_id in tally.orders_acknowledged if order_id not in stored)
    missing_measurements = max(0, tally.measurements_acknowledged - counts.get((MACHINE, CHARACTERISTIC), 0))
    return missing_orders + missing_measurements


def _ms(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else 0.0


def run(clients: int = 200, seconds: float = 60.0, write_share: float = 0.3, folder: Path | None = None,
        progress: Callable[[str], None] = lambda _: None) -> ApiBenchResult:
    """Start a node, load it with `clients` concurrent clients for `seconds`, then check every acknowledged write."""
    with tempfile.TemporaryDirectory(prefix="fabnet-bench-api-") as temporary:
        root = folder or Path(temporary)
        root.mkdir(parents=True, exist_ok=True)
        progress("starting the node")
        service, tokens = _start_node(root)
        try:
            progress("importing, scheduling and forecasting the company")
            template, order_ids = _prepare(service, tokens)
            before = os.getloadavg()
            progress(f"{clients} clients for {seconds:g} s")
            started = time.monotonic()
            tally = asyncio.run(_load(service, tokens, template, order_ids, clients, seconds, write_share))
            elapsed = time.monotonic() - started
            after = os.getloadavg()
            progress("checking every acknowledged write")
            lost = _lost_writes(service, tokens, tally)
        finally:
            service.stop()
    reads = [v for kind, values in tally.latencies.items() if kind.startswith("read") for v in values]
    writes = [v for kind, values in tally.latencies.items() if kind.startswith("write") for v in values]
    every = reads + writes
    return ApiBenchResult(
        clients=clients, seconds=round(elapsed, 2), requests=len(every), reads=len(reads), writes=len(writes),
        throughput_rps=round(len(every) / elapsed, 1), p50_ms=_ms(every, 50), p99_ms=_ms(every, 99),
        read_p99_ms=_ms(reads, 99), write_p99_ms=_ms(writes, 99), errors=sum(tally.errors.values()),
        first_error=tally.first_error, orders_written=len(tally.orders_acknowledged),
        measurements_written=tally.measurements_acknowledged, lost_writes=lost,
        load_average_before=tuple(round(x, 2) for x in before),  # type: ignore[arg-type]
        load_average_after=tuple(round(x, 2) for x in after),  # type: ignore[arg-type]
        per_kind_p99_ms={kind: _ms(values, 99) for kind, values in sorted(tally.latencies.items())},
    )
