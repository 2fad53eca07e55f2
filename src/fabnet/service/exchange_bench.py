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

import aiohttp
import httpx

from fabnet.service.testbed import NodeSpec, Testbed

ASSET = "urn:fabnet:asset:bench-design"
OFFER = {"@id": f"{ASSET}:offer", "@type": "Offer", "target": ASSET, "permission": [{"action": "use"}]}
WARMUP = 20


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
    transfer_verified: bool | None
    """None when no transfer was asked for (`transfer_mb` 0)."""
    warmup_negotiations: int = 0
    """Run first and not counted: the first messages of a process pay for imports and compiled schemas."""
    provider_cpu_ms_per_negotiation: float | None = None
    consumer_cpu_ms_per_negotiation: float | None = None
    """CPU time (user + system) each node process spent per counted negotiation: unlike the wall-clock figures
    it hardly depends on what else the machine is running."""
    load_average: float | None = None
    """The machine's 1-minute load average when the negotiations ended."""
    provider_cpu_ms_per_transfer_mb: float | None = None
    consumer_cpu_ms_per_transfer_mb: float | None = None
    """CPU time each node spent per MiB sealed/verified: what the MB/s would be on idle cores follows from it."""

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
    # the benchmark's own client shares the two cores with the nodes: aiohttp costs a fraction of httpx's CPU
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(consumer, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=120)) as client:

        async def one() -> None:
            nonlocal finalized
            while not queue.empty():
                queue.get_nowait()
                began = time.perf_counter()
                async with client.post("/manage/negotiations", json={"peer_url": provider, "offer": OFFER}) as started:
                    pid = (await started.json())["pid"]
                async with client.get(f"/manage/negotiations/{pid}",
                                      params={"wait_for": "FINALIZED,TERMINATED", "timeout": "60"}) as done:
                    state = (await done.json())["state"]
                latencies.append(time.perf_counter() - began)
                finalized += state == "FINALIZED"
                progress(1)

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return latencies, finalized, time.perf_counter() - began


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far (Linux /proc); None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _per_negotiation_ms(before: float | None, after: float | None, count: int) -> float | None:
    return round((after - before) / count * 1000, 2) if before is not None and after is not None and count else None


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
            warmup = min(WARMUP, negotiations)
            asyncio.run(_negotiations(consumer.url, provider.url, warmup, min(concurrency, warmup), lambda _: None))
            processes = {"provider": provider.process, "consumer": consumer.process}
            cpu_before = {name: _cpu_seconds(process.pid) if process else None for name, process in processes.items()}
            latencies, finalized, seconds = asyncio.run(
                _negotiations(consumer.url, provider.url, negotiations, concurrency, progress))
            cpu = {name: _per_negotiation_ms(cpu_before[name], _cpu_seconds(process.pid) if process else None,
                                             negotiations) for name, process in processes.items()}
            load = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
            transfer_seconds, verified, transfer_cpu = 0.0, None, {"provider": None, "consumer": None}
            if transfer_mb:
                client = httpx.Client(base_url=consumer.url, timeout=600.0)
                started = client.post("/manage/negotiations", json={"peer_url": provider.url, "offer": OFFER}).json()
                agreement = client.get(f"/manage/negotiations/{started['pid']}",
                                       params={"wait_for": "FINALIZED", "timeout": 60}).json()["agreement_id"]
                transfer_cpu_before = {name: _cpu_seconds(process.pid) if process else None
                                       for name, process in processes.items()}
                began = time.perf_counter()
                transfer = client.post("/manage/transfers", json={"agreement_id": agreement}).json()
                done = client.get(f"/manage/transfers/{transfer['pid']}",
                                  params={"wait_for": "COMPLETED,TERMINATED", "timeout": 600}).json()
                transfer_seconds = time.perf_counter() - began
                transfer_cpu = {name: _per_negotiation_ms(transfer_cpu_before[name],
                                                          _cpu_seconds(process.pid) if process else None, transfer_mb)
                                for name, process in processes.items()}
                verified = done.get("state") == "COMPLETED" and done.get("size") == transfer_mb << 20
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
        transfer_verified=verified, warmup_negotiations=warmup,
        provider_cpu_ms_per_negotiation=cpu["provider"], consumer_cpu_ms_per_negotiation=cpu["consumer"],
        load_average=load, provider_cpu_ms_per_transfer_mb=transfer_cpu["provider"],
        consumer_cpu_ms_per_transfer_mb=transfer_cpu["consumer"],
    )
