"""Alembic environment: the database URL comes from the application's settings (or -x url=...)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from xinyidai.config import get_settings
from xinyidai.db import make_engine
from xinyidai.jobs import ENGINE_TABLE_PREFIX
from xinyidai.models import Base

target_metadata = Base.metadata


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or get_settings().database_url


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """The job engine's tables come from its own schema (migration 0019), not from our models."""
    return not (type_ == "table" and name is not None and name.startswith(ENGINE_TABLE_PREFIX))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
