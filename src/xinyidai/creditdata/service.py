"""Use cases of credit information: the catalogue, storing delivered rows with provenance, the credit file.

Every channel (a department's file, an API push, the national relay, a self-report, the platform's own
facts) ends in `store`, so de-duplication, history and provenance follow one rule whatever the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import polars as pl
from psycopg import sql as psycopg_sql
from sqlalchemy import Select, Table, and_, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xinyidai import clock, db, pii
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import agriculture, catalogue, policy

# Who stands how to an entity's information, for the contexts above creditdata.
from xinyidai.creditdata.access import Access as Access
from xinyidai.creditdata.access import is_audited as is_audited
from xinyidai.creditdata.access import sees_past_publicity, sees_repaired
from xinyidai.creditdata.access import sensitivities_for as sensitivities_for
from xinyidai.creditdata.coverage import ItemSharing as ItemSharing
from xinyidai.creditdata.coverage import sharing_by_item as sharing_by_item
from xinyidai.creditdata.enums import AuthoritativeChannel, Channel, FieldType, MarkKind, Sensitivity
from xinyidai.creditdata.exceptions import (
    CatalogueItemNotFound,
    DeliveryRefused,
    InvalidCatalogueChange,
    InvalidCorrection,
    NotTheSource,
    RecordNotFound,
)
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec, ParsedRow, RowParser, canonical_text
from xinyidai.creditdata.models import (
    CatalogueCategory,
    CatalogueItem,
    CreditRecord,
    CreditRecordMark,
    SourceDepartment,
)
from xinyidai.creditdata.policy import Visibility as Visibility
from xinyidai.creditdata.policy import penalty_publicity as penalty_publicity
from xinyidai.creditdata.report.pdf import CjkFont as CjkFont
from xinyidai.creditdata.report.pdf import find_font as find_font

# The credit report's verification codes and their checking (creditdata/report), for whatever else the platform
# vouches for the same way (a public credit check, creditcheck): one scheme, one reading of what a person types.
from xinyidai.creditdata.report.policy import GuessLimiter as GuessLimiter
from xinyidai.creditdata.report.policy import format_code as format_code
from xinyidai.creditdata.report.policy import new_verification_code as new_verification_code
from xinyidai.creditdata.report.policy import normalise_code as normalise_code
from xinyidai.creditdata.report.schemas import VerificationStatus as VerificationStatus
from xinyidai.creditdata.schemas import CatalogueItemUpdate
from xinyidai.money import format_yuan
from xinyidai.registry import service as registry_service

# Catalogue ---------------------------------------------------------------------------------------


class CatalogueItemView(Protocol):
    """A catalogue item as other contexts read it (read-only): they go through this, never through the tables."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def source_department(self) -> str: ...
    @property
    def visible_days(self) -> int | None: ...
    @property
    def is_negative(self) -> bool: ...


