"""Writing, verifying and searching the audit log."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from xinyidai import clock
from xinyidai.audit import anchor, chain, privacy
from xinyidai.audit.actor import Actor, ActorKind, as_actor
from xinyidai.audit.chain import ChainHead, VerifyResult
from xinyidai.audit.models import AuditChainHead, AuditEntry
from xinyidai.auth.principal import Principal

__all__ = ["Actor", "ActorKind", "AuditPage", "checkpoint", "list_recent", "record", "record_regardless", "search",
           "verify"]

HEAD_ID = 1
VERIFY_BATCH = 1000
# Entries that must stand whatever becomes of the transaction they were noted in (see `record_regardless`).
PENDING = "audit_pending_regardless"
# Entries added in the session's transaction and not chained yet; chained in this order when it commits.
UNCHAINED = "audit_unchained"
# The head to checkpoint outside the database once the transaction that reached it has committed.
CHECKPOINT_DUE = "audit_checkpoint_due"

log = logging.getLogger(__name__)


def _lock_head(session: Session) -> AuditChainHead:
    # SELECT … FOR UPDATE on the one head row, held until the transaction ends: this is what makes the chain
    # linear (two transactions can never link to the same predecessor) and gapless (the sequence is the head's,
    # so a rollback returns it). It is taken only at commit (`_chain_at_commit`), so every transaction holds it
    # for the moment its commit takes. On SQLite writers are serialised anyway and FOR UPDATE is omitted.
    head = session.scalars(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if head is None:  # a schema made without the migrations (create_all): start the chain
        head = AuditChainHead(id=HEAD_ID, sequence=0, entry_hash=chain.GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in (*chain.FIELDS, *chain.OPTIONAL_FIELDS)}


def record(
    session: Session,
    *,
    actor: Principal | Actor,
    action: str,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    enterprise_id: int | None = None,
    purpose: str | None = None,
    outcome: str = "success",
    ip_address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry by `actor` (a signed-in principal, or an `Actor`: command line, job, public caller) to the
    caller's transaction, so it stands or falls with the action. It is numbered and chained to the last entry
    when the transaction commits; until then its sequence and hashes are empty. Personal data in `detail` or
    `purpose` is masked before it is written."""
    entry = _new_entry(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id,
                       enterprise_id=enterprise_id, purpose=purpose, outcome=outcome, ip_address=ip_address,
                       detail=detail)
    session.add(entry)
    session.flush()  # the id (part of the hashed content) now; the row takes no lock but its own
    session.info.setdefault(UNCHAINED, []).append(entry)
    return entry


def _new_entry(*, actor: Principal | Actor, action: str, subject_type: str | None = None,
               subject_id: str | int | None = None, enterprise_id: int | None = None, purpose: str | None = None,
               outcome: str = "success", ip_address: str | None = None,
               detail: dict[str, Any] | None = None) -> AuditEntry:
    who = as_actor(actor)
    return AuditEntry(
        occurred_at=clock.now(), action=action, outcome=outcome, actor_kind=who.kind.value,
        actor_label=who.label, actor_user_id=who.user_id, actor_api_client_id=who.api_client_id,
        actor_organisation_id=who.organisation_id, subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id), enterprise_id=enterprise_id,
        purpose=None if purpose is None else privacy.mask_text(purpose), ip_address=ip_address,
        detail=chain.json_normalised(privacy.scrub(detail or {})),
    )


def record_many(session: Session, *, entries: Sequence[dict[str, Any]]) -> list[AuditEntry]:
    """Add many entries at once (each the keyword arguments of `record`), written in one flush: an action on many
    subjects (a batch of checks, one entry per firm) costs one round trip, not one per entry. Chained at commit."""
    made = [_new_entry(**fields) for fields in entries]
    session.add_all(made)
    session.flush()
    session.info.setdefault(UNCHAINED, []).extend(made)
    return made


def record_regardless(session: Session, **fields: Any) -> None:
    """Note an entry (the arguments of `record`) that stands whatever becomes of the caller's transaction: it is
    written with it if it commits, and on its own, in a short transaction of its own, right after it rolls back.

    For what must be on record precisely when the action fails, such as a refused read of someone's credit
    information: the refusal raises, the request's transaction rolls back, and the entry still stays."""
    session.info.setdefault(PENDING, []).append(fields)


