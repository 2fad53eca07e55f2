"""The connector benchmark: negotiations/s, negotiation latency and encrypted transfer MB/s between two real
node processes on loopback (each with its own SQLite file, every message signed, validated and audited)."""

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from fabnet.service.testbed import NodeSpec, Testbed

ASSET = "urn:fabnet:asset:bench-design"
OFFER = {"@id": f"{ASSET}:offer", "@type": "Offer", "target": ASSET, "permission": [{"action": "use"}]}


@dataclass(frozen=True)
class ExchangeBenchResult:
    negotiations: int
    finalized: int
    concurrency: int
    negotiation_seconds: float
    negotiations_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    transfer_mb: float
    transfer_seconds: float
    transfer_mb_per_second: float
    transfer_verified: bool

    def to_json(self) -> dict:
        return asdict(self)


def _write_random(path: Path, megabytes: int) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as handle:
        for index in range(megabytes):
            # vary each block cheaply so the file is not one repeated MiB
            handle.write(index.to_bytes(8, "big") + block[8:])


async def _negotiations(consumer: str, provider: str, count: int, concurrency: int,
                        progress: Callable[[int], None]) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    finalized = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=consumer, timeout=120.0, limits=limits) as client:

        async def one() -> None:
            nonlocal finalized
            while not queue.empty():
                queue.get_nowait()
                began = time.perf_counter()
                started = await client.post("/manage/negotiations", json={"peer_url": provider, "offer": OFFER})
                pid = started.json()["pid"]
                done = await client.get(f"/manage/negotiations/{pid}",
                                        params={"wait_for": "FINALIZED,TERMINATED", "timeout": 60})
                latencies.append(time.perf_counter() - began)
                finalized += done.json()["state"] == "FINALIZED"
                progress(1)

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return latencies, finalized, time.perf_counter() - began


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def run(negotiations: int, transfer_mb: int, concurrency: int = 32, workdir: Path | None = None,
        progress: Callable[[int], None] = lambda _: None) -> ExchangeBenchResult:
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        root = Path(folder)
        design = root / "design.bin"
        _write_random(design, transfer_mb)
        testbed = Testbed(root / "net")
        try:
            testbed.start_hub()
            asset = {"id": ASSET, "title": "bench design", "kind": "design", "path": str(design)}
            provider, consumer = testbed.start_nodes([NodeSpec("provider", "12345678", assets=[asset]),
                                                      NodeSpec("consumer", "87654321")])
            testbed.refresh_trust()
            latencies, finalized, seconds = asyncio.run(
                _negotiations(consumer.url, provider.url, negotiations, concurrency, progress))
            client = httpx.Client(base_url=consumer.url, timeout=600.0)
            started = client.post("/manage/negotiations", json={"peer_url": provider.url, "offer": OFFER}).json()
            agreement = client.get(f"/manage/negotiations/{started['pid']}",
                                   params={"wait_for": "FINALIZED", "timeout": 60}).json()["agreement_id"]
            began = time.perf_counter()
            transfer = client.post("/manage/transfers", json={"agreement_id": agreement}).json()
            done = client.get(f"/manage/transfers/{transfer['pid']}",
                              params={"wait_for": "COMPLETED,TERMINATED", "timeout": 600}).json()
            transfer_seconds = time.perf_counter() - began
        finally:
            testbed.stop()
    size_mb = transfer_mb
    return ExchangeBenchResult(
        negotiations=negotiations, finalized=finalized, concurrency=concurrency,
        negotiation_seconds=round(seconds, 3),
        negotiations_per_second=round(negotiations / seconds, 1) if seconds else 0.0,
        latency_p50_ms=round(statistics.median(latencies) * 1000, 1) if latencies else 0.0,
        latency_p99_ms=round(_percentile(latencies, 0.99) * 1000, 1),
        transfer_mb=size_mb, transfer_seconds=round(transfer_seconds, 3),
        transfer_mb_per_second=round(size_mb / transfer_seconds, 1) if transfer_seconds else 0.0,
        transfer_verified=done.get("state") == "COMPLETED" and done.get("size") == size_mb << 20,
    )
