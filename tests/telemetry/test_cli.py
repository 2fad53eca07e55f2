"""`fabnet telemetry simulate` and `fabnet quality monitor` as a user runs them, against real brokers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.standards.mqtt import MqttIngestor, MqttPublisher, discard_session
from fabnet.twin.signals import Fault
from telemetry.conftest import OwnMosquitto, free_port, wait_until
from telemetry.test_mqtt import Collector, _simulator

runner = CliRunner()


def test_an_unknown_machine_in_a_fault_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["telemetry", "simulate", "--company", "vonkwerk", "--mqtt", "127.0.0.1:1883",
                                 "--fault", "ghost-7:shift:3"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert "unknown machine 'ghost-7'" in message and "vw-fdm" in message and message.count("\n") == 0
    result = runner.invoke(app, ["telemetry", "simulate", "--mqtt", "127.0.0.1:1883", "--fault", "vw-fdm:wobble:3"])
    assert result.exit_code == 2 and "unknown kind 'wobble'" in result.output


def test_a_broker_that_is_down_is_named() -> None:
    port = free_port()
    result = runner.invoke(app, ["telemetry", "simulate", "--company", "vonkwerk", "--mqtt", f"127.0.0.1:{port}"])
    assert result.exit_code == 2
    assert f"MQTT broker 127.0.0.1:{port} is not reachable" in result.output
    result = runner.invoke(app, ["quality", "monitor", "--mqtt", f"127.0.0.1:{port}", "--duration", "1"])
    assert result.exit_code == 2 and f"127.0.0.1:{port}" in result.output
    result = runner.invoke(app, ["quality", "monitor", "--mqtt", "localhost:eighteen"])
    assert result.exit_code == 2 and "--mqtt: port 'eighteen'" in result.output


@pytest.mark.mqtt
def test_simulate_publishes_the_scenario_machines(broker: tuple[str, int], tmp_path: Path) -> None:
    host, port = broker
    collector = Collector()
    ingestor = MqttIngestor(host, port, f"fabnet-test-sim-{free_port()}", collector, topic="fabnet/vonkwerk/#")
    ingestor.start()
    try:
        result = runner.invoke(app, ["telemetry", "simulate", "--company", "vonkwerk", "--mqtt", f"{host}:{port}",
                                     "--parts", "8", "--batch", "4", "--fault", "vw-mill-5a:shift:2:3",
                                     "--json", str(tmp_path / "run.json")])
        assert result.exit_code == 0, result.output
        summary = json.loads((tmp_path / "run.json").read_text())
        assert summary["parts"] == 6 * 8 and summary["mqtt_messages"] < summary["samples"]
        assert wait_until(lambda: len(collector.keys()) >= summary["samples"])
    finally:
        ingestor.stop(forget_session=True)
    machines = {s.machine_id for s in collector.samples}
    assert machines == {"vw-cmm-arm", "vw-fdm", "vw-fdm-2", "vw-mill-5a", "vw-waam-1", "vw-waam-2"}
    spindle = [s for s in collector.samples if s.machine_id == "vw-mill-5a" and s.name == "spindle_load"]
    assert len(spindle) == 8 and all(s.unit == "%" for s in spindle)


def _monitor(port: int, tag: str, folder: Path, max_samples: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from fabnet.cli import app; app(prog_name='fabnet')", "quality", "monitor",
                "--mqtt", f"127.0.0.1:{port}",
               "--topic", f"fabnet/{tag}/#", "--client-id", f"fabnet-monitor-{tag}", "--phase1", "20",
               "--state", str(folder / "state.json"), "--json", str(folder / "alarms.json"),
               "--max-samples", str(max_samples), "--duration", "120"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "monitoring" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(60), "".join(lines)
    process.lines = lines  # type: ignore[attr-defined]
    return process


@pytest.mark.mqtt
def test_the_monitor_keeps_its_state_over_a_broker_restart_and_a_process_restart(
    own_mosquitto: OwnMosquitto, tag: str, tmp_path: Path,
) -> None:
    port = own_mosquitto.port
    records = list(_simulator(tag, [Fault("mill-2", "shift", 60, 4.0)]).stream(80))
    publisher = MqttPublisher("127.0.0.1", port, client_id=f"fabnet-pub-{tag}")
    publisher.connect()
    first, second = records[:100], records[100:]
    try:
        total_first = sum(len(r.samples) for r in first)
        monitor = _monitor(port, tag, tmp_path, total_first)
        for record in first[:50]:
            publisher.publish(record.samples)
        assert publisher.flush()
        own_mosquitto.stop()  # the broker goes away mid-stream ...
        for record in first[50:]:
            publisher.publish(record.samples)
        own_mosquitto.start()  # ... and comes back; the monitor reconnects and carries on
        assert monitor.wait(90) == 0, "".join(monitor.lines)  # type: ignore[attr-defined]
        report = json.loads((tmp_path / "alarms.json").read_text())
        assert report["samples"] >= total_first and report["reconnects"] >= 1
        state = json.loads((tmp_path / "state.json").read_text())
        assert {s["characteristic"] for s in state["streams"]} >= {"pocket_depth", "spindle_load", "laser_power"}
        assert all(s["center"] is not None for s in state["streams"])  # phase I is over, limits learnt

        # a new monitor process resumes from the saved state: no second phase I, and the shift is caught
        monitor = _monitor(port, tag, tmp_path, sum(len(r.samples) for r in second))
        assert any("resumed" in line for line in monitor.lines)  # type: ignore[attr-defined]
        for record in second:
            publisher.publish(record.samples)
        assert publisher.flush()
        assert monitor.wait(90) == 0, "".join(monitor.lines)  # type: ignore[attr-defined]
    finally:
        publisher.close()
        discard_session("127.0.0.1", port, f"fabnet-monitor-{tag}")
    report = json.loads((tmp_path / "alarms.json").read_text())
    shifted = [a for a in report["alarms"] if a["machine_id"] == "mill-2" and a["characteristic"] == "pocket_depth"]
    signalled = sorted(int(a["part_id"].rsplit("-", 1)[1]) for a in shifted if a["rule"] != "SPEC")
    assert any(60 <= part < 70 for part in signalled)  # the 4σ shift from part 60 is caught within 10 parts
    assert all(a["actions"] for a in shifted)


@pytest.mark.mqtt
@pytest.mark.parametrize("batch", [1, 50])
def test_bench_monitor_delivers_every_sample_into_the_monitor(broker: tuple[str, int], tmp_path: Path,
                                                               batch: int) -> None:
    host, port = broker
    result = runner.invoke(app, ["bench", "monitor", "--mqtt", f"{host}:{port}", "--samples", "24000", "--batch",
                                 str(batch), "--connections", "3", "--json", str(tmp_path / "bench.json")])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "bench.json").read_text())
    assert figures["samples_received"] == figures["samples_expected"] == 24000  # 80 streams × 300 parts
    assert figures["messages"] == (24000 if batch == 1 else 80 * 6)
    assert figures["streams"] == 80 and figures["alarms"] > 0  # past phase I the faulty machines are caught
