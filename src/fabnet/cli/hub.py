"""`fabnet hub`: The regional hub: members, trust, catalog."""

import json
from pathlib import Path
from typing import Annotated

import typer

from fabnet.cli.root import console, fail, group

app = group("hub", "The regional hub: members, trust, catalog.")

DataDir = Annotated[Path, typer.Option("--data-dir", help="The hub's folder (key, member registry).")]
HubId = Annotated[str, typer.Option("--hub-id", help="The hub's identifier.")]


@app.command("serve")
def serve(
    data_dir: DataDir = Path("fabnet-hub"),
    hub_id: HubId = "urn:fabnet:hub:local",
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8180,
) -> None:
    """Run the hub: trust anchor key, trust list and revocation list."""
    import uvicorn

    from fabnet.service.hub_app import create_hub_app
    from fabnet.service.hub_registry import HubConfig

    config = HubConfig(hub_id=hub_id, host=host, port=port, data_dir=data_dir)
    hub = create_hub_app(config)
    console.print(f"fabnet hub {hub_id} on {config.base_url}, registry in {data_dir}", highlight=False)
    uvicorn.run(hub, host=host, port=port, log_level="warning", access_log=False)


@app.command("add-member")
def add_member(
    member_id: Annotated[str, typer.Option("--member-id", help="e.g. urn:fabnet:member:acme")],
    name: Annotated[str, typer.Option("--name", help="Company name.")],
    kvk: Annotated[str, typer.Option("--kvk", help="KvK number (8 digits).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The member node's DSP base URL.")],
    keys: Annotated[Path, typer.Option("--keys", help="The member's public JWK set (`fabnet node public-keys`).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the membership bundle here.")],
    data_dir: DataDir = Path("fabnet-hub"),
    hub_id: HubId = "urn:fabnet:hub:local",
    hub_url: Annotated[str | None, typer.Option("--hub-url", help="The hub's URL as members reach it.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Onboard a member: issue its signed membership credential and put it on the trust list."""
    from pydantic import ValidationError

    from fabnet.domain.errors import describe
    from fabnet.service.hub_registry import HubConfig, HubRegistry

    try:
        jwks = json.loads(keys.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail(f"{keys}: cannot read a JWK set ({error})")
    public = {"keys": [{k: v for k, v in key.items() if k != "d"} for key in jwks.get("keys", [])]}
    registry = HubRegistry(HubConfig(hub_id=hub_id, data_dir=data_dir, public_url=hub_url))
    try:
        bundle = registry.add_member(member_id, name, kvk, endpoint, public)
    except ValidationError as error:
        fail(describe(error, "member"))
    except ValueError as error:
        fail(f"member: {error}".splitlines()[0])
    output.write_text(json.dumps(bundle.to_json(), indent=1), encoding="utf-8")
    result = {"member_id": member_id, "hub_id": hub_id, "bundle": str(output)}
    if as_json:
        console.print_json(json.dumps(result))
    else:
        console.print(f"member {member_id} onboarded at {hub_id}; bundle written to {output}", highlight=False)


@app.command("revoke-member")
def revoke_member(member_id: Annotated[str, typer.Argument()], data_dir: DataDir = Path("fabnet-hub"),
                  hub_id: HubId = "urn:fabnet:hub:local") -> None:
    """Put a member on the revocation list."""
    from fabnet.service.hub_registry import HubConfig, HubRegistry

    if not HubRegistry(HubConfig(hub_id=hub_id, data_dir=data_dir)).revoke(member_id):
        fail(f"member_id: {member_id} is not a member of this hub")
    console.print(f"member {member_id} revoked", highlight=False)
