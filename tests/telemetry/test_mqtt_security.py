"""MQTT with TLS and a password against a real Mosquitto that requires both: the right settings carry samples end
to end (library and CLI); a wrong password, an untrusted CA, a wrong server name or a missing client certificate
fail with one line naming the broker and the reason."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.standards.mqtt import BrokerRefused, BrokerSecurity, MqttIngestor, MqttPublisher
from fabnet.twin.signals import Fault
from telemetry.conftest import wait_until
from telemetry.secure_broker import PASSWORD, USERNAME, SecureMosquitto
from telemetry.test_mqtt import Collector, _simulator

pytestmark = pytest.mark.mqtt


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureMosquitto]:
    if shutil.which("mosquitto") is None:
        pytest.skip("the mosquitto binary is not installed (these tests run their own TLS Mosquitto)")
    broker = SecureMosquitto(tmp_path_factory.mktemp("mosquitto-tls"))
    broker.start()
    yield broker
    broker.stop()


def _security(broker: SecureMosquitto, **changes: object) -> BrokerSecurity:
    good = BrokerSecurity(tls=True, ca_file=broker.ca.cert_file, username=USERNAME, password=PASSWORD)
    return replace(good, **changes)  # type: ignore[arg-type]


def _ingestor(broker: SecureMosquitto, tag: str, collector: Collector, security: BrokerSecurity, *,
              host: str = "localhost", port: int | None = None) -> MqttIngestor:
    return MqttIngestor(host, port or broker.port, f"fabnet-tls-{tag}", collector, topic=f"fabnet/{tag}/#",
                        security=security)


def test_the_right_credentials_deliver_samples_over_tls(secure: SecureMosquitto, tag: str) -> None:
    collector = Collector()
    ingestor = _ingestor(secure, tag, collector, _security(secure))
    ingestor.start()
    publisher = MqttPublisher("localhost", secure.port, security=_security(secure))
    try:
        publisher.connect()
        records = list(_simulator(tag, [Fault("mill-2", "shift", 10, 3.0)]).stream(20))
        expected = {(s.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
        for record in records:
            publisher.publish(record.samples)
        assert publisher.flush(30)
        assert wait_until(lambda: collector.keys() == expected, 30), len(collector.keys())
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)
    log = secure.log.read_text()
    assert f"u'{USERNAME}'" in log  # the broker saw the username: the password file was used, not anonymous


def test_a_client_certificate_is_sent_when_the_broker_requires_one(secure: SecureMosquitto, tag: str) -> None:
    with_cert = _security(secure, cert_file=secure.client.cert, key_file=secure.client.key)
    collector = Collector()
    ingestor = _ingestor(secure, tag, collector, with_cert, port=secure.mutual_port)
    ingestor.start()
    publisher = MqttPublisher("localhost", secure.mutual_port, security=with_cert)
    try:
        publisher.connect()
        records = list(_simulator(tag, []).stream(3))
        for record in records:
            publisher.publish(record.samples)
        assert publisher.flush(30)
        total = sum(len(r.samples) for r in records)
        assert wait_until(lambda: len(collector.keys()) == total, 30)
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)
    without = MqttPublisher("localhost", secure.mutual_port, security=_security(secure))
    with pytest.raises(BrokerRefused) as refused:
        without.connect()
    assert str(refused.value).startswith(f"MQTT broker localhost:{secure.mutual_port}: ")
    assert "\n" not in str(refused.value)


REFUSED_LOGIN = (r"refused the connection: (not authorized|bad user name or password) "
                 r"\(check the username and password\)$")


@pytest.mark.parametrize("change", [{"password": "not-the-password"}, {"username": "cell-8"},
                                    {"username": None, "password": None}])
def test_wrong_credentials_are_one_line_naming_broker_and_reason(secure: SecureMosquitto, tag: str,
                                                                 change: dict) -> None:
    security = _security(secure, **change)
    ingestor = _ingestor(secure, tag, Collector(), security)
    with pytest.raises(BrokerRefused) as refused:
        ingestor.start()
    assert re.match(f"MQTT broker localhost:{secure.port} {REFUSED_LOGIN}", str(refused.value)), str(refused.value)
    assert not ingestor.connected.is_set()
    publisher = MqttPublisher("localhost", secure.port, security=security)
    with pytest.raises(BrokerRefused) as also:
        publisher.connect()
    assert re.match(f"MQTT broker localhost:{secure.port} {REFUSED_LOGIN}", str(also.value)), str(also.value)


@pytest.mark.parametrize(("host", "ca", "reason"), [
    ("localhost", "rogue", "TLS handshake failed: the broker's certificate is not trusted"),
    ("localhost", "system", "TLS handshake failed: the broker's certificate is not trusted"),
    ("127.0.0.1", "ours", "TLS handshake failed: the broker's certificate is not trusted (IP address mismatch, "
                          "certificate is not valid for '127.0.0.1'"),
])
def test_an_untrusted_or_misnamed_certificate_is_refused(secure: SecureMosquitto, tag: str, host: str, ca: str,
                                                         reason: str) -> None:
    ca_file = {"rogue": secure.rogue.cert_file, "system": None, "ours": secure.ca.cert_file}[ca]
    security = _security(secure, ca_file=ca_file)
    ingestor = _ingestor(secure, tag, Collector(), security, host=host)
    with pytest.raises(BrokerRefused) as refused:
        ingestor.start()
    message = str(refused.value)
    assert message.startswith(f"MQTT broker {host}:{secure.port}: {reason}"), message
    assert "\n" not in message
    publisher = MqttPublisher(host, secure.port, security=security)
    with pytest.raises(BrokerRefused) as also:
        publisher.connect()
    assert str(also.value).startswith(f"MQTT broker {host}:{secure.port}: {reason}"), str(also.value)


def _environment(secure: SecureMosquitto, password: str = PASSWORD) -> dict[str, str]:
    return {"FABNET_MQTT_URL": f"mqtts://localhost:{secure.port}", "FABNET_MQTT_CA_FILE": str(secure.ca.cert_file),
            "FABNET_MQTT_USERNAME": USERNAME, "FABNET_MQTT_PASSWORD": password}


def test_the_cli_takes_tls_and_credentials_from_the_environment(secure: SecureMosquitto, tag: str) -> None:
    collector = Collector()
    ingestor = MqttIngestor("localhost", secure.port, f"fabnet-tls-cli-{tag}", collector, topic="fabnet/vonkwerk/#",
                            security=_security(secure))
    ingestor.start()
    try:
        sent = CliRunner().invoke(app, ["telemetry", "simulate", "--company", "vonkwerk", "--parts", "5"],
                                  env=_environment(secure))
        assert sent.exit_code == 0, sent.output
        sent_samples = int(re.search(r"sent \d+ parts, (\d+) samples", sent.output).group(1))  # type: ignore[union-attr]
        assert sent_samples > 0
        assert wait_until(lambda: len(collector.samples) >= sent_samples, 30), len(collector.samples)
        assert len(collector.samples) == sent_samples
        assert {s.company_id for s in collector.samples} == {"vonkwerk"}
    finally:
        ingestor.stop(forget_session=True)


def test_the_cli_takes_the_settings_from_a_config_file_and_flags(secure: SecureMosquitto, tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(f'mqtt_url = "mqtts://localhost:{secure.port}"\nmqtt_username = "{USERNAME}"\n'
                      f'mqtt_password = "{PASSWORD}"\n')
    result = CliRunner().invoke(app, ["quality", "monitor", "--config", str(config), "--mqtt-ca-file",
                                      str(secure.ca.cert_file), "--duration", "0.5"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert f"monitoring fabnet/# on localhost:{secure.port}" in result.output


@pytest.mark.parametrize(("environment", "expected"), [
    ({"FABNET_MQTT_PASSWORD": "wrong-password"}, "(check the username and password)"),
    ({"FABNET_MQTT_CA_FILE": ""}, "TLS handshake failed: the broker's certificate is not trusted"),
])
def test_the_cli_fails_with_one_line_naming_broker_and_reason(secure: SecureMosquitto, environment: dict,
                                                              expected: str) -> None:
    env = {**_environment(secure), **environment, "COLUMNS": "300"}
    for command in (["quality", "monitor", "--duration", "1"],
                    ["telemetry", "simulate", "--company", "vonkwerk", "--parts", "1"]):
        result = CliRunner().invoke(app, command, env=env)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and f"MQTT broker localhost:{secure.port}" in lines[0] and expected in lines[0], \
            result.output
