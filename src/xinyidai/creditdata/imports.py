"""Collection by bulk import (a department's CSV or XLSX file) and by API push: validated, de-duplicated, atomic.

Every delivery is an `ImportBatch`. A file is read as a stream (`reading`), each row parsed by the
sub-category's `RowParser` and its entity looked up among registered market entities; refused rows are
kept as `ImportRowError`s (with the row as it arrived, for the error report), the others are stored with
the rules of `service.store` (fingerprint de-duplication, national precedence, provenance). A file that is
unusable as a whole (wrong columns, empty, cut off, undecodable) is refused whole: the batch is kept as
rejected with its reason, and not one row of it is stored — the rows go in under a savepoint that is rolled
back. The caller's transaction is the batch's transaction: the edge commits once.

Access: a delivery comes from the sub-category's source department (its data officers and API clients).
A platform admin may relay the national channel (总对总, `Channel.NATIONAL`), and only that: provenance must
name the department that delivered local data, so the platform does not upload on a department's behalf.

On PostgreSQL a file takes the fast path: validated rows are streamed with COPY into a temporary staging
table, then moved into `credit_record` by one `INSERT … SELECT … ON CONFLICT DO NOTHING` (with the national
precedence rule as a NOT EXISTS), in the order of the unique key and under `service.lock_item_for_insert`
(as every delivery's insert), so that overlapping deliveries never deadlock.
SQLite (and API pushes) go through `service.store` chunk by chunk. Both store exactly the same records.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple, Protocol

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock, idempotency, spreadsheet
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.creditdata import reading, service
from xinyidai.creditdata.enums import AuthoritativeChannel, BatchStatus, Channel, FieldType
from xinyidai.creditdata.exceptions import DeliveryRefused
from xinyidai.creditdata.fields import USCC_FIELD, FieldError, FieldSpec, RowParser
from xinyidai.creditdata.models import CatalogueItem, CreditRecord, ImportBatch, ImportRowError
from xinyidai.errors import NotFound
from xinyidai.registry import service as registry_service

ROW_CHUNK = 5000  # rows parsed, looked up and handed to the store at a time
MAX_PUSH_ROWS = 10_000
ERROR_COLUMN = "错误原因"  # the error report's extra column; ignored when the fixed file comes back
ENTITY_CACHE_LIMIT = 200_000  # registered entities remembered per batch before the cache starts over

Progress = Callable[[int, int | None], None]


class BatchNotFound(NotFound):
    """No such batch, or not one the caller may see."""

    code = "import_batch_not_found"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one pushed row."""

    row_number: int
    status: str  # stored / duplicate / refused
    errors: list[FieldError] = field(default_factory=list)


# Use cases ---------------------------------------------------------------------------------------------


def import_file(session: Session, *, principal: Principal, item_code: str, source: BinaryIO, file_name: str,
                channel: Channel = Channel.BULK_IMPORT, progress: Progress | None = None,
                fast_path: bool | None = None) -> ImportBatch:
    """Import a department's CSV or XLSX file of one sub-category as one batch (committed or rejected whole).

    `progress(rows_done, file_size_or_None)` is called every few thousand rows. `fast_path` forces the
    COPY path on (PostgreSQL only) or off; by default PostgreSQL takes it.
    """
    item = service.get_item(session, code=item_code)
    service.require_source(session, principal=principal, item=item, channel=channel)
    batch = _open_batch(session, principal=principal, item=item, channel=channel, file_name=file_name[:255])
    postgres = session.get_bind().dialect.name == "postgresql"
    use_copy = postgres if fast_path is None else (fast_path and postgres)
    total_bytes = _size_of(source)
    header: list[str] | None = None
    encoding: str | None = None
    digest: str | None = None
    try:
        with session.begin_nested():
            table = reading.open_table(source, file_name, limits=file_limits())
            header, encoding = table.header, table.encoding
            mapping = _resolve(service.parser_for(item), header)
            with _no_cycle_collection():
                counts = _ingest(session, item=item, batch=batch, header=header, mapping=mapping,
                                 rows=table.rows, use_copy=use_copy, progress=progress, total_bytes=total_bytes)
            digest = table.sha256
    except reading.FileUnreadable as exc:
        _close_batch(batch, rejected=str(exc), header=header, encoding=encoding)
    else:
        batch.content_sha256 = digest
        _close_batch(batch, counts=counts, header=header, encoding=encoding)
    session.flush()
    audit_service.record(session, action="creditdata.file_imported", actor=principal, subject_type="import_batch",
                         subject_id=batch.id, outcome=_outcome(batch), detail=_audit_detail(item, batch))
    return batch


