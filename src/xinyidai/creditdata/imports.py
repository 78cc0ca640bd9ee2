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

On PostgreSQL a file takes the fast path (`bulk`): a plain CSV file is split into rows by the server's COPY and
checked a distinct value at a time, any other file is checked row by row here and its typed values COPYed into a
staging table; either way one `INSERT … SELECT` moves the rows into `credit_record`, in the order of the unique
key and under `service.lock_item_for_insert` (as every delivery's insert), so that overlapping deliveries never
deadlock. SQLite (and API pushes) go through `service.store` chunk by chunk; rows relayed by the network take the
staging path on PostgreSQL. All store exactly the same records and refuse the same rows with the same reasons.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple, Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock, events, idempotency, spreadsheet
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.creditdata import bulk, policy, reading, service
from xinyidai.creditdata.enums import AuthoritativeChannel, BatchStatus, Channel
from xinyidai.creditdata.events import DeliveryCommitted
from xinyidai.creditdata.exceptions import DeliveryRefused
from xinyidai.creditdata.fields import USCC_FIELD, FieldError, FieldSpec, RowParser
from xinyidai.creditdata.models import CatalogueItem, CreditRecord, ImportBatch, ImportRowError
from xinyidai.errors import NotFound
from xinyidai.registry import service as registry_service

ROW_CHUNK = 5000  # rows parsed, looked up and handed to the store at a time
MAX_PUSH_ROWS = 10_000
# The idempotency key of a batch relayed by the network names its origin (`network/<node>/<topic>/<range>/...`).
RELAY_PREFIX = "network/"
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

    `progress(rows_done, file_size_or_None)` is called every few thousand rows (or every MB the server reads).
    `fast_path` forces the COPY path on (PostgreSQL only) or off; by default PostgreSQL takes it.
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
            on_server = None
            if use_copy and encoding is not None and source.seekable():  # a CSV file (XLSX has no encoding)
                on_server = _ingest_on_server(session, item=item, batch=batch, header=header, mapping=mapping,
                                              source=source, encoding=encoding, progress=progress,
                                              total_bytes=total_bytes)
                if on_server is None:  # read row by row from the start
                    source.seek(0)
                    table = reading.open_table(source, file_name, limits=file_limits())
            if on_server is not None:
                counts, digest = on_server
            else:
                with _no_cycle_collection():
                    counts = _ingest(session, item=item, batch=batch, header=header, mapping=mapping,
                                     rows=table.rows, use_copy=use_copy, progress=progress,
                                     total_bytes=total_bytes)
                digest = table.sha256
    except reading.FileUnreadable as exc:
        _close_batch(batch, rejected=str(exc), header=header, encoding=encoding)
    else:
        batch.content_sha256 = digest
        _close_batch(batch, counts=counts, header=header, encoding=encoding)
    session.flush()
    _announce(session, item, batch)
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
    _store_rows(session, item=item, batch=batch, rows=rows)
    audit_service.record(session, action="creditdata.rows_pushed", actor=principal, subject_type="import_batch",
                         subject_id=batch.id, outcome=_outcome(batch), detail=_audit_detail(item, batch))
    return Pushed(batch, replayed=False)


def relay_rows(session: Session, *, item_code: str, rows: list[dict[str, str]], channel: Channel,
               organisation_id: int, origin: str, idempotency_key: str) -> Pushed:
    """Rows of one sub-category relayed by another node of the network (`xinyidai.network`), stored by the path
    every delivery takes: validated, de-duplicated (the same fact by two paths is stored once, the authoritative
    channel's version wins), each record keeping its original `channel`, its batch naming `origin` (node, topic,
    sequence range). Rows are keyed by field name; the key binds the relay, so a relay applied twice stores nothing
    twice. Rows about an entity not registered here are refused rows of the batch, as for a department's file."""
    item = service.get_item(session, code=item_code)
    digest = idempotency.fingerprint({"item": item.code, "rows": rows})
    existing = _batch_by_key(session, organisation_id, idempotency_key)
    if existing is not None:
        return Pushed(_replay(existing, digest), replayed=True)
    batch = ImportBatch(
        catalogue_item_id=item.id, source_department=item.source_department, organisation_id=organisation_id,
        channel=channel.value, file_name=origin[:255], idempotency_key=idempotency_key,
        status=BatchStatus.RUNNING.value, started_at=clock.now(), content_sha256=digest)
    session.add(batch)
    session.flush()
    refusal = None if item.enabled else f"信息项“{item.name}”已停用，暂不归集"
    refusal = refusal or policy.refusal_of_channel(authoritative=AuthoritativeChannel(item.authoritative_channel),
                                                   local_allowed=item.local_allowed, channel=channel)
    # A relay carries a neighbour's batch of up to thousands of rows: on PostgreSQL they go in by COPY and one
    # INSERT … SELECT (`bulk.StageSink`, the same records as `service.store`), several times faster.
    _store_rows(session, item=item, batch=batch, rows=rows, refusal=refusal,
                use_copy=session.get_bind().dialect.name == "postgresql")
    return Pushed(batch, replayed=False)


def _store_rows(session: Session, *, item: CatalogueItem, batch: ImportBatch, rows: list[dict[str, str]],
                refusal: str | None = None, use_copy: bool = False) -> None:
    """Rows keyed by field name into an open batch through the one ingest path, the batch closed with its counts;
    rejected whole instead for `refusal`, or when the rows cannot be read. `use_copy` (PostgreSQL only) stages
    the checked rows by COPY, as a file read row by row, instead of `service.store`."""
    header = list(dict.fromkeys(name for row in rows for name in row))
    if refusal is not None:
        _close_batch(batch, rejected=refusal, header=header, encoding=None)
        return
    numbered = ((number, [row.get(name, "") for name in header]) for number, row in enumerate(rows, start=1))
    try:
        with session.begin_nested():
            mapping = _resolve(service.parser_for(item), header)
            counts = _ingest(session, item=item, batch=batch, header=header, mapping=mapping, rows=numbered,
                             use_copy=use_copy, progress=None, total_bytes=None)
    except reading.FileUnreadable as exc:
        _close_batch(batch, rejected=str(exc), header=header, encoding=None)
    else:
        _close_batch(batch, counts=counts, header=header, encoding=None)
    session.flush()
    _announce(session, item, batch)


def relay_origins(session: Session, *, batch_ids: Iterable[int]) -> dict[int, str]:
    """Of these batches, those that relayed rows from another node of the network: batch id → its origin."""
    wanted = sorted(set(batch_ids))
    if not wanted:
        return {}
    return {batch_id: key for batch_id, key in session.execute(
        select(ImportBatch.id, ImportBatch.idempotency_key).where(ImportBatch.id.in_(wanted),
                                                                  ImportBatch.idempotency_key.startswith(RELAY_PREFIX)))
        if key is not None}


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


_Accepted = bulk.Accepted
_Column = bulk.Column


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


class _RowReader:
    """Checks a file's rows: the typed value of each field and the entity, or the refusals to record."""

    def __init__(self, session: Session, *, batch: ImportBatch, parser: RowParser, header: list[str],
                 mapping: dict[int, FieldSpec]) -> None:
        self.session, self.batch, self.parser = session, batch, parser
        self.width = width = len(header)
        # The file's texts in the order of the parser's fields; a field without a column reads as blank.
        where = {spec.name: index for index, spec in mapping.items()}
        picks = [where.get(spec.name, width) for spec in parser.fields]
        self.pick = itemgetter(*picks)
        self.padded = width in picks
        self.uscc_at = next(n for n, spec in enumerate(parser.fields) if spec.name == USCC_FIELD)
        self.entities: dict[str, int | None] = {}  # USCC → registered id (None: not registered)

    def read(self, chunk: list[tuple[int, list[str]]]) -> tuple[list[_Accepted], list[dict[str, Any]]]:
        """The accepted rows of `chunk` and the refusals (one per error) of the others."""
        batch, width, pick, padded, uscc_at = self.batch, self.width, self.pick, self.padded, self.uscc_at
        typed_of = self.parser.typed
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
        entities = self.entities
        if len(entities) > ENTITY_CACHE_LIMIT:
            entities.clear()  # before looking for the unknown: every code of this chunk must be in the cache
        unknown = set(codes).difference(entities)
        if unknown:
            found = registry_service.ids_by_uscc(self.session, unknown)
            entities.update({code: found.get(code) for code in unknown})
        accepted: list[_Accepted] = []
        for (number, values, typed), enterprise_id in zip(parsed, map(entities.get, codes), strict=True):
            if enterprise_id is None:
                refused.append(_refusal(batch, number, values, "uscc",
                                        f"统一社会信用代码“{typed[uscc_at]}”不是本平台已登记的市场主体"))
            else:
                accepted.append((enterprise_id, number, values, typed))
        return accepted, refused


def _columns(parser: RowParser, header: list[str], mapping: dict[int, FieldSpec]) -> list[_Column]:
    position = {spec.name: n for n, spec in enumerate(parser.fields)}
    return [(index, header[index], position[mapping[index].name]) for index in sorted(mapping)]


def _ingest(session: Session, *, item: CatalogueItem, batch: ImportBatch, header: list[str],
            mapping: dict[int, FieldSpec], rows: Iterable[tuple[int, list[str]]], use_copy: bool,
            progress: Progress | None, total_bytes: int | None) -> _Counts:
    parser = service.parser_for(item)
    columns = _columns(parser, header, mapping)
    sink: _Sink = (bulk.StageSink if use_copy else _StoreSink)(session, item=item, batch=batch, parser=parser,
                                                               columns=columns)
    reader = _RowReader(session, batch=batch, parser=parser, header=header, mapping=mapping)
    counts = _Counts()
    iterator = iter(rows)
    while chunk := list(islice(iterator, ROW_CHUNK)):
        accepted, refused = reader.read(chunk)
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


def _ingest_on_server(session: Session, *, item: CatalogueItem, batch: ImportBatch, header: list[str],
                      mapping: dict[int, FieldSpec], source: BinaryIO, encoding: str, progress: Progress | None,
                      total_bytes: int | None) -> tuple[_Counts, str] | None:
    """A plain CSV file parsed and checked by the server (`bulk.ServerLoad`), with its digest; None where the file
    has to be read row by row instead (nothing of it is left behind then)."""
    parser = service.parser_for(item)
    try:
        with session.begin_nested():
            load = bulk.ServerLoad(session, item=item, batch=batch, parser=parser, header=header,
                                   columns=_columns(parser, header, mapping))
            load.copy(source, encoding=encoding, limits=file_limits(), progress=progress, total_bytes=total_bytes)
            load.check_values()
            # The rows with a refused text or an unknown entity go through the same reader as any file's rows.
            reader = _RowReader(session, batch=batch, parser=parser, header=header, mapping=mapping)
            counts = _Counts(total=load.rows)
            for chunk in load.refused_rows():
                accepted, refused = reader.read(chunk)
                if accepted:  # the reader and the server disagree about a row: trust the reader
                    raise bulk.NotPlain(f"row {accepted[0][1]} accepted by the row reader")
                session.execute(insert(ImportRowError), refused)
                counts.refused += len({r["row_number"] for r in refused})
            counts.stored = load.finish()
            counts.duplicate = counts.total - counts.refused - counts.stored
            return counts, load.sha256
    except bulk.NotPlain:
        return None


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


def _announce(session: Session, item: CatalogueItem, batch: ImportBatch) -> None:
    """Publish that a batch committed new records (what watches them, monitoring, runs after the commit)."""
    if batch.status == BatchStatus.COMMITTED and batch.rows_stored:
        events.publish(session=session, event=DeliveryCommitted(batch_id=batch.id, item_code=item.code,
                                                                rows_stored=batch.rows_stored))


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
