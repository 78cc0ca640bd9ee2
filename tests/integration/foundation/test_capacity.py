"""Load is not bad input: concurrent writers on the SQLite default never fail, an exhausted pool answers 503."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.integration.conftest import CSRF_RE, PASSWORD, committed_tax_client, uscc
from xinyidai import clock, db
from xinyidai.config import get_settings
from xinyidai.creditdata.models import CreditRecord
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


def test_parallel_logins_and_pushes_on_the_default_database_are_never_a_5xx(
        committed_database: db.Database, frozen_clock: clock.FixedClock) -> None:
    """What fuzzing found on SQLite (the default): 36 of 40 parallel logins and 16 of 20 parallel pushes were 500
    "database is locked". Every writer now waits its turn: each login and each push (its own key) succeeds."""
    factory = committed_database.session_factory
    _world, access_token = committed_tax_client(factory)
    app = create_app(session_factory=factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        # Each login from a browser of its own (its own cookies and form token), all at once.
        browsers = [TestClient(app, raise_server_exceptions=False) for _ in range(40)]
        forms = []
        for browser in browsers:
            match = CSRF_RE.search(browser.get("/login").text)
            assert match
            forms.append({"username": "good", "password": PASSWORD, "csrf_token": match.group(1)})

        def log_in(n: int) -> int:
            return browsers[n].post("/login", data=forms[n], follow_redirects=False).status_code

        def push(n: int) -> int:
            rows = [{"uscc": uscc("MA0000001"), "voucher_no": f"P{n}-{r}", "tax_period": "2026-10",
                     "tax_kind": "增值税", "amount": "10", "paid_date": "2026-11-15"} for r in range(5)]
            headers = {"Authorization": f"Bearer {access_token}", "Idempotency-Key": f"tax-parallel-{n:04d}"}
            return client.post("/api/v1/credit-data/tax_payment/rows", json={"rows": rows},
                               headers=headers).status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            logins = Counter(pool.map(log_in, range(40)))
        with ThreadPoolExecutor(max_workers=20) as pool:
            pushes = Counter(pool.map(push, range(20)))
    assert logins == Counter({303: 40}), logins
    assert pushes == Counter({201: 20}), pushes
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CreditRecord)) == 100