class Pushed(NamedTuple):
    """The batch of a push, and whether it was made by an earlier push under the same key (a replay)."""

    batch: ImportBatch
    replayed: bool


def file_limits() -> reading.Limits:
    """How large an imported file may be (settings `import_max_*`)."""
    settings = get_settings()
    return reading.Limits(file_bytes=settings.import_max_file_bytes, unpacked_bytes=settings.import_max_unpacked_bytes,
                          rows=settings.import_max_rows, columns=settings.import_max_columns,
                          cells=settings.import_max_cells)


def push_rows(session: Session, *, principal: Principal, item_code: str, rows: list[dict[str, str]],
              idempotency_key: str) -> Pushed:
    """A department system's push of rows of one sub-category; the same key and rows return the same batch.

    Rows are keyed by field name or column label. A key is the organisation's and binds one push: the same key
    with other rows, or for another sub-category, is a conflict. Concurrent pushes under one key insert the batch
    first: the unique (organisation, key) makes all but one wait for the first to commit, and they answer as its
    replay instead of pushing again.
    """
    item = service.get_item(session, code=item_code)
    service.require_source(session, principal=principal, item=item, channel=Channel.API_PUSH)
    digest = idempotency.fingerprint({"item": item.code, "rows": rows})
    existing = _batch_by_key(session, principal.organisation_id, idempotency_key)
    if existing is not None:
        return Pushed(_replay(existing, digest), replayed=True)
    if not rows or len(rows) > MAX_PUSH_ROWS:
        raise DeliveryRefused(f"一次推送应有1至{MAX_PUSH_ROWS}行数据", message_en=f"push 1 to {MAX_PUSH_ROWS} rows")
    try:
        with session.begin_nested():
            batch = _open_batch(session, principal=principal, item=item, channel=Channel.API_PUSH, file_name=None,
                                idempotency_key=idempotency_key)
    except IntegrityError:
        # The same key pushed at the same moment: the other push won; answer as its replay.
        existing = _batch_by_key(session, principal.organisation_id, idempotency_key)
        assert existing is not None
        return Pushed(_replay(existing, digest), replayed=True)
    batch.content_sha256 = digest
    header = list(dict.fromkeys(name for row in rows for name in row))
    numbered = ((number, [row.get(name, "") for name in header]) for number, row in enumerate(rows, start=1))
    try:
        with session.begin_nested():
            mapping = _resolve(service.parser_for(item), header)
            counts = _ingest(session, item=item, batch=batch, header=header, mapping=mapping, rows=numbered,
                             use_copy=False, progress=None, total_bytes=None)
    except reading.FileUnreadable as exc:
        _close_batch(batch, rejected=str(exc), header=header, encoding=None)
    else:
        _close_batch(batch, counts=counts, header=header, encoding=None)
    session.flush()
    audit_service.record(session, action="creditdata.rows_pushed", actor=principal, subject_type="import_batch",
                         subject_id=batch.id, outcome=_outcome(batch), detail=_audit_detail(item, batch))
    return Pushed(batch, replayed=False)


def list_batches(session: Session, *, principal: Principal, limit: int = 50) -> Sequence[ImportBatch]:
    """The latest batches the caller may see: its own organisation's, or all for the platform admin."""
    query = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if not principal.is_platform_admin:
        query = query.where(ImportBatch.organisation_id == principal.organisation_id)
    return session.scalars(query).all()


