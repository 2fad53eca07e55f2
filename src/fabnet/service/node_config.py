"""The node's configuration: `node.toml`, or embedded defaults (SQLite file and key pair in the working folder)."""

import json
import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fabnet.domain.errors import describe
from fabnet.exchange.catalog import Asset

DEFAULT_PORT = 8181


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file, field and reason."""


class NodeConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str = Field(default="urn:fabnet:member:local", min_length=1)
    company_name: str = "fabnet node"
    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    public_url: str | None = Field(default=None, description="the DSP base URL peers reach; default http://host:port")
    data_dir: Path = Path("fabnet-node")
    database_url: str | None = None
    keys_file: Path | None = None
    credential_file: Path | None = Field(default=None, description="the membership bundle from `fabnet hub add-member`")
    hub_url: str | None = None
    trust_refresh_s: float = Field(default=30.0, gt=0)
    spatial: str | None = Field(default=None, description="where this node uses data, for ODRL `spatial`")
    max_body_bytes: int = Field(default=1 << 20, gt=0)
    delivery_concurrency: int = Field(default=64, gt=0)
    sweep_every_s: float = Field(default=60.0, gt=0, description="how often expired received assets are deleted")
    retry_max_delay_s: float = Field(default=30.0, gt=0, description="cap of the outbox's exponential back-off")
    assets: list[Asset] = Field(default_factory=list)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        from_environment = os.environ.get("FABNET_DATABASE_URL", "").strip()
        return from_environment or f"sqlite:///{(self.data_dir / 'node.sqlite').resolve()}"

    @property
    def resolved_keys_file(self) -> Path:
        return self.keys_file or self.data_dir / "keys.jwks.json"

    @property
    def received_dir(self) -> Path:
        return self.data_dir / "received"


def load_config(path: Path | None, **overrides: object) -> NodeConfig:
    """Read `path` (TOML, or JSON if it ends in .json); paths in it are relative to its folder; `overrides` win."""
    data: dict = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except (tomllib.TOMLDecodeError, ValueError) as error:
            raise ConfigError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'} ({error})") from None
        base = path.resolve().parent
        for key in ("data_dir", "keys_file", "credential_file"):
            if key in data:
                data[key] = str(base / data[key])
        for asset in data.get("assets", []):
            if isinstance(asset, dict) and "path" in asset:
                asset["path"] = str(base / asset["path"])
    data.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return NodeConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path or 'node configuration'}: {describe(error)}") from None
