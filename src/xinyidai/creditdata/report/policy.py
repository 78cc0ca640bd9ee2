"""Rules of the credit report with no I/O: report numbers, verification codes, the summary and the table layout.

A verification code is 16 characters of Crockford's base32 (digits and capitals without I, L, O and U), 80 random
bits: too many to guess, short enough to type from paper. It is printed in four groups (`ABCD-EFGH-JKMN-PQRS`);
what a person types back is read leniently (any case, spaces or hyphens, O for 0, I or L for 1).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from xinyidai.creditdata.schemas import CreditFileRead

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
CODE_GROUP = 4
# Crockford's reading of characters people confuse with the ones in the alphabet.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_–—]+")
REPORT_NO_PATTERN = re.compile(r"^XYR\d{16}$")
MAX_TRACKED_ADDRESSES = 10_000


def new_verification_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh verification code (16 characters, no separators) from a cryptographic random source."""
    return "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and shown: four groups of four joined by hyphens."""
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(text: str) -> str | None:
    """The code a person typed, in stored form; None when it cannot be a code (wrong length or characters)."""
    compact = _SEPARATORS.sub("", text.strip().upper()).translate(_LOOKALIKES)
    if len(compact) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in compact):
        return None
    return compact


def new_report_no(today: date, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A report number: XYR, the date of issue, eight random digits (unique by constraint, retried on a clash)."""
    return f"XYR{today:%Y%m%d}{randbelow(10**8):08d}"


@dataclass(frozen=True, slots=True)
class CategorySummary:
    """One category's line in the report's summary."""

    code: str
    name: str
    records: int
    negative: int
    past_publicity: int


@dataclass(frozen=True, slots=True)
class Summary:
    """The report's overview: counts by category, negative records and those past their publicity period."""

    categories: tuple[CategorySummary, ...]
    records: int
    negative: int
    past_publicity: int
    sources: tuple[str, ...]


def summarise(file: CreditFileRead) -> Summary:
    """Count the current records of the file by category; negative ones are those of a negative sub-category."""
    lines = []
    sources: set[str] = set()
    for section in file.sections:
        records = negative = past = 0
        for entry in section.entries:
            records += len(entry.current)
            negative += len(entry.current) if entry.is_negative else 0
            past += sum(r.past_publicity for r in entry.current)
            sources.update(r.source_label for r in entry.current if r.source_label)
        lines.append(CategorySummary(code=section.category_code, name=section.category_name, records=records,
                                     negative=negative, past_publicity=past))
    return Summary(categories=tuple(lines), records=sum(c.records for c in lines),
                   negative=sum(c.negative for c in lines), past_publicity=sum(c.past_publicity for c in lines),
                   sources=tuple(sorted(sources)))


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: float, *,
                  minimum: float = 14.0, cap: int = 40) -> list[float]:
    """Widths of a table's columns that add up to `total`: each in proportion to its longest cell (counted up to
    `cap` characters, a CJK character as two), none narrower than `minimum` unless the table cannot fit it."""
    if not headers:
        return []

    def weight(text: str) -> int:
        return min(cap, sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)) or 1

    weights = [max([weight(h)] + [weight(row[i]) for row in rows if i < len(row)]) for i, h in enumerate(headers)]
    floor = min(minimum, total / len(headers))
    spare = total - floor * len(headers)
    whole = sum(weights)
    return [floor + spare * w / whole for w in weights]


@dataclass
class GuessLimiter:
    """At most `limit` unknown codes from one address within `window`; past that the address is refused until its
    oldest failure leaves the window. The codes are unguessable anyway (80 bits); this keeps anyone from trying.

    Kept per process: with N web processes an address gets N times the allowance, which is still nothing
    against 2**80."""

    limit: int = 20
    window: timedelta = timedelta(minutes=10)
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def allowed(self, key: str, now: datetime) -> bool:
        """Whether the address may check another code now."""
        with self._lock:
            allowed = len(self._recent(key, now)) < self.limit
            if not self._failures.get(key):
                self._failures.pop(key, None)
            return allowed

    def failed(self, key: str, now: datetime) -> None:
        """Note an unknown code tried from the address."""
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > MAX_TRACKED_ADDRESSES:  # forget addresses whose failures have all aged out
                for stale in [k for k in self._failures if not self._recent(k, now)]:
                    del self._failures[stale]

    def reset(self) -> None:
        """Forget every address (tests, and an operator after a false alarm)."""
        with self._lock:
            self._failures.clear()
