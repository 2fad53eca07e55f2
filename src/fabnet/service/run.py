"""Serve a node or a hub with uvicorn: `python -m fabnet.service.run node --config node.toml` (what the CLI calls)."""

import argparse
import asyncio
import gc
import sys
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _CoalescingTransport:
    """A transport that gathers the small writes of one event-loop step into one `write`.

    uvicorn writes a response's head and its body separately: two sends on the socket, two segments, and two
    wake-ups of the receiver, for every small DSP answer. Gathered, they leave as one; large writes (a data-plane
    stream) go out at once, after whatever was gathered before them, and nothing waits longer than the step.
    """

    LARGE = 64 << 10

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._parts: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if len(data) >= self.LARGE:
            self.flush()
            self._transport.write(data)
            return
        self._parts.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._parts:
            return
        data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        self._parts.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the real transport's
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through a `_CoalescingTransport`."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport, asyncio.get_running_loop()))


def serve_node(config_path: Path | None, host: str | None = None, port: int | None = None) -> None:
    from fabnet.service.node_app import create_node_app
    from fabnet.service.node_config import load_config

    settings = load_config(config_path, host=host, port=port)
    run_node_app(create_node_app(settings), settings.host, settings.port)


def run_node_app(app: Any, host: str, port: int) -> None:
    """Serve a node's app until stopped: what `fabnet node serve` and the test and demo processes run."""
    # The app, its routes and models and the imported modules are a few hundred thousand objects that live as long
    # as this process; each full collection of the cyclic GC would walk them all (tens of ms, every few hundred
    # requests: the p99 latency). Frozen, they are left out of every collection. (Only here, in a process that
    # serves one node: a process that makes many apps, such as a test run, would keep their garbage for good.)
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, http=CoalescingHttpToolsProtocol)


def serve_hub(config_path: Path | None, data_dir: Path | None, hub_id: str | None, host: str | None,
              port: int | None) -> None:
    from fabnet.service.hub_app import create_hub_app
    from fabnet.service.hub_config import load_hub_config

    config = load_hub_config(config_path, data_dir=data_dir, hub_id=hub_id, host=host, port=port)
    uvicorn.run(create_hub_app(config), host=config.host, port=config.port, log_level="warning", access_log=False)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="fabnet.service.run")
    sub = parser.add_subparsers(dest="what", required=True)
    node = sub.add_parser("node")
    node.add_argument("--config", type=Path)
    node.add_argument("--host")
    node.add_argument("--port", type=int)
    hub = sub.add_parser("hub")
    hub.add_argument("--config", type=Path)
    hub.add_argument("--data-dir", type=Path)
    hub.add_argument("--hub-id")
    hub.add_argument("--host")
    hub.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    if args.what == "node":
        serve_node(args.config, args.host, args.port)
    else:
        serve_hub(args.config, args.data_dir, args.hub_id, args.host, args.port)


if __name__ == "__main__":
    main(sys.argv[1:])
