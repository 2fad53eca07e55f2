"""The node's configuration: flags over FABNET_* variables over `node.toml` over embedded defaults.

Embedded defaults: a SQLite file and a key pair in ./fabnet-node, no hub. See `fabnet.service.config_layers`.
The `mqtt_*` settings (`MqttSettings`) are shared with the telemetry commands, which read them the same way.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, ValidationInfo, field_validator

from fabnet.exchange.catalog import Asset
from fabnet.service.config_layers import URL_VARIABLE_DATABASE, ConfigError, layered, read_config_file
from fabnet.standards.mqtt_session import BrokerSecurity

DEFAULT_PORT = 8181
MQTT_PATH_FIELDS = ("mqtt_ca_file", "mqtt_cert_file", "mqtt_key_file")
PATH_FIELDS = ("data_dir", "keys_file", "credential_file", *MQTT_PATH_FIELDS)
FILE_ONLY_FIELDS = frozenset({"assets"})
"""Lists and tables are set in the file; every other field also as FABNET_<FIELD>."""
MQTT_PORT = 1883
MQTTS_PORT = 8883
DEFAULT_MQTT_URL = f"mqtt://127.0.0.1:{MQTT_PORT}"

__all__ = ["DEFAULT_PORT", "ConfigError", "MqttAddress", "MqttSettings", "NodeConfig", "load_config",
           "load_mqtt_settings"]


class MqttAddress(BaseModel):
    """Where the telemetry broker is: from `mqtt://host[:port]`, or `mqtts://host[:port]` for TLS."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    tls: bool = False


class MqttSettings(BaseModel):
    """The telemetry broker and how to sign in to it: `mqtt_url` (mqtts:// for TLS), a username and password, the
    CA file that signed the broker's certificate (default: the system's trust store) and a client certificate.
    The password is best given as FABNET_MQTT_PASSWORD (never in the URL, never as a command-line flag)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    mqtt_url: str | None = Field(default=None, description="the telemetry broker, mqtt://host:1883 or "
                                                           "mqtts://host:8883")
    mqtt_username: str | None = Field(default=None, min_length=1)
    mqtt_password: SecretStr | None = None
    mqtt_ca_file: FilePath | None = Field(default=None, description="PEM file of the CA(s) to trust for mqtts://")
    mqtt_cert_file: FilePath | None = Field(default=None, description="PEM client certificate (with its key, or "
                                                                      "the key in mqtt_key_file)")
    mqtt_key_file: FilePath | None = None

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value is not None:
            _mqtt_address(value)
        return value

    @field_validator("mqtt_password")
    @classmethod
    def _password_needs_a_user(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and not info.data.get("mqtt_username"):
            raise ValueError("a password needs mqtt_username too")
        return value

    @field_validator("mqtt_ca_file", "mqtt_cert_file", "mqtt_key_file")
    @classmethod
    def _tls_files_need_mqtts(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        url = info.data.get("mqtt_url")
        if value is not None and url is not None and not _mqtt_address(url).tls:
            raise ValueError(f"TLS files need an mqtts:// mqtt_url, got {url!r}")
        if value is not None and info.field_name == "mqtt_key_file" and info.data.get("mqtt_cert_file") is None:
            raise ValueError("a client key needs mqtt_cert_file too")
        return value

    @property
    def mqtt(self) -> MqttAddress | None:
        return _mqtt_address(self.mqtt_url) if self.mqtt_url else None

    @property
    def mqtt_security(self) -> BrokerSecurity:
        """How the telemetry clients sign in (TLS when the URL is mqtts://)."""
        address = self.mqtt
        return BrokerSecurity(
            tls=address is not None and address.tls, ca_file=self.mqtt_ca_file, cert_file=self.mqtt_cert_file,
            key_file=self.mqtt_key_file, username=self.mqtt_username,
            password=self.mqtt_password.get_secret_value() if self.mqtt_password is not None else None)


class NodeConfig(MqttSettings):
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
    monitor_phase1_samples: int = Field(default=200, ge=5, description="values per characteristic from which the "
                                        "live quality monitor learns its centre and σ")
    rework_minutes: int = Field(default=30, gt=0, description="the rework operation the node schedules after a "
                                "telemetry alarm holds a part")
    assets: list[Asset] = Field(default_factory=list)

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


def load_mqtt_settings(path: Path | None, *, environ: Mapping[str, str] | None = None,
                       **flags: object) -> MqttSettings:
    """The mqtt_* settings for a telemetry command: defaults < `path` (a node's config file; its other settings are
    ignored) < FABNET_MQTT_* variables < `flags`. ConfigError names the source, the field and the reason."""
    return layered(MqttSettings, path, path_fields=MQTT_PATH_FIELDS, environ=environ, flags=flags)


def _mqtt_address(url: str) -> MqttAddress:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"expected mqtt://host:port or mqtts://host:port, got scheme {parts.scheme!r}")
    if parts.username or parts.password:
        # a password in a URL ends up in logs and process lists
        raise ValueError("credentials in the MQTT URL are not used: set mqtt_username and FABNET_MQTT_PASSWORD "
                         "(see docs/production.md)")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (MQTTS_PORT if tls else MQTT_PORT)
    except ValueError:
        raise ValueError(f"port in {url!r} is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    return MqttAddress(host=parts.hostname, port=port, tls=tls)
