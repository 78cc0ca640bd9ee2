"""Domain events with a transactional outbox.

`publish()` writes the event into the `domain_event` table inside the caller's transaction, so the
event exists if and only if the change that caused it was committed. After the commit the edge defers the
`events.dispatch` job (in process: it runs at once; on the job engine: a worker runs it), which hands each pending
event to its subscribers, up to `DISPATCH_BATCH` events to a transaction, each in a savepoint of its own. A failed
handler leaves its event pending (with the error) for the next dispatch, undoing only its own writes, so delivery is
at-least-once and handlers must be idempotent.

A subscriber may also take events by name (`subscribe_name`), as they were recorded (`PublishedEvent`: the outbox
id, the name, the JSON payload), without knowing the publisher's class: the webhooks forward events this way, so
that an event a context adds later needs only its entry in their catalogue. A job a handler defers with
`jobs.defer_after_commit` is deferred once its event's transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import structlog
from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Select, String, Table, Text, func, insert, literal, literal_column, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from xinyidai import clock, jobs
from xinyidai.db import Base, IdPk, UtcDateTime, after_commit_hooks, begin_writing

log = structlog.get_logger(__name__)


class DomainEvent(BaseModel):
    """Base of all domain events; subclasses set `name` and declare their payload fields."""

    model_config = ConfigDict(frozen=True)
    name: ClassVar[str]


class DomainEventRecord(Base):
    """One event in the outbox."""

    __tablename__ = "domain_event"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class PublishedEvent:
    """An event as the outbox holds it, for a subscriber by name: its outbox id (unique, the event's identity), name,
    JSON payload and when it occurred."""

    id: int
    name: str
    payload: dict[str, Any]
    occurred_at: datetime


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Session, Any], None]
NameHandler = Callable[[Session, PublishedEvent], None]

_event_types: dict[str, type[DomainEvent]] = {}
_handlers: dict[str, list[Handler]] = defaultdict(list)
_name_handlers: dict[str, list[NameHandler]] = defaultdict(list)

MAX_ATTEMPTS = 10
# Events delivered in one transaction: a commit waits for the disk, and end of day publishes thousands at once.
DISPATCH_BATCH = 100


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    """Call `handler(session, event)` for every committed event of `event_type`."""
    _event_types[event_type.name] = event_type
    if handler not in _handlers[event_type.name]:
        _handlers[event_type.name].append(handler)


def subscribe_name(name: str, handler: NameHandler) -> None:
    """Call `handler(session, published)` for every committed event named `name`, whoever publishes it."""
    if handler not in _name_handlers[name]:
        _name_handlers[name].append(handler)


def clear_subscriptions() -> None:
    """Forget every subscription (tests)."""
    _handlers.clear()
    _name_handlers.clear()


def publish(*, session: Session, event: DomainEvent) -> DomainEventRecord:
    """Record `event` in the caller's transaction; it is dispatched after that commits."""
    _event_types.setdefault(event.name, type(event))
    record = DomainEventRecord(
        name=event.name, payload=event.model_dump(mode="json"), occurred_at=clock.now(), attempts=0
    )
    session.add(record)
    session.flush()
    session.info["after_commit_work"] = True
    return record


def publish_many(*, session: Session, events: list[DomainEvent]) -> int:
    """Record many events in the caller's transaction in one multi-row insert (a batch run's thousands of events);
    they are dispatched after it commits, like `publish`'s."""
    if not events:
        return 0
    at = clock.now()
    for event in events:
        _event_types.setdefault(event.name, type(event))
    session.execute(insert(DomainEventRecord), [
        {"name": e.name, "payload": e.model_dump(mode="json"), "occurred_at": at, "attempts": 0} for e in events])
    session.info["after_commit_work"] = True
    return len(events)


def publish_select(*, session: Session, event_type: type[DomainEvent],
                   rows: Select[*tuple[Any, ...]]) -> int:
    """Record one `event_type` event per row of `rows` (labelled as the event's fields) in one INSERT … SELECT, the
    payload built by the database: a batch run's hundreds of thousands of events without a Python object each.
    They are dispatched after the caller's transaction commits, like `publish`'s."""
    _event_types.setdefault(event_type.name, event_type)
    source = rows.subquery("event_row")
    build = func.json_build_object if session.get_bind().dialect.name == "postgresql" else func.json_object
    pairs: list[Any] = []
    for name in event_type.model_fields:
        pairs += [literal_column(f"'{name}'"), source.c[name]]  # field names: identifiers, inlined
    table = cast(Table, DomainEventRecord.__table__)  # Core, not the ORM's bulk insert: the rows written are counted
    result = session.execute(insert(table).from_select(
        ["name", "payload", "occurred_at", "attempts"],
        select(literal(event_type.name, String), build(*pairs), literal(clock.now(), UtcDateTime()), literal(0))
        .select_from(source)), execution_options={"preserve_rowcount": True})
    session.info["after_commit_work"] = True
    return int(getattr(result, "rowcount", 0) or 0)


def dispatch_pending(*, session_factory: sessionmaker[Session], limit: int = 100) -> int:
    """Hand pending events to their subscribers; return how many were delivered."""
    with session_factory() as session:
        query = (
            select(DomainEventRecord.id)
            .where(DomainEventRecord.dispatched_at.is_(None), DomainEventRecord.attempts < MAX_ATTEMPTS)
            .order_by(DomainEventRecord.id)
            .limit(limit)
        )
        ids = list(session.scalars(query))
    delivered = 0
    for start in range(0, len(ids), DISPATCH_BATCH):
        batch = ids[start:start + DISPATCH_BATCH]
        try:
            delivered += _dispatch_batch(session_factory, batch)
        except Exception as exc:
            # The batch's own transaction failed (its commit, or a handler that broke the connection): deliver its
            # events one by one, so that an event that cannot be delivered holds back no other.
            log.warning("event batch failed, dispatching one by one", events=len(batch), error=str(exc))
            delivered += sum(_dispatch_one(session_factory, event_id) for event_id in batch)
    return delivered


def _claim(session: Session, event_ids: list[int]) -> list[DomainEventRecord]:
    # Handlers write: on SQLite the transaction takes the write lock first, since a read snapshot that another
    # writer made stale can never be upgraded to write ("database is locked", whatever the busy timeout).
    begin_writing(session)
    # SKIP LOCKED lets any number of dispatchers share the outbox on PostgreSQL.
    return list(session.scalars(
        select(DomainEventRecord)
        .where(DomainEventRecord.id.in_(event_ids), DomainEventRecord.dispatched_at.is_(None))
        .order_by(DomainEventRecord.id)
        .with_for_update(skip_locked=True)))


def _deliver(session: Session, record: DomainEventRecord) -> None:
    """Hand one recorded event to its subscribers, by class and by name, in `session`."""
    name = record.name
    event_type = _event_types.get(name)
    if event_type is not None:
        event = event_type.model_validate(record.payload)
        for handler in _handlers.get(name, []):
            handler(session, event)
    if _name_handlers.get(name):
        published = PublishedEvent(id=record.id, name=name, payload=dict(record.payload),
                                   occurred_at=record.occurred_at)
        for name_handler in _name_handlers[name]:
            name_handler(session, published)


def _failed(record: DomainEventRecord, exc: Exception) -> None:
    log.warning("event handler failed", event_id=record.id, event_name=record.name, error=str(exc))
    record.attempts += 1
    record.last_error = f"{type(exc).__name__}: {exc}"[:2000]


def _dispatch_batch(session_factory: sessionmaker[Session], event_ids: list[int]) -> int:
    """Deliver events in one transaction, each in a savepoint of its own: one commit for many events (end of day
    publishes thousands), and a failing handler still undoes only its own event's writes."""
    delivered = 0
    with session_factory() as session:
        for record in _claim(session, event_ids):
            deferred_before = len(session.info.get("jobs_after_commit", []))
            try:
                with session.begin_nested():
                    _deliver(session, record)
            except Exception as exc:
                # The handler's writes went with its savepoint (its audit entries too); so go the jobs it deferred.
                del session.info.get("jobs_after_commit", [])[deferred_before:]
                _failed(record, exc)
                continue
            record.dispatched_at = clock.now()
            record.attempts += 1
            delivered += 1
        session.commit()
        jobs.run_deferred_after_commit(session, session_factory)
    return delivered


def _dispatch_one(session_factory: sessionmaker[Session], event_id: int) -> bool:
    with session_factory() as session:
        claimed = _claim(session, [event_id])
        if not claimed:
            return False
        record = claimed[0]
        try:
            _deliver(session, record)
            record.dispatched_at = clock.now()
            record.attempts += 1
            session.commit()
            jobs.run_deferred_after_commit(session, session_factory)
            return True
        except Exception as exc:
            # The handler's writes go, and the jobs it deferred with them; the failure is recorded on the event for
            # the next dispatch.
            session.rollback()
            session.info.pop("jobs_after_commit", None)
            failed = session.get(DomainEventRecord, event_id)
            if failed is not None:
                _failed(failed, exc)
                session.commit()
            return False


@jobs.job("events.dispatch", queue="events", cron="* * * * *", single_queued=True)
def dispatch(factory: sessionmaker[Session]) -> None:
    """The job that delivers the outbox: deferred after each commit that published, and every minute for what a
    failed handler left pending."""
    while dispatch_pending(session_factory=factory, limit=1000):
        pass


def _dispatch_after_commit(session: Session, factory: sessionmaker[Session]) -> None:
    jobs.defer("events.dispatch", factory=factory)


after_commit_hooks.append(_dispatch_after_commit)