class CreditRecordView(Protocol):
    """A credit record as other contexts read it (read-only): they go through this, never through the tables."""

    @property
    def id(self) -> int: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def catalogue_item_id(self) -> int: ...
    @property
    def record_key(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def fact_date(self) -> date | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def source_department(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def reference(self) -> str | None: ...


def seed_catalogue(session: Session) -> int:
    """Load the packaged catalogue: add what is missing, leave what the platform admin has edited."""
    definition = catalogue.load_packaged()
    added = 0
    for code, name in definition.departments:
        if session.get(SourceDepartment, code) is None:
            session.add(SourceDepartment(code=code, name=name))
    for code, name in definition.categories:
        if session.get(CatalogueCategory, code) is None:
            session.add(CatalogueCategory(code=code, name=name))
    session.flush()
    existing = set(session.scalars(select(CatalogueItem.code)))
    for item in definition.items:
        if item.code in existing:
            continue
        session.add(CatalogueItem(
            code=item.code, category_code=item.category, name=item.name, source_department=item.source,
            sensitivity=item.sensitivity.value, update_cycle=item.cycle.value, visible_days=item.visible_days,
            authoritative_channel=item.authoritative.value, local_allowed=item.local_allowed,
            is_negative=item.negative, key_fields=list(item.key), date_field=item.date_field,
            fields=[spec.as_dict() for spec in item.fields], enabled=True, updated_at=clock.now(),
        ))
        added += 1
    session.flush()
    return added


def list_categories(session: Session) -> Sequence[CatalogueCategory]:
    """The catalogue's categories in code order."""
    return session.scalars(select(CatalogueCategory).order_by(CatalogueCategory.code)).all()


def list_items(session: Session, *, enabled_only: bool = False) -> Sequence[CatalogueItem]:
    """The sub-categories in catalogue order."""
    query = select(CatalogueItem).order_by(CatalogueItem.category_code, CatalogueItem.id)
    if enabled_only:
        query = query.where(CatalogueItem.enabled.is_(True))
    return session.scalars(query).all()


def get_item(session: Session, *, code: str) -> CatalogueItem:
    """The sub-category with this code."""
    item = session.scalars(select(CatalogueItem).where(CatalogueItem.code == code)).one_or_none()
    if item is None:
        raise CatalogueItemNotFound(f"信息目录中没有“{code}”", message_en="no such catalogue item")
    return item


def list_departments(session: Session) -> Sequence[SourceDepartment]:
    """The source departments in code order."""
    return session.scalars(select(SourceDepartment).order_by(SourceDepartment.code)).all()


def bind_department(session: Session, *, code: str, organisation_id: int) -> SourceDepartment:
    """Name the organisation whose officers and API clients deliver a source department's data."""
    department = session.get(SourceDepartment, code)
    if department is None:
        raise CatalogueItemNotFound(f"没有来源部门“{code}”", message_en="no such source department")
    department.organisation_id = organisation_id
    session.flush()
    return department


def field_specs(item: CatalogueItem) -> tuple[FieldSpec, ...]:
    """The typed fields of a sub-category, the entity's USCC first."""
    return tuple(FieldSpec.from_dict(raw) for raw in item.fields)


def parser_for(item: CatalogueItem, *, today: date | None = None) -> RowParser:
    """A row parser for one sub-category as the catalogue defines it now."""
    return RowParser(fields=field_specs(item), key_fields=tuple(item.key_fields), date_field=item.date_field,
                     today=today or clock.today())


def update_item(session: Session, *, code: str, item_in: CatalogueItemUpdate, user_id: int) -> CatalogueItem:
    """The platform admin's edit of a sub-category; its field list may change, but never lose its key."""
    item = get_item(session, code=code)
    changes = item_in.model_dump(exclude_unset=True)
    if "fields" in changes:
        try:
            specs = catalogue.with_uscc([FieldSpec.from_dict(raw) for raw in changes["fields"]])
        except (KeyError, ValueError) as exc:
            raise InvalidCatalogueChange(f"字段定义有误：{exc}", message_en="malformed field spec") from exc
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise InvalidCatalogueChange("字段名不能重复", message_en="repeated field names")
        lost = [name for name in [*item.key_fields, *([item.date_field] if item.date_field else [])]
                if name not in names]
        if lost:
            raise InvalidCatalogueChange("不能删除用于识别记录或记录日期的字段：" + "、".join(lost),
                                         message_en="key or date field removed")
        changes["fields"] = [spec.as_dict() for spec in specs]
    for name, value in changes.items():
        setattr(item, name, value.value if hasattr(value, "value") else value)
    item.updated_at = clock.now()
    item.updated_by_user_id = user_id
    session.flush()
    return item


# Delivery ----------------------------------------------------------------------------------------


def require_source(session: Session, *, principal: Principal, item: CatalogueItem, channel: Channel) -> None:
    """The caller must be the sub-category's source department (or the platform relaying the national channel),
    and the sub-category must take deliveries by this channel."""
    if not item.enabled:
        raise DeliveryRefused(f"信息项“{item.name}”已停用，暂不归集", message_en="catalogue item disabled")
    refusal = policy.refusal_of_channel(authoritative=AuthoritativeChannel(item.authoritative_channel),
                                        local_allowed=item.local_allowed, channel=channel)
    if refusal:
        raise DeliveryRefused(refusal, message_en="national channel is authoritative for this item")
    if channel is Channel.NATIONAL:
        if not principal.is_platform_admin:
            raise NotTheSource("只有平台管理员可以导入国家“总对总”下发的数据", message_en="national relay only")
        return
    department = session.get(SourceDepartment, item.source_department)
    if department is None or department.organisation_id != principal.organisation_id:
        name = department.name if department else item.source_department
        raise NotTheSource(f"“{item.name}”由{name}提供，您所在单位不是该信息的来源部门",
                           message_en="your organisation is not this item's source")


@dataclass(frozen=True, slots=True)
class Delivered:
    """One parsed row on its way into the store, with where it came from."""

    enterprise_id: int
    row: ParsedRow
    row_number: int | None = None
    original: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    """How many rows were stored, and how many the platform held already."""

    stored: int
    duplicate: int


def store(session: Session, *, item: CatalogueItem, rows: Sequence[Delivered], channel: Channel,
          batch_id: int | None = None, commitment_id: int | None = None,
          reference: str | None = None) -> StoreResult:
    """Store rows as credit records; a row whose fact the platform already holds adds nothing.

    "Already holds" is: the same content for the same entity (the unique fingerprint, which also makes
    concurrent deliveries safe), or, for a local delivery of a sub-category whose authoritative channel
    is national, any national version of the same fact (the national version wins).
    """
    if not rows:
        return StoreResult(0, 0)
    candidates = list(rows)
    if AuthoritativeChannel(item.authoritative_channel) is AuthoritativeChannel.NATIONAL and channel.is_local:
        national = _national_keys(session, item, {d.enterprise_id for d in candidates})
        candidates = [d for d in candidates if (d.enterprise_id, d.row.record_key) not in national]
    if not candidates:
        return StoreResult(0, len(rows))
    now = clock.now()
    values = [{
        "enterprise_id": d.enterprise_id, "catalogue_item_id": item.id, "record_key": d.row.record_key,
        "fingerprint": d.row.fingerprint, "data": d.row.data, "fact_date": d.row.fact_date,
        "channel": channel.value, "source_department": item.source_department, "batch_id": batch_id,
        "row_number": d.row_number, "original": d.original, "commitment_id": commitment_id, "reference": reference,
        "received_at": now,
    } for d in candidates]
    table = CreditRecord.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    lock_item_for_insert(session, item_id=item.id)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.on_conflict_do_nothing(index_elements=["enterprise_id", "catalogue_item_id", "fingerprint"])
    stored = 0
    for start in range(0, len(values), 2000):
        result = session.execute(statement, values[start:start + 2000], execution_options={"preserve_rowcount": True})
        stored += max(int(getattr(result, "rowcount", 0) or 0), 0)
    session.flush()
    return StoreResult(stored, len(rows) - stored)


def _national_keys(session: Session, item: CatalogueItem, enterprise_ids_: set[int]) -> set[tuple[int, str]]:
    keys: set[tuple[int, str]] = set()
    ordered = sorted(enterprise_ids_)
    for start in range(0, len(ordered), 1000):
        keys.update(session.execute(select(CreditRecord.enterprise_id, CreditRecord.record_key).where(
            CreditRecord.catalogue_item_id == item.id, CreditRecord.channel == Channel.NATIONAL.value,
            CreditRecord.enterprise_id.in_(ordered[start:start + 1000]))).all())
    return keys


def lock_item_for_insert(session: Session, *, item_id: int) -> None:
    """Hold, until the transaction ends, the right to insert records of one sub-category.

    Deliveries that insert in several statements (a bulk import chunk by chunk, a push of several thousand
    rows) would otherwise take the unique index's row locks in different orders and could deadlock when they
    overlap; holding this lock, concurrent deliveries of one sub-category insert one after another.
    """
    db.serialise(session, f"creditdata.insert.{item_id}")


def record_platform_fact(session: Session, *, item_code: str, enterprise_id: int, values: dict[str, str],
                         commitment_id: int | None = None, channel: Channel = Channel.PLATFORM) -> StoreResult:
    """Store one fact the platform itself establishes (a default, a broken commitment), parsed like any row."""
    item = get_item(session, code=item_code)
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    parsed = parser_for(item).parse({**values, USCC_FIELD: enterprise.uscc})
    if isinstance(parsed, list):
        raise DeliveryRefused("；".join(e.message for e in parsed), message_en="invalid platform fact")
    return store(session, item=item, rows=[Delivered(enterprise_id, parsed)], channel=channel,
                 commitment_id=commitment_id)


def records_of_items_after(session: Session, *, after_ids: dict[int, int], limit: int) -> Sequence[CreditRecord]:
    """Records of several sub-categories, each stored after its own id (catalogue item id → id), oldest first, at
    most `limit`: one read by the primary key from the lowest of those ids, whatever the number of sub-categories
    (a change feed reads them under `lock_item_for_insert` of each)."""
    if not after_ids:
        return []
    past_own = or_(*(and_(CreditRecord.catalogue_item_id == item_id, CreditRecord.id > after_id)
                     for item_id, after_id in after_ids.items()))
    return session.scalars(select(CreditRecord).where(
        CreditRecord.id > min(after_ids.values()), CreditRecord.catalogue_item_id.in_(list(after_ids)), past_own)
        .order_by(CreditRecord.id).limit(limit)).all()


def latest_record_id(session: Session) -> int:
    """The greatest credit-record id committed so far (0 for none): a change feed's sub-categories with nothing
    past it need not be read."""
    return int(session.scalar(select(func.max(CreditRecord.id))) or 0)


def records_query() -> Select[int, int, str, str, date | None, Any, str | None, int | None, str]:
    """Every stored record with its sub-category and category, as rows (record_id, enterprise_id, item_code,
    category_code, fact_date, data, reference, batch_id, record_key): a query for other contexts to narrow and join
    (monitoring's detection), never a table. `reference` is set on a version that corrected an earlier one; the
    versions of one fact share (enterprise_id, item_code, record_key), the latest received is current."""
    return select(
        CreditRecord.id.label("record_id"), CreditRecord.enterprise_id.label("enterprise_id"),
        CatalogueItem.code.label("item_code"), CatalogueItem.category_code.label("category_code"),
        CreditRecord.fact_date.label("fact_date"), CreditRecord.data.label("data"),
        CreditRecord.reference.label("reference"), CreditRecord.batch_id.label("batch_id"),
        CreditRecord.record_key.label("record_key"),
    ).join(CatalogueItem, CatalogueItem.id == CreditRecord.catalogue_item_id)


def latest_mark_id(session: Session) -> int:
    """The greatest record-mark id so far (0 for none): a reader of marks past a cursor reads up to it."""
    return int(session.scalar(select(func.max(CreditRecordMark.id))) or 0)


def marks_query() -> Select[int, int, str, str, int, str, date, str]:
    """Every mark set on a fact, as rows (mark_id, enterprise_id, item_code, category_code, record_id, kind,
    effective_date, reference): a query for other contexts to narrow and join (monitoring's credit-repair signal),
    never a table."""
    return select(
        CreditRecordMark.id.label("mark_id"), CreditRecordMark.enterprise_id.label("enterprise_id"),
        CatalogueItem.code.label("item_code"), CatalogueItem.category_code.label("category_code"),
        CreditRecordMark.record_id.label("record_id"), CreditRecordMark.kind.label("kind"),
        CreditRecordMark.effective_date.label("effective_date"), CreditRecordMark.reference.label("reference"),
    ).join(CatalogueItem, CatalogueItem.id == CreditRecordMark.catalogue_item_id)


def relay_values(item: CatalogueItem, record: CreditRecord, *, uscc: str,
                 specs: Sequence[FieldSpec] | None = None) -> dict[str, str]:
    """A record as rows are delivered (field name → text a clerk would type), read back by `parser_for` to the same
    data and fingerprint: what another node of the network stores. Personal numbers never travel in clear: an
    identity or mobile number inside a text is masked (the record then arrives as a fact of its own, masked).
    `specs` are the item's `field_specs`, when the caller reads many of its records."""
    values = {spec.name: pii.mask_numbers(text) if spec.type is FieldType.TEXT else text
              for spec, text in field_texts(item, record, specs=specs) if text != ""}
    values[USCC_FIELD] = uscc
    return values


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One sub-category of an entity's credit file: the current version of each fact, and its history."""

    item: CatalogueItem
    current: list[CreditRecord]
    superseded: list[CreditRecord]
    hidden: int  # current records past their publicity period (shown to the entity itself only)


@dataclass(frozen=True, slots=True)
class FileSection:
    """One category of an entity's credit file."""

    category: CatalogueCategory
    entries: list[FileEntry]


def history(session: Session, *, enterprise_id: int, item: CatalogueItem) -> Sequence[CreditRecord]:
    """Every version the platform holds of an entity's records of one sub-category, oldest first."""
    return session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == enterprise_id, CreditRecord.catalogue_item_id == item.id,
    ).order_by(CreditRecord.received_at, CreditRecord.id)).all()


