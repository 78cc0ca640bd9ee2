"""The bulk import's PostgreSQL path: a file into temporary tables by COPY, then into `credit_record` by one insert.

Two ways in, both inside the batch's transaction:

- `ServerLoad` takes a plain CSV file (quotes only around whole cells, no `\\.`, no 512 KB without a line break: see
  `PlainCheck`, checked while COPY reads it).
  Its bytes go by COPY (FORMAT csv) into a temporary table of text columns, as a raw COPY would: the server splits
  the rows. Then each column is checked a distinct text at a time, by the converters `RowParser.typed` applies to
  every cell (a file repeats its entities, dates, periods and choices); free text and amounts, nearly all distinct,
  are recognised by SQL in their common shapes (text with no blank at either end, no refused character and within
  its length; 1234.56 or 1,234.56 within the field's bounds), which the converters would return unchanged or as
  the same fen, and their other texts go through the converters too. Entities are looked up once per distinct
  code. Rows holding a refused text or an unknown entity are taken out and read by the import's own row reader,
  which records their errors exactly as for any file. Whatever COPY refuses (a row with too few or too many
  fields, a blank line, a byte that is not UTF-8) is read row by row from the start instead (`NotPlain`), and is
  reported as it always was.
- `StageSink` takes every other file (XLSX, quoted CSV, or what COPY refused): Python reads and checks each row,
  and COPYs the typed values into a temporary staging table.

Both end in `move`: one `INSERT … SELECT` builds `data`, `original`, the record key and the fingerprint by the
definitions of `fields.record_key` and `fields.fingerprint` (a row stored here and the same row pushed by API are
one record), keeps the first of a file's repeated rows, leaves out what the platform holds already and the local
versions of facts the national channel has delivered, and inserts in the unique key's order while holding
`service.lock_item_for_insert`, so that overlapping deliveries of a sub-category neither deadlock nor duplicate.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, BinaryIO

import numpy as np
import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.creditdata import reading, service
from xinyidai.creditdata.enums import AuthoritativeChannel, Channel, FieldType
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec, RowParser
from xinyidai.creditdata.models import CatalogueItem, ImportBatch
from xinyidai.registry import service as registry_service
from xinyidai.text import BIDI_CONTROLS

# One accepted row on its way to a sink: enterprise id, row number, the file's texts, the typed values.
Accepted = tuple[int, int, list[str], tuple[Any, ...]]
# A mapped column of the file: its index in a row, its label, the position of its field in the parser's fields.
Column = tuple[int, str, int]
Progress = Callable[[int, int | None], None]

# Staging column types by field type; the JSON of `data` takes numbers and booleans from them as such.
STAGE_TYPES = {FieldType.MONEY: "bigint", FieldType.INTEGER: "bigint", FieldType.YEAR: "bigint",
               FieldType.BOOLEAN: "boolean"}
_SORT_MEMORY = "1GB"  # the insert's sort of a million staged rows stays in memory instead of spilling to disk
_STAGE_MEMORY = "1GB"  # temp_buffers: the staging tables stay in memory instead of going through 8 MB of buffers
_SCAN = 512 << 10  # a plain file has a line break in every stretch this long (`reading` refuses a 1 MB field)
_COPY_CHUNK = 256 << 10
_LOOKUP_CHUNK = 20_000  # distinct texts converted (and codes looked up in the registry) at a time
_ROW_CHUNK = 5000  # refused rows handed to the row reader at a time
_ROW_NUMBERS = 10_000  # row numbers the staging table's identity draws at a time
# What SQL recognises as an amount the converters read as the same fen: up to 13 digits, with or without thousands
# separators, at most two decimals (`money.parse_yuan` accepts these and more; the rest goes through the converter).
_PLAIN_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_GROUPED_AMOUNT = r"^[0-9]{1,3}(,[0-9]{3}){1,3}(\.[0-9]{1,2})?$"
_BOUNDS = np.frombuffer(b",\r\n\x01", dtype=np.uint8)  # what may stand next to a quoted stretch (\x01: another)


class NotPlain(Exception):
    """The server cannot read this file exactly as the row reader would: read it row by row instead."""


class PlainCheck:
    """Whether COPY (FORMAT csv) splits a CSV file into the rows and cells `reading` would, told a chunk of bytes at
    a time (`feed`, then `finish`): False as soon as it may not.

    The two read a well-formed file alike. They part where quotes are misplaced: COPY opens a quoted stretch at any
    quote, the csv module only at the start of a cell (elsewhere a quote is a character, and text after a closing
    quote refuses the file). So every quoted stretch must open a cell and close it (`""` inside for a quote). Besides:
    no NUL (COPY refuses it), no `\\.` (COPY's end of data on a line of its own) and no 512 KB without a line break
    (the csv module refuses a cell over 1 MB). A quoted cell holding a line break may fail the check needlessly
    (where a chunk ends inside it), never pass it wrongly.
    """

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, chunk: bytes) -> bool:
        """Check the whole lines `chunk` completes; keep the rest for the next."""
        lines, cut, self.rest = (self.rest + chunk).rpartition(b"\n")
        if not cut:
            return len(self.rest) < _SCAN
        return _plain_lines(lines + cut) and len(self.rest) < _SCAN

    def finish(self) -> bool:
        """Check the last line."""
        return _plain_lines(self.rest)


def _plain_lines(lines: bytes) -> bool:
    """`PlainCheck` for a stretch of whole lines."""
    if b"\x00" in lines or b"\\." in lines:
        return False
    if b'"' not in lines:
        return True
    if b"\x01" in lines:
        return False
    parts = lines.split(b'"')
    if len(parts) % 2 == 0:  # an odd number of quotes: one is left open (or stray)
        return False
    # Between quotes, by turns: outside a quoted stretch, inside one. Outside, text must end where a stretch opens
    # and start where one closes: at a comma or line break (or the start or end of the lines). An empty stretch
    # outside, between two inside, is a doubled quote within one cell and asks nothing.
    outside = np.frombuffer(b"\x01".join(parts[0::2]), dtype=np.uint8)
    marks = np.flatnonzero(outside == 1)
    before = outside[marks[marks > 0] - 1]
    after = outside[marks[marks < len(outside) - 1] + 1]
    return bool(np.isin(before, _BOUNDS).all() and np.isin(after, _BOUNDS).all())


def _prepare(session: Session) -> None:
    try:
        with session.begin_nested():
            session.execute(text(f"SET LOCAL temp_buffers = '{_STAGE_MEMORY}'"))
    except DBAPIError:
        pass  # this connection has used a temporary table before: it keeps the size it started with


def _driver(session: Session) -> Any:
    driver = session.connection().connection.driver_connection
    assert driver is not None
    return driver


# The move into credit_record ---------------------------------------------------------------------------


def as_text(spec: FieldSpec, value: str) -> str:
    """SQL for a typed value of `spec` (staging type) as `fields.canonical_text` writes it."""
    if spec.type is FieldType.BOOLEAN:
        return f"(CASE WHEN {value} THEN 'true' ELSE 'false' END)"
    return f"{value}::text" if spec.type in STAGE_TYPES else value


def move(session: Session, *, item: CatalogueItem, batch: ImportBatch, specs: Sequence[FieldSpec],
         columns: Sequence[Column], source: str, originals: Sequence[str]) -> int:
    """Insert the rows `source` selects into credit_record (the first of repeated rows, and only what the platform
    does not hold yet); returns how many were stored.

    `source` is a SELECT of enterprise_id, row_number and the typed value of each field in staging types as v0,
    v1 … (NULL where blank), and whatever `originals` needs: per one of `columns`, SQL for the file's text in terms
    of `s.` and the columns of `source`.
    """
    params: dict[str, Any] = {"item": item.id, "channel": batch.channel, "department": item.source_department,
                              "batch": batch.id, "now": clock.now()}
    texts = [as_text(spec, f"s.v{n}") for n, spec in enumerate(specs)]
    for n, spec in enumerate(specs):
        params[f"n{n}"] = spec.name
        params[f"p{n}"] = f"{spec.name}:"
    data = "jsonb_build_object(" + ", ".join(f"CAST(:n{n} AS text), s.v{n}" for n in range(len(specs))) + ")"
    if any(not spec.required for spec in specs):
        data = f"jsonb_strip_nulls({data})"  # `data` leaves out blank optional fields, as `service.store`
    # fields.fingerprint: MD5 of name:length:text; per present field in name order (concat skips NULLs).
    by_name = sorted(range(len(specs)), key=lambda n: specs[n].name)
    digest = "md5(concat(" + ", ".join(
        f"CAST(:p{n} AS text) || length({texts[n]}) || ':' || {texts[n]} || ';'" for n in by_name) + "))::uuid"
    position = {spec.name: n for n, spec in enumerate(specs)}
    keys = [position[name] for name in item.key_fields]
    key = ("concat_ws('|', " + ", ".join(f"coalesce({texts[n]}, '')" for n in keys) + ")") if keys \
        else "s.fingerprint::text"
    # The file's texts by column label: from two text arrays, cheaper than from pairs of arguments of any type.
    params["labels"] = [label for _, label, _ in columns]
    original = "jsonb_object(CAST(:labels AS text[]), ARRAY[" + ", ".join(originals) + "]::text[])"
    dated = position.get(item.date_field or "")
    # As `ParsedRow.fact_date`: the date field's value if it is a date.
    fact = f"CAST(s.v{dated} AS date)" if dated is not None and specs[dated].type is FieldType.DATE else "NULL"
    held = ("NOT EXISTS (SELECT 1 FROM credit_record c WHERE c.enterprise_id = s.enterprise_id "
            "AND c.catalogue_item_id = :item AND c.fingerprint = s.fingerprint)")
    if AuthoritativeChannel(item.authoritative_channel) is AuthoritativeChannel.NATIONAL \
            and Channel(batch.channel).is_local:
        held += (" AND NOT EXISTS (SELECT 1 FROM credit_record n WHERE n.enterprise_id = s.enterprise_id "  # noqa: S608
                 f"AND n.catalogue_item_id = :item AND n.channel = 'national' AND n.record_key = {key})")
    # DISTINCT ON in the unique key's order: of a file's repeated rows the first stays (as in `service.store`),
    # and the index insertions walk the indexes once. The sort carries the typed values and only the file's texts
    # that differ from them, not the JSON built from them: narrow, it stays in memory. `OFFSET 0` keeps each typed
    # value computed once. Table and column names are our own; every text from the catalogue or the file is a
    # parameter.
    statement = (
        "INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, "  # noqa: S608
        "fact_date, channel, source_department, batch_id, row_number, original, received_at) "
        f"SELECT s.enterprise_id, :item, {key}, s.fingerprint, {data}, {fact}, :channel, :department, "
        f":batch, s.row_number, {original}, :now "
        f"FROM (SELECT DISTINCT ON (s.enterprise_id, fingerprint) s.*, {digest} AS fingerprint "
        f"FROM ({source} OFFSET 0) s ORDER BY s.enterprise_id, fingerprint, s.row_number) s WHERE {held}")
    session.execute(text(f"SET LOCAL work_mem = '{_SORT_MEMORY}'"))
    service.lock_item_for_insert(session, item_id=item.id)
    try:
        # Every writer of credit records holds the lock while it inserts, so what this statement sees is all
        # there is: a plain insert, cheaper than ON CONFLICT's speculative one per row.
        with session.begin_nested():
            result = session.execute(text(statement), params)
    except IntegrityError:
        # A writer that did not take the lock inserted one of these facts meanwhile: leave it, store the rest.
        result = session.execute(text(
            statement + " ON CONFLICT (enterprise_id, catalogue_item_id, fingerprint) DO NOTHING"), params)
    return int(getattr(result, "rowcount", 0) or 0)


# Rows read by Python -----------------------------------------------------------------------------------


class StageSink:
    """Rows checked by Python into a temporary staging table by COPY, then moved into credit_record.

    The staging table has one typed column per field (`v0`…) and, per file column, the text as it arrived where
    it differs from the typed value (`r0`…, NULL where equal, which is most of a file).
    """

    def __init__(self, session: Session, *, item: CatalogueItem, batch: ImportBatch, parser: RowParser,
                 columns: list[Column]) -> None:
        self.session, self.item, self.batch = session, item, batch
        self.specs = list(parser.fields)
        self.columns = columns
        self.raw_of = [(index, position) for index, _, position in columns]
        self.table = f"import_stage_{batch.id}"
        self.staged = 0
        typed = ", ".join(f"v{n} {STAGE_TYPES.get(spec.type, 'text')}" for n, spec in enumerate(self.specs))
        raw = ", ".join(f"r{n} text" for n in range(len(columns)))
        _prepare(session)
        # Dropped with the savepoint if the file is refused, with the transaction otherwise.
        session.execute(text(f"CREATE TEMPORARY TABLE {self.table} (enterprise_id bigint, row_number integer, "
                             f"{typed}, {raw}) ON COMMIT DROP"))
        self.raw: Any = _driver(session)

    def add(self, rows: list[Accepted]) -> None:
        """Stage accepted rows."""
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
        """Move the staged rows into credit_record."""
        if not self.staged:
            return service.StoreResult(0, 0)
        values = ", ".join(f"s.v{n}" for n in range(len(self.specs)))
        raws = ", ".join(f"s.r{n}" for n in range(len(self.raw_of)))
        source = f"SELECT s.enterprise_id, s.row_number, {values}, {raws} FROM {self.table} s"  # noqa: S608
        originals = [f"coalesce(s.r{n}, {as_text(self.specs[position], f's.v{position}')}, '')"
                     for n, (_, position) in enumerate(self.raw_of)]
        stored = move(self.session, item=self.item, batch=self.batch, specs=self.specs, columns=self.columns,
                      source=source, originals=originals)
        self.session.execute(text(f"DROP TABLE {self.table}"))
        return service.StoreResult(stored, self.staged - stored)


# Files read by the server ------------------------------------------------------------------------------


@cache
def _text_pattern() -> str:
    """A cell free text takes unchanged: `str.strip` would remove nothing, `text.check_text` refuses nothing."""
    blanks = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    return f"^[{blanks}]|[{blanks}]$|[{''.join(sorted(BIDI_CONTROLS))}]"


def _recognised(spec: FieldSpec, cell: str) -> tuple[str, str] | None:
    """(condition, typed value) in SQL for the texts of `cell` whose typed value SQL can tell exactly as the
    field's converter would, or None where only the converter can."""
    if spec.type is FieldType.TEXT:
        return (f"({cell} <> '' AND char_length({cell}) <= {int(spec.max_length)} AND {cell} !~ :text_pattern)",
                cell)
    if spec.type is FieldType.MONEY:
        amount = f"replace({cell}, ',', '')::numeric"
        # At most 13 digits before the point: never past MAX_FEN (10^13 yuan), so unbounded fields need no cast.
        shape = f"({cell} ~ :plain_amount OR {cell} ~ :grouped_amount)"
        bounds = [f"{amount} >= {spec.minimum}"] if spec.minimum else []
        if spec.maximum is not None:
            bounds.append(f"{amount} <= {spec.maximum}")
        # CASE, not AND: the cast runs only on what the pattern passed.
        return (f"(CASE WHEN {shape} THEN {' AND '.join(bounds)} ELSE false END)" if bounds else shape,
                f"({amount} * 100)::bigint")
    return None


@dataclass
class _Values:
    """What the converter made of the distinct texts of one column that SQL does not recognise."""

    index: int
    position: int
    table: str | None = None  # the temporary table of (raw, v, ok[, e]); None where every text reads as itself
    refused: int = 0
    accepted: int = 0  # texts converted and kept (the refused ones' rows are taken out before the move)
    as_is: bool = False  # every kept text's typed value is the text itself


class ServerLoad:
    """A plain CSV file COPYed into a temporary table of text columns, checked a distinct text at a time, and moved
    into credit_record (PostgreSQL)."""

    def __init__(self, session: Session, *, item: CatalogueItem, batch: ImportBatch, parser: RowParser,
                 header: Sequence[str], columns: list[Column]) -> None:
        self.session, self.item, self.batch, self.parser = session, item, batch, parser
        self.specs = list(parser.fields)
        self.width = len(header)
        self.columns = columns
        self.table = f"import_stage_{batch.id}"
        self.rows = 0
        self.sha256 = ""
        self.values: list[_Values] = []
        self.params = {"text_pattern": _text_pattern(), "plain_amount": _PLAIN_AMOUNT,
                       "grouped_amount": _GROUPED_AMOUNT}

    def copy(self, source: BinaryIO, *, encoding: str, limits: reading.Limits, progress: Progress | None,
             total_bytes: int | None) -> None:
        """COPY the file's rows into the table (the header skipped); raises NotPlain if COPY refuses the file."""
        cells = ", ".join(f"c{i}" for i in range(self.width))
        _prepare(self.session)
        # The row number is the identity; its sequence hands out a block of values at a time (only this session
        # draws from it, so the numbers stay consecutive) instead of locking and updating itself for every row.
        self.session.execute(text(f"CREATE TEMPORARY TABLE {self.table} (n integer GENERATED ALWAYS AS IDENTITY "
                                  f"(CACHE {_ROW_NUMBERS}), "
                                  + ", ".join(f"c{i} text" for i in range(self.width)) + ") ON COMMIT DROP"))
        digest = hashlib.sha256()
        # GBK/GB18030 is decoded here, by the codec the row reader uses, and handed over as UTF-8.
        decoder = codecs.getincrementaldecoder("gb18030")("strict") if encoding == "gb18030" else None
        plain = PlainCheck()
        apostrophe = False
        lines = 0
        source.seek(0)
        try:
            with _driver(self.session).cursor() as cursor:
                with cursor.copy(f"COPY {self.table} ({cells}) FROM STDIN (FORMAT csv, HEADER true, "
                                 f"FORCE_NOT_NULL ({cells}), ENCODING 'UTF8')") as copy:
                    while chunk := source.read(_COPY_CHUNK):
                        copy.write(decoder.decode(chunk).encode() if decoder else chunk)
                        # Checked while the server parses what it has: a file found not plain stops the COPY.
                        if not plain.feed(chunk):
                            raise NotPlain("not a plain CSV file")
                        digest.update(chunk)
                        apostrophe = apostrophe or b"'" in chunk
                        lines += chunk.count(b"\n")
                        if progress is not None:
                            progress(max(lines - 1, 0), total_bytes)
                    if decoder is not None:
                        copy.write(decoder.decode(b"", final=True).encode())
                    if not plain.finish():
                        raise NotPlain("not a plain CSV file")
                self.rows = max(cursor.rowcount, 0)
        except (psycopg.Error, UnicodeDecodeError) as exc:
            raise NotPlain(str(exc)) from exc
        self.sha256 = digest.hexdigest()
        if not self.rows:
            raise reading.FileUnreadable("文件中没有数据行（只有表头）")
        limits.check_rows(self.rows, self.width)
        if apostrophe:  # `spreadsheet.restore_cell`: the quote the platform's own error report put before a formula
            self.session.execute(text(f"UPDATE {self.table} SET " + ", ".join(  # noqa: S608
                f"c{i} = CASE WHEN c{i} ~ '^''[-=+@\t\r]' THEN substr(c{i}, 2) ELSE c{i} END"
                for i in range(self.width)) + " WHERE " + " OR ".join(
                f"c{i} ~ '^''[-=+@\t\r]'" for i in range(self.width))))

    def check_values(self) -> None:
        """Convert each column's distinct texts (those SQL does not recognise) and look up the entities."""
        self.values = [self._check_column(index, position) for index, _, position in self.columns]

    def _check_column(self, index: int, position: int) -> _Values:
        spec = self.specs[position]
        cell = f"s.c{index}"
        recognised = _recognised(spec, cell)
        where = f" WHERE NOT {recognised[0]}" if recognised else ""
        query = text(f"SELECT DISTINCT {cell} FROM {self.table} s{where}")  # noqa: S608
        uscc = spec.name == USCC_FIELD
        kind = STAGE_TYPES.get(spec.type, "text")
        values = _Values(index, position, table=f"import_values_{self.batch.id}_{index}", as_is=kind == "text")
        self.session.execute(text(f"CREATE TEMPORARY TABLE {values.table} (raw text PRIMARY KEY, v {kind}, "
                                  "ok boolean, e bigint) ON COMMIT DROP"))
        unchanged = kind == "text"  # every text converts to itself, none refused
        # A chunk of distinct texts at a time: a column of a million distinct texts never sits in memory whole.
        for partition in self.session.execute(query.execution_options(yield_per=_LOOKUP_CHUNK), self.params) \
                .scalars().partitions():
            converted = [(raw, *self.parser.cell(position, raw)) for raw in partition]
            found = registry_service.ids_by_uscc(self.session, {v for _, v, e in converted if not e}) if uscc else {}
            rows = []
            for raw, value, errors in converted:
                entity = found.get(value) if uscc and not errors else None
                ok = not errors and (entity is not None or not uscc)
                rows.append((raw, value, ok, entity))
                values.refused += not ok
                values.accepted += ok
                values.as_is = values.as_is and (not ok or raw == value)
                unchanged = unchanged and ok and raw == value
            with _driver(self.session).cursor() as cursor, \
                    cursor.copy(f"COPY {values.table} (raw, v, ok, e) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        if not values.accepted + values.refused or (unchanged and not uscc):
            # Every text of the column reads as SQL recognises it, or as itself: nothing to join.
            self.session.execute(text(f"DROP TABLE {values.table}"))
            values.table = None
        else:
            self.session.execute(text(f"ANALYZE {values.table}"))
        return values

    def refused_rows(self) -> Iterator[list[tuple[int, list[str]]]]:
        """The rows holding a refused text or an unknown entity, as (row number, texts) in file order, a chunk at a
        time; they are then taken out of the table."""
        refused = [f"s.c{v.index} IN (SELECT raw FROM {v.table} WHERE NOT ok)"  # noqa: S608 - our own names
                   for v in self.values if v.table is not None and v.refused]
        if not refused:
            return
        where = " OR ".join(refused)
        cells = ", ".join(f"s.c{i}" for i in range(self.width))
        query = text(f"SELECT s.n, {cells} FROM {self.table} s WHERE {where} ORDER BY s.n")  # noqa: S608
        result = self.session.execute(query.execution_options(yield_per=_ROW_CHUNK))
        for partition in result.partitions():
            yield [(int(row[0]) + 1, list(row[1:])) for row in partition]  # the header is row 1
        self.session.execute(text(f"DELETE FROM {self.table} s WHERE {where}"))  # noqa: S608

    def finish(self) -> int:
        """Move the rows left (every one checked and of a registered entity) into credit_record; how many were new."""
        joins: list[str] = []
        typed: list[str] = []
        as_is: set[int] = set()  # the fields whose typed value is the cell's text itself on every row left
        by_index = {v.index: v for v in self.values}
        column_of = {position: index for index, _, position in self.columns}
        entity = ""
        for position, spec in enumerate(self.specs):
            kind = STAGE_TYPES.get(spec.type, "text")
            index = column_of.get(position)
            if index is None:  # no column in the file: blank, as the row reader reads it
                typed.append(f"CAST(NULL AS {kind})")
                continue
            cell = f"s.c{index}"
            recognised = _recognised(spec, cell)
            values = by_index[index]
            if values.table is None or (recognised and not values.accepted and spec.name != USCC_FIELD):
                # Every text reads as itself, or as SQL recognises it (the others' rows are gone).
                typed.append(recognised[1] if recognised else cell)
                if not recognised or recognised[1] == cell:
                    as_is.add(position)
            elif recognised:
                joins.append(f"LEFT JOIN {values.table} m{index} ON m{index}.raw = {cell}")
                typed.append(f"CASE WHEN m{index}.raw IS NULL THEN {recognised[1]} ELSE m{index}.v END")
            else:
                joins.append(f"JOIN {values.table} m{index} ON m{index}.raw = {cell}")
                typed.append(f"m{index}.v")
                if values.as_is:
                    as_is.add(position)
            if spec.name == USCC_FIELD:
                entity = f"m{index}.e"
        if not entity:
            raise NotPlain("no entity column")
        # The file's text of a column is its typed value where that is the text itself; the others are carried.
        carried = [(n, index) for n, (index, _, position) in enumerate(self.columns) if position not in as_is]
        source = (f"SELECT {entity} AS enterprise_id, s.n + 1 AS row_number, "  # noqa: S608
                  + ", ".join([f"{value} AS v{n}" for n, value in enumerate(typed)]
                              + [f"s.c{index} AS o{n}" for n, index in carried])
                  + f" FROM {self.table} s " + " ".join(joins))
        originals = [f"s.v{position}" if position in as_is else f"s.o{n}"
                     for n, (_, _, position) in enumerate(self.columns)]
        stored = move(self.session, item=self.item, batch=self.batch, specs=self.specs, columns=self.columns,
                      source=source, originals=originals)
        for values in self.values:
            if values.table is not None:
                self.session.execute(text(f"DROP TABLE {values.table}"))
        self.session.execute(text(f"DROP TABLE {self.table}"))
        return stored

