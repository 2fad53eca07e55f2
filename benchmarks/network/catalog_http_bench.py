"""The catalog benchmark over HTTP: a real hub process (SQLite in a temporary folder), members published through
POST /api/v1/catalog/capabilities, searches through GET /api/v1/catalog/search, and the hub restarted to time
the rebuild of the index from its database.

Run: `.venv/bin/python benchmarks/network/catalog_http_bench.py [members] [queries] [seed]` (default 6000 1000 0).
Prints the figures as JSON. Search latency is measured at the client over a kept-alive connection, so it
includes HTTP, query validation and JSON encoding of 20 matches on top of the in-process search.
"""

import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from fabnet.domain.skills import SKILLS
from fabnet.network.programme import FIVE_HUBS
from fabnet.network.synthetic import synthetic_listings
from fabnet.service.testbed import Service, free_port, serve_command

ADMIN_TOKEN = "catalog-benchmark-operator-token"


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values) * 1000, q)), 3)


def main(argv: list[str]) -> None:
    members = int(argv[1]) if len(argv) > 1 else 6000
    queries = int(argv[2]) if len(argv) > 2 else 1000
    seed = int(argv[3]) if len(argv) > 3 else 0
    folder = Path(tempfile.mkdtemp(prefix="fabnet-catalog-http-"))
    config = folder / "hub.toml"
    port = free_port()
    config.write_text(f'port = {port}\ndata_dir = "state"\nadmin_token = "{ADMIN_TOKEN}"\n', encoding="utf-8")
    hub = Service("hub", f"http://127.0.0.1:{port}", folder, [*serve_command(), "hub", "--config", str(config)])
    listings = synthetic_listings(members, seed=seed)
    try:
        hub.start()
        hub.wait_ready("/trust/anchor")
        with httpx.Client(base_url=hub.url, timeout=60.0,
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
            started = time.perf_counter()
            for listing in listings:
                client.post("/api/v1/catalog/capabilities", json=listing).raise_for_status()
            publishing = time.perf_counter() - started
            rng = random.Random(seed + 1)
            skills = sorted(SKILLS)
            grades = ("S235", "S355", "304", "316L", "AlMg3", "6082", "PA12", None)
            sites = [(lst["company"]["address"]["latitude"], lst["company"]["address"]["longitude"])
                     for lst in listings]
            latencies, found = [], []
            for _ in range(queries):
                lat, lon = rng.choice(sites)
                size = rng.choice((None, "120,80,40", "600,400,30", "1500,800,300"))
                params = {"skill": rng.choice(skills), "material": rng.choice(grades),
                          "thickness_mm": rng.choice((None, 1.5, 3.0, 6.0, 10.0)), "envelope": size,
                          "tolerance_mm": rng.choice((None, None, 0.05, 0.02)),
                          "region": rng.choice((None, None, rng.choice(FIVE_HUBS).id)),
                          "near": f"{lat},{lon}", "max_distance_km": rng.choice((None, 50.0, 150.0)), "limit": 20}
                params = {k: v for k, v in params.items() if v is not None}
                started = time.perf_counter()
                response = client.get("/api/v1/catalog/search", params=params)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                found.append(response.json()["total_matches"])
        hub.stop()
        started = time.perf_counter()
        hub.start()
        hub.wait_ready("/trust/anchor", timeout=600.0)
        restart = time.perf_counter() - started
        machines = sum(len(lst["machines"]) for lst in listings)
        print(json.dumps({
            "format": "fabnet.bench-catalog-http/1", "members": members, "machines": machines, "seed": seed,
            "publish_s": round(publishing, 3), "publish_members_per_s": round(members / publishing, 1),
            "queries": queries, "search_p50_ms": _percentile(latencies, 50),
            "search_p95_ms": _percentile(latencies, 95),
            "search_max_ms": round(max(latencies) * 1000, 3), "mean_matches": round(statistics.fmean(found), 1),
            "restart_with_index_rebuild_s": round(restart, 3),
        }, indent=2))
    finally:
        hub.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv)