def credit_file(session: Session, *, enterprise_id: int, include_hidden: bool = False,
                sensitivities: Iterable[Sensitivity] | None = None) -> list[FileSection]:
    """Everything the platform holds on an entity, grouped by category: current versions first, then history.

    The caller has decided who may see what (the entity itself, an authorised institution); this only
    filters by sensitivity and publicity period as told.
    """
    allowed = {s.value for s in sensitivities} if sensitivities is not None else None
    today = clock.today()
    items = {item.id: item for item in list_items(session)}
    records: dict[int, list[CreditRecord]] = {}
    for record in session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == enterprise_id)
                                  .order_by(CreditRecord.id)):
        records.setdefault(record.catalogue_item_id, []).append(record)
    sections: dict[str, list[FileEntry]] = {}
    for item_id, held in records.items():
        item = items[item_id]
        if allowed is not None and item.sensitivity not in allowed:
            continue
        current = policy.current(held, AuthoritativeChannel(item.authoritative_channel))
        shown = [r for r in current
                 if include_hidden or policy.visibility(r.fact_date, item.visible_days, today).visible]
        current_ids = {r.id for r in current}
        sections.setdefault(item.category_code, []).append(FileEntry(
            item=item, current=shown, superseded=[r for r in reversed(held) if r.id not in current_ids],
            hidden=len(current) - len(shown),
        ))
    return [FileSection(category=category, entries=sorted(sections[category.code], key=lambda e: e.item.id))
            for category in list_categories(session) if category.code in sections]


