"""The `fabnet` command line: one Typer app assembled from a module per command group."""

from fabnet.cli import (  # noqa: F401  (each module registers its commands on import)
    aas,
    bench,
    billing,
    db,
    demo,
    exchange,
    hub,
    invoice,
    market,
    node,
    plan,
    quality,
    scenario,
    schedule,
    telemetry,
    twin,
)
from fabnet.cli.root import app

__all__ = ["app"]
