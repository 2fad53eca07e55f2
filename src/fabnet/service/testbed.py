"""A hub and nodes as real processes on loopback: onboarding, configuration, start, readiness, stop.

Used by the test suite, `fabnet bench exchange` and demos; each node gets its own folder, SQLite file and keys.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from fabnet.exchange.keys import KeyPairs
from fabnet.service.hub_registry import HubConfig, HubRegistry


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_command() -> list[str]:
    return [sys.executable, "-m", "fabnet.service.run"]


@dataclass
class Service:
    name: str
    url: str
    folder: Path
    command: list[str]
    process: subprocess.Popen | None = None
    log: Path | None = None
    unset: tuple[str, ...] = ()
    """environment variables the process does not inherit"""

    def start(self) -> None:
        self.log = self.folder / "service.log"
        environment = {k: v for k, v in os.environ.items() if k not in self.unset}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, cwd=self.folder,
                                            env={**environment, "PYTHONUNBUFFERED": "1"})

    def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.tail()}")
            try:
                if httpx.get(self.url + path, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not get ready in {timeout} s: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log and self.log.exists() else ""

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class NodeSpec:
    name: str
    kvk: str
    assets: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class Testbed:
    root: Path
    hub: Service | None = None
    nodes: dict[str, Service] = field(default_factory=dict)
    keys: dict[str, KeyPairs] = field(default_factory=dict)
    registry: HubRegistry | None = None
    own_databases: bool = False
    """True: the processes do not inherit FABNET_DATABASE_URL, which would come before the URL in a node's file
    (a node given its own database, e.g. its own PostgreSQL schema); the hub keeps SQLite in its folder."""

    def __post_init__(self) -> None:
        # every service runs in its own folder, so a relative root (`fabnet demo` with its default `out/demo`)
        # would be read from the wrong place by the processes it starts
        self.root = self.root.resolve()

    def start_hub(self) -> Service:
        port = free_port()
        folder = self.root / "hub"
        folder.mkdir(parents=True, exist_ok=True)
        # with own databases the hub's registry here and the hub process both use the SQLite file in its folder
        database = f"sqlite:///{folder / 'hub.sqlite'}" if self.own_databases else None
        config = HubConfig(hub_id="urn:fabnet:hub:testbed", port=port, data_dir=folder, database_url=database)
        self.registry = HubRegistry(config)
        command = [*serve_command(), "hub", "--data-dir", str(folder), "--port", str(port),
                   "--hub-id", config.hub_id]
        self.hub = Service("hub", config.base_url, folder, command, unset=self._unset)
        self.hub.start()
        self.hub.wait_ready("/trust/anchor")
        return self.hub

    @property
    def _unset(self) -> tuple[str, ...]:
        return ("FABNET_DATABASE_URL",) if self.own_databases else ()

    def member_id(self, name: str) -> str:
        return f"urn:fabnet:member:{name}"

    def onboard(self, name: str, kvk: str, endpoint: str, keys: KeyPairs | None = None) -> tuple[KeyPairs, Path]:
        """Register a member at the hub; return its keys and the path of its membership bundle."""
        assert self.registry is not None and self.hub is not None
        keys = keys or KeyPairs.generate()
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        bundle = self.registry.add_member(self.member_id(name), f"{name} B.V.", kvk, endpoint, keys.public_jwks())
        bundle_file = folder / "membership.json"
        bundle_file.write_text(json.dumps(bundle.to_json()), encoding="utf-8")
        self.keys[name] = keys
        return keys, bundle_file

    def start_node(self, spec: NodeSpec, port: int | None = None) -> Service:
        return self.start_nodes([spec], [port])[0]

    def start_nodes(self, specs: list[NodeSpec], ports: list[int | None] | None = None,
                    timeout: float = 90.0) -> list[Service]:
        """Onboard and start every node, then wait for all (they boot in parallel)."""
        started = []
        for spec, port in zip(specs, ports or [None] * len(specs), strict=True):
            port = port or free_port()
            url = f"http://127.0.0.1:{port}"
            keys, bundle_file = self.onboard(spec.name, spec.kvk, url, self.keys.get(spec.name))
            folder = self.root / spec.name
            keys_file = folder / "keys.jwks.json"
            if not keys_file.exists():
                keys_file.write_text(json.dumps(keys.private_jwks()), encoding="utf-8")
            config = {
                "port": port, "data_dir": str(folder / "data"), "keys_file": str(keys_file),
                "credential_file": str(bundle_file), "trust_refresh_s": 5.0, "assets": spec.assets, **spec.extra,
            }
            config_file = folder / "node.json"
            config_file.write_text(json.dumps(config), encoding="utf-8")
            service = Service(spec.name, url, folder, [*serve_command(), "node", "--config", str(config_file)],
                              unset=self._unset)
            service.start()
            self.nodes[spec.name] = service
            started.append(service)
        for service in started:
            service.wait_ready("/.well-known/dspace-version", timeout)
        return started

    def restart_node(self, name: str, kill: bool = True) -> Service:
        service = self.nodes[name]
        service.stop(kill=kill)
        service.start()
        service.wait_ready("/.well-known/dspace-version")
        return service

    def refresh_trust(self) -> None:
        for service in self.nodes.values():
            httpx.post(service.url + "/manage/trust/refresh", timeout=10.0).raise_for_status()

    def stop(self) -> None:
        for service in self.nodes.values():
            service.stop()
        if self.hub is not None:
            self.hub.stop()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
