"""Rules of credit information with no I/O: channel precedence, current versions, visibility."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from xinyidai.creditdata.enums import AuthoritativeChannel, Channel


class Versioned(Protocol):
    """What precedence needs of a record."""

    id: int
    record_key: str
    channel: str
    received_at: datetime
    fact_date: date | None


def refusal_of_channel(*, authoritative: AuthoritativeChannel, local_allowed: bool, channel: Channel) -> str | None:
    """Why a sub-category does not take deliveries from `channel`, or None when it does.

    Stated rule: facts shared nationally (总对总) are not collected again locally. A sub-category whose
    authoritative channel is national refuses local deliveries outright unless the catalogue allows local
    collection for it; then local rows are merged under `current` (the national version wins).
    """
    if authoritative is AuthoritativeChannel.NATIONAL and channel.is_local and channel is not Channel.PLATFORM \
            and not local_allowed:
        return "该信息项以国家“总对总”共享渠道为准，本地不再归集"
    return None


def rank(channel: str, authoritative: AuthoritativeChannel) -> int:
    """1 when the record came by the sub-category's authoritative channel, else 0."""
    national = channel == Channel.NATIONAL
    return 1 if national == (authoritative is AuthoritativeChannel.NATIONAL) else 0


R = TypeVar("R", bound=Versioned)


def current(records: Iterable[R], authoritative: AuthoritativeChannel) -> list[R]:
    """The current version of each fact (record key): authoritative channel first, then the latest received."""
    best: dict[str, R] = {}
    for record in records:
        held = best.get(record.record_key)
        if held is None or _order(record, authoritative) > _order(held, authoritative):
            best[record.record_key] = record
    return sorted(best.values(), key=lambda r: (r.fact_date or date.min, r.id), reverse=True)


def _order(record: Versioned, authoritative: AuthoritativeChannel) -> tuple[int, datetime, int]:
    return rank(record.channel, authoritative), record.received_at, record.id


@dataclass(frozen=True, slots=True)
class Visibility:
    """Whether a record is still shown, and until when (publicity period)."""

    visible: bool
    until: date | None


def visibility(fact_date: date | None, visible_days: int | None, today: date) -> Visibility:
    """A record with a publicity period stops being shown `visible_days` after its date."""
    if visible_days is None or fact_date is None:
        return Visibility(True, None)
    until = fact_date + timedelta(days=visible_days)
    return Visibility(today <= until, until)


# Publicity periods of administrative penalties (行政处罚信息公示期), as 国家发展改革委《失信行为纠正后的信用信息修复
# 管理办法（试行）》(2023年第58号令) sets them, counted from the day of the penalty decision: a penalty for a general
# dishonest act is published for 3 months; one for a serious dishonest act for at least 1 and at most 3 years (the
# shorter period only once the entity repairs its credit, and an approved repair already withdraws the record
# here, so the 3 years stand). The catalogue's `visible_days` for `admin_penalty` (1095 days) is how long the
# record is shared for financing; public publicity, which a public credit check (公共信用核查) shows, is this.
# 轻微 (minor) penalties are published as general ones: the rule knows two kinds.
PENALTY_PUBLICITY_MONTHS = {"轻微": 3, "一般": 3, "严重": 36}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    first_of_next = date(day.year + year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(day.year + year, month + 1, min(day.day, (first_of_next - timedelta(days=1)).day))


def penalty_publicity(decision_date: date, severity: str, today: date) -> Visibility:
    """Whether an administrative penalty is within its publicity period (公示期) today, and until when; an unknown
    severity is taken as serious (the longer period: a public check must not drop a penalty it cannot place)."""
    until = add_months(decision_date, PENALTY_PUBLICITY_MONTHS.get(severity, 36))
    return Visibility(today <= until, until)
