"""Large transfers between two real node processes: a gigabyte streams through in bounded memory, and a 200 MB
transfer survives `kill -9` of either node mid-stream (same verified content, no duplicate process or asset)."""

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from exchange.dsp_support import Network, manage, wait_peer_pid, wait_state
from fabnet.service.testbed import Service

pytestmark = pytest.mark.slow
MIB = 1 << 20
GIGABYTE = 1024 * MIB
MEDIUM = 200 * MIB
PEAK_GROWTH_LIMIT = 128 * MIB
"""What a transfer may add to a node's peak RSS: an eighth of the gigabyte, several times the blocks in flight."""
BOOT_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Design:
    asset_id: str
    path: Path
    size: int
    sha256: str


def _sparse_design(path: Path, size: int) -> str:
    """A file of `size` bytes written in milliseconds (sparse), yet different in every MiB; returns its SHA-256."""
    with path.open("wb") as out:
        out.truncate(size)
        for offset in range(0, size, MIB):
            out.seek(offset)
            out.write(hashlib.sha256(offset.to_bytes(8, "big")).digest())
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(8 * MIB):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def designs(network: Network, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Design]:
    folder = tmp_path_factory.mktemp("large")
    made = {}
    for size in (MEDIUM, GIGABYTE):
        asset_id = f"urn:fabnet:asset:cad-{size >> 20}mb"
        path = folder / f"cad-{size >> 20}.step"
        sha256 = _sparse_design(path, size)
        response = manage(network.provider, "POST", "/assets",
                          json={"id": asset_id, "title": f"CAD {size >> 20} MB", "kind": "design", "path": str(path)})
        assert response.status_code == 201, response.text
        made[size] = Design(asset_id, path, size, sha256)
    return made


def _agreement(network: Network, design: Design) -> str:
    response = manage(network.consumer, "POST", "/negotiations",
                      json={"peer_url": network.provider.url, "offer_id": f"{design.asset_id}:offer"})
    assert response.status_code == 201, response.text
    done = wait_state(network.consumer, "negotiations", response.json()["pid"], "FINALIZED", "TERMINATED")
    assert done["state"] == "FINALIZED", done
    return done["agreement_id"]


def _start_transfer(network: Network, agreement_id: str) -> str:
    response = manage(network.consumer, "POST", "/transfers", json={"agreement_id": agreement_id})
    assert response.status_code == 201, response.text
    return response.json()["pid"]


def _wait_done(node: Service, pid: str, timeout: float = 600.0) -> dict:
    """The transfer once COMPLETED or TERMINATED (the session client times out after a minute: ask in rounds)."""
    deadline = time.monotonic() + timeout
    while True:
        row = wait_state(node, "transfers", pid, "COMPLETED", "TERMINATED", timeout=45)
        if row["state"] in ("COMPLETED", "TERMINATED") or time.monotonic() > deadline:
            return row


def _received(network: Network, pid: str, suffix: str) -> Path:
    return network.testbed.root / "consumer" / "data" / "received" / (pid.replace(":", "_") + suffix)


