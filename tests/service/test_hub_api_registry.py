"""The hub's registry in its database: a members.json of an older hub is taken over once, credentials survive a
reopen, revocation is kept; the operator's admin token is made once (mode 0600) and printed by the CLI."""

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fabnet.exchange.keys import KeyPairs
from fabnet.network.trust import issue_credential
from fabnet.service.hub_api_auth import admin_token
from fabnet.service.hub_config import HubConfig
from fabnet.service.hub_registry import HubRegistry

FABNET = str(Path(sys.executable).parent / "fabnet")


def test_an_older_hubs_members_file_moves_into_the_database(tmp_path: Path) -> None:
    config = HubConfig(hub_id="urn:fabnet:hub:old", data_dir=tmp_path)
    first = HubRegistry(config)  # makes the key the old credentials are signed with
    keys = KeyPairs.generate()
    credentials = {f"urn:fabnet:member:{n}": issue_credential(first.key, config.hub_id, f"urn:fabnet:member:{n}",
                                                               f"M{n} B.V.", f"1234567{n}", f"http://m{n}",
                                                               keys.public_jwks(), datetime.now(UTC))
                   for n in range(3)}
    first.close()
    (tmp_path / "members.json").write_text(json.dumps({"credentials": credentials,
                                                       "revoked": ["urn:fabnet:member:1"]}))
    registry = HubRegistry(config)
    try:
        assert registry.members() == credentials
        assert registry.revoked() == {"urn:fabnet:member:1"}
        assert not (tmp_path / "members.json").exists() and (tmp_path / "members.json.imported").exists()
        by_id = {m.credential.member_id: m for m in registry.registered_members()}
        assert by_id["urn:fabnet:member:2"].credential.kvk == "12345672" and by_id["urn:fabnet:member:1"].revoked
        assert registry.member("urn:fabnet:member:9") is None and not registry.revoke("urn:fabnet:member:9")
    finally:
        registry.close()
    reopened = HubRegistry(config)  # taken over once: the database is the registry now
    try:
        assert set(reopened.members()) == set(credentials)
    finally:
        reopened.close()


def test_the_admin_token_is_made_once_and_printed_by_the_cli(tmp_path: Path) -> None:
    config = HubConfig(data_dir=tmp_path / "hub")
    token = admin_token(config)
    assert len(token) >= 32 and admin_token(config) == token
    assert stat.S_IMODE(os.stat(config.resolved_admin_token_file).st_mode) == 0o600
    printed = subprocess.run([FABNET, "hub", "admin-token", "--data-dir", str(tmp_path / "hub")],
                             capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0 and printed.stdout.strip() == token
    assert admin_token(HubConfig(data_dir=tmp_path / "hub", admin_token="x" * 20)) == "x" * 20
