"""The production set-up on real services: a hub and two nodes as separate processes, each on its own PostgreSQL
schema, configured only by a file and FABNET_* variables; onboarding with the CLI as an operator does it, a DSP
catalog request between the nodes, the node publishing to the hub; telemetry through the real Mosquitto broker."""

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from fabnet.exchange.keys import KeyPairs
from fabnet.network.catalog import MemberListing
from fabnet.network.flows import FlowReport
from fabnet.network.synthetic import synthetic_listings
from fabnet.scenarios.loader import load_scenario
from fabnet.service.hub_api_client import HubClient
from fabnet.service.testbed import free_port
from fabnet.twin.signals import SignalSimulator, parse_fault
from service.hub_support import ConfiguredService

pytestmark = pytest.mark.postgres
FABNET = str(Path(sys.executable).parent / "fabnet")
HUB_ID = "urn:fabnet:hub:production-test"
ADMIN_TOKEN = "production-operator-token-0123456789"


@pytest.fixture(scope="module")
def schemas(postgres_url: str) -> Iterator[dict[str, str]]:
    """Three fresh schemas (hub, node a, node b) as URLs with their search_path; dropped at the end."""
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    names = {role: f"fabnet_prod_{role}_{secrets.token_hex(4)}" for role in ("hub", "a", "b")}
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for name in names.values():
            connection.execute(f'CREATE SCHEMA "{name}"')
    separator = "&" if "?" in postgres_url else "?"
    urls = {role: f"{postgres_url}{separator}options={quote(f'-csearch_path={name}')}" for role, name in names.items()}
    try:
        yield urls | {f"{role}_schema": name for role, name in names.items()}
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            for name in names.values():
                connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def _fabnet(*args: str, environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([FABNET, *args], capture_output=True, text=True, cwd=cwd, timeout=180,
                          env={**os.environ, "COLUMNS": "200", **environ})


def _rows(postgres_url: str, schema: str, table: str) -> int:
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        return connection.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]


