"""Loading an entity's credit file as of a date into the snapshots `scoring.features` computes from.

Reads go through the registry's and creditdata's services. The database already leaves out what was received
after the day; `features.compute` applies the whole as-of rule again (`as_of.counting`, which the batch's
column-wise features apply too), so the rule has one home that is pure and tested without a database.

The caller decides who may see the features and audits the read, as for any read of credit information.

`features_as_of` keeps what it computed in this process, keyed by the entity, the day, the entity's registration
date, `creditdata.service.file_version` and the catalogue's rules (`item_rules`), read first, in two statements, in
the caller's transaction. Whatever changes the file known by the day changes the key: a new record or a correction
(a new version), a mark set or cleared (a credit repair and its revocation), a sub-category's publicity period or
authoritative channel edited. So a cached value is never stale and nothing has to be told to forget it.

Process memory rather than a table: every server process reads the key from the database, so several processes
agree without sharing anything; a read stays a read (no write on a miss); a miss costs one computation per process,
entity and day. Only what a committed transaction computed is kept: a write rolled back may have shown a version
that never existed, and SQLite reuses its ids. The key is read before the records, so a record committed in between
makes the value newer than its key, never older, and every later read has another key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction

from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import MarkKind
from xinyidai.registry import service as registry_service
from xinyidai.scoring.features import EntitySnapshot, RecordSnapshot, compute


def snapshot(session: Session, *, enterprise_id: int, as_of: date,
             rules: tuple[creditdata_service.ItemRules, ...] | None = None,
             ) -> tuple[EntitySnapshot, list[RecordSnapshot]]:
    """The entity and every version of its records the platform had received by the end of `as_of` (`rules`: the
    catalogue's, when the caller has just read them)."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    items = {item.id: item for item in (rules or creditdata_service.item_rules(session))}
    # A fact whose credit repair took effect on or before `as_of` no longer counts; before that day it still does.
    repaired = {key for key, kinds in creditdata_service.active_marks(session, enterprise_id=enterprise_id,
                                                                      as_of=as_of).items()
                if MarkKind.REPAIRED in kinds}
    records = [RecordSnapshot(
        id=record.id, item=items[record.catalogue_item_id].code, record_key=record.record_key, channel=record.channel,
        received_at=record.received_at, fact_date=record.fact_date, data=dict(record.data),
        authoritative=items[record.catalogue_item_id].authoritative_channel,
        visible_days=items[record.catalogue_item_id].visible_days,
    ) for record in creditdata_service.records_known_by(session, enterprise_id=enterprise_id, as_of=as_of)
        if (record.catalogue_item_id, record.record_key) not in repaired]
    return EntitySnapshot(enterprise_id=enterprise.id, registration_date=enterprise.registration_date), records


Features = dict[str, float | None]
# A district's firms on a few days; a value is a few dozen floats.
CACHE_SIZE = 20_000
_PENDING = "scoring.features_pending"
_lock = threading.Lock()
# One cache a database (engine): a process may speak to several (the network's nodes, tests), whose ids collide.
_caches: WeakKeyDictionary[Engine, OrderedDict[tuple[Any, ...], Features]] = WeakKeyDictionary()


def features_as_of(session: Session, *, enterprise_id: int, as_of: date) -> Features:
    """The entity's features computed from what the platform knew on `as_of` (cached: see the module)."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    rules = creditdata_service.item_rules(session)
    key = (enterprise_id, as_of, enterprise.registration_date,
           creditdata_service.file_version(session, enterprise_id=enterprise_id, as_of=as_of), rules)
    engine = _engine(session)
    with _lock:
        cache = _caches.setdefault(engine, OrderedDict())
        cached = cache.get(key)
        if cached is not None:
            cache.move_to_end(key)
            return dict(cached)
    entity, records = snapshot(session, enterprise_id=enterprise_id, as_of=as_of, rules=rules)
    values = compute(as_of, entity, records)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, engine, key, dict(values)))
    return values


def forget_cached() -> None:
    """Empty the cache (tests that roll back rows another test's ids will reuse)."""
    with _lock:
        _caches.clear()


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    with _lock:
        for _transaction, engine, key, values in pending:
            cache = _caches.setdefault(engine, OrderedDict())
            cache[key] = values
            cache.move_to_end(key)
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """What was computed inside a transaction or savepoint that rolled back is not kept."""
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [p for p in pending if not _inside(p[0], previous_transaction)]


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _drop_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing rolls back without `after_soft_rollback`: its values go too (a
    commit has taken its own by then)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