def _wait_for_partial(partial: Path, at_least: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if partial.exists() and partial.stat().st_size >= at_least:
            return
        time.sleep(0.005)
    raise AssertionError(f"{partial.name} never reached {at_least} bytes")


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory figure (VmRSS, VmHWM) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{field} missing from /proc/{pid}/status")


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5 = reset the peak RSS (VmHWM) to the current RSS


def _no_duplicates(network: Network, done: dict, provider_transfers: int) -> None:
    provider_view = wait_state(network.provider, "transfers", done["peer_pid"], "COMPLETED")
    assert provider_view["state"] == "COMPLETED"
    assert manage(network.provider, "GET", "/counts").json()["transfers"] == provider_transfers, "no second process"
    received = network.testbed.root / "consumer" / "data" / "received"
    prefix = done["pid"].replace(":", "_")
    assert [path.name for path in received.glob(prefix + "*")] == [prefix + ".sealed"], "one sealed file, no part"


def _plaintext_sha256(network: Network, pid: str) -> str:
    digest = hashlib.sha256()
    with httpx.stream("GET", f"{network.consumer.url}/manage/received/{pid}/content", timeout=120.0) as response:
        assert response.status_code == 200, response.read()
        for block in response.iter_bytes():
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def sealed_files_removed(network: Network) -> Iterator[list[str]]:
    """Received files of these tests are hundreds of MB: delete them afterwards (the rows stay)."""
    pids: list[str] = []
    yield pids
    for pid in pids:
        _received(network, pid, ".sealed").unlink(missing_ok=True)


def test_a_gigabyte_streams_through_both_nodes_in_bounded_memory(
    network: Network, designs: dict[int, Design], sealed_files_removed: list[str]
) -> None:
    design = designs[GIGABYTE]
    agreement_id = _agreement(network, design)
    nodes = [network.provider, network.consumer]
    pids = [node.process.pid for node in nodes if node.process is not None]
    for pid in pids:
        _reset_peak(pid)
    before = [_status(pid, "VmRSS") for pid in pids]
    transfer_pid = _start_transfer(network, agreement_id)
    sealed_files_removed.append(transfer_pid)
    done = _wait_done(network.consumer, transfer_pid)
    peaks = [_status(pid, "VmHWM") for pid in pids]
    assert done["state"] == "COMPLETED", done["error"]
    assert (done["content_sha256"], done["size"]) == (design.sha256, design.size)
    for node, rss, peak in zip(nodes, before, peaks, strict=True):
        assert peak - rss < PEAK_GROWTH_LIMIT, f"{node.name}: peak RSS grew by {(peak - rss) >> 20} MiB"
    assert _received(network, transfer_pid, ".sealed").stat().st_size > design.size, "kept sealed, whole"


def test_provider_killed_mid_transfer_resumes_to_the_same_content(
    network: Network, designs: dict[int, Design], sealed_files_removed: list[str]
) -> None:
    design = designs[MEDIUM]
    transfer_pid = _start_transfer(network, _agreement(network, design))
    sealed_files_removed.append(transfer_pid)
    wait_peer_pid(network.consumer, "transfers", transfer_pid)
    provider_transfers = manage(network.provider, "GET", "/counts").json()["transfers"]
    partial = _received(network, transfer_pid, ".part")
    _wait_for_partial(partial, 16 * MIB)
    network.provider.stop(kill=True)
    try:
        cut_at = partial.stat().st_size if partial.exists() else None
        assert cut_at is not None and cut_at < design.size, "the kill landed while the stream was being written"
        assert manage(network.consumer, "GET", f"/transfers/{transfer_pid}").json()["state"] == "STARTED"
    finally:
        network.provider.start()
        network.provider.wait_ready("/.well-known/dspace-version", BOOT_TIMEOUT_S)
    done = _wait_done(network.consumer, transfer_pid)
    assert done["state"] == "COMPLETED", done["error"]
    assert (done["content_sha256"], done["size"]) == (design.sha256, design.size)
    _no_duplicates(network, done, provider_transfers)
    assert _plaintext_sha256(network, transfer_pid) == design.sha256, "what the consumer hands out is the original"


def test_consumer_killed_mid_transfer_resumes_to_the_same_content(
    network: Network, designs: dict[int, Design], sealed_files_removed: list[str]
) -> None:
    design = designs[MEDIUM]
    transfer_pid = _start_transfer(network, _agreement(network, design))
    sealed_files_removed.append(transfer_pid)
    wait_peer_pid(network.consumer, "transfers", transfer_pid)
    provider_transfers = manage(network.provider, "GET", "/counts").json()["transfers"]
    partial = _received(network, transfer_pid, ".part")
    _wait_for_partial(partial, 16 * MIB)
    network.consumer.stop(kill=True)
    cut_at = partial.stat().st_size if partial.exists() else None
    network.consumer.start()
    network.consumer.wait_ready("/.well-known/dspace-version", BOOT_TIMEOUT_S)
    assert cut_at is not None and cut_at < design.size, "the kill landed while the stream was being written"
    done = _wait_done(network.consumer, transfer_pid)
    assert done["state"] == "COMPLETED", done["error"]
    assert (done["content_sha256"], done["size"]) == (design.sha256, design.size)
    _no_duplicates(network, done, provider_transfers)