def test_hub_and_nodes_on_postgresql_configured_by_file_and_environment(
        schemas: dict[str, str], postgres_url: str, tmp_path: Path) -> None:
    hub_port = free_port()
    hub_folder = tmp_path / "hub"
    hub_folder.mkdir()
    (hub_folder / "hub.toml").write_text(f'hub_id = "{HUB_ID}"\nname = "Hub Zuid (test)"\n', encoding="utf-8")
    hub_env = {"FABNET_DATABASE_URL": schemas["hub"], "FABNET_PORT": str(hub_port),
               "FABNET_DATA_DIR": str(hub_folder / "state"), "FABNET_ADMIN_TOKEN": ADMIN_TOKEN,
               "FABNET_PUBLIC_URL": f"http://127.0.0.1:{hub_port}"}
    design = tmp_path / "bracket.step"
    design.write_bytes(b"ISO-10303-21; a bracket\n" * 100)
    nodes: dict[str, dict] = {}
    for role, kvk in (("a", "12345670"), ("b", "76543210")):
        folder = tmp_path / role
        folder.mkdir()
        port = free_port()
        assets = (f'\n[[assets]]\nid = "urn:fabnet:asset:{role}-bracket"\ntitle = "Bracket"\nkind = "design"\n'
                  f'path = "{design}"\n') if role == "a" else ""
        (folder / "node.toml").write_text(
            f'member_id = "urn:fabnet:member:{role}"\ncompany_name = "{role.upper()} B.V."\n'
            f'trust_refresh_s = 2.0\n{assets}', encoding="utf-8")
        env = {"FABNET_DATABASE_URL": schemas[role], "FABNET_PORT": str(port),
               "FABNET_DATA_DIR": str(folder / "state"), "FABNET_CREDENTIAL_FILE": str(folder / "membership.json"),
               "FABNET_HUB_URL": f"http://127.0.0.1:{hub_port}"}
        nodes[role] = {"folder": folder, "port": port, "kvk": kvk, "env": env,
                       "url": f"http://127.0.0.1:{port}", "member_id": f"urn:fabnet:member:{role}"}

    hub = ConfiguredService("hub", f"http://127.0.0.1:{hub_port}", hub_folder,
                            [FABNET, "hub", "serve", "--config", "hub.toml"], environ=hub_env)
    started = [hub]
    try:
        hub.start()
        hub.wait_ready("/trust/anchor")
        # onboarding as operators do it: the node's public keys go to the hub, the bundle comes back
        for role, node in nodes.items():
            keys_out = _fabnet("node", "public-keys", "--config", "node.toml", "-o", "public.jwks.json",
                               environ={k: v for k, v in node["env"].items() if k != "FABNET_CREDENTIAL_FILE"},
                               cwd=node["folder"])
            assert keys_out.returncode == 0, keys_out.stdout + keys_out.stderr
            added = _fabnet("hub", "add-member", "--config", "hub.toml", "--member-id", node["member_id"],
                            "--name", f"{role.upper()} B.V.", "--kvk", node["kvk"], "--endpoint", node["url"],
                            "--keys", str(node["folder"] / "public.jwks.json"),
                            "-o", str(node["folder"] / "membership.json"), environ=hub_env, cwd=hub_folder)
            assert added.returncode == 0, added.stdout + added.stderr
            bundle = json.loads((node["folder"] / "membership.json").read_text())
            assert bundle["hub_id"] == HUB_ID and bundle["hub_url"] == f"http://127.0.0.1:{hub_port}"
        for role, node in nodes.items():
            service = ConfiguredService(role, node["url"], node["folder"],
                                        [FABNET, "node", "serve", "--config", "node.toml"], environ=node["env"])
            started.append(service)
            service.start()
        for service in started[1:]:
            service.wait_ready("/.well-known/dspace-version")
        for node in nodes.values():
            httpx.post(node["url"] + "/manage/trust/refresh", timeout=30).raise_for_status()
        status = httpx.get(nodes["b"]["url"] + "/manage/status", timeout=30).json()
        assert status["hub"] == HUB_ID and set(status["trusted_members"]) >= {"urn:fabnet:member:a"}

        # a DSP catalog request from b to a, over real HTTP, with b's self-issued token checked by a
        catalog = httpx.post(nodes["b"]["url"] + "/manage/catalog", json={"peer_url": nodes["a"]["url"]}, timeout=60)
        assert catalog.status_code == 200, catalog.text
        datasets = catalog.json()["dataset"]
        datasets = datasets if isinstance(datasets, list) else [datasets]
        assert [d["@id"] for d in datasets] == ["urn:fabnet:asset:a-bracket"]

        # node a publishes its machines to the hub and reports an order from b, proving itself with its own key
        keys = KeyPairs.from_jwks(json.loads((nodes["a"]["folder"] / "state" / "keys.jwks.json").read_text()))
        client = HubClient(hub.url, HUB_ID, nodes["a"]["member_id"], keys)
        template = synthetic_listings(1, seed=3)[0]
        company = template["company"] | {"kvk": nodes["a"]["kvk"], "vat_id": "NL123456782B01"}
        listing = MemberListing.model_validate({"company": company, "machines": template["machines"]})
        assert client.publish(listing).machines == len(listing.machines) > 0
        client.report_flow(FlowReport.model_validate(
            {"from": nodes["b"]["member_id"], "to": nodes["a"]["member_id"], "order_id": "PO-77",
             "value_eur": "1250.00", "quantity": 25, "ordered_on": date.today().isoformat()}))

        # every service wrote to its own schema only
        assert _rows(postgres_url, schemas["hub_schema"], "hub_members") == 2
        assert _rows(postgres_url, schemas["hub_schema"], "hub_listings") == 1
        assert _rows(postgres_url, schemas["hub_schema"], "hub_flows") == 1
        assert _rows(postgres_url, schemas["a_schema"], "exchange_assets") == 1
        for role in ("a", "b"):
            assert _rows(postgres_url, schemas[f"{role}_schema"], "hub_members") == 0
        # a remembered the id of b's token (replay protection) in a's schema
        assert _rows(postgres_url, schemas["a_schema"], "exchange_used_tokens") >= 1
        assert _rows(postgres_url, schemas["b_schema"], "exchange_used_tokens") == 0

        # the hub keeps it all across a restart (nothing in its folder but the key and the admin token)
        hub.stop()
        hub.start()
        hub.wait_ready("/trust/anchor")
        members = httpx.get(hub.url + "/api/v1/members", timeout=30).json()
        assert {m["member_id"]: m["machines"] for m in members["members"]} == {
            "urn:fabnet:member:a": len(listing.machines), "urn:fabnet:member:b": 0}
        flows = httpx.get(hub.url + "/api/v1/network/map", timeout=30,  # the pairs' values: the operator's only
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["flows"]
        assert flows == [{"from": "urn:fabnet:member:b", "to": "urn:fabnet:member:a", "orders": 1,
                          "value": "1250.00"}]
        skill = listing.machines[0].machine.skills[0].skill
        found = httpx.get(hub.url + "/api/v1/catalog/search", params={"skill": skill}, timeout=30).json()
        assert listing.company.id in {m["company_id"] for m in found["matches"]}
        assert "hub.sqlite" not in {p.name for p in (hub_folder / "state").iterdir()}
    finally:
        for service in started:
            service.stop()


def test_telemetry_through_mosquitto_into_the_monitor(mqtt_broker: tuple[str, int], tmp_path: Path) -> None:
    host, port = mqtt_broker
    environ = {"FABNET_MQTT_URL": f"mqtt://{host}:{port}"}
    network = load_scenario("brainport")
    company = "dommeldraai"
    machines = [m for m in network.machines if m.company_id == company]
    faulty = machines[0].id
    fault = f"{faulty}:shift:90:4"
    parts = 140
    expected = sum(len(r.samples) for r in SignalSimulator.for_machines(
        machines, [parse_fault(fault)], seed=5, origin=network.origin).stream(parts))
    client_id = f"fabnet-production-test-{secrets.token_hex(4)}"
    monitor = subprocess.Popen(
        [FABNET, "quality", "monitor", "--topic", f"fabnet/{company}/#", "--client-id", client_id, "--phase1", "50",
         "--max-samples", str(expected), "--duration", "240", "--json", str(tmp_path / "alarms.json")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200", **environ})
    try:
        assert monitor.stdout is not None
        first = monitor.stdout.readline()  # "monitoring ... on host:port": subscribed before anything is sent
        assert f"{host}:{port}" in first, first + monitor.stdout.read()
        # batches of 10 parts per message: a broker drops QoS 1 messages beyond a slow subscriber's queue (1,000)
        sent = _fabnet("telemetry", "simulate", "--company", company, "--parts", str(parts), "--seed", "5",
                       "--fault", fault, "--batch", "10", environ=environ, cwd=tmp_path)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        output, _ = monitor.communicate(timeout=300)
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.wait()
    assert monitor.returncode == 0, output
    report = json.loads((tmp_path / "alarms.json").read_text())
    assert report["samples"] == expected
    per_machine = {m.id: sum(1 for a in report["alarms"] if a["machine_id"] == m.id) for m in machines}
    assert per_machine[faulty] > 0 and per_machine[faulty] == max(per_machine.values()), per_machine
