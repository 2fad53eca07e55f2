"""The node's configuration: flags over FABNET_* variables over `node.toml` over embedded defaults.

Embedded defaults: a SQLite file and a key pair in ./fabnet-node, no hub. See `fabnet.service.config_layers`.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fabnet.exchange.catalog import Asset
from fabnet.service.config_layers import URL_VARIABLE_DATABASE, ConfigError, layered, read_config_file

DEFAULT_PORT = 8181
PATH_FIELDS = ("data_dir", "keys_file", "credential_file")
FILE_ONLY_FIELDS = frozenset({"assets"})
"""Lists and tables are set in the file; every other field also as FABNET_<FIELD>."""
MQTT_PORT = 1883

__all__ = ["DEFAULT_PORT", "ConfigError", "MqttAddress", "NodeConfig", "load_config"]


class MqttAddress(BaseModel):
    """Where the node's telemetry broker is: from `mqtt://host[:port]`."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int


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
    mqtt_url: str | None = Field(default=None, description="the telemetry broker, mqtt://host:1883")
    assets: list[Asset] = Field(default_factory=list)

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value is not None:
            _mqtt_address(value)
        return value

    @property
    def mqtt(self) -> MqttAddress | None:
        return _mqtt_address(self.mqtt_url) if self.mqtt_url else None

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        from_environment = os.environ.get(URL_VARIABLE_DATABASE, "").strip()
        return from_environment or f"sqlite:///{(self.data_dir / 'node.sqlite').resolve()}"

    @property
    def resolved_keys_file(self) -> Path:
        return self.keys_file or self.data_dir / "keys.jwks.json"

    @property
    def received_dir(self) -> Path:
        return self.data_dir / "received"


def load_config(path: Path | None, *, environ: Mapping[str, str] | None = None, **flags: object) -> NodeConfig:
    """Defaults < `path` (TOML, or JSON if it ends in .json; paths relative to its folder) < FABNET_* variables
    < `flags` (None = not given). ConfigError names the file, variable or flag, the field and the reason."""
    environment_fields = [name for name in NodeConfig.model_fields if name not in FILE_ONLY_FIELDS]
    file_data = None
    if path is not None:
        file_data = read_config_file(path, PATH_FIELDS)
        base = path.resolve().parent
        for asset in file_data.get("assets", []):
            if isinstance(asset, dict) and "path" in asset:
                asset["path"] = str(base / asset["path"])
    return layered(NodeConfig, path, path_fields=PATH_FIELDS, environment_fields=environment_fields,
                   environ=environ, flags=flags, file_data=file_data)


def _mqtt_address(url: str) -> MqttAddress:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme != "mqtt":
        # fabnet's MQTT clients speak plain MQTT: TLS and passwords belong to the broker's outer listener
        raise ValueError(f"expected mqtt://host:port, got scheme {parts.scheme!r} (see docs/production.md)")
    if parts.username or parts.password:
        raise ValueError("credentials in the MQTT URL are not used: give the node a loopback or plant-network "
                         "listener (see docs/production.md)")
    try:
        port = parts.port or MQTT_PORT
    except ValueError:
        raise ValueError(f"port in {url!r} is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    return MqttAddress(host=parts.hostname, port=port)
