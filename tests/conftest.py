"""Shared fixtures: paths to ../shared, and the real services (skip with a reason, fail under CI=true)."""

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip visibly when a service is down; under CI=true that is a failure, never a skip."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services must be up)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared reference data folder is missing: {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A SQLAlchemy URL for the real PostgreSQL server (database `test`)."""
    url = os.environ.get("FABNET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return url


@pytest.fixture(scope="session")
def mqtt_broker() -> tuple[str, int]:
    """The real Mosquitto broker on 127.0.0.1:1883."""
    require_service("MQTT broker (Mosquitto)", "127.0.0.1", 1883)
    return ("127.0.0.1", 1883)
