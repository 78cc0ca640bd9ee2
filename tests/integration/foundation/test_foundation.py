"""The spine: migrations match models, the unit of work, the outbox, health and metrics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, events
from xinyidai.events import DomainEvent, DomainEventRecord
from xinyidai.jobs import ENGINE_TABLE_PREFIX
from xinyidai.models import Base
from xinyidai.workdays import PublicHoliday


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """As migrations/env.py: the job engine's tables are not our models'."""
    return not (type_ == "table" and name is not None and name.startswith(ENGINE_TABLE_PREFIX))


def test_migrations_match_models(database: db.Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_reference_data_is_loaded_by_the_upgrade(session: Session) -> None:
    assert session.scalar(select(func.count()).select_from(PublicHoliday)) > 20


def test_transaction_commits_on_success_and_rolls_back_on_error(session_factory: sessionmaker[Session]) -> None:
    with db.transaction(session_factory) as session:
        session.add(PublicHoliday(day=date(2030, 1, 1), name="元旦", is_workday=False))
    with pytest.raises(RuntimeError), db.transaction(session_factory) as session:
        session.add(PublicHoliday(day=date(2030, 1, 2), name="测试", is_workday=False))
        session.flush()
        raise RuntimeError("boom")
    with session_factory() as session:
        days = set(session.scalars(select(PublicHoliday.name).where(PublicHoliday.day >= date(2030, 1, 1))))
    assert days == {"元旦"}


class Pinged(DomainEvent):
    name = "test.pinged"
    value: int


def test_outbox_dispatches_after_commit_and_never_on_rollback(session_factory: sessionmaker[Session]) -> None:
    received: list[int] = []
    events.subscribe(Pinged, lambda _session, event: received.append(event.value))
    try:
        with pytest.raises(RuntimeError), db.transaction(session_factory) as session:
            events.publish(session=session, event=Pinged(value=1))
            raise RuntimeError("rolled back")
        assert received == []
        with db.transaction(session_factory) as session:
            record = events.publish(session=session, event=Pinged(value=2))
            assert received == []  # not before the commit
        assert received == [2]
        with session_factory() as session:
            stored = session.get(DomainEventRecord, record.id)
            assert stored is not None and stored.dispatched_at is not None and stored.attempts == 1
            assert session.scalar(select(func.count()).select_from(DomainEventRecord).where(
                DomainEventRecord.name == "test.pinged")) == 1
    finally:
        events._handlers.pop(Pinged.name, None)


def test_a_failing_handler_leaves_the_event_pending_with_the_error(session_factory: sessionmaker[Session]) -> None:
    calls: list[int] = []

    def flaky(_session: Session, event: Pinged) -> None:
        calls.append(event.value)
        if len(calls) == 1:
            raise ValueError("downstream unavailable")

    events.subscribe(Pinged, flaky)
    try:
        with db.transaction(session_factory) as session:
            record_id = events.publish(session=session, event=Pinged(value=7)).id
        with session_factory() as session:
            pending = session.get(DomainEventRecord, record_id)
            assert pending is not None and pending.dispatched_at is None
            assert pending.attempts == 1 and "downstream unavailable" in (pending.last_error or "")
        assert events.dispatch_pending(session_factory=session_factory) == 1
        assert calls == [7, 7]
    finally:
        events._handlers.pop(Pinged.name, None)


def test_many_events_are_delivered_in_few_transactions_and_a_failing_one_undoes_only_its_own_writes(
        session_factory: sessionmaker[Session]) -> None:
    def handler(session: Session, event: Pinged) -> None:
        session.add(PublicHoliday(day=date(2031, 1, 1) + timedelta(days=event.value), name=f"事件{event.value}",
                                  is_workday=False))
        session.flush()
        if event.value == 7:
            raise ValueError("downstream unavailable")

    events.subscribe(Pinged, handler)
    commits: list[Session] = []

    def committed(session: Session) -> None:
        if not session.in_nested_transaction():  # a savepoint's release is no commit
            commits.append(session)

    try:
        with session_factory() as session:  # committed here, not by the edge: dispatched below, by the test
            events.publish_many(session=session, events=[Pinged(value=v) for v in range(150)])
            session.commit()
        sa_event.listen(Session, "before_commit", committed)
        assert events.dispatch_pending(session_factory=session_factory, limit=1000) == 149
        assert len(commits) == 2  # two batches, not one commit per event
        with session_factory() as session:
            names = set(session.scalars(select(PublicHoliday.name).where(PublicHoliday.name.like("事件%"))))
            failed = session.scalars(select(DomainEventRecord).where(
                DomainEventRecord.name == Pinged.name, DomainEventRecord.dispatched_at.is_(None))).one()
        assert names == {f"事件{v}" for v in range(150) if v != 7}
        assert failed.payload == {"value": 7} and failed.attempts == 1
        assert "downstream unavailable" in (failed.last_error or "")
    finally:
        if sa_event.contains(Session, "before_commit", committed):
            sa_event.remove(Session, "before_commit", committed)
        events._handlers.pop(Pinged.name, None)


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    client.get("/login")
    with TestClient(client.app, client=("127.0.0.1", 50000)) as local:  # metrics go to the operator's network
        metrics = local.get("/metrics")
    assert metrics.status_code == 200
    assert 'xinyidai_http_requests_total{method="GET",route="/login",status="200"}' in metrics.text
