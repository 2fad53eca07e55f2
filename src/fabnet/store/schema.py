"""The complete table metadata: the foundation tables plus every table module that lives in `fabnet.store`.

A module defines tables by deriving from `fabnet.store.tables.Base`; importing it registers them. Rather than a
hand-kept list, every module of the `fabnet.store` package is imported (the migration scripts are not modules
of it), so a new table module is part of the schema as soon as it exists.
"""

import importlib
import pkgutil

from sqlalchemy import MetaData

import fabnet.store
from fabnet.store.tables import metadata


def table_module_names() -> list[str]:
    """Every module of the `fabnet.store` package, sorted (the table modules among them)."""
    found = pkgutil.walk_packages(fabnet.store.__path__, prefix=f"{fabnet.store.__name__}.")
    return sorted(module.name for module in found)


def full_metadata() -> MetaData:
    """The metadata with every fabnet table registered, as Alembic's autogenerate and checks need it."""
    for name in table_module_names():
        importlib.import_module(name)
    return metadata
