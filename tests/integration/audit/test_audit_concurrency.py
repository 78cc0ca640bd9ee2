"""Entries written at once from many transactions on PostgreSQL still form one gapless, intact chain, and a
transaction may audit before or after locking its other rows without deadlocking another."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from xinyidai import db
from xinyidai.audit import service as audit_service
from xinyidai.audit.models import AuditEntry

TEST_ACTOR = audit_service.Actor.system("test")

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)


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


def _is_deadlock(exc: DBAPIError) -> bool:
    return isinstance(exc.orig, psycopg.errors.DeadlockDetected)


@pytest.mark.parametrize("eager", [False, True], ids=["chained_at_commit", "chained_eagerly_as_before"])
def test_auditing_before_or_after_locking_other_rows_cannot_deadlock(committed_database: db.Database,
                                                                     eager: bool) -> None:
    """Pairs of transactions on one row each: one audits and then updates the row, the other updates the row and
    then audits, meeting in the middle (a barrier) so that each holds its first lock when it asks for its second.
    Chained at commit, the audit entry takes no lock until the commit, so neither order can wait on the other's
    chain head. Chained eagerly (`eager`, what `record` did before: the head taken at the first entry), the
    audit-first transaction holds the head while it waits for the row the other holds while it waits for the
    head: PostgreSQL reports the deadlock, which shows the test can fail."""
    factory = committed_database.session_factory
    with committed_database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE lock_target (id integer PRIMARY KEY, n integer NOT NULL)"))
        connection.execute(text("INSERT INTO lock_target (id, n) SELECT g, 0 FROM generate_series(1, 20) AS g"))
    # The control runs one pair at a time: a third transaction queued on the eagerly taken head could be the one
    # PostgreSQL aborts, leaving its partner alone at the barrier.
    pairs, rounds = (1, 3) if eager else (6, 3)

    def audit(session: Session, row: int, order: str) -> None:
        audit_service.record(session, actor=TEST_ACTOR, action=f"test.{order}", subject_id=row)
        if eager:
            audit_service._chain(session)  # the eager chaining of before, for the control

    def lock(session: Session, row: int) -> None:
        session.execute(text("UPDATE lock_target SET n = n + 1 WHERE id = :id"), {"id": row})

    def transaction(row: int, audit_first: bool, meet: threading.Barrier) -> str:
        try:
            with db.transaction(factory) as session:
                if audit_first:
                    audit(session, row, "audit_first")
                    meet.wait(timeout=60)
                    lock(session, row)
                else:
                    lock(session, row)
                    meet.wait(timeout=60)
                    audit(session, row, "lock_first")
        except DBAPIError as exc:
            if _is_deadlock(exc):
                return "deadlock"
            raise
        return "committed"

    outcomes: list[str] = []
    with ThreadPoolExecutor(max_workers=2 * pairs) as pool:
        for _ in range(rounds):
            meets = [threading.Barrier(2) for _ in range(pairs)]
            futures = [pool.submit(transaction, row + 1, audit_first, meets[row])
                       for row in range(pairs) for audit_first in (True, False)]
            outcomes += [future.result(timeout=180) for future in futures]

    deadlocks = outcomes.count("deadlock")
    with factory() as session:
        result = audit_service.verify(session)
    assert result.intact and result.count == outcomes.count("committed")
    if eager:
        assert deadlocks >= 1
    else:
        assert deadlocks == 0 and len(outcomes) == 2 * pairs * rounds