PUBLIC_BATCH = 500  # entities per query of `public_records` (bound parameters stay few on every database)


def public_records(session: Session, *, enterprise_ids: Iterable[int], item_codes: Iterable[str]
                   ) -> dict[int, dict[str, list[CreditRecord]]]:
    """The current public records of the entities in the named sub-categories, as the public standing may see them
    (`access.Access.PUBLIC`: public sub-categories only, nothing past the catalogue's publicity period, nothing whose
    credit repair was approved): {enterprise id: {item code: records, newest fact first}}. A named sub-category
    that is not public (as the catalogue stands: the platform admin may close one) gives nothing.

    A few queries for any number of entities (a tender's bidders), not one per entity."""
    standing = Access.PUBLIC
    allowed = {s.value for s in sensitivities_for(standing) or Sensitivity}
    wanted = set(item_codes)
    items = {item.id: item for item in list_items(session) if item.code in wanted and item.sensitivity in allowed}
    ids = sorted(set(enterprise_ids)) if items else []
    today = clock.today()
    out: dict[int, dict[str, list[CreditRecord]]] = {eid: {} for eid in ids}
    for start in range(0, len(ids), PUBLIC_BATCH):
        chunk = ids[start:start + PUBLIC_BATCH]
        held: dict[tuple[int, int], list[CreditRecord]] = {}
        for record in session.scalars(select(CreditRecord).where(
                CreditRecord.enterprise_id.in_(chunk), CreditRecord.catalogue_item_id.in_(list(items)))
                .order_by(CreditRecord.id)):
            held.setdefault((record.enterprise_id, record.catalogue_item_id), []).append(record)
        repaired: set[tuple[int, int, str]] = set()
        if held and not sees_repaired(standing):
            repaired = {(m.enterprise_id, m.catalogue_item_id, m.record_key) for m in session.scalars(
                select(CreditRecordMark).where(
                    CreditRecordMark.enterprise_id.in_(chunk), CreditRecordMark.catalogue_item_id.in_(list(items)),
                    CreditRecordMark.kind == MarkKind.REPAIRED, CreditRecordMark.cleared_at.is_(None)))}
        for (eid, item_id), records in held.items():
            item = items[item_id]
            shown = [r for r in policy.current(records, AuthoritativeChannel(item.authoritative_channel))
                     if (eid, item_id, r.record_key) not in repaired
                     and (sees_past_publicity(standing)
                          or policy.visibility(r.fact_date, item.visible_days, today).visible)]
            if shown:
                out[eid][item.code] = shown
    return out


