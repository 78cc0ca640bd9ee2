"""Concurrent pushes under one Idempotency-Key: one batch, one 201, every other answer its replay."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import committed_tax_client, uscc
from xinyidai import clock, db
from xinyidai.cli import upgrade_database
from xinyidai.creditdata.models import CreditRecord, ImportBatch
from xinyidai.main import create_app


@pytest.fixture
def committed_database(tmp_path: Path) -> Iterator[db.Database]:
    """A fresh database whose transactions really commit (PostgreSQL when configured, else a SQLite file)."""
    if not TEST_DATABASE_URL:
        url = f"sqlite:///{tmp_path / 'push.db'}"
        upgrade_database(url)
        database = db.Database(url)
        yield database
        database.engine.dispose()
        return
    parsed = make_url(TEST_DATABASE_URL)
    name = f"{parsed.database}_push"
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = parsed.set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    database = db.Database(url)
    yield database
    database.engine.dispose()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_pushes_with_one_key_make_one_batch_and_replay_it(committed_database: db.Database,
                                                                     frozen_clock: clock.FixedClock) -> None:
    factory = committed_database.session_factory
    _world, access_token = committed_tax_client(factory)
    app = create_app(session_factory=factory)
    headers = {"Authorization": f"Bearer {access_token}", "Idempotency-Key": "tax-concurrent-0001"}
    rows = [{"uscc": uscc("MA0000001"), "voucher_no": f"C{n}", "tax_period": "2026-10", "tax_kind": "增值税",
             "amount": "10", "paid_date": "2026-11-15"} for n in range(20)]
    workers = 10
    start = threading.Barrier(workers)
    answers: list[tuple[int, int | None]] = []

    def push() -> None:
        client = TestClient(app, raise_server_exceptions=False)
        start.wait()
        response = client.post("/api/v1/credit-data/tax_payment/rows", json={"rows": rows}, headers=headers)
        batch = response.json().get("batch", {}).get("id") if response.status_code < 500 else None
        answers.append((response.status_code, batch))

    threads = [threading.Thread(target=push) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * (workers - 1) + [201]
    assert len({batch for _, batch in answers}) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1
        assert session.scalar(select(func.count()).select_from(CreditRecord)) == 20
    # The key is bound to what it first did: the same key for another sub-category is a conflict.
    other = TestClient(app).post("/api/v1/credit-data/tax_arrears/rows", json={"rows": rows[:1]}, headers=headers)
    assert other.status_code == 409, other.text
