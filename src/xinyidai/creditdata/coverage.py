"""Coverage per source (归集进度): which department delivered what, how much, and when.

The basis of the monthly "information sharing progress": per department and sub-category, the batches
delivered, the rows stored and refused, the last delivery, the records held and the entities they cover.
Each figure is one grouped query over batches or records; nothing iterates over records in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai.creditdata.enums import BatchStatus
from xinyidai.creditdata.models import CatalogueItem, CreditRecord, ImportBatch, SourceDepartment


@dataclass(frozen=True, slots=True)
class ItemCoverage:
    """What one sub-category's source has delivered, and what the platform holds of it."""

    item_code: str
    item_name: str
    category_code: str
    enabled: bool
    batches: int
    batches_refused: int  # whole files refused (wrong columns, empty, cut off …)
    rows_stored: int
    rows_duplicate: int
    rows_refused: int  # rows refused by validation, in batches that were taken
    last_delivery_at: datetime | None  # the latest batch, or the latest record received by another channel
    records_held: int
    entities_covered: int


@dataclass(frozen=True, slots=True)
class DepartmentCoverage:
    """One source department's sub-categories and its totals."""

    code: str
    name: str
    bound: bool  # whether an organisation delivers for it (its officers and API clients)
    items: list[ItemCoverage]
    batches: int
    rows_stored: int
    rows_refused: int
    last_delivery_at: datetime | None
    records_held: int
    entities_covered: int  # distinct entities across its sub-categories (not the sum of the items')
    items_delivered: int  # sub-categories of which the platform holds at least one record


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def coverage(session: Session) -> list[DepartmentCoverage]:
    """Per source department and sub-category: batches, rows stored and refused, last delivery, records, entities."""
    batch = (
        select(
            ImportBatch.catalogue_item_id.label("item_id"),
            func.count().label("batches"),
            func.count().filter(ImportBatch.status == BatchStatus.REJECTED.value).label("refused"),
            func.coalesce(func.sum(ImportBatch.rows_stored), 0).label("stored"),
            func.coalesce(func.sum(ImportBatch.rows_duplicate), 0).label("duplicate"),
            func.coalesce(func.sum(ImportBatch.rows_rejected), 0).label("rejected"),
            func.max(ImportBatch.started_at).label("last_batch"),
        )
        .group_by(ImportBatch.catalogue_item_id)
        .subquery()
    )
    held = (
        select(
            CreditRecord.catalogue_item_id.label("item_id"),
            func.count().label("records"),
            func.count(func.distinct(CreditRecord.enterprise_id)).label("entities"),
            func.max(CreditRecord.received_at).label("last_record"),
        )
        .group_by(CreditRecord.catalogue_item_id)
        .subquery()
    )
    rows = session.execute(
        select(
            CatalogueItem.source_department, CatalogueItem.code, CatalogueItem.name, CatalogueItem.category_code,
            CatalogueItem.enabled,
            func.coalesce(batch.c.batches, 0), func.coalesce(batch.c.refused, 0), func.coalesce(batch.c.stored, 0),
            func.coalesce(batch.c.duplicate, 0), func.coalesce(batch.c.rejected, 0), batch.c.last_batch,
            func.coalesce(held.c.records, 0), func.coalesce(held.c.entities, 0), held.c.last_record,
        )
        .outerjoin(batch, batch.c.item_id == CatalogueItem.id)
        .outerjoin(held, held.c.item_id == CatalogueItem.id)
        .order_by(CatalogueItem.source_department, CatalogueItem.category_code, CatalogueItem.id)
    ).all()
    by_department: dict[str, list[ItemCoverage]] = {}
    for (department, code, name, category, enabled, batches, refused, stored, duplicate, rejected, last_batch,
         records, entities, last_record) in rows:
        by_department.setdefault(department, []).append(ItemCoverage(
            item_code=code, item_name=name, category_code=category, enabled=enabled, batches=int(batches),
            batches_refused=int(refused), rows_stored=int(stored), rows_duplicate=int(duplicate),
            rows_refused=int(rejected), last_delivery_at=_latest(last_batch, last_record),
            records_held=int(records), entities_covered=int(entities),
        ))
    # Entities covered by a department: distinct over all its sub-categories, so one more grouped query.
    entities_by_department = {department: int(count) for department, count in session.execute(
        select(CatalogueItem.source_department, func.count(func.distinct(CreditRecord.enterprise_id)))
        .join(CreditRecord, CreditRecord.catalogue_item_id == CatalogueItem.id)
        .group_by(CatalogueItem.source_department)
    )}
    departments: Sequence[SourceDepartment] = session.scalars(
        select(SourceDepartment).order_by(SourceDepartment.code)).all()
    return [
        DepartmentCoverage(
            code=department.code, name=department.name, bound=department.organisation_id is not None,
            items=items, batches=sum(i.batches for i in items), rows_stored=sum(i.rows_stored for i in items),
            rows_refused=sum(i.rows_refused for i in items),
            last_delivery_at=_latest(*(i.last_delivery_at for i in items)),
            records_held=sum(i.records_held for i in items),
            entities_covered=entities_by_department.get(department.code, 0),
            items_delivered=sum(1 for i in items if i.records_held),
        )
        for department in departments
        if (items := by_department.get(department.code, []))
    ]