def records_known_by(session: Session, *, enterprise_id: int, as_of: date) -> Sequence[CreditRecord]:
    """Every version of an entity's records the platform had received by the end of business day `as_of`."""
    day_after = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=clock.BUSINESS_TZ)
    return session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == enterprise_id, CreditRecord.received_at < day_after,
    ).order_by(CreditRecord.id)).all()


def file_version(session: Session, *, enterprise_id: int, as_of: date) -> tuple[Any, ...]:
    """What changes whenever an entity's credit file known by the end of `as_of` changes, in one statement: its
    records (never updated nor deleted, so their count and greatest id) and its marks (set as new rows, cleared in
    place: their count, how many are cleared, the greatest id). With the catalogue's rules (`item_rules`), the
    entity and the day, a key under which a value computed from the file never goes stale."""
    day_after = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=clock.BUSINESS_TZ)
    records = (select(func.count().label("records"), func.max(CreditRecord.id).label("last_record"))
               .where(CreditRecord.enterprise_id == enterprise_id, CreditRecord.received_at < day_after)
               .subquery())
    marks = (select(func.count().label("marks"), func.count(CreditRecordMark.cleared_at).label("cleared"),
                    func.max(CreditRecordMark.id).label("last_mark"))
             .where(CreditRecordMark.enterprise_id == enterprise_id).subquery())
    return tuple(session.execute(select(records, marks).select_from(records).join(marks, true())).one())


@dataclass(frozen=True, slots=True)
class ItemRules:
    """What of a sub-category decides whether and how its records count on a day."""

    id: int
    code: str
    authoritative_channel: AuthoritativeChannel
    visible_days: int | None


def item_rules(session: Session) -> tuple[ItemRules, ...]:
    """Every sub-category's code, authoritative channel and publicity period (a few dozen rows, no ORM objects)."""
    rows = session.execute(select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.authoritative_channel,
                                  CatalogueItem.visible_days).order_by(CatalogueItem.id))
    return tuple(ItemRules(id, code, AuthoritativeChannel(channel), days) for id, code, channel, days in rows)


