"""`fabnet hub`: The regional hub: members, trust, catalog."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fabnet.cli.root import console, fail, group

if TYPE_CHECKING:
    from fabnet.service.hub_config import HubConfig

app = group("hub", "The regional hub: members, trust, catalog.")

ConfigFile = Annotated[Path | None, typer.Option("--config", help="hub.toml (or .json); FABNET_* variables override "
                                                                  "it, flags override both.")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="The hub's folder (key, admin token, SQLite file).")]
HubId = Annotated[str | None, typer.Option("--hub-id", help="The hub's identifier.")]


def _settings(config: Path | None, **flags: object) -> "HubConfig":
    from fabnet.service.hub_config import ConfigError, load_hub_config

    try:
        return load_hub_config(config, **flags)
    except ConfigError as error:
        fail(str(error))


@app.command("serve")
def serve(
    config: ConfigFile = None,
    data_dir: DataDir = None,
    hub_id: HubId = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8180).")] = None,
) -> None:
    """Run the hub: trust anchor, member registry, capability catalog, programme, KPIs and network map."""
    import uvicorn

    from fabnet.service.config_layers import ConfigError
    from fabnet.service.hub_app import create_hub_app
    from fabnet.store import StoreError

    settings = _settings(config, data_dir=data_dir, hub_id=hub_id, host=host, port=port)
    try:
        hub = create_hub_app(settings)
    except (ConfigError, StoreError) as error:
        fail(str(error))
    console.print(f"fabnet hub {settings.hub_id} on {settings.base_url}, database {hub.state.hub.registry.store.url}",
                  highlight=False)
    uvicorn.run(hub, host=settings.host, port=settings.port, log_level="warning", access_log=False)


@app.command("add-member")
def add_member(
    member_id: Annotated[str, typer.Option("--member-id", help="e.g. urn:fabnet:member:acme")],
    name: Annotated[str, typer.Option("--name", help="Company name.")],
    kvk: Annotated[str, typer.Option("--kvk", help="KvK number (8 digits).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The member node's DSP base URL.")],
    keys: Annotated[Path, typer.Option("--keys", help="The member's public JWK set (`fabnet node public-keys`).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the membership bundle here.")],
    config: ConfigFile = None,
    data_dir: DataDir = None,
    hub_id: HubId = None,
    hub_url: Annotated[str | None, typer.Option("--hub-url", help="The hub's URL as members reach it.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Onboard a member: issue its signed membership credential and put it on the trust list."""
    from pydantic import ValidationError

    from fabnet.domain.errors import describe
    from fabnet.service.hub_registry import HubRegistry
    from fabnet.store import StoreError

    settings = _settings(config, data_dir=data_dir, hub_id=hub_id, public_url=hub_url)
    try:
        jwks = json.loads(keys.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail(f"{keys}: cannot read a JWK set ({error})")
    public = {"keys": [{k: v for k, v in key.items() if k != "d"} for key in jwks.get("keys", [])]}
    try:
        registry = HubRegistry(settings)
    except StoreError as error:
        fail(str(error))
    try:
        bundle = registry.add_member(member_id, name, kvk, endpoint, public)
    except ValidationError as error:
        fail(describe(error, "member"))
    except ValueError as error:
        fail(f"member: {error}".splitlines()[0])
    finally:
        registry.close()
    output.write_text(json.dumps(bundle.to_json(), indent=1), encoding="utf-8")
    result = {"member_id": member_id, "hub_id": settings.hub_id, "bundle": str(output)}
    if as_json:
        console.print_json(json.dumps(result))
    else:
        console.print(f"member {member_id} onboarded at {settings.hub_id}; bundle written to {output}",
                      highlight=False)


@app.command("revoke-member")
def revoke_member(member_id: Annotated[str, typer.Argument()], config: ConfigFile = None,
                  data_dir: DataDir = None, hub_id: HubId = None) -> None:
    """Put a member on the revocation list (its catalog listing leaves the search too)."""
    from fabnet.service.hub_registry import HubRegistry
    from fabnet.store import StoreError

    try:
        registry = HubRegistry(_settings(config, data_dir=data_dir, hub_id=hub_id))
    except StoreError as error:
        fail(str(error))
    try:
        revoked = registry.revoke(member_id)
    finally:
        registry.close()
    if not revoked:
        fail(f"member_id: {member_id} is not a member of this hub")
    console.print(f"member {member_id} revoked", highlight=False)


@app.command("admin-token")
def show_admin_token(config: ConfigFile = None, data_dir: DataDir = None) -> None:
    """Print the hub operator's bearer token (made on first use) for the write endpoints of the JSON API."""
    from fabnet.service.hub_api_auth import admin_token

    typer.echo(admin_token(_settings(config, data_dir=data_dir)))
