"""Races of loan servicing on PostgreSQL: end of day run twice at once, and one repayment Idempotency-Key sent on
two drawdowns at once. The loser is answered (409 already run, or the key's refusal), never a 500."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import build_world, login, page_csrf
from tests.integration.loans.test_loans_concurrency import approved_line
from xinyidai import clock, db
from xinyidai.audit.actor import Actor
from xinyidai.auth.principal import Principal
from xinyidai.errors import DomainError, IdempotencyConflict
from xinyidai.loans import eod
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import EodRun, Repayment
from xinyidai.loans.schemas import DrawdownCreate, RepaymentCreate
from xinyidai.main import create_app
from xinyidai.products.enums import RepaymentMethod

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="races are tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)

SYSTEM = Actor.system("test")


def _wait_until_blocked(database: db.Database, second: Future[Any]) -> None:
    """Return once another backend of this database waits on a lock (the second caller has met the first), or the
    second caller has finished without meeting it (the test then fails on its answer)."""
    with database.engine.connect() as connection:
        while not second.done() and not connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar():
            threading.Event().wait(0.02)
            connection.rollback()


def test_end_of_day_run_at_the_same_moment_is_answered_already_run(
        committed_database: db.Database, frozen_clock: clock.FixedClock) -> None:
    factory = committed_database.session_factory
    with db.transaction(factory) as session:
        build_world(session)
    today = clock.today()
    first = factory()
    eod.run(first, business_date=today, actor=SYSTEM)  # not committed yet: the API caller below meets its run record
    with TestClient(create_app(session_factory=factory), base_url="http://testserver") as client:
        login(client, "admin")
        headers = {"X-CSRF-Token": page_csrf(client, "/account")}
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(client.post, "/api/v1/admin/end-of-day", params={"through": today.isoformat()},
                                 headers=headers)
            _wait_until_blocked(committed_database, second)
            first.commit()
            first.close()
            response = second.result()
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "eod_already_run" and str(today) in response.json()["message"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(EodRun)) == 1


def test_the_cli_answers_already_run_too(committed_database: db.Database, frozen_clock: clock.FixedClock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from xinyidai.cli import app

    monkeypatch.setattr(db, "get_database", lambda: committed_database)
    first = committed_database.session_factory()
    eod.run(first, business_date=clock.today(), actor=SYSTEM)
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(CliRunner().invoke, app, ["end-of-day"])
        _wait_until_blocked(committed_database, second)
        first.commit()
        first.close()
        result = second.result()
    assert result.exit_code == 2, result.output
    assert "日终处理已由其他操作执行" in result.output


def _two_drawdowns(factory: sessionmaker[Session]) -> tuple[int, int, Principal]:
    with db.transaction(factory) as session:
        world = build_world(session)
        good = world.principal(session, "good")
        line = approved_line(session, world)
        ids = [loans_service.draw(session, principal=good, line_id=line.id, idempotency_key=f"draw-{n}",
                                  drawdown_in=DrawdownCreate(amount_fen=5_000_000, term_months=6,
                                                             method=RepaymentMethod.EQUAL_PRINCIPAL)).id
               for n in (1, 2)]
    return ids[0], ids[1], good


def test_one_repayment_key_on_two_drawdowns_at_once_repays_once(
        committed_database: db.Database, frozen_clock: clock.FixedClock) -> None:
    factory = committed_database.session_factory
    first_id, second_id, good = _two_drawdowns(factory)
    barrier = threading.Barrier(2)

    def repay(drawdown_id: int) -> str:
        barrier.wait()
        try:
            with db.transaction(factory) as session:
                loans_service.repay(session, principal=good, drawdown_id=drawdown_id,
                                    repayment_in=RepaymentCreate(amount_fen=100_000), idempotency_key="pay-0001")
            return "repaid"
        except IdempotencyConflict:
            return "refused"
        except DomainError as exc:
            return f"other: {exc.message}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(repay, [first_id, second_id]))
    assert outcomes == ["refused", "repaid"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Repayment)) == 1
    # Sequentially too: the same key on the other drawdown is refused, on its own drawdown it replays.
    with db.transaction(factory) as session:
        repaid = session.scalars(select(Repayment)).one()
        other = second_id if repaid.drawdown_id == first_id else first_id
        with pytest.raises(IdempotencyConflict):
            loans_service.repay(session, principal=good, drawdown_id=other,
                                repayment_in=RepaymentCreate(amount_fen=100_000), idempotency_key="pay-0001")
    with db.transaction(factory) as session:
        again = loans_service.repay(session, principal=good, drawdown_id=repaid.drawdown_id,
                                    repayment_in=RepaymentCreate(amount_fen=100_000), idempotency_key="pay-0001")
        assert again.id == repaid.id
