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
