"""The connector's command line against the running test nodes: catalog, negotiate, transfer, audit verify, hub."""

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from exchange.dsp_support import AUTO, Network
from fabnet.cli import app

runner = CliRunner()


def test_catalog_negotiate_transfer(network: Network, tmp_path: Path) -> None:
    node = ["--node", network.consumer.url]
    listed = runner.invoke(app, ["exchange", "catalog", network.provider.url, *node, "--json"])
    assert listed.exit_code == 0, listed.output
    assert AUTO in listed.output
    negotiated = runner.invoke(app, ["exchange", "negotiate", network.provider.url, f"{AUTO}:offer", *node, "--json"])
    assert negotiated.exit_code == 0, negotiated.output
    agreement = json.loads(negotiated.output)["agreement_id"]
    target = tmp_path / "bracket.step"
    moved = runner.invoke(app, ["exchange", "transfer", agreement, "-o", str(target), *node, "--json"])
    assert moved.exit_code == 0, moved.output
    assert target.read_bytes() == network.design.read_bytes()


def test_unknown_offer_is_a_one_line_error(network: Network) -> None:
    result = runner.invoke(app, ["exchange", "negotiate", network.provider.url, "urn:nope:offer",
                                 "--node", network.consumer.url])
    assert result.exit_code == 2
    assert "offer_id" in result.output


def test_unreachable_node_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["exchange", "catalog", "http://127.0.0.1:9", "--node", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the node" in result.output


def _snapshot(network: Network, tmp_path: Path) -> Path:
    """A consistent copy of the provider's live database, and a config that points at it."""
    folder = network.testbed.root / "provider"
    copy = tmp_path / "node.sqlite"
    with sqlite3.connect(folder / "data" / "node.sqlite") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    config = tmp_path / "node.json"
    config.write_text(json.dumps({"database_url": f"sqlite:///{copy}", "keys_file": str(folder / "keys.jwks.json"),
                                  "data_dir": str(tmp_path)}))
    return config


def test_audit_verify_accepts_the_live_log_and_detects_tampering(network: Network, tmp_path: Path) -> None:
    config = _snapshot(network, tmp_path)
    clean = runner.invoke(app, ["audit", "verify", "--config", str(config), "--json"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["entries"] >= 6, "the catalog/negotiation tests ran before"
    with sqlite3.connect(tmp_path / "node.sqlite") as database:
        database.execute("UPDATE exchange_audit SET peer = 'urn:fabnet:member:mallory' WHERE seq = 2")
    edited = runner.invoke(app, ["audit", "verify", "--config", str(config), "--json"])
    assert edited.exit_code == 1
    assert any("entry 2" in problem for problem in json.loads(edited.output)["problems"])
    with sqlite3.connect(tmp_path / "node.sqlite") as database:
        database.execute("DELETE FROM exchange_audit WHERE seq = 4")
    removed = runner.invoke(app, ["audit", "verify", "--config", str(config), "--json"])
    assert any("entry 5" in problem for problem in json.loads(removed.output)["problems"])


def test_hub_add_member_writes_a_bundle_the_node_accepts(tmp_path: Path) -> None:
    keys = tmp_path / "public.json"
    node_config = tmp_path / "node.json"
    node_config.write_text(json.dumps({"data_dir": str(tmp_path / "node")}))
    exported = runner.invoke(app, ["node", "public-keys", "--config", str(node_config), "-o", str(keys)])
    assert exported.exit_code == 0, exported.output
    bundle = tmp_path / "membership.json"
    added = runner.invoke(app, ["hub", "add-member", "--member-id", "urn:fabnet:member:acme", "--name", "ACME B.V.",
                                "--kvk", "12345678", "--endpoint", "http://127.0.0.1:8181", "--keys", str(keys),
                                "-o", str(bundle), "--data-dir", str(tmp_path / "hub")])
    assert added.exit_code == 0, added.output
    from fabnet.service.node_config import load_config
    from fabnet.service.node_identity import node_identity

    node_config.write_text(json.dumps({"data_dir": str(tmp_path / "node"), "credential_file": str(bundle)}))
    identity = node_identity(load_config(node_config))
    assert identity.member_id == "urn:fabnet:member:acme"
    assert identity.own.credential.kvk == "12345678"
    bad = runner.invoke(app, ["hub", "add-member", "--member-id", "urn:x", "--name", "X", "--kvk", "123",
                              "--endpoint", "http://x", "--keys", str(keys), "-o", str(tmp_path / "b2.json"),
                              "--data-dir", str(tmp_path / "hub")])
    assert bad.exit_code == 2 and "KvK" in bad.output


def test_node_toml_paths_are_relative_to_the_file_and_errors_name_the_field(tmp_path: Path) -> None:
    from fabnet.service.node_config import ConfigError, load_config

    config = tmp_path / "node.toml"
    config.write_text('member_id = "urn:fabnet:member:acme"\nport = 8200\ndata_dir = "state"\n\n'
                      '[[assets]]\nid = "urn:fabnet:asset:d1"\ntitle = "Bracket"\nkind = "design"\npath = "d1.step"\n')
    settings = load_config(config)
    assert settings.data_dir == tmp_path / "state" and settings.assets[0].path == str(tmp_path / "d1.step")
    assert settings.base_url == "http://127.0.0.1:8200"
    config.write_text('port = "eighty"\n')
    try:
        load_config(config)
    except ConfigError as error:
        assert "port" in str(error) and str(config) in str(error)
    else:
        raise AssertionError("a bad port must be refused")


def test_bench_exchange_reports_the_sweep_the_main_run_and_the_transfer() -> None:
    result = runner.invoke(app, ["bench", "exchange", "--negotiations", "6", "--transfer-mb", "1", "--concurrency",
                                 "2", "--sweep", "1,3", "--sweep-negotiations", "3", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["negotiations"], figures["finalized"], figures["concurrency"]) == (6, 6, 2)
    assert [(point["concurrency"], point["negotiations"]) for point in figures["sweep"]] == [(1, 3), (3, 3)]
    # CPU time is read in clock ticks (10 ms): three negotiations may round to nothing
    assert all(point["negotiations_per_second"] > 0 and point["cpu_ms_per_negotiation"] >= 0
               for point in figures["sweep"])
    best = figures["best_concurrency_within_p99_target"]
    assert best is None or best in (1, 3)
    assert figures["transfer_verified"] is True


def test_bench_exchange_refuses_a_bad_sweep() -> None:
    result = runner.invoke(app, ["bench", "exchange", "--sweep", "1,x"])
    assert result.exit_code == 2 and "1,4,8,16,32" in result.output
