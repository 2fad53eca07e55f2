"""Configuration of node and hub: flag > FABNET_* variable > file > default, paths resolved against the file (or
the working folder for variables), and a bad setting stopping the service with one line naming where it came from."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.service.config_layers import ConfigError
from fabnet.service.hub_config import HubConfig, load_hub_config
from fabnet.service.node_config import NodeConfig, load_config

FABNET = str(Path(sys.executable).parent / "fabnet")
LAYERS = ("file", "env", "flag")


@settings(max_examples=60, deadline=None)
@given(given_in=st.fixed_dictionaries({field: st.sets(st.sampled_from(LAYERS))
                                       for field in ("port", "host", "member_id", "trust_refresh_s")}),
       ports=st.lists(st.integers(1, 65535), min_size=3, max_size=3, unique=True))
def test_node_settings_take_the_highest_layer_that_gives_them(tmp_path_factory: pytest.TempPathFactory,
                                                               given_in: dict[str, set[str]],
                                                               ports: list[int]) -> None:
    values = {
        "port": dict(zip(LAYERS, ports, strict=True)),
        "host": {"file": "10.0.0.1", "env": "10.0.0.2", "flag": "10.0.0.3"},
        "member_id": {layer: f"urn:fabnet:member:{layer}" for layer in LAYERS},
        "trust_refresh_s": {"file": 11.0, "env": 12.0, "flag": 13.0},
    }
    file_lines, environ, flags = [], {}, {}
    for field, layers in given_in.items():
        if "file" in layers:
            value = values[field]["file"]
            file_lines.append(f"{field} = {value!r}".replace("'", '"'))
        if "env" in layers:
            environ[f"FABNET_{field.upper()}"] = str(values[field]["env"])
        if "flag" in layers:
            flags[field] = values[field]["flag"]
    config_file = tmp_path_factory.mktemp("precedence") / "node.toml"
    config_file.write_text("\n".join(file_lines) + "\n", encoding="utf-8")
    loaded = load_config(config_file, environ=environ, **flags)
    defaults = NodeConfig()
    for field, layers in given_in.items():
        winner = next((layer for layer in reversed(LAYERS) if layer in layers), None)
        expected = getattr(defaults, field) if winner is None else values[field][winner]
        assert getattr(loaded, field) == expected, (field, layers)


def test_hub_settings_layer_the_same_way(tmp_path: Path) -> None:
    config_file = tmp_path / "hub.toml"
    config_file.write_text('hub_id = "urn:fabnet:hub:file"\nport = 9100\ndata_dir = "state"\nname = "Hub Oost"\n')
    environ = {"FABNET_PORT": "9200", "FABNET_DATABASE_URL": "postgresql+psycopg://hub@db.internal/hub",
               "FABNET_DATA_DIR": "", "FABNET_HUB_ID": "urn:fabnet:hub:env"}
    loaded = load_hub_config(config_file, environ=environ, hub_id="urn:fabnet:hub:flag")
    assert (loaded.hub_id, loaded.port, loaded.name) == ("urn:fabnet:hub:flag", 9200, "Hub Oost")
    assert loaded.data_dir == tmp_path / "state"  # an empty variable counts as not given
    assert loaded.resolved_database_url == "postgresql+psycopg://hub@db.internal/hub"
    assert load_hub_config(None, environ={}) == HubConfig()
    relative = load_hub_config(None, environ={"FABNET_DATA_DIR": "hub-state"})
    assert relative.data_dir == Path("hub-state")  # variables are relative to the working folder
    assert relative.resolved_database_url.endswith(f"{Path('hub-state').resolve()}/hub.sqlite")


def test_node_paths_in_a_file_are_relative_to_it_and_mqtt_comes_from_the_environment(tmp_path: Path) -> None:
    config_file = tmp_path / "conf" / "node.toml"
    config_file.parent.mkdir()
    config_file.write_text('data_dir = "state"\ncredential_file = "membership.json"\n')
    loaded = load_config(config_file, environ={"FABNET_MQTT_URL": "mqtt://broker.plant:1884",
                                               "FABNET_HUB_URL": "https://hub.example.nl"})
    assert loaded.data_dir == tmp_path / "conf" / "state"
    assert loaded.credential_file == tmp_path / "conf" / "membership.json"
    assert loaded.mqtt is not None and (loaded.mqtt.host, loaded.mqtt.port) == ("broker.plant", 1884)
    assert loaded.hub_url == "https://hub.example.nl"
    assert loaded.mqtt_security.tls is False and loaded.mqtt_security.username is None


def test_mqtt_tls_and_credentials_come_from_file_and_environment(tmp_path: Path) -> None:
    """TLS files in the file are relative to it; the password (from the environment) never shows in the config."""
    config_file = tmp_path / "conf" / "node.toml"
    config_file.parent.mkdir()
    (tmp_path / "conf" / "ca.pem").write_text("not read until a connection is made")
    config_file.write_text('mqtt_url = "mqtts://broker.plant"\nmqtt_ca_file = "ca.pem"\nmqtt_username = "cell-7"\n')
    loaded = load_config(config_file, environ={"FABNET_MQTT_PASSWORD": "s3cret-broker-pass"})
    assert loaded.mqtt is not None and (loaded.mqtt.host, loaded.mqtt.port, loaded.mqtt.tls) == (
        "broker.plant", 8883, True)
    security = loaded.mqtt_security
    assert security.tls and security.ca_file == tmp_path / "conf" / "ca.pem"
    assert (security.username, security.password) == ("cell-7", "s3cret-broker-pass")
    assert "s3cret-broker-pass" not in repr(loaded) and "s3cret-broker-pass" not in repr(security)
    with pytest.raises(ValueError, match=r"^mqtt_ca_file: .*ca\.pem: "):
        security.ssl_context()  # a file that is not PEM: one line naming the setting


@pytest.mark.parametrize(("file_text", "environ", "flags", "message"), [
    ("port = 8200\n[oops\n", {}, {}, "{file}: not valid TOML"),
    ('colour = "blue"\n', {}, {}, "{file}: colour: Extra inputs are not permitted"),
    ('port = "eighty"\n', {}, {}, "{file}: port: Input should be a valid integer"),
    ("", {"FABNET_PORT": "eighty"}, {}, "FABNET_PORT: port: Input should be a valid integer"),
    ("", {"FABNET_TRUST_REFRESH_S": "-1"}, {}, "FABNET_TRUST_REFRESH_S: trust_refresh_s: Input should be greater"),
    ("", {"FABNET_MQTT_URL": "ws://broker:8883"}, {}, "FABNET_MQTT_URL: mqtt_url: expected mqtt://host:port or "
                                                      "mqtts://host:port, got scheme 'ws'"),
    ('mqtt_url = "mqtt://broker"\nmqtt_ca_file = "node.toml"\n', {}, {},
     "{file}: mqtt_ca_file: TLS files need an mqtts:// mqtt_url"),
    ("", {"FABNET_MQTT_URL": "mqtts://broker", "FABNET_MQTT_CA_FILE": "/no/such/ca.pem"}, {},
     "FABNET_MQTT_CA_FILE: mqtt_ca_file: Path does not point to a file"),
    ("", {"FABNET_MQTT_PASSWORD": "secret"}, {}, "FABNET_MQTT_PASSWORD: mqtt_password: a password needs mqtt_username"),
    ("", {"FABNET_MQTT_URL": "mqtt://user:secret@broker"}, {}, "FABNET_MQTT_URL: mqtt_url: credentials"),
    ("", {}, {"port": 70000}, "--port: port: Input should be less than or equal to 65535"),
])
def test_a_bad_node_setting_names_its_source_and_field(tmp_path: Path, file_text: str, environ: dict,
                                                        flags: dict, message: str) -> None:
    config_file = tmp_path / "node.toml"
    config_file.write_text(file_text)
    with pytest.raises(ConfigError) as raised:
        load_config(config_file, environ=environ, **flags)
    assert str(raised.value).startswith(message.format(file=config_file)) and "\n" not in str(raised.value)


def test_a_missing_file_and_a_bad_hub_value_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hub\.toml: file not found$"):
        load_hub_config(tmp_path / "hub.toml", environ={})
    with pytest.raises(ConfigError, match=r"^FABNET_ADMIN_TOKEN: admin_token: String should have at least 16"):
        load_hub_config(None, environ={"FABNET_ADMIN_TOKEN": "short"})


def _serve(*args: str, environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([FABNET, *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "COLUMNS": "300", **environ})


@pytest.mark.parametrize(("args", "environ", "expected"), [
    (("hub", "serve", "--config", "missing.toml"), {}, "error: missing.toml: file not found"),
    (("hub", "serve"), {"FABNET_PORT": "http"}, "error: FABNET_PORT: port: Input should be a valid integer"),
    (("hub", "serve", "--data-dir", "hub"), {"FABNET_DATABASE_URL": "mysql://db/hub"},
     "error: database URL 'mysql://db/hub': unsupported database 'mysql'"),
    (("node", "serve"), {"FABNET_DELIVERY_CONCURRENCY": "0"},
     "error: FABNET_DELIVERY_CONCURRENCY: delivery_concurrency: Input should be greater than 0"),
])
def test_services_refuse_to_start_with_one_line(tmp_path: Path, args: tuple[str, ...], environ: dict[str, str],
                                                expected: str) -> None:
    result = _serve(*args, environ=environ, cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert not (tmp_path / "hub" / "hub.sqlite").exists()