@dataclass(frozen=True, slots=True)
class ItemSharing:
    """One sub-category's sharing as of an instant: its cycle, its last delivery before the instant, the
    records received and the rows taken and refused in the period."""

    department_code: str
    department_name: str
    category_code: str
    item_code: str
    update_cycle: str
    enabled: bool
    last_received_at: datetime | None
    records_received: int
    rows_received: int  # rows of the period's batches: stored, duplicate and refused
    rows_refused: int


def sharing_by_item(session: Session, *, since: datetime | None, until: datetime) -> list[ItemSharing]:
    """Per catalogue sub-category: the last record received before `until`, the records received in
    [since, until), and the rows of the batches started in it (three grouped queries)."""
    last: dict[int, datetime] = {item: at for item, at in session.execute(
        select(CreditRecord.catalogue_item_id, func.max(CreditRecord.received_at))
        .where(CreditRecord.received_at < until).group_by(CreditRecord.catalogue_item_id))}
    received_query = (select(CreditRecord.catalogue_item_id, func.count())
                      .where(CreditRecord.received_at < until).group_by(CreditRecord.catalogue_item_id))
    batch_query = (select(ImportBatch.catalogue_item_id,
                          func.coalesce(func.sum(ImportBatch.rows_stored + ImportBatch.rows_duplicate
                                                 + ImportBatch.rows_rejected), 0),
                          func.coalesce(func.sum(ImportBatch.rows_rejected), 0))
                   .where(ImportBatch.started_at < until).group_by(ImportBatch.catalogue_item_id))
    if since is not None:
        received_query = received_query.where(CreditRecord.received_at >= since)
        batch_query = batch_query.where(ImportBatch.started_at >= since)
    received = {int(item): int(n) for item, n in session.execute(received_query)}
    batches = {item: (int(rows), int(refused)) for item, rows, refused in session.execute(batch_query).all()}
    rows = session.execute(select(CatalogueItem.id, CatalogueItem.source_department, SourceDepartment.name,
                                  CatalogueItem.category_code, CatalogueItem.code, CatalogueItem.update_cycle,
                                  CatalogueItem.enabled)
                           .join(SourceDepartment, SourceDepartment.code == CatalogueItem.source_department)
                           .order_by(CatalogueItem.source_department, CatalogueItem.category_code,
                                     CatalogueItem.id)).all()
    return [ItemSharing(department_code=department, department_name=name, category_code=category, item_code=code,
                        update_cycle=cycle, enabled=enabled, last_received_at=last.get(item_id),
                        records_received=int(received.get(item_id, 0)),
                        rows_received=batches.get(item_id, (0, 0))[0], rows_refused=batches.get(item_id, (0, 0))[1])
            for item_id, department, name, category, code, cycle, enabled in rows]
