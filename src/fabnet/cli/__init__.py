"""The `fabnet` command line: a lazy root app and a module per command group (see root.GROUPS)."""

from fabnet.cli import demo  # noqa: F401  (registers the top-level `fabnet demo`)
from fabnet.cli.root import app

__all__ = ["app"]
