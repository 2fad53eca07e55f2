"""`fabnet node`: A company's node service."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fabnet.cli.root import console, fail, group

if TYPE_CHECKING:
    from fabnet.store import Store

app = group("node", "A company's node service.")


@app.command("serve")
def serve(
    config: Annotated[Path | None, typer.Option("--config", help="node.toml (or .json); default: built in")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8181).")] = None,
) -> None:
    """Run the node: Dataspace Protocol endpoints, data plane and management API."""
    from fabnet.service.node_app import create_node_app
    from fabnet.service.node_config import ConfigError, load_config
    from fabnet.service.run import run_node_app
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
    run_node_app(node, settings.host, settings.port)


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


users_app = typer.Typer(name="user", help="Users of this node: add, list, disable, set a password.",
                        no_args_is_help=True)
app.add_typer(users_app)

ConfigOption = Annotated[Path | None, typer.Option("--config", help="node.toml (or .json); default: built in")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]


def _node_store(config: Path | None) -> "Store":
    """The node's database, opened and migrated as `fabnet node serve` does."""
    from fabnet.service.node_config import ConfigError, load_config
    from fabnet.service.node_runtime import open_node_store
    from fabnet.store import StoreError

    try:
        settings = load_config(config)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return open_node_store(settings.resolved_database_url)
    except (ConfigError, StoreError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"data_dir: cannot create ({error.strerror or error})")


def _read_password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The username (a-z 0-9 . _ -).")],
    role: Annotated[str, typer.Option("--role", help="admin, planner, operator or viewer.")],
    password_stdin: PasswordStdin = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="API tokens only, no login.")] = False,
    config: ConfigOption = None,
) -> None:
    """Add a user (prompts for the password twice unless --password-stdin or --no-password)."""
    from fabnet.service import users

    with _node_store(config) as store:
        try:
            users.check_new_user(store, name, role)
            password = None if no_password else _read_password(password_stdin)
            user = users.add_user(store, name, role, password)
        except users.UserError as error:
            fail(str(error))
    console.print(f"added {user.role} {user.username}", highlight=False)


@users_app.command("password")
def user_password(
    name: Annotated[str, typer.Argument(help="The username.")],
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
) -> None:
    """Set a user's password."""
    from fabnet.service import users

    with _node_store(config) as store:
        try:
            users.set_password(store, name, _read_password(password_stdin))
        except users.UserError as error:
            fail(str(error))
    console.print(f"password of {name} set", highlight=False)


@users_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="The username.")],
    role: Annotated[str, typer.Argument(help="admin, planner, operator or viewer.")],
    config: ConfigOption = None,
) -> None:
    """Change a user's role (the last active admin stays admin)."""
    from fabnet.service import users

    with _node_store(config) as store:
        try:
            user = users.set_role(store, name, role)
        except users.UserError as error:
            fail(str(error))
    console.print(f"{user.username} is now {user.role}", highlight=False)


@users_app.command("list")
def user_list(config: ConfigOption = None) -> None:
    """List the users with their roles."""
    from rich.table import Table

    from fabnet.service import users

    with _node_store(config) as store:
        found = users.users(store)
    table = Table("username", "role", "status", "login", "created")
    for user in found:
        table.add_row(user.username, user.role.value, "active" if user.active else "disabled",
                      "password" if user.has_password else "tokens only", user.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@users_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="The username.")], config: ConfigOption = None) -> None:
    """Disable a user and revoke all its tokens."""
    from fabnet.service import users

    with _node_store(config) as store:
        try:
            users.disable(store, name)
        except users.UserError as error:
            fail(str(error))
    console.print(f"disabled {name}; its tokens are revoked", highlight=False)


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    days: Annotated[float, typer.Option("--days", help="Valid for this many days; 0: until revoked.", min=0)] = 90,
    label: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    config: ConfigOption = None,
) -> None:
    """Issue an API token and print it once (only its hash is stored): `Authorization: Bearer <token>`."""
    from datetime import timedelta

    from fabnet.cli.root import err_console
    from fabnet.service import users

    with _node_store(config) as store:
        try:
            issued = users.issue(store, name, timedelta(days=days) if days else None, name=label)
        except users.UserError as error:
            fail(str(error))
    expiry = f"expires {issued.expires_at:%Y-%m-%d %H:%M} UTC" if issued.expires_at else "valid until revoked"
    err_console.print(f"token {issued.token_id} for {issued.owner} ({issued.role}), {expiry}", highlight=False)
    print(issued.token)


@app.command("prune")
def prune(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was deleted as JSON.")] = False,
) -> None:
    """Delete ended login sessions and API tokens and old failed logins now (the running node also does it on its
    own sweep); live sessions and tokens are never touched."""
    import json
    from dataclasses import asdict

    from fabnet.service import users

    with _node_store(config) as store:
        pruned = users.prune(store)
    if as_json:
        print(json.dumps(asdict(pruned)))
        return
    console.print(f"pruned {pruned.sessions} sessions, {pruned.tokens} API tokens and {pruned.login_failures} "
                  "failed logins", highlight=False)