# The batch's read of a page of files, as columns: the text of each field asked for, never decoded into Python.
RECORD_COLUMNS: dict[str, pl.DataType] = {
    "enterprise_id": pl.Int64(), "id": pl.Int64(), "catalogue_item_id": pl.Int64(), "record_key": pl.String(),
    "channel": pl.String(), "received_at": pl.Datetime("us", "UTC"), "fact_date": pl.Date(),
}
_PAGE_QUERY = psycopg_sql.SQL("""COPY (SELECT r.enterprise_id, r.id, r.catalogue_item_id, r.record_key, r.channel,
    (extract(epoch FROM r.received_at) * 1000000)::bigint, r.fact_date - DATE '1970-01-01'{slots}
  FROM credit_record r
  WHERE r.enterprise_id BETWEEN %(first)s AND %(last)s AND r.received_at < %(day_after)s
    AND r.catalogue_item_id = ANY(%(items)s)
) TO STDOUT WITH (FORMAT csv)""")


def record_columns_known_by_range(session: Session, *, first_enterprise_id: int, last_enterprise_id: int,
                                  as_of: date, fields: Mapping[int, Sequence[str]]) -> pl.DataFrame:
    """Every version of the records of the sub-categories in `fields` (id → the fields wanted of its records) of the
    entities with ids in [first, last] that had been received by the end of `as_of`, less the facts whose credit
    repair is in force on that day (as `active_marks` tells them), as a frame: `RECORD_COLUMNS`, then one text column
    per field named, holding `fields.canonical_text` of the record's value (PostgreSQL's ``->>``) where its
    sub-category asks for that field and null elsewhere.

    On PostgreSQL one COPY of the page as CSV, read by polars: no JSON is decoded in Python, no row is a Python
    object. The database extracts a record's k-th wanted field into the k-th of a few slots (a sub-category wants
    at most a handful), one CASE on the sub-category per slot; polars puts each slot's values under their names.
    """
    day_after = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=clock.BUSINESS_TZ)
    names = list(dict.fromkeys(name for wanted in fields.values() for name in wanted))
    if session.get_bind().dialect.name == "postgresql":
        frame = _page_by_copy(session, first_enterprise_id, last_enterprise_id, day_after, fields)
    else:
        frame = _page_by_query(session, first_enterprise_id, last_enterprise_id, day_after, fields)
    frame = frame.select(*RECORD_COLUMNS, *names)
    repaired = _repaired_in_range(session, first_enterprise_id, last_enterprise_id, as_of, day_after)
    if repaired.height:
        frame = frame.join(repaired, on=["enterprise_id", "catalogue_item_id", "record_key"], how="anti")
    return frame


def _page_by_copy(session: Session, first: int, last: int, day_after: datetime,
                  fields: Mapping[int, Sequence[str]]) -> pl.DataFrame:
    width = max((len(wanted) for wanted in fields.values()), default=0)
    slots = [psycopg_sql.SQL(", CASE r.catalogue_item_id {} END").format(psycopg_sql.SQL(" ").join(
        psycopg_sql.SQL("WHEN {} THEN r.data ->> {}").format(psycopg_sql.Literal(item), psycopg_sql.Literal(wanted[k]))
        for item, wanted in fields.items() if len(wanted) > k)) for k in range(width)]
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            _PAGE_QUERY.format(slots=psycopg_sql.SQL("").join(slots)),
            {"first": first, "last": last, "day_after": day_after, "items": list(fields)}) as copy:
        text_of_page = b"".join(bytes(chunk) for chunk in copy)
    transfer = {**RECORD_COLUMNS, "received_at": pl.Int64(), "fact_date": pl.Int32(),
                **{f"_slot_{k}": pl.String() for k in range(width)}}
    frame = pl.read_csv(text_of_page, has_header=False, new_columns=list(transfer), schema=transfer,
                        raise_if_empty=False)
    item = pl.col("catalogue_item_id")
    named = {}
    for name in dict.fromkeys(name for wanted in fields.values() for name in wanted):
        at = [(k, [i for i, wanted in fields.items() if len(wanted) > k and wanted[k] == name]) for k in range(width)]
        named[name] = pl.coalesce(*(pl.when(item.is_in(items)).then(pl.col(f"_slot_{k}")) for k, items in at if items))
    return frame.with_columns(pl.from_epoch("received_at", time_unit="us").dt.replace_time_zone("UTC"),
                              pl.col("fact_date").cast(pl.Date), **named)


