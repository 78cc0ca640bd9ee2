"""The rules of outreach, as pure functions: grid worker codes, visits, the roll-out plan and coverage sums."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from xinyidai.outreach.enums import VisitOutcome

# The district's goal for the roll-out: merchants brought onto the platform (the seeds' 15,000 merchants).
MERCHANT_TARGET = 15_000
# A grid worker's code: 8 characters of an alphabet without look-alikes (0/O, 1/I/L), read off a poster if need be.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PILOT_PHASE = 1


def new_code() -> str:
    """A fresh random grid worker code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as stored (upper case, trimmed), or None when it cannot be one (wrong length or characters)."""
    code = text.strip().upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def visit_problem(*, outcome: VisitOutcome, reason: str | None, visited_on: date, today: date) -> str | None:
    """Why a visit cannot be recorded as given, or None: a merchant not interested needs its reason, and a visit
    is recorded on or after its day, never ahead of it."""
    if outcome == VisitOutcome.NOT_INTERESTED and not (reason or "").strip():
        return "商户无意向时请填写原因"
    if visited_on > today:
        return "走访日期不能晚于今天"
    return None


def phase_problem(*, starts_on: date, ends_on: date) -> str | None:
    """Why a plan entry cannot stand, or None: it ends on or after the day it starts."""
    if ends_on < starts_on:
        return "结束日期不能早于开始日期"
    return None


def phase_label(phase: int) -> str:
    """What a phase is called: the pilot, then the waves of the roll-out."""
    return "试点" if phase == PILOT_PHASE else f"第{phase - 1}批推广"


# Where a phase stands, in words (shown through `_()`).
PHASE_STATES = {"not_scheduled": "未排期", "not_started": "未开始", "under_way": "进行中", "over": "已结束"}


def phase_state(*, starts_on: date, ends_on: date, today: date) -> str:
    """Where a phase stands on `today`: not started, under way, or over."""
    if today < starts_on:
        return "未开始"
    return "进行中" if today <= ends_on else "已结束"


FIGURES = ("merchants", "visited", "registered", "credited", "financed")
FIGURE_LABELS = {"merchants": "登记在册", "visited": "已走访", "registered": "已注册", "credited": "已授信",
                 "financed": "已获贷"}


@dataclass
class Figures:
    """The coverage figures of one place: merchants on the register, and of them those visited, registered on
    the platform, granted a line (授信) and financed (获贷)."""

    merchants: int = 0
    visited: int = 0
    registered: int = 0
    credited: int = 0
    financed: int = 0

    def add(self, other: Figures) -> None:
        """Add another place's figures to these."""
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def percent(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, to one decimal, or None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class AreaCoverage:
    """A town's or street's figures and those of each of its communities (None: merchants of no community)."""

    area_id: int
    totals: Figures = field(default_factory=Figures)
    communities: dict[int | None, Figures] = field(default_factory=dict)


def roll_up(cells: Iterable[tuple[int, int | None, str, int]]) -> dict[int, AreaCoverage]:
    """Each (area, community, figure, count) cell summed into its community and its town or street."""
    areas: dict[int, AreaCoverage] = {}
    for area_id, community_id, figure, count in cells:
        area = areas.setdefault(area_id, AreaCoverage(area_id=area_id))
        community = area.communities.setdefault(community_id, Figures())
        setattr(community, figure, getattr(community, figure) + count)
        setattr(area.totals, figure, getattr(area.totals, figure) + count)
    return areas
