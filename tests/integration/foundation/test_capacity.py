"""Load is not bad input: concurrent writers on the SQLite default never fail, an exhausted pool answers 503."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from xinyidai import db
from xinyidai.config import get_settings
from xinyidai.main import create_app


@pytest.fixture
def tiny_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings with a pool of one connection and a short wait for it."""
    monkeypatch.setenv("XINYIDAI_POOL_SIZE", "1")
    monkeypatch.setenv("XINYIDAI_POOL_MAX_OVERFLOW", "0")
    monkeypatch.setenv("XINYIDAI_POOL_TIMEOUT_SECONDS", "0.2")
    monkeypatch.setenv("XINYIDAI_BUSY_RETRY_AFTER_SECONDS", "3")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_pool_is_sized_from_settings(tiny_pool: None, tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    assert (engine.pool.size(), engine.pool.timeout()) == (1, 0.2)  # type: ignore[attr-defined]
    engine.dispose()


def test_an_exhausted_pool_answers_503_with_retry_after(tiny_pool: None, database: db.Database) -> None:
    busy = db.Database(database.url)
    try:
        with busy.engine.connect(), TestClient(create_app(session_factory=busy.session_factory)) as client:
            api = client.get("/api/v1/credit-reports/verification", params={"code": "ABCDEFGHJKMNPQRS"})
            page = client.get("/verify-report", params={"code": "ABCDEFGHJKMNPQRS"})
        assert api.status_code == 503, api.text
        assert api.headers["Retry-After"] == "3"
        assert api.json()["code"] == "busy"
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "3"
    finally:
        busy.engine.dispose()


def test_concurrent_read_then_write_transactions_on_a_sqlite_file_all_succeed(tmp_path: Path) -> None:
    # Each transaction reads, then writes: without BEGIN IMMEDIATE the second writer's stale read snapshot cannot
    # be upgraded and SQLite answers "database is locked" at once, whatever the busy timeout.
    database = db.Database(f"sqlite:///{tmp_path / 'contended.db'}")
    with db.transaction(database.session_factory) as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    workers, errors = 12, []
    start = threading.Barrier(workers)

    def bump() -> None:
        try:
            start.wait()
            with db.transaction(database.session_factory) as session:
                n = session.execute(text("SELECT n FROM counter")).scalar_one()
                threading.Event().wait(0.01)  # let the others read too
                session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session_factory() as session:
        final = session.execute(text("SELECT n FROM counter")).scalar_one()
    database.engine.dispose()
    assert errors == []
    assert final == workers  # serialised: no lost update either
