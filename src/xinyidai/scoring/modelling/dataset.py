"""Reading a tabular file for model development or scoring, with a clear error for every kind of bad input.

Column types are decided from the data: a column whose filled values all parse as finite numbers is numeric;
one where fewer than half do is categorical; anything in between is numeric with garbage in it, which is an
error naming the column and the first bad row (guessing would silently turn a typo into a category).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
MIN_ROWS = 100  # below this a 5-fold CV with a held-out sample says nothing
MIN_PER_CLASS = 20
NUMERIC_MAJORITY = 0.5


class DatasetError(ValueError):
    """A file that cannot be used, with a Chinese message and its English twin."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class Table:
    """A file read as text: cleaned cells (None for missing) by column, in file order."""

    columns: dict[str, list[str | None]]
    rows: int

    @staticmethod
    def line(index: int) -> int:
        """The file line of data row `index` (the header is line 1)."""
        return index + 2


@dataclass(frozen=True)
class TrainingData:
    """Features (numeric as float, categorical as str), the bad flag and the optional dates."""

    frame: pd.DataFrame
    y_bad: np.ndarray
    numeric: list[str]
    categorical: list[str]
    dates: pd.Series | None
    dropped: list[str]


def read_table(path: Path) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM or GBK) as text cells; an empty file is an error."""
    raw = path.read_bytes()
    if not raw.strip():
        raise DatasetError(f"文件 {path.name} 是空的", f"file {path.name} is empty")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DatasetError(f"文件 {path.name} 不是 UTF-8 或 GBK 编码的 CSV",
                           f"file {path.name} is not a UTF-8 or GBK CSV")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DatasetError(f"文件 {path.name} 不是有效的 CSV：{exc}",
                           f"file {path.name} is not a valid CSV: {exc}") from exc
    if len(frame) == 0:
        raise DatasetError(f"文件 {path.name} 没有数据行", f"file {path.name} has no data rows")
    columns: dict[str, list[str | None]] = {}
    for name in frame.columns:
        cells = [cell.strip() for cell in frame[name].tolist()]
        columns[str(name).strip()] = [None if c.lower() in MISSING_TOKENS else c for c in cells]
    return Table(columns=columns, rows=len(frame))


def _as_number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def numeric_column(table: Table, name: str) -> np.ndarray:
    """Column `name` as floats (NaN for missing); any other text is an error naming its row."""
    values = np.full(table.rows, np.nan)
    for index, cell in enumerate(table.columns[name]):
        if cell is None:
            continue
        number = _as_number(cell)
        if number is None:
            raise DatasetError(
                f"列“{name}”应为数值，第 {table.line(index)} 行却是“{cell[:40]}”",
                f"column '{name}' should be numeric but line {table.line(index)} holds '{cell[:40]}'",
            )
        values[index] = number
    return values


def classify_column(table: Table, name: str) -> str | None:
    """'numeric', 'categorical', or None for a column with no value at all."""
    filled = [c for c in table.columns[name] if c is not None]
    if not filled:
        return None
    numbers = sum(1 for c in filled if _as_number(c) is not None)
    if numbers == len(filled):
        return "numeric"
    if numbers / len(filled) >= NUMERIC_MAJORITY:
        numeric_column(table, name)  # raises on the first garbage cell, with its row
    return "categorical"


def require_column(table: Table, name: str) -> None:
    """Error unless the file has column `name`."""
    if name not in table.columns:
        shown = "、".join(list(table.columns)[:20])
        raise DatasetError(f"文件中没有列“{name}”（有：{shown}）",
                           f"the file has no column '{name}' (it has: {', '.join(list(table.columns)[:20])})")


def bad_flag(table: Table, target: str, bad_value: str | None) -> np.ndarray:
    """The target as 1 = bad, 0 = good: equal to `bad_value`, or already 0/1 when no bad value is given."""
    require_column(table, target)
    cells = table.columns[target]
    for index, cell in enumerate(cells):
        if cell is None:
            raise DatasetError(f"目标列“{target}”第 {table.line(index)} 行为空",
                               f"target column '{target}' is empty on line {table.line(index)}")
    present = sorted({str(c) for c in cells})
    if bad_value is None:
        numbers = {_as_number(str(c)) for c in present}
        if not numbers <= {0.0, 1.0}:
            raise DatasetError(
                f"目标列“{target}”不是 0/1（取值：{'、'.join(present[:5])}）；请用 --bad-value 指明哪个值是违约",
                f"target column '{target}' is not 0/1 (values: {', '.join(present[:5])}); "
                "use --bad-value to say which value is bad",
            )
        y = np.array([_as_number(str(c)) == 1.0 for c in cells], dtype=int)
    else:
        if bad_value not in present:
            raise DatasetError(f"目标列“{target}”中没有值“{bad_value}”（取值：{'、'.join(present[:5])}）",
                               f"target column '{target}' never holds '{bad_value}' (values: {', '.join(present[:5])})")
        y = np.array([c == bad_value for c in cells], dtype=int)
    if y.min() == y.max():
        raise DatasetError(f"目标列“{target}”只有一个类别，无法建模", f"target column '{target}' has a single class")
    return y


def training_data(table: Table, *, target: str, bad_value: str | None, date_column: str | None = None,
                  exclude: tuple[str, ...] = ()) -> TrainingData:
    """Validate a development file and split it into features, bad flag and dates."""
    y = bad_flag(table, target, bad_value)
    if table.rows < MIN_ROWS or min(int(y.sum()), int((1 - y).sum())) < MIN_PER_CLASS:
        raise DatasetError(
            f"数据太少：需要至少 {MIN_ROWS} 行、每类至少 {MIN_PER_CLASS} 行"
            f"（现有 {table.rows} 行，违约 {int(y.sum())} 行）",
            f"not enough data: at least {MIN_ROWS} rows and {MIN_PER_CLASS} of each class are needed "
            f"({table.rows} rows, {int(y.sum())} bad)",
        )
    dates = None
    if date_column is not None:
        require_column(table, date_column)
        dates = pd.to_datetime(pd.Series(table.columns[date_column]), errors="coerce")
        if dates.isna().any():
            index = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise DatasetError(f"日期列“{date_column}”第 {table.line(index)} 行不是日期",
                               f"date column '{date_column}' is not a date on line {table.line(index)}")
    for name in exclude:
        require_column(table, name)
    skip = {target, *(exclude), *([date_column] if date_column else [])}
    numeric: list[str] = []
    categorical: list[str] = []
    dropped: list[str] = []
    data: dict[str, object] = {}
    for name in table.columns:
        if name in skip:
            continue
        kind = classify_column(table, name)
        if kind == "numeric":
            numeric.append(name)
            data[name] = numeric_column(table, name)
        elif kind == "categorical":
            categorical.append(name)
            data[name] = pd.Series(table.columns[name], dtype=object)
        else:
            dropped.append(name)
    if not numeric and not categorical:
        raise DatasetError("除目标列外没有可用的特征列", "there is no usable feature column besides the target")
    return TrainingData(frame=pd.DataFrame(data), y_bad=y, numeric=numeric, categorical=categorical,
                        dates=dates, dropped=dropped)
