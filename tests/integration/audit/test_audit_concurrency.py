"""Entries written at once from many transactions on PostgreSQL still form one gapless, intact chain."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import select

from tests.conftest import TEST_DATABASE_URL
from xinyidai import db
from xinyidai.audit import service as audit_service
from xinyidai.audit.models import AuditEntry
from xinyidai.cli import upgrade_database

TEST_ACTOR = audit_service.Actor.system("test")

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)


@pytest.fixture
def committed_database() -> Iterator[db.Database]:
    """A fresh database, named after the test database, whose transactions really commit."""
    assert TEST_DATABASE_URL
    base, _, name = TEST_DATABASE_URL.rpartition("/")
    db_name = f"{name}_audit_concurrency"
    server = base.replace("+psycopg", "")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {db_name}")
        admin.execute(f"CREATE DATABASE {db_name}")
    url = f"{base}/{db_name}"
    upgrade_database(url)
    database = db.Database(url)
    yield database
    database.engine.dispose()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")


def test_parallel_transactions_chain_without_forks_or_gaps(committed_database: db.Database) -> None:
    factory = committed_database.session_factory
    threads, per_thread = 8, 15

    def write(worker: int) -> int:
        written = 0
        for n in range(per_thread):
            try:
                with db.transaction(factory) as session:
                    audit_service.record(session, actor=TEST_ACTOR, action="test.parallel", subject_id=f"{worker}-{n}")
                    audit_service.record(session, actor=TEST_ACTOR, action="test.parallel",
                                         subject_id=f"{worker}-{n}-second")
                    if n % 5 == 4:  # some actions fail after auditing: their sequences must be reused
                        raise RuntimeError("the action failed")
                written += 2
            except RuntimeError:
                pass
        return written

    with ThreadPoolExecutor(max_workers=threads) as pool:
        written = sum(pool.map(write, range(threads)))

    with factory() as session:
        sequences = list(session.scalars(select(AuditEntry.sequence).order_by(AuditEntry.sequence)))
        result = audit_service.verify(session)
    assert written == threads * per_thread * 2 * 4 // 5
    assert sequences == list(range(1, written + 1))
    assert result.intact and result.count == written
