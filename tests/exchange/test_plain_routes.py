"""The node's PlainRoutes middleware answers exactly as FastAPI's own routing would: the same node app with and
without it, asked the same requests (DSP message paths, unknown and near-miss paths, the express management
call with good and bad bodies), gives the same statuses, bodies and content types."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fabnet.service.node_app import EXPRESS_MAX_BODY, create_node_app, is_small_and_local
from fabnet.service.node_config import NodeConfig

JSON = {"content-type": "application/json"}
TOKEN = {**JSON, "authorization": "Bearer not.a.token"}
OFFER = {"@id": "urn:x:offer", "@type": "Offer", "target": "urn:x", "permission": [{"action": "use"}]}
REQUESTS: list[tuple[str, str, dict]] = [
    *[("POST", path, {"headers": headers, "content": b"{}"})
      for path in ("/negotiations/request", "/negotiations/offers", "/negotiations/urn:uuid:1/request",
                   "/negotiations/urn:uuid:1/offers", "/negotiations/urn:uuid:1/agreement",
                   "/negotiations/urn:uuid:1/agreement/verification", "/negotiations/urn:uuid:1/events",
                   "/negotiations/urn:uuid:1/termination", "/transfers/request", "/transfers/urn:uuid:1/start",
                   "/transfers/urn:uuid:1/completion", "/transfers/urn:uuid:1/suspension",
                   "/transfers/urn:uuid:1/termination", "/catalog/request", "/negotiations/urn:uuid:1/nonsense",
                   "/negotiations/a/b/c", "/negotiations/urn:uuid:1", "/negotiations/", "/negotiations/request/",
                   "/transfers/urn:uuid:1/start/again", "/catalog/datasets/urn:x")
      for headers in (JSON, TOKEN, {"content-type": "text/plain"}, {})],
    *[(method, "/negotiations/urn:uuid:1/events", {"headers": TOKEN}) for method in ("GET", "PUT", "DELETE")],
    ("GET", "/negotiations/urn:uuid:1", {"headers": TOKEN}),
    ("GET", "/transfers/urn:uuid:1", {}),
    ("POST", "/manage/negotiations", {"json": {"peer_url": "http://127.0.0.1:9", "offer": OFFER}}),
    ("POST", "/manage/negotiations?wait_for=FINALIZED&timeout=1",
     {"json": {"peer_url": "http://127.0.0.1:9", "offer": OFFER}}),
    ("POST", "/manage/negotiations", {"json": {"offer": OFFER}}),
    ("POST", "/manage/negotiations", {"json": {"peer_url": 5}}),
    ("POST", "/manage/negotiations", {"json": []}),
    ("POST", "/manage/negotiations", {"content": b"{not json", "headers": JSON}),
    ("POST", "/manage/negotiations", {"content": b"", "headers": JSON}),
    ("POST", "/manage/negotiations", {"content": b'{"peer_url": "x"}', "headers": {"content-type": "text/plain"}}),
    ("POST", "/manage/negotiations?timeout=abc", {"json": {"peer_url": "x"}}),
    ("POST", "/manage/negotiations?timeout=1e3", {"json": {"peer_url": "x"}}),
    ("POST", "/manage/negotiations?timeout=1&timeout=2", {"json": {"peer_url": "x"}}),
    ("POST", "/manage/negotiations?other=1", {"json": {"peer_url": "x"}}),
    ("POST", "/manage/negotiations", {"json": {"peer_url": "x", "auto": "maybe"}}),
    ("GET", "/manage/negotiations", {}),
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    def client(name: str, plain: bool) -> TestClient:
        folder: Path = tmp_path_factory.mktemp(name)
        app = create_node_app(NodeConfig(data_dir=folder, database_url=f"sqlite:///{folder / 'node.sqlite'}"),
                              plain_routes=plain)
        return TestClient(app, raise_server_exceptions=False)

    with client("plain", True) as plain, client("fastapi", False) as fastapi:
        yield plain, fastapi


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS)
def test_plain_routes_answer_as_fastapi_does(clients: tuple[TestClient, TestClient], method: str, path: str,
                                             options: dict) -> None:
    plain, fastapi = clients
    ours, theirs = plain.request(method, path, **options), fastapi.request(method, path, **options)
    assert (ours.status_code, ours.headers.get("content-type"), ours.text) == (
        theirs.status_code, theirs.headers.get("content-type"), theirs.text)
    assert ours.status_code < 500


@pytest.mark.parametrize(("client", "length", "taken"), [
    (("127.0.0.1", 5000), b"120", True),
    (("192.0.2.7", 5000), b"120", False),  # another machine: FastAPI's loopback check answers, not the shortcut
    (("127.0.0.1", 5000), None, False),  # chunked, length unknown
    (("127.0.0.1", 5000), str(EXPRESS_MAX_BODY + 1).encode(), False),
    (None, b"120", False),
])
def test_the_express_path_reads_only_small_bodies_of_local_clients(client: tuple[str, int] | None,
                                                                   length: bytes | None, taken: bool) -> None:
    headers = [(b"content-type", b"application/json")] + ([(b"content-length", length)] if length else [])
    assert is_small_and_local({"type": "http", "client": client, "headers": headers}) is taken
