"""Storage of the domain records in SQLite or PostgreSQL: SQLAlchemy tables, repositories, Alembic migrations."""

from fabnet.store.database import Store, open_store
from fabnet.store.engine import database_url
from fabnet.store.errors import StoreError
from fabnet.store.migrate import Revisions, heads, revisions, upgrade
from fabnet.store.repository import Repository
from fabnet.store.unit_of_work import ImportCounts, UnitOfWork

__all__ = [
    "ImportCounts",
    "Repository",
    "Revisions",
    "Store",
    "StoreError",
    "UnitOfWork",
    "database_url",
    "heads",
    "open_store",
    "revisions",
    "upgrade",
]
