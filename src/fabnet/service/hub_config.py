"""The hub's configuration: flags over FABNET_* variables over `hub.toml` over defaults (see `config_layers`)."""

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from fabnet.service.config_layers import URL_VARIABLE_DATABASE, ConfigError, layered

DEFAULT_HUB_PORT = 8180
PATH_FIELDS = ("data_dir", "key_file", "admin_token_file")

__all__ = ["ConfigError", "HubConfig", "load_hub_config"]


class HubConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hub_id: str = Field(default="urn:fabnet:hub:local", min_length=1)
    name: str = "fabnet hub"
    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_HUB_PORT, ge=0, le=65535)
    public_url: str | None = Field(default=None, description="the URL members reach; default http://host:port")
    data_dir: Path = Path("fabnet-hub")
    database_url: str | None = Field(default=None, description="default: SQLite file hub.sqlite in data_dir")
    key_file: Path | None = Field(default=None, description="the hub's signing key; default data_dir/hub-key.jwk.json")
    admin_token: str | None = Field(default=None, min_length=16, description="bearer token of the hub's operator")
    admin_token_file: Path | None = Field(default=None, description="default data_dir/admin-token, made on first start")
    scenario: str | None = Field(default=None, description="take the hubs and fieldlabs of this reference scenario")
    public_min_members: int = Field(default=3, ge=1, description="a KPI total of fewer members is withheld from all "
                                                                  "but the operator")
    public_min_member_pairs: int = Field(default=3, ge=1, description="a pair of regions with fewer pairs of members "
                                                                       "is left off the public network map")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        from_environment = os.environ.get(URL_VARIABLE_DATABASE, "").strip()
        return from_environment or f"sqlite:///{(self.data_dir / 'hub.sqlite').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "hub-key.jwk.json"

    @property
    def resolved_admin_token_file(self) -> Path:
        return self.admin_token_file or self.data_dir / "admin-token"


def load_hub_config(path: Path | None, *, environ: Mapping[str, str] | None = None, **flags: object) -> HubConfig:
    """Defaults < `path` (TOML, or JSON if it ends in .json) < FABNET_* variables < `flags` (None = not given)."""
    return layered(HubConfig, path, path_fields=PATH_FIELDS, environ=environ, flags=flags)