def _chain(session: Session) -> None:
    # Entries added inside a savepoint that rolled back were expunged with it: they are no longer in the session.
    entries = [e for e in session.info.pop(UNCHAINED, []) if e in session and e.sequence is None]
    if not entries:
        return
    # Every other write of the transaction reaches the database first, taking its row locks; the head comes last.
    session.flush()
    head = _lock_head(session)
    start = head.sequence
    for entry in entries:
        entry.sequence, entry.prev_hash = head.sequence + 1, head.entry_hash
        entry.entry_hash = chain.link(head.entry_hash, _fields(entry))
        head.sequence, head.entry_hash = entry.sequence, entry.entry_hash
    session.flush()
    every = anchor.interval()
    if head.sequence // every > start // every:
        session.info[CHECKPOINT_DUE] = (head.sequence, head.entry_hash)


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    # The one place entries are chained, at the commit of the session's root transaction: the chain head is the
    # last lock any transaction takes, and it is held only while the commit completes, so no order in which a use
    # case audits and locks its own rows can deadlock against another's through the head. `before_commit` also
    # fires when a savepoint (begin_nested) is released; that is not durable yet (the outer transaction may still
    # roll back), so wait for the root. The test harness binds each session to a connection whose outer
    # transaction is rolled back (join_transaction_mode="create_savepoint"): there the session's own transaction
    # is still its root (in_nested_transaction() is False), so `session.commit()` chains as in production and
    # only the harness's rollback undoes it; entries of a test that never commits stay unchained, as they would
    # in a request that never got to commit.
    if session.in_nested_transaction():
        return
    for fields in session.info.pop(PENDING, []):
        record(session, **fields)
    _chain(session)


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    # Only after the commit: a checkpoint of a head that then failed to commit would later read as a rewrite.
    due = session.info.pop(CHECKPOINT_DUE, None)
    if due is None:
        return
    try:
        anchor.append(sequence=due[0], entry_hash=due[1])
    except OSError:  # the action has committed; a missed checkpoint is said loudly, the next one covers it
        log.exception("audit checkpoint of sequence %s could not be written to %s", due[0], anchor.path())


@event.listens_for(Session, "after_transaction_end")
def _write_pending_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # Only once the root transaction has ended: its connection has rolled back (or been returned to the pool)
    # and holds no lock, so the short transaction below takes the chain head holding nothing else.
    if transaction.parent is not None:
        return
    session.info.pop(UNCHAINED, None)  # chained at commit, or rolled back with the transaction
    session.info.pop(CHECKPOINT_DUE, None)  # written after the commit, or void with the rollback
    if not session.info.get(PENDING):
        return
    pending = session.info.pop(PENDING)
    factory = session.info.get("session_factory") or sessionmaker(bind=session.get_bind())
    try:
        with factory() as own:
            for fields in pending:
                record(own, **fields)
            own.commit()
    except Exception:  # the original error is the answer; a lost entry is reported loudly, never swallowed silently
        log.exception("audit entries noted before a rollback could not be written: %s",
                      [f.get("action") for f in pending])


def _chain_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Every entry in sequence order, fetched in keyset batches as plain rows (no identity map growth)."""
    columns = [getattr(AuditEntry, name) for name in (*chain.FIELDS, *chain.OPTIONAL_FIELDS)] + [
        AuditEntry.prev_hash, AuditEntry.entry_hash]
    after = 0
    while True:
        rows = session.execute(
            select(*columns).where(AuditEntry.sequence > after).order_by(AuditEntry.sequence).limit(VERIFY_BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            yield dict(row._mapping)
        after = rows[-1].sequence


def verify(session: Session) -> VerifyResult:
    """Walk the whole chain recomputing every hash and checking it against every checkpoint kept outside the
    database; intact with count and last hash, or the first break, and the checkpoint lines refused."""
    head = session.get(AuditChainHead, HEAD_ID, populate_existing=True)
    checkpoints = anchor.read()
    result = chain.walk(_chain_rows(session), anchors=checkpoints.valid, anchor_every=anchor.interval(),
                        head=None if head is None else ChainHead(sequence=head.sequence, entry_hash=head.entry_hash))
    refused = tuple(f"检查点文件第 {bad.line_no} 行被拒绝：{bad.reason}" for bad in checkpoints.refused)
    return dataclasses.replace(result, refused_anchors=refused) if refused else result


def checkpoint(session: Session) -> ChainHead:
    """Record the committed chain head outside the database (the anchor file) and return it."""
    head = session.get(AuditChainHead, HEAD_ID, populate_existing=True)
    current = (ChainHead(sequence=0, entry_hash=chain.GENESIS_HASH) if head is None
               else ChainHead(sequence=head.sequence, entry_hash=head.entry_hash))
    anchor.append(sequence=current.sequence, entry_hash=current.entry_hash)
    return current


def list_recent(session: Session, *, limit: int = 100, action: str | None = None) -> Sequence[AuditEntry]:
    """The latest entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.scalars(query).all()


@dataclass(frozen=True)
class AuditPage:
    """One page of a search, newest first, and the total that matched."""

    entries: Sequence[AuditEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matches fill."""
        return max(1, -(-self.total // self.page_size))


def search(
    session: Session,
    *,
    action: str | None = None,
    actor_organisation_id: int | None = None,
    enterprise_id: int | None = None,
    exclude_actor_organisation_id: int | None = None,
    occurred_from: datetime | None = None,
    occurred_before: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """Entries matching every given filter, one page at a time, newest first (indexed columns only)."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action == action)
    if actor_organisation_id is not None:
        conditions.append(AuditEntry.actor_organisation_id == actor_organisation_id)
    if enterprise_id is not None:
        conditions.append(AuditEntry.enterprise_id == enterprise_id)
    if exclude_actor_organisation_id is not None:
        # Entries by someone else: an entry with no acting organisation is the platform's own doing.
        conditions.append(AuditEntry.actor_organisation_id.is_not(None))
        conditions.append(AuditEntry.actor_organisation_id != exclude_actor_organisation_id)
    if occurred_from is not None:
        conditions.append(AuditEntry.occurred_at >= occurred_from)
    if occurred_before is not None:
        conditions.append(AuditEntry.occurred_at < occurred_before)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    entries = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return AuditPage(entries=entries, total=total, page=page, page_size=page_size)

