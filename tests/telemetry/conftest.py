"""Brokers for the telemetry tests: the real Mosquitto, and a Mosquitto of our own on a free port that a test may
stop and restart."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import reachable, require_service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float = 20.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll a condition (not a timing assertion: a generous bound so a hung test ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


@pytest.fixture
def tag() -> str:
    """A company id of its own per test, so tests never read each other's topics."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Mosquitto on 127.0.0.1:1883; where none runs, a Mosquitto of the tests' own on a free port.

    Not the in-process amqtt broker: the ingestor speaks MQTT 5, which amqtt does not.
    """
    if reachable("127.0.0.1", 1883, 1.0) or shutil.which("mosquitto") is None:
        require_service("MQTT broker (Mosquitto)", "127.0.0.1", 1883)
        yield ("127.0.0.1", 1883)
        return
    own = OwnMosquitto(tmp_path_factory.mktemp("mosquitto"))
    own.start()
    try:
        yield ("127.0.0.1", own.port)
    finally:
        own.stop()


class OwnMosquitto:
    """A Mosquitto process with persistence on a free port, to stop and start at will."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.config = folder / "mosquitto.conf"
        # `user`: started as root, mosquitto would drop to a user that cannot write the test's folder
        user = f"user {getpass.getuser()}\n"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                               f"persistence_location {folder}/\nmax_queued_messages 0\n{user}")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        if not wait_until(lambda: reachable("127.0.0.1", self.port, 0.2), 10):
            raise RuntimeError("own mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: mosquitto writes its persistence file and exits
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_mosquitto(tmp_path: Path) -> Iterator[OwnMosquitto]:
    if shutil.which("mosquitto") is None:
        pytest.skip("the mosquitto binary is not installed (the broker-restart test runs its own Mosquitto)")
    broker = OwnMosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()
