"""The hub's member registry on disk: its signing key, the credentials it issued and the members it revoked."""

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from joserfc.jwk import OKPKey
from pydantic import BaseModel, ConfigDict, Field

from fabnet.network.trust import HubAnchor, issue_credential, issue_revocation_list, issue_trust_list
from fabnet.service.node_identity import MembershipBundle


class HubConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hub_id: str = Field(default="urn:fabnet:hub:local", min_length=1)
    name: str = "fabnet hub"
    host: str = "127.0.0.1"
    port: int = Field(default=8180, ge=0, le=65535)
    public_url: str | None = None
    data_dir: Path = Path("fabnet-hub")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class HubRegistry:
    def __init__(self, config: HubConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.key_file = config.data_dir / "hub-key.jwk.json"
        self.members_file = config.data_dir / "members.json"
        if self.key_file.exists():
            self.key = OKPKey.import_key(json.loads(self.key_file.read_text(encoding="utf-8")))
        else:
            self.key = OKPKey.generate_key("Ed25519", parameters={"use": "sig"})
            _write_private(self.key_file, json.dumps(self.key.as_dict(private=True)))
        self.key.ensure_kid()

    @property
    def anchor(self) -> HubAnchor:
        return HubAnchor(self.config.hub_id, self.key.as_dict(private=False))

    def _read(self) -> dict:
        if not self.members_file.exists():
            return {"credentials": {}, "revoked": []}
        return json.loads(self.members_file.read_text(encoding="utf-8"))

    def _write(self, data: dict) -> None:
        # write-then-rename, so the serving hub never reads a half-written registry
        handle, temporary = tempfile.mkstemp(dir=self.config.data_dir, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
        os.replace(temporary, self.members_file)

    def add_member(self, member_id: str, company_name: str, kvk: str, endpoint: str, jwks: dict) -> MembershipBundle:
        credential = issue_credential(self.key, self.config.hub_id, member_id, company_name, kvk, endpoint, jwks,
                                      datetime.now(UTC))
        data = self._read()
        data["credentials"][member_id] = credential
        data["revoked"] = [m for m in data["revoked"] if m != member_id]
        self._write(data)
        return MembershipBundle(credential, self.anchor, self.config.base_url)

    def revoke(self, member_id: str) -> bool:
        data = self._read()
        if member_id not in data["credentials"]:
            return False
        data["revoked"] = sorted({*data["revoked"], member_id})
        self._write(data)
        return True

    def members(self) -> dict[str, str]:
        return dict(self._read()["credentials"])

    def trust_list(self) -> str:
        return issue_trust_list(self.key, self.config.hub_id, self._read()["credentials"].values(), datetime.now(UTC))

    def revocation_list(self) -> str:
        return issue_revocation_list(self.key, self.config.hub_id, self._read()["revoked"], datetime.now(UTC))


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
