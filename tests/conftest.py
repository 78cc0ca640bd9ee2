"""Shared fixtures: the test database (SQLite always, PostgreSQL when XINYIDAI_TEST_DATABASE_URL is set),
one rolled-back transaction per test, a frozen clock and cheap password hashing."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db
from xinyidai.identity import security
from xinyidai.scoring import feature_store

TEST_DATABASE_URL = os.environ.get("XINYIDAI_TEST_DATABASE_URL")
# Jobs run in process in the tests, on PostgreSQL too: a deferred job runs in the test, after its commit, with the
# test's own session factory. The job engine's own tests (tests/integration/foundation/test_jobs_*.py) start real
# procrastinate workers explicitly. Servers the tests start inherit this, and do not fire the schedule.
os.environ.setdefault("XINYIDAI_JOBS_ENGINE", "in_process")
os.environ.setdefault("XINYIDAI_JOBS_SCHEDULE_IN_PROCESS", "false")

# Tests assert no wall-clock times: hypothesis's per-example deadline would fail a correct example on a busy machine.
settings.register_profile("xinyidai", deadline=None)
settings.load_profile("xinyidai")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost would make the suite slow; the algorithm is the same."""
    monkeypatch.setattr(security, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(autouse=True)
def _audit_anchor_of_the_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test checkpoints the audit chain into a file of its own: its entries are rolled back afterwards, and
    checkpoints of them must not meet the next test's chain (nor the developer's var/)."""
    from xinyidai.config import get_settings

    target = tmp_path / "audit-anchor.jsonl"
    monkeypatch.setenv("XINYIDAI_AUDIT_ANCHOR_PATH", str(target))
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()


@pytest.fixture
def frozen_clock() -> Iterator[clock.FixedClock]:
    """Monday 2026-11-23, 10:00 in Chongqing."""
    with clock.use(clock.at(2026, 11, 23, 10, 0)) as fixed:
        assert isinstance(fixed, clock.FixedClock)
        yield fixed


def _migrate(engine: Engine) -> None:
    from xinyidai.cli import upgrade_database

    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade_database(engine.url.render_as_string(hide_password=False))


def sibling_database(url: str, suffix: str, *, create: bool) -> str:
    """A PostgreSQL database beside the test database on the same server (`<test database>_<suffix>`), dropped and
    (re)created (only dropped unless `create`): one per xdist worker, workers sharing one database would drop each
    other's schema and see each other's commits; and one per network node of a test."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    test_url = make_url(url)
    name = f"{test_url.database}_{suffix}"
    admin = test_url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return test_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Database]:
    """A migrated database for the whole run (on PostgreSQL under xdist, one per worker)."""
    url = TEST_DATABASE_URL or f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER") if url.startswith("postgresql") else None
    database = db.Database(sibling_database(url, worker, create=True) if worker else url)
    _migrate(database.engine)
    yield database
    database.engine.dispose()
    if worker:
        sibling_database(url, worker, create=False)


@pytest.fixture
def connection(database: db.Database) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test."""
    with database.engine.connect() as connection:
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()
            # What the test committed into its savepoints is gone, and SQLite gives the next test the same ids.
            feature_store.forget_cached()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions that commit into savepoints of the test's transaction."""
    return sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside the test's transaction."""
    with session_factory() as session:
        session.info["session_factory"] = session_factory
        yield session


T = TypeVar("T")


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(work)` on a thread of its own: a browser test before it in the same worker may have left this
    thread's event loop running."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()