def _page_by_query(session: Session, first: int, last: int, day_after: datetime,
                   fields: Mapping[int, Sequence[str]]) -> pl.DataFrame:
    r = CreditRecord
    rows = session.execute(select(r.enterprise_id, r.id, r.catalogue_item_id, r.record_key, r.channel,
                                  r.received_at, r.fact_date, r.data).where(
        r.enterprise_id >= first, r.enterprise_id <= last, r.received_at < day_after,
        r.catalogue_item_id.in_(list(fields)))).all()
    columns: dict[str, list[Any]] = {name: [row[number] for row in rows]
                                     for number, name in enumerate(RECORD_COLUMNS)}
    names = list(dict.fromkeys(name for wanted in fields.values() for name in wanted))
    for name in names:
        columns[name] = [None if name not in fields[row[2]] or row[7].get(name) is None
                         else canonical_text(row[7][name]) for row in rows]
    return pl.DataFrame(columns, schema={**RECORD_COLUMNS, **{name: pl.String() for name in names}})


def _repaired_in_range(session: Session, first: int, last: int, as_of: date, day_after: datetime) -> pl.DataFrame:
    """(enterprise_id, catalogue_item_id, record_key) of the facts in the range whose repair is in force on `as_of`
    (set with effect on or before it, not cleared by its end), as `active_marks` tells them."""
    m = CreditRecordMark
    rows = session.execute(select(m.enterprise_id, m.catalogue_item_id, m.record_key).where(
        m.enterprise_id >= first, m.enterprise_id <= last, m.kind == MarkKind.REPAIRED.value,
        m.effective_date <= as_of, m.cleared_at.is_(None) | (m.cleared_at >= day_after))).all()
    return pl.DataFrame([tuple(row) for row in rows], orient="row", schema={
        "enterprise_id": pl.Int64(), "catalogue_item_id": pl.Int64(), "record_key": pl.String()})


# Single records, corrections and marks (what the information subject's rights procedures ask of the file) ------


def get_record(session: Session, *, record_id: int, enterprise_id: int | None = None) -> CreditRecord:
    """One stored version; with `enterprise_id`, only if it is that entity's."""
    record = session.get(CreditRecord, record_id)
    if record is None or (enterprise_id is not None and record.enterprise_id != enterprise_id):
        raise RecordNotFound("没有找到该信用记录", message_en="no such credit record")
    return record


def get_item_by_id(session: Session, *, item_id: int) -> CatalogueItem:
    """The sub-category with this id."""
    item = session.get(CatalogueItem, item_id)
    if item is None:
        raise CatalogueItemNotFound("信息目录中没有该信息项", message_en="no such catalogue item")
    return item


# The catalogue's code of market supervision: the source department that keeps the register of market entities.
MARKET_SUPERVISION = "amr"


def department_organisation(session: Session, *, code: str) -> int | None:
    """The organisation bound to a source department (None: not bound, the platform answers for it)."""
    department = session.get(SourceDepartment, code)
    return department.organisation_id if department else None


def department_name(session: Session, *, code: str) -> str:
    """A source department's name (its code when unknown)."""
    department = session.get(SourceDepartment, code)
    return department.name if department else code


def current_version(session: Session, *, record: CreditRecord) -> CreditRecord:
    """The version of `record`'s fact that is current now (precedence as in the credit file)."""
    item = get_item_by_id(session, item_id=record.catalogue_item_id)
    versions = session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == record.enterprise_id, CreditRecord.catalogue_item_id == item.id,
        CreditRecord.record_key == record.record_key)).all()
    return policy.current(versions, AuthoritativeChannel(item.authoritative_channel))[0]


def masking_kinds(item: CatalogueItem) -> dict[str, str]:
    """The masking kind of each field of the sub-category that has one: the stored specs over the packaged
    catalogue's (so a database seeded before a field had a kind still masks it)."""
    kinds = dict(catalogue.packaged_masking().get(item.code, {}))
    kinds.update({spec.name: spec.mask for spec in field_specs(item) if spec.mask})
    return kinds


def field_texts(item: CatalogueItem, record: CreditRecord, audience: consent_service.Audience | None = None, *,
                specs: Sequence[FieldSpec] | None = None) -> list[tuple[FieldSpec, str]]:
    """A record's fields (without the USCC) as text a clerk would type, i.e. what `parser_for` reads back; given
    an `audience`, desensitised for it first (a masked or banded value is words, shown as they are). `specs`: the
    item's `field_specs` if the caller has them (parsing them again per record cost a capture a fifth of its time)."""
    data = record.data if audience is None else consent_service.mask_values(record.data, masking_kinds(item),
                                                                            audience)
    out = []
    for spec in specs if specs is not None else field_specs(item):
        if spec.name == USCC_FIELD:
            continue
        value = data.get(spec.name)
        if value is None or value == "":
            text = ""
        elif spec.type is FieldType.MONEY:
            text = format_yuan(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)
        elif spec.type is FieldType.BOOLEAN:
            text = "是" if value else "否"
        else:
            text = str(value)
        out.append((spec, text))
    return out


