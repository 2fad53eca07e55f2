"""Serve a node or a hub with uvicorn: `python -m fabnet.service.run node --config node.toml` (what the CLI calls)."""

import argparse
import sys
from pathlib import Path

import uvicorn


def serve_node(config_path: Path | None, host: str | None = None, port: int | None = None) -> None:
    from fabnet.service.node_app import create_node_app
    from fabnet.service.node_config import load_config

    settings = load_config(config_path, host=host, port=port)
    uvicorn.run(create_node_app(settings), host=settings.host, port=settings.port, log_level="warning",
                access_log=False)


def serve_hub(data_dir: Path, hub_id: str, host: str, port: int) -> None:
    from fabnet.service.hub_app import create_hub_app
    from fabnet.service.hub_registry import HubConfig

    config = HubConfig(hub_id=hub_id, host=host, port=port, data_dir=data_dir)
    uvicorn.run(create_hub_app(config), host=host, port=port, log_level="warning", access_log=False)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="fabnet.service.run")
    sub = parser.add_subparsers(dest="what", required=True)
    node = sub.add_parser("node")
    node.add_argument("--config", type=Path)
    node.add_argument("--host")
    node.add_argument("--port", type=int)
    hub = sub.add_parser("hub")
    hub.add_argument("--data-dir", type=Path, default=Path("fabnet-hub"))
    hub.add_argument("--hub-id", default="urn:fabnet:hub:local")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8180)
    args = parser.parse_args(argv)
    if args.what == "node":
        serve_node(args.config, args.host, args.port)
    else:
        serve_hub(args.data_dir, args.hub_id, args.host, args.port)


if __name__ == "__main__":
    main(sys.argv[1:])
