"""Alembic environment of fabnet: runs on the connection handed over by `fabnet.store.migrate`, or on a URL."""

from alembic import context
from sqlalchemy import Connection

from fabnet.store.engine import make_engine
from fabnet.store.schema import full_metadata

config = context.config
target_metadata = full_metadata()


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """`--sql` mode: write the DDL instead of running it."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (handed_over := config.attributes.get("connection")) is not None:
    run_on(handed_over)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        run_on(own_connection)
    engine.dispose()
