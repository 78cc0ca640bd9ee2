"""Reading a department's file as a stream of rows: CSV (UTF-8 or GBK/GB18030) and XLSX.

Nothing here holds a whole file: CSV is decoded incrementally and read by the csv module, XLSX by
openpyxl in read-only (streaming) mode. Whatever makes the file as a whole unusable — an encoding
that is neither UTF-8 nor GB18030, an empty file, a record cut off at the end, a broken workbook —
raises `FileUnreadable` with a Chinese reason, possibly after some rows were already yielded: the
caller must treat the batch as refused then.

A file is bounded before it is read (`Limits`, from settings): its size; for an XLSX, what its zip members unpack
to by their declared sizes (the zip reader never unpacks past them) and the cells its sheet's dimension claims, so a
small zip bomb or a sheet claiming A1:XFD1048576 is refused before openpyxl starts; then the columns of the header
and of each row, the rows and the cells as they come.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, BinaryIO

from xinyidai.spreadsheet import restore_cell

CHUNK = 1 << 20
# A quoted field may hold a long text, never a whole file: past this the "field" is a quote left open.
csv.field_size_limit(1 << 20)


class FileUnreadable(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How large a file may be; each is checked before the work it would cost."""

    file_bytes: int = 256 << 20
    unpacked_bytes: int = 512 << 20  # an XLSX's zip members, by their declared uncompressed sizes
    rows: int = 5_000_000  # data rows, the header not counted
    columns: int = 256
    cells: int = 50_000_000  # rows × columns

    def check_columns(self, width: int, where: str) -> None:
        """Refuse a header or row wider than the limit."""
        if width > self.columns:
            raise FileUnreadable(f"{where}有{width}列，超过上限{self.columns}列：请检查文件是否为本信息项的数据")

    def check_rows(self, rows: int, width: int) -> None:
        """Refuse a table with more rows, or cells, than the limits."""
        if rows > self.rows:
            raise FileUnreadable(f"文件超过{self.rows:,}行数据的上限：请拆分为多个文件分批上传")
        if rows * width > self.cells:
            raise FileUnreadable(f"文件超过{self.cells:,}个单元格（行数×列数）的上限：请拆分为多个文件分批上传")


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} KB"


class _Hashing(io.RawIOBase):
    """A read-only byte stream that digests what passes through it and counts the bytes."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.digest.update(data)
        self.consumed += size
        return size


@dataclass
class Table:
    """A file's header and an iterator over its data rows as (row number, texts), header being row 1."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None
    _hashing: _Hashing = field(repr=False)

    @property
    def sha256(self) -> str:
        """Digest of the bytes read so far (of the whole file once `rows` is exhausted)."""
        return self._hashing.digest.hexdigest()

    @property
    def bytes_read(self) -> int:
        """Bytes of the file consumed so far."""
        return self._hashing.consumed


def is_xlsx(file_name: str) -> bool:
    """Whether the name says Excel workbook (anything else is read as CSV)."""
    return file_name.lower().endswith((".xlsx", ".xlsm"))


def open_table(source: BinaryIO, file_name: str, limits: Limits = Limits()) -> Table:
    """The header and rows of a CSV or XLSX file; raises FileUnreadable for an empty, unreadable or too large
    file (see `Limits`)."""
    stream = _seekable(source, limits)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if size > limits.file_bytes:
        raise FileUnreadable(f"文件过大（{_mib(size)}）：单个文件不超过{_mib(limits.file_bytes)}，请拆分后分批上传")
    if is_xlsx(file_name):
        return _open_xlsx(stream, limits)
    return _open_csv(stream, limits)


# CSV ---------------------------------------------------------------------------------------------------


def detect_encoding(source: BinaryIO) -> str:
    """utf-8-sig, utf-8 or gb18030, decided by strict decoding of the first stretch that is not plain ASCII.

    GB18030 is the superset of GBK and GB2312 that government exports use. The stream is left at its start.
    """
    start = source.tell()
    try:
        head = source.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        source.seek(start)
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                return "utf-8"
            if chunk.isascii():
                continue
            # Strict, incremental: a multi-byte character cut at the end of the sample is not an error.
            for encoding in ("utf-8", "gb18030"):
                try:
                    codecs.getincrementaldecoder(encoding)("strict").decode(chunk, final=False)
                    return encoding
                except UnicodeDecodeError:
                    continue
            raise FileUnreadable("无法识别文件编码：请以 UTF-8 或 GBK（GB18030）编码保存 CSV 文件")
    finally:
        source.seek(start)


def _seekable(source: BinaryIO, limits: Limits) -> IO[bytes]:
    if source.seekable():
        return source
    # A pipe: spool it (to disk past a few MiB) so that the encoding can be detected and the rows read.
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - returned to the caller
    while chunk := source.read(CHUNK):
        spool.write(chunk)
        if spool.tell() > limits.file_bytes:
            raise FileUnreadable(f"文件过大：单个文件不超过{_mib(limits.file_bytes)}，请拆分后分批上传")
    spool.seek(0)
    return spool


