"""The catalogue, credit records with their provenance, import batches, verifications and commitments.

A credit record is one fact about one entity from one source, immutable once stored. A later
delivery of the same fact (same sub-category, entity and record key) with different content is a new
version; which version is current is decided when reading (`service.current_records`), never by
overwriting. The same content delivered twice is stored once: (sub-category, entity, fingerprint)
is unique, which is also what keeps two overlapping imports from duplicating anything.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime

# JSONB on PostgreSQL (compact, indexable), JSON text on SQLite.
Document = JSON().with_variant(JSONB(), "postgresql")


class SourceDepartment(Base):
    """A department (or the platform itself) that is the source of sub-categories, and its organisation."""

    __tablename__ = "source_department"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The government-department organisation whose data officers and API clients deliver its data.
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)


class CatalogueCategory(Base):
    """One of the 14 categories of the national list."""

    __tablename__ = "catalogue_category"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class CatalogueItem(Base):
    """A sub-category (信息项): its source, typed fields, sensitivity, cycle, visibility and channel."""

    __tablename__ = "catalogue_item"

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category_code: Mapped[str] = mapped_column(String(8), ForeignKey("catalogue_category.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    source_department: Mapped[str] = mapped_column(String(30), ForeignKey("source_department.code"))
    sensitivity: Mapped[str] = mapped_column(String(20))
    update_cycle: Mapped[str] = mapped_column(String(20))
    # Days a record stays visible after its date (publicity period); None: always.
    visible_days: Mapped[int | None]
    authoritative_channel: Mapped[str] = mapped_column(String(20))
    local_allowed: Mapped[bool] = mapped_column(default=True)
    is_negative: Mapped[bool] = mapped_column(default=False)
    key_fields: Mapped[list[Any]] = mapped_column(JSON)
    date_field: Mapped[str | None] = mapped_column(String(40))
    # Typed field specs (`fields.FieldSpec.as_dict`), the entity's USCC first.
    fields: Mapped[list[Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class ImportBatch(Base):
    """One delivery of rows of one sub-category: a file, an API push or a national relay; committed whole."""

    __tablename__ = "import_batch"
    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key"),
        Index("ix_import_batch_item_started", "catalogue_item_id", "started_at"),
    )

    id: Mapped[IdPk]
    catalogue_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalogue_item.id"))
    source_department: Mapped[str] = mapped_column(String(30), ForeignKey("source_department.code"))
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    api_client_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_client.id"))
    channel: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(20))
    # The file's header as it arrived, so the error report can give the refused rows back in the file's own columns.
    columns: Mapped[list[Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    # A file-level refusal (wrong columns, empty, cut off …), in Chinese.
    error: Mapped[str | None] = mapped_column(String(500))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_stored: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ImportRowError(Base):
    """Why one row of a batch was refused, with the row as it arrived (for the downloadable error report)."""

    __tablename__ = "import_row_error"

    id: Mapped[IdPk]
    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("import_batch.id"), index=True)
    row_number: Mapped[int]
    field: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    original: Mapped[list[Any]] = mapped_column(JSON)


class CreditRecord(Base):
    """One fact about one entity from one source (信用信息), with its provenance; never updated in place.

    No column is a foreign key. The entity is looked up in the registry by every writer in the same transaction
    (the bulk import once per distinct code, `service.store`'s callers by the entity they hold), and entities are
    never deleted; the sub-category, source department, batch and commitment are the same for every row of a
    delivery and checked once by the service that opens it (`service.get_item`, `require_source`, the batch or
    commitment it has just written) and are never deleted either. On this, the largest table, a per-row check
    of each would cost a bulk import of a million rows about as much as the insert itself.

    Two indexes and a BRIN: the primary key; the unique (entity, sub-category, fingerprint), which also finds an
    entity's records (of one sub-category, and the versions of a record key among them); and the batch.
    """

    __tablename__ = "credit_record"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "catalogue_item_id", "fingerprint"),
        # A batch's rows lie together: a BRIN index finds them and costs the insert nearly nothing.
        Index("ix_credit_record_batch_id", "batch_id", postgresql_using="brin"),
    )

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId)  # enterprise.id (not a foreign key: see above)
    catalogue_item_id: Mapped[int] = mapped_column(BigId)  # catalogue_item.id (not a foreign key: see above)
    record_key: Mapped[str] = mapped_column(String(200))
    # `fields.fingerprint`: 16 bytes (uuid) on PostgreSQL, a short key that compares fast in the unique index.
    fingerprint: Mapped[str] = mapped_column(Uuid(as_uuid=False))
    data: Mapped[dict[str, Any]] = mapped_column(Document)
    fact_date: Mapped[date | None]
    channel: Mapped[str] = mapped_column(String(20))
    source_department: Mapped[str] = mapped_column(String(30))  # source_department.code
    batch_id: Mapped[int | None] = mapped_column(BigId)  # import_batch.id
    row_number: Mapped[int | None]
    # The row as it arrived (column label → text), so a record can be traced to the source's own words.
    original: Mapped[dict[str, Any] | None] = mapped_column(Document)
    commitment_id: Mapped[int | None] = mapped_column(BigId)  # credit_commitment.id
    # Why a version arrived other than by a delivery: the number of the objection whose answer corrected it.
    reference: Mapped[str | None] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditRecordMark(Base):
    """A mark a fact (every version of one record key) carries: under objection, or repaired; never deleted.

    Whoever decides (the information subject's rights procedures) asks creditdata to set and clear it; reading
    shows it. `effective_date` is the business day it takes effect (a repair stops counting from that day on).
    """

    __tablename__ = "credit_record_mark"
    __table_args__ = (Index("ix_credit_record_mark_entity_item_key", "enterprise_id", "catalogue_item_id",
                            "record_key"),)

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"))
    catalogue_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalogue_item.id"))
    record_key: Mapped[str] = mapped_column(String(200))
    # The version the mark was set on (the one disputed or repaired).
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # What set it: an objection's or a repair's number.
    reference: Mapped[str] = mapped_column(String(60))
    effective_date: Mapped[date]
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    marked_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cleared_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class CreditCommitment(Base):
    """A signed promise that what the entity reports is true (信用承诺): who, when, what was promised."""

    __tablename__ = "credit_commitment"

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    signed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    # What exactly was signed: the digest of the promise together with the reported facts.
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breach_finding: Mapped[str | None] = mapped_column(String(1000))
    found_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class Verification(Base):
    """A question put to a source system (核验): does entity X meet condition C? Only the answer is kept."""

    __tablename__ = "verification"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    source_department: Mapped[str] = mapped_column(String(30), ForeignKey("source_department.code"))
    condition: Mapped[str] = mapped_column(String(60))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(20))
    source_reference: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(200))
    asked_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    asked_by_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
