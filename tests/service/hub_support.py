"""A real hub process for the hub API tests: configured by a hub.toml (+ FABNET_* variables), its members onboarded
through the registry as `fabnet hub add-member` does, their keys kept to sign self-issued tokens."""

import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from fabnet.exchange.keys import KeyPairs
from fabnet.exchange.tokens import issue_token
from fabnet.service.hub_config import load_hub_config
from fabnet.service.hub_registry import HubRegistry
from fabnet.service.testbed import Service, free_port, serve_command

ADMIN_TOKEN = "operator-token-for-tests-0123456789"
HUB_ID = "urn:fabnet:hub:test"


@dataclass
class RunningHub:
    service: Service
    config_file: Path
    environ: dict[str, str]
    keys: dict[str, KeyPairs] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.service.url

    def registry(self) -> HubRegistry:
        """The registry as `fabnet hub add-member` opens it: the same file and variables as the process."""
        return HubRegistry(load_hub_config(self.config_file, environ=self.environ))

    def onboard(self, member_id: str, name: str, kvk: str) -> KeyPairs:
        keys = KeyPairs.generate()
        registry = self.registry()
        try:
            registry.add_member(member_id, name, kvk, f"http://127.0.0.1:9/{member_id}", keys.public_jwks())
        finally:
            registry.close()
        self.keys[member_id] = keys
        return keys

    def token(self, member_id: str, audience: str = HUB_ID, at: datetime | None = None) -> str:
        return issue_token(self.keys[member_id], member_id, audience, at or datetime.now(UTC))

    def as_member(self, member_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(member_id)}"}

    @property
    def as_operator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: object) -> httpx.Response:
        """GET as the public, or with `headers` (as_member(...), as_operator) as that caller."""
        return httpx.get(self.url + path, params=params or None, headers=headers or {},  # type: ignore[arg-type]
                         timeout=30.0)

    def post(self, path: str, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=headers or {}, timeout=60.0)

    def restart(self) -> None:
        self.service.stop()
        self.service.start()
        self.service.wait_ready("/trust/anchor")

    def stop(self) -> None:
        self.service.stop()


def start_hub(folder: Path, settings: str = "", environ: dict[str, str] | None = None) -> RunningHub:
    """A hub process on a free port: `settings` is extra TOML; the port and data folder come as variables."""
    folder.mkdir(parents=True, exist_ok=True)
    config_file = folder / "hub.toml"
    config_file.write_text(f'hub_id = "{HUB_ID}"\nadmin_token = "{ADMIN_TOKEN}"\n{settings}', encoding="utf-8")
    port = free_port()
    variables = {"FABNET_PORT": str(port), "FABNET_DATA_DIR": str(folder / "data"), **(environ or {})}
    service = ConfiguredService("hub", f"http://127.0.0.1:{port}", folder,
                                [*serve_command(), "hub", "--config", str(config_file)], environ=variables)
    service.start()
    service.wait_ready("/trust/anchor")
    return RunningHub(service, config_file, variables)


@dataclass
class ConfiguredService(Service):
    """A service process whose FABNET_* settings come as environment variables (on top of the test's own)."""

    environ: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.log = self.folder / "service.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, cwd=self.folder,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.environ})


def json_keys(document: object) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(document, dict):
        return set(document) | {k for value in document.values() for k in json_keys(value)}
    if isinstance(document, list):
        return {k for value in document for k in json_keys(value)}
    return set()