def correct_record(session: Session, *, record_id: int, values: dict[str, str], reference: str) -> CreditRecord:
    """Store a corrected version of a fact (same record key, by the record's own channel), citing `reference`.

    The earlier versions stay as history; the correction is current because it is the latest received.
    """
    record = get_record(session, record_id=record_id)
    item = get_item_by_id(session, item_id=record.catalogue_item_id)
    enterprise = registry_service.get(session, enterprise_id=record.enterprise_id)
    parsed = parser_for(item).parse({**values, USCC_FIELD: enterprise.uscc})
    if isinstance(parsed, list):
        raise InvalidCorrection("更正内容有误：" + "；".join(e.message for e in parsed),
                                message_en="invalid corrected values")
    if parsed.record_key != record.record_key:
        raise InvalidCorrection("更正不能改变识别该记录的字段（如文书编号）；如记录整体有误，请维持原记录并说明理由",
                                message_en="a correction keeps the record key")
    result = store(session, item=item, rows=[Delivered(record.enterprise_id, parsed)], channel=Channel(record.channel),
                   reference=reference)
    if result.stored == 0:
        raise InvalidCorrection("更正后的内容与平台已有的版本相同，未形成新版本", message_en="no new version")
    return session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == record.enterprise_id, CreditRecord.catalogue_item_id == item.id,
        CreditRecord.fingerprint == parsed.fingerprint)).one()


def mark_record(session: Session, *, record_id: int, kind: MarkKind, reference: str, user_id: int | None,
                effective_date: date | None = None) -> CreditRecordMark:
    """Mark a fact (all its versions) as under objection or repaired, citing the procedure's number."""
    record = get_record(session, record_id=record_id)
    mark = CreditRecordMark(
        enterprise_id=record.enterprise_id, catalogue_item_id=record.catalogue_item_id, record_key=record.record_key,
        record_id=record.id, kind=kind.value, reference=reference, effective_date=effective_date or clock.today(),
        marked_at=clock.now(), marked_by_user_id=user_id)
    session.add(mark)
    session.flush()
    return mark


def clear_marks(session: Session, *, reference: str, kind: MarkKind, user_id: int | None) -> int:
    """Clear the open marks a procedure set (its answer ends the objection); returns how many."""
    marks = session.scalars(select(CreditRecordMark).where(
        CreditRecordMark.reference == reference, CreditRecordMark.kind == kind.value,
        CreditRecordMark.cleared_at.is_(None))).all()
    for mark in marks:
        mark.cleared_at = clock.now()
        mark.cleared_by_user_id = user_id
    session.flush()
    return len(marks)


def active_marks(session: Session, *, enterprise_id: int,
                 as_of: date | None = None) -> dict[tuple[int, str], set[MarkKind]]:
    """The marks in force on an entity's facts, by (sub-category id, record key); with `as_of`, those in force
    at the end of that business day (set on or before it, not cleared by then)."""
    query = select(CreditRecordMark).where(CreditRecordMark.enterprise_id == enterprise_id)
    out: dict[tuple[int, str], set[MarkKind]] = {}
    for mark in session.scalars(query):
        if as_of is None:
            if mark.cleared_at is not None:
                continue
        elif mark.effective_date > as_of or (mark.cleared_at is not None
                                             and mark.cleared_at.astimezone(clock.BUSINESS_TZ).date() <= as_of):
            continue
        out.setdefault((mark.catalogue_item_id, mark.record_key), set()).add(MarkKind(mark.kind))
    return out


def agricultural_facts(session: Session, *, enterprise_id: int, as_of: date) -> agriculture.AgriculturalFacts:
    """The entity's agricultural facts (planted area by crop, land, insured area, subsidies) as of a date, from the
    current version of each agricultural fact the platform had received by the end of `as_of` (`agriculture`)."""
    items = {item.id: item for item in list_items(session) if item.code in agriculture.AGRICULTURAL_ITEMS}
    held: dict[int, list[CreditRecord]] = {}
    for record in records_known_by(session, enterprise_id=enterprise_id, as_of=as_of):
        if record.catalogue_item_id in items:
            held.setdefault(record.catalogue_item_id, []).append(record)
    pairs = [(items[item_id].code, record.data)
             for item_id, records in held.items()
             for record in policy.current(records, AuthoritativeChannel(items[item_id].authoritative_channel))]
    return agriculture.summarise(pairs, as_of=as_of)
