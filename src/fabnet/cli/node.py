"""`fabnet node`: A company's node service."""

from pathlib import Path
from typing import Annotated

import typer

from fabnet.cli.root import console, fail, group

app = group("node", "A company's node service.")


@app.command("serve")
def serve(
    config: Annotated[Path | None, typer.Option("--config", help="node.toml (or .json); default: built in")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8181).")] = None,
) -> None:
    """Run the node: Dataspace Protocol endpoints, data plane and management API."""
    import uvicorn

    from fabnet.service.node_app import create_node_app
    from fabnet.service.node_config import ConfigError, load_config
    from fabnet.store import StoreError

    try:
        settings = load_config(config, host=host, port=port)
        node = create_node_app(settings)
    except (ConfigError, StoreError) as error:
        fail(str(error))
    runtime = node.state.runtime
    if config is None:
        console.print(
            f"no --config: embedded defaults — database {settings.resolved_database_url}, keys "
            f"{settings.resolved_keys_file}{' (generated now)' if runtime.identity.keys_created else ''}, "
            f"member {runtime.member_id} without a hub credential (only itself is trusted)",
            highlight=False,
        )
    loopback = settings.host in ("127.0.0.1", "localhost", "::1")
    console.print(f"fabnet node {runtime.member_id} on {settings.base_url}"
                  f"{' (loopback only)' if loopback else ''}", highlight=False)
    uvicorn.run(node, host=settings.host, port=settings.port, log_level="warning", access_log=False)


@app.command("public-keys")
def public_keys(
    config: Annotated[Path | None, typer.Option("--config", help="node.toml (or .json)")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the JWK set here.")] = None,
) -> None:
    """Print the node's public JWK set (generating the key pair if there is none yet), for `fabnet hub add-member`."""
    import json

    from fabnet.service.node_config import ConfigError, load_config
    from fabnet.service.node_identity import load_or_create_keys

    try:
        settings = load_config(config)
        keys, _ = load_or_create_keys(settings.resolved_keys_file)
    except ConfigError as error:
        fail(str(error))
    text = json.dumps(keys.public_jwks(), indent=1)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        console.print_json(text)