def _open_csv(stream: IO[bytes], limits: Limits) -> Table:
    encoding = detect_encoding(stream)  # type: ignore[arg-type]
    hashing = _Hashing(stream)
    text = io.TextIOWrapper(io.BufferedReader(hashing, CHUNK), encoding=encoding, errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileUnreadable(_csv_problem(exc, 1)) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise FileUnreadable("文件是空的：没有表头，也没有数据")
    limits.check_columns(len(header), "表头")
    header = [restore_cell(cell) for cell in header]
    return Table(header=header, rows=_csv_rows(reader, len(header), limits), encoding=encoding, _hashing=hashing)


def _csv_rows(reader: Any, width: int, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    # One row of look-ahead: a last record with the wrong number of fields is a file cut off in transfer,
    # not a clerk's mistake in one row.
    number = 1
    pending: tuple[int, list[str]] | None = None
    try:
        for record in reader:
            number += 1
            if pending is not None:
                yield pending
                pending = None
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            limits.check_columns(len(record), f"第{number}行")
            limits.check_rows(number - 1, width)
            pending = (number, [restore_cell(cell) for cell in record])
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileUnreadable(_csv_problem(exc, number + 1)) from exc
    if pending is None:
        if number == 1:
            raise FileUnreadable("文件中没有数据行（只有表头）")
        return
    if len(pending[1]) != width:
        raise FileUnreadable(f"文件最后一行（第{pending[0]}行）有{len(pending[1])}列，表头有{width}列："
                             "文件不完整，可能在传输中被截断，请重新导出后上传")
    yield pending


def _csv_problem(exc: Exception, row: int) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"第{row}行附近有无法按文件编码解读的字节：请以 UTF-8 或 GBK 编码重新导出整个文件"
    return f"第{row}行起文件格式有误（{exc}）：可能有未闭合的引号，或文件在传输中被截断"


# XLSX --------------------------------------------------------------------------------------------------


def _unpacked_size(stream: IO[bytes]) -> int:
    """What the workbook's zip members unpack to, by their declared sizes (the zip reader stops at them)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileUnreadable("不是有效的 Excel（.xlsx）文件，或文件不完整（可能在传输中被截断）") from exc
    finally:
        stream.seek(0)


def _open_xlsx(stream: IO[bytes], limits: Limits) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unpacked = _unpacked_size(stream)
    if unpacked > limits.unpacked_bytes:
        raise FileUnreadable(f"Excel 文件解压后达{_mib(unpacked)}，超过{_mib(limits.unpacked_bytes)}的上限："
                             "请拆分后分批上传，或另存为 CSV")
    hashing = _Hashing(stream)
    buffered = io.BufferedReader(hashing, CHUNK)
    # The zip directory sits at the end: read the whole stream once through the digest, then rewind.
    while buffered.read(CHUNK):
        pass
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        _check_dimension(sheet, limits, workbook)
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError, EOFError) as exc:
        raise FileUnreadable("不是有效的 Excel（.xlsx）文件，或文件不完整（可能在传输中被截断）") from exc
    if first is None or not any(_cell_text(v) for v in first):
        workbook.close()
        raise FileUnreadable("文件是空的：第一个工作表没有表头，也没有数据")
    header = [_cell_text(v) for v in first]
    try:
        limits.check_columns(len(header), "表头")
    except FileUnreadable:
        workbook.close()
        raise
    return Table(header=header, rows=_xlsx_rows(workbook, rows, len(header), limits), encoding=None,
                 _hashing=hashing)


def _check_dimension(sheet: Any, limits: Limits, workbook: Any) -> None:
    """Refuse a sheet whose declared dimension exceeds the limits, before openpyxl pads rows out to it."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    try:
        limits.check_columns(columns, "工作表声明的范围")
        limits.check_rows(max(rows - 1, 0), columns)
    except FileUnreadable:
        workbook.close()
        raise


def _xlsx_rows(workbook: Any, rows: Iterator[tuple[Any, ...]], width: int,
               limits: Limits) -> Iterator[tuple[int, list[str]]]:
    any_data = False
    try:
        for number, values in enumerate(rows, start=2):
            limits.check_columns(len(values), f"第{number}行")
            limits.check_rows(number - 1, width)
            texts = [_cell_text(v) for v in values]
            if any(texts):
                any_data = True
                yield number, texts
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise FileUnreadable("Excel 文件内容不完整，无法读完（可能在传输中被截断）") from exc
    finally:
        workbook.close()
    if not any_data:
        raise FileUnreadable("文件中没有数据行（只有表头）")


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV export of it would hold (dates as ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return restore_cell(str(value).strip())
