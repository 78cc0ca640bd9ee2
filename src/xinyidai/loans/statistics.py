"""What reporting reads of lending: drawdowns, first loans and defaults in a period, as known before an instant.

Each figure is one set-based query; a drawdown counts in a period by its value date and only if it was recorded
before `until`, so a figure read again later (after later or back-dated records) stays what it was.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyidai.events import DomainEventRecord
from xinyidai.loans.events import DrawdownDefaulted
from xinyidai.loans.models import CreditLine, Drawdown

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class LendingTotals:
    """Drawdowns in a period: how many, their principal, the firms that drew and the principal-weighted rate."""

    drawdowns: int
    principal_fen: int
    firms: int
    weighted_rate: Decimal | None  # None when nothing was drawn


def _in_period(query: Q, *, first_day: date | None, last_day: date, until: datetime) -> Q:
    query = query.where(Drawdown.value_date <= last_day, Drawdown.created_at < until)
    return query if first_day is None else query.where(Drawdown.value_date >= first_day)


def lending_totals(session: Session, *, first_day: date | None, last_day: date, until: datetime,
                   product_ids: Select[int] | None = None,
                   bank_ids: Collection[int] | None = None) -> LendingTotals:
    """Drawdowns valued in [first_day, last_day] and recorded before `until`, optionally only under the products
    `product_ids` selects and of the banks `bank_ids` (one query grouped by rate, so the weighted rate is exact
    Decimal arithmetic)."""
    query = _in_period(select(Drawdown.annual_rate, func.count(), func.sum(Drawdown.principal_fen))
                       .group_by(Drawdown.annual_rate), first_day=first_day, last_day=last_day, until=until)
    firms = _in_period(select(func.count(func.distinct(Drawdown.enterprise_id))), first_day=first_day,
                       last_day=last_day, until=until)
    if product_ids is not None:
        lines = select(CreditLine.id).where(CreditLine.product_id.in_(product_ids))
        query = query.where(Drawdown.credit_line_id.in_(lines))
        firms = firms.where(Drawdown.credit_line_id.in_(lines))
    if bank_ids is not None:
        query = query.where(Drawdown.bank_organisation_id.in_(list(bank_ids)))
        firms = firms.where(Drawdown.bank_organisation_id.in_(list(bank_ids)))
    rows = session.execute(query).all()
    count = sum(int(n) for _, n, _ in rows)
    principal = sum(int(p) for _, _, p in rows)
    weighted = (sum((Decimal(str(rate)) * int(p) for rate, _, p in rows), Decimal(0)) / principal
                if principal else None)
    return LendingTotals(drawdowns=count, principal_fen=principal, firms=int(session.scalar(firms) or 0),
                         weighted_rate=weighted)


def drawdown_rows(*, first_day: date | None, last_day: date, until: datetime) -> Select[int, int]:
    """(entity id, principal) of the drawdowns of the period: for grouping by town/street."""
    return _in_period(select(Drawdown.enterprise_id, Drawdown.principal_fen), first_day=first_day,
                      last_day=last_day, until=until)


def first_loan_rows(*, first_day: date | None, last_day: date, until: datetime) -> Select[int, int]:
    """(entity id, principal of its first day) of the firms whose first drawdown ever (as recorded before
    `until`) is valued in [first_day, last_day]: 首贷户."""
    first = (select(Drawdown.enterprise_id, func.min(Drawdown.value_date).label("first_day"))
             .where(Drawdown.created_at < until).group_by(Drawdown.enterprise_id).subquery())
    query = (select(Drawdown.enterprise_id, Drawdown.principal_fen)
             .join(first, (first.c.enterprise_id == Drawdown.enterprise_id)
                   & (first.c.first_day == Drawdown.value_date))
             .where(Drawdown.created_at < until, first.c.first_day <= last_day))
    return query if first_day is None else query.where(first.c.first_day >= first_day)


def first_loans(session: Session, *, first_day: date | None, last_day: date, until: datetime) -> tuple[int, int]:
    """How many firms were financed for the first time in the period, and what they drew on that first day."""
    sub = first_loan_rows(first_day=first_day, last_day=last_day, until=until).subquery()
    firms, principal = session.execute(select(func.count(func.distinct(sub.c.enterprise_id)),
                                              func.coalesce(func.sum(sub.c.principal_fen), 0))).one()
    return int(firms), int(principal)


def defaults(session: Session, *, since: datetime | None, until: datetime) -> tuple[int, int]:
    """Drawdowns that defaulted in [since, until) — the default is the end of day's event, kept in the event
    log — and what they owed then (fen)."""
    query = select(DomainEventRecord.payload).where(DomainEventRecord.name == DrawdownDefaulted.name,
                                                    DomainEventRecord.occurred_at < until)
    if since is not None:
        query = query.where(DomainEventRecord.occurred_at >= since)
    payloads = session.scalars(query).all()
    drawdowns = {int(p["drawdown_id"]): int(p.get("outstanding_fen", 0)) for p in payloads}
    return len(drawdowns), sum(drawdowns.values())