def get_batch(session: Session, *, principal: Principal, batch_id: int) -> ImportBatch:
    """One batch, if the caller's organisation delivered it (or the caller is the platform admin)."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or not (principal.is_platform_admin or batch.organisation_id == principal.organisation_id):
        raise BatchNotFound("未找到该导入批次", message_en="import batch not found")
    return batch


def row_errors(session: Session, *, principal: Principal, batch_id: int) -> Sequence[ImportRowError]:
    """Why each refused row of a batch was refused, in row order."""
    get_batch(session, principal=principal, batch_id=batch_id)
    return session.scalars(select(ImportRowError).where(ImportRowError.batch_id == batch_id)
                           .order_by(ImportRowError.row_number, ImportRowError.id)).all()


def row_outcomes(session: Session, *, principal: Principal, batch_id: int) -> list[RowOutcome]:
    """Per row of a pushed batch (numbered from 1): stored, duplicate or refused with its errors."""
    batch = get_batch(session, principal=principal, batch_id=batch_id)
    if batch.status != BatchStatus.COMMITTED:
        return []
    stored = set(session.scalars(select(CreditRecord.row_number).where(CreditRecord.batch_id == batch.id)))
    refused: dict[int, list[FieldError]] = {}
    for error in row_errors(session, principal=principal, batch_id=batch_id):
        refused.setdefault(error.row_number, []).append(FieldError(error.field, error.message))
    return [RowOutcome(number, "refused", refused[number]) if number in refused
            else RowOutcome(number, "stored" if number in stored else "duplicate")
            for number in range(1, batch.rows_total + 1)]


def error_report_csv(session: Session, *, principal: Principal, batch_id: int) -> Iterator[bytes]:
    """The refused rows in the file's own columns plus 错误原因, as UTF-8 CSV with a BOM (opens in Excel).

    The clerk corrects the rows and uploads the report itself: the 错误原因 column is ignored on import.
    """
    batch = get_batch(session, principal=principal, batch_id=batch_id)
    header = [str(c) for c in (batch.columns or []) if str(c).strip() != ERROR_COLUMN]
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, lineterminator="\r\n")  # a person opens it: no cell runs as a formula
    writer.writerow([*header, ERROR_COLUMN])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    current: tuple[int, list[str]] | None = None
    messages: list[str] = []
    query = (select(ImportRowError).where(ImportRowError.batch_id == batch.id)
             .order_by(ImportRowError.row_number, ImportRowError.id).execution_options(yield_per=2000))
    for number, error in enumerate(session.scalars(query)):
        if current is not None and current[0] != error.row_number:
            writer.writerow([*current[1], "；".join(messages)])
            messages = []
        current = (error.row_number, _fit([str(v) for v in error.original], len(header)))
        messages.append(error.message)
        if number % 2000 == 1999:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if current is not None:
        writer.writerow([*current[1], "；".join(messages)])
    yield buffer.getvalue().encode()


# The pipeline ------------------------------------------------------------------------------------------


@dataclass
class _Counts:
    total: int = 0
    stored: int = 0
    duplicate: int = 0
    refused: int = 0


class _Sink(Protocol):
    def add(self, rows: list[_Accepted]) -> None: ...

    def finish(self) -> service.StoreResult: ...


# One accepted row on its way to a sink: enterprise id, row number, the file's texts, the typed values.
_Accepted = tuple[int, int, list[str], tuple[Any, ...]]
# A mapped column of the file: its index in a row, its label, the position of its field in the parser's fields.
_Column = tuple[int, str, int]


class _StoreSink:
    """Rows into `service.store`, chunk by chunk (SQLite, API pushes)."""

    def __init__(self, session: Session, *, item: CatalogueItem, batch: ImportBatch, parser: RowParser,
                 columns: list[_Column]) -> None:
        self.session, self.item, self.batch, self.parser, self.columns = session, item, batch, parser, columns
        self.stored = self.duplicate = 0

    def add(self, rows: list[_Accepted]) -> None:
        delivered = [service.Delivered(enterprise_id, self.parser.row_of(typed), number,
                                       {label: values[index] for index, label, _ in self.columns})
                     for enterprise_id, number, values, typed in rows]
        result = service.store(self.session, item=self.item, rows=delivered, channel=Channel(self.batch.channel),
                               batch_id=self.batch.id)
        self.stored += result.stored
        self.duplicate += result.duplicate

    def finish(self) -> service.StoreResult:
        return service.StoreResult(self.stored, self.duplicate)


# Staging column types by field type; the JSON of `data` takes numbers and booleans from them as such.
_STAGE_TYPES = {FieldType.MONEY: "bigint", FieldType.INTEGER: "bigint", FieldType.YEAR: "bigint",
                FieldType.BOOLEAN: "boolean"}
_SORT_MEMORY = "1GB"  # the INSERT's sort of a million staged rows stays in memory instead of spilling to disk
_STAGE_MEMORY = "1GB"  # temp_buffers: the staging table stays in memory instead of going through 8 MB of buffers


class _CopySink:
    """Rows into a temporary staging table by COPY, then into credit_record by one INSERT … SELECT (PostgreSQL).

    Python only validates: the staging table has one typed column per field (`v0`…) and, per file column, the
    text as it arrived where it differs from the typed value (`r0`…, NULL where equal, which is most of a
    file). PostgreSQL builds `data`, `original`, the record key and the fingerprint in the INSERT … SELECT —
    by the definitions of `fields.record_key` and `fields.fingerprint`, so that a row stored here and the same
    row pushed by API (through `service.store`) are one record.
    """

    def __init__(self, session: Session, *, item: CatalogueItem, batch: ImportBatch, parser: RowParser,
                 columns: list[_Column]) -> None:
        self.session, self.item, self.batch = session, item, batch
        self.specs = list(parser.fields)
        self.columns = columns
        self.position = {spec.name: n for n, spec in enumerate(self.specs)}
        self.raw_of = [(index, position) for index, _, position in columns]
        self.table = f"import_stage_{batch.id}"
        self.staged = 0
        typed = ", ".join(f"v{n} {_STAGE_TYPES.get(spec.type, 'text')}" for n, spec in enumerate(self.specs))
        raw = ", ".join(f"r{n} text" for n in range(len(columns)))
        try:
            with session.begin_nested():
                session.execute(text(f"SET LOCAL temp_buffers = '{_STAGE_MEMORY}'"))
        except DBAPIError:
            pass  # this connection has used a temporary table before: it keeps the size it started with
        # Dropped with the savepoint if the file is refused, with the transaction otherwise.
        session.execute(text(f"CREATE TEMPORARY TABLE {self.table} (enterprise_id bigint, row_number integer, "
                             f"{typed}, {raw}) ON COMMIT DROP"))
        driver = session.connection().connection.driver_connection
        assert driver is not None
        self.raw: Any = driver

    def add(self, rows: list[_Accepted]) -> None:
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        raw_of = self.raw_of
        # CSV: an unquoted empty field is NULL (a blank optional value; a raw text equal to its typed value);
        # a text that arrived empty is NULL too and comes back as '' in `original` (see finish).
        writer.writerows((enterprise_id, number, *typed,
                          *[None if values[index] == typed[position] else values[index]
                            for index, position in raw_of])
                         for enterprise_id, number, values, typed in rows)
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {self.table} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue().encode())
        self.staged += len(rows)

    def finish(self) -> service.StoreResult:
        if not self.staged:
            return service.StoreResult(0, 0)
        params: dict[str, Any] = {"item": self.item.id, "channel": self.batch.channel,
                                  "department": self.item.source_department, "batch": self.batch.id,
                                  "now": clock.now()}
        as_text = [f"(CASE WHEN s.v{n} THEN 'true' ELSE 'false' END)" if spec.type is FieldType.BOOLEAN
                   else f"s.v{n}::text" if spec.type in _STAGE_TYPES else f"s.v{n}"
                   for n, spec in enumerate(self.specs)]
        for n, spec in enumerate(self.specs):
            params[f"n{n}"] = spec.name
            params[f"p{n}"] = f"{spec.name}:"
        data = "jsonb_build_object(" + ", ".join(f"CAST(:n{n} AS text), s.v{n}" for n in range(len(self.specs))) + ")"
        if any(not spec.required for spec in self.specs):
            data = f"jsonb_strip_nulls({data})"  # `data` leaves out blank optional fields, as `service.store`
        # fields.fingerprint: MD5 of name:length:text; per present field in name order (concat skips NULLs).
        by_name = sorted(range(len(self.specs)), key=lambda n: self.specs[n].name)
        digest = "md5(concat(" + ", ".join(
            f"CAST(:p{n} AS text) || length({as_text[n]}) || ':' || {as_text[n]} || ';'" for n in by_name) + "))::uuid"
        keys = [self.position[name] for name in self.item.key_fields]
        key = ("concat_ws('|', " + ", ".join(f"coalesce({as_text[n]}, '')" for n in keys) + ")") if keys \
            else f"{digest}::text"
        for n, (_, label, _) in enumerate(self.columns):
            params[f"l{n}"] = label
        original = "jsonb_build_object(" + ", ".join(
            f"CAST(:l{n} AS text), coalesce(s.r{n}, {as_text[position]}, '')"
            for n, (_, position) in enumerate(self.raw_of)) + ")"
        dated = self.position.get(self.item.date_field or "")
        # As `ParsedRow.fact_date`: the date field's value if it is a date.
        fact = f"CAST(s.v{dated} AS date)" if dated is not None and self.specs[dated].type is FieldType.DATE \
            else "NULL"
        national = ""
        if AuthoritativeChannel(self.item.authoritative_channel) is AuthoritativeChannel.NATIONAL \
                and Channel(self.batch.channel).is_local:
            national = ("WHERE NOT EXISTS (SELECT 1 FROM credit_record n WHERE n.catalogue_item_id = :item "
                        "AND n.channel = 'national' AND n.enterprise_id = s.enterprise_id "
                        "AND n.record_key = s.record_key)")
        # The unique key's order: concurrent imports take their locks in one order and cannot deadlock;
        # of a file's repeated rows the first stays, as in `service.store`. Table and column names are our own,
        # every text from the catalogue or the file is a parameter.
        statement = text(
            "INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, "  # noqa: S608
            "fact_date, channel, source_department, batch_id, row_number, original, received_at) "
            "SELECT s.enterprise_id, :item, s.record_key, s.fingerprint, s.data, s.fact_date, :channel, "
            ":department, :batch, s.row_number, s.original, :now "
            f"FROM (SELECT s.enterprise_id, s.row_number, s.fingerprint, s.record_key, {data} AS data, "
            f"{fact} AS fact_date, {original} AS original "
            # The sort carries the staged columns, not the JSON built from them: half as wide, it stays in memory.
            f"FROM (SELECT s.*, {digest} AS fingerprint, {key} AS record_key FROM {self.table} s "
            "ORDER BY s.enterprise_id, fingerprint, s.row_number) s) s "
            f"{national} ON CONFLICT (catalogue_item_id, enterprise_id, fingerprint) DO NOTHING")
        self.session.execute(text(f"SET LOCAL work_mem = '{_SORT_MEMORY}'"))
        service.lock_item_for_insert(self.session, item_id=self.item.id)
        result = self.session.execute(statement, params)
        stored = int(getattr(result, "rowcount", 0) or 0)
        self.session.execute(text(f"DROP TABLE {self.table}"))
        return service.StoreResult(stored, self.staged - stored)


def _ingest(session: Session, *, item: CatalogueItem, batch: ImportBatch, header: list[str],
            mapping: dict[int, FieldSpec], rows: Iterable[tuple[int, list[str]]], use_copy: bool,
            progress: Progress | None, total_bytes: int | None) -> _Counts:
    parser = service.parser_for(item)
    position = {spec.name: n for n, spec in enumerate(parser.fields)}
    columns = [(index, header[index], position[mapping[index].name]) for index in sorted(mapping)]
    sink: _Sink = (_CopySink if use_copy else _StoreSink)(session, item=item, batch=batch, parser=parser,
                                                          columns=columns)
    counts = _Counts()
    entities: dict[str, int | None] = {}
    width = len(header)
    # The file's texts in the order of the parser's fields; a field without a column reads as blank.
    where = {spec.name: index for index, spec in mapping.items()}
    picks = [where.get(spec.name, width) for spec in parser.fields]
    pick = itemgetter(*picks)
    padded = width in picks
    typed_of = parser.typed
    uscc_at = next(n for n, spec in enumerate(parser.fields) if spec.name == USCC_FIELD)
    iterator = iter(rows)
    while chunk := list(islice(iterator, ROW_CHUNK)):
        parsed: list[tuple[int, list[str], tuple[Any, ...]]] = []
        refused: list[dict[str, Any]] = []
        for number, values in chunk:
            if len(values) != width:
                refused.append(_refusal(batch, number, values, None,
                                        f"本行有{len(values)}列，表头有{width}列，请核对是否多了或少了分隔符"))
                continue
            result = typed_of(pick([*values, ""]) if padded else pick(values))
            if isinstance(result, list):
                refused.extend(_refusal(batch, number, values, e.field, e.message) for e in result)
            else:
                parsed.append((number, values, result))
        codes = [typed[uscc_at] for _, _, typed in parsed]
        if len(entities) > ENTITY_CACHE_LIMIT:
            entities.clear()  # before looking for the unknown: every code of this chunk must be in the cache
        unknown = set(codes).difference(entities)
        if unknown:
            found = registry_service.ids_by_uscc(session, unknown)
            entities.update({code: found.get(code) for code in unknown})
        accepted: list[_Accepted] = []
        for (number, values, typed), enterprise_id in zip(parsed, map(entities.get, codes), strict=True):
            if enterprise_id is None:
                refused.append(_refusal(batch, number, values, "uscc",
                                        f"统一社会信用代码“{typed[uscc_at]}”不是本平台已登记的市场主体"))
            else:
                accepted.append((enterprise_id, number, values, typed))
        sink.add(accepted)
        if refused:
            session.execute(insert(ImportRowError), refused)
        counts.total += len(chunk)
        counts.refused += len({r["row_number"] for r in refused})
        if progress is not None:
            progress(counts.total, total_bytes)
    if counts.total == 0:
        raise reading.FileUnreadable("没有数据行")
    stored = sink.finish()
    counts.stored, counts.duplicate = stored.stored, stored.duplicate
    return counts


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a file's rows are read (reference counting still frees them).

    Every row allocates a few lists and tuples that live for one chunk: the collector kept scanning them (and
    everything older) and took about a quarter of the Python time. Reading a file makes no reference cycles
    worth collecting; the previous state is restored, whatever happens.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refusal(batch: ImportBatch, number: int, values: list[str], field_name: str | None,
             message: str) -> dict[str, Any]:
    return {"batch_id": batch.id, "row_number": number, "field": field_name, "message": message[:500],
            "original": values}


def _resolve(parser: RowParser, header: list[str]) -> dict[int, FieldSpec]:
    # A returned error report carries its 错误原因 column: a blank name is skipped by resolve_columns.
    mapping, problems = parser.resolve_columns(["" if c.strip() == ERROR_COLUMN else c for c in header])
    if problems:
        raise reading.FileUnreadable("表头有误：" + "；".join(problems))
    return mapping


# Batches -----------------------------------------------------------------------------------------------


def _open_batch(session: Session, *, principal: Principal, item: CatalogueItem, channel: Channel,
                file_name: str | None, idempotency_key: str | None = None) -> ImportBatch:
    batch = ImportBatch(
        catalogue_item_id=item.id, source_department=item.source_department,
        organisation_id=principal.organisation_id, user_id=principal.user_id, api_client_id=principal.api_client_id,
        channel=channel.value, file_name=file_name, idempotency_key=idempotency_key,
        status=BatchStatus.RUNNING.value, started_at=clock.now(),
    )
    session.add(batch)
    session.flush()
    return batch


def _close_batch(batch: ImportBatch, *, header: list[str] | None, encoding: str | None,
                 counts: _Counts | None = None, rejected: str | None = None) -> None:
    batch.columns = header
    batch.encoding = encoding
    if rejected is not None:
        batch.status = BatchStatus.REJECTED.value
        batch.error = rejected[:500]
        batch.rows_total = batch.rows_stored = batch.rows_duplicate = batch.rows_rejected = 0
    else:
        assert counts is not None
        batch.status = BatchStatus.COMMITTED.value
        batch.rows_total, batch.rows_stored = counts.total, counts.stored
        batch.rows_duplicate, batch.rows_rejected = counts.duplicate, counts.refused
    batch.finished_at = clock.now()


def _batch_by_key(session: Session, organisation_id: int, key: str) -> ImportBatch | None:
    return session.scalars(select(ImportBatch).where(
        ImportBatch.organisation_id == organisation_id, ImportBatch.idempotency_key == key)).one_or_none()


def _replay(batch: ImportBatch, digest: str) -> ImportBatch:
    return idempotency.replay_or_refuse(batch, stored=batch.content_sha256, new=digest,
                                        message="该幂等键已用于另一批不同的数据",
                                        message_en="idempotency key reused for other rows")


def _outcome(batch: ImportBatch) -> str:
    return "success" if batch.status == BatchStatus.COMMITTED else "rejected"


def _audit_detail(item: CatalogueItem, batch: ImportBatch) -> dict[str, Any]:
    return {"item": item.code, "channel": batch.channel, "status": batch.status, "file_name": batch.file_name,
            "rows_total": batch.rows_total, "rows_stored": batch.rows_stored,
            "rows_duplicate": batch.rows_duplicate, "rows_rejected": batch.rows_rejected, "error": batch.error}


def _size_of(source: BinaryIO) -> int | None:
    try:
        position = source.tell()
        size = source.seek(0, io.SEEK_END)
        source.seek(position)
        return size
    except (OSError, ValueError):
        return None


def _fit(values: list[str], width: int) -> list[str]:
    return (values + [""] * width)[:width]
