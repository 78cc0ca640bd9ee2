"""Read-only views for the portal: a drawdown's statement from its journal, the portfolio by classification."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from xinyidai.auth.principal import Principal
from xinyidai.loans.drawdowns import scoped_drawdowns
from xinyidai.loans.enums import Account, Classification, DrawdownStatus
from xinyidai.loans.models import CreditLine, Drawdown, JournalEntry, LedgerPosting
from xinyidai.loans.policy import StatementEntry


def statement(session: Session, *, drawdown_id: int) -> list[StatementEntry]:
    """A drawdown's journal entries in order, each with its postings summed by account (no caller scope)."""
    entries = session.scalars(select(JournalEntry).where(JournalEntry.drawdown_id == drawdown_id)
                              .order_by(JournalEntry.business_date, JournalEntry.id)).all()
    amounts: dict[int, dict[Account, int]] = {entry.id: {} for entry in entries}
    rows = session.execute(
        select(LedgerPosting.entry_id, LedgerPosting.account, func.sum(LedgerPosting.amount_fen))
        .where(LedgerPosting.drawdown_id == drawdown_id)
        .group_by(LedgerPosting.entry_id, LedgerPosting.account)
    ).all()
    for entry_id, account, total in rows:
        if entry_id in amounts:
            amounts[entry_id][Account(account)] = int(total)
    return [StatementEntry(entry_id=e.id, business_date=e.business_date, kind=e.kind, memo=e.memo,
                           amounts=amounts[e.id]) for e in entries]


def portfolio_summary(session: Session, *, principal: Principal) -> dict[Classification, tuple[int, int]]:
    """Outstanding drawdowns the caller may see, by five-category classification: (count, principal in fen)."""
    outstanding = Drawdown.bal_principal + Drawdown.bal_principal_overdue
    query = (scoped_drawdowns(select(Drawdown), principal)
             .with_only_columns(Drawdown.classification, func.count(), func.coalesce(func.sum(outstanding), 0))
             .where(Drawdown.status != DrawdownStatus.SETTLED)
             .group_by(Drawdown.classification))
    summary = {category: (0, 0) for category in Classification}
    for category, count, principal_fen in session.execute(query).all():
        summary[Classification(category)] = (int(count), int(principal_fen))
    return summary


def principal_as_of(session: Session, *, dates: Sequence[date], bank_organisation_id: int | None = None,
                    product_ids: Collection[int] | None = None) -> dict[tuple[int, int], list[int]]:
    """Principal outstanding (normal and overdue) from the ledger at the end of each of `dates` (ascending), of one
    bank's drawdowns or of those on some products (no caller scope: for the risk views of those who carry it), by
    (enterprise_id, product_id): one grouped query over the postings, each bucketed to the first date it precedes,
    then summed forward. The ledger is never rewritten, so a past date's figure stays what it was."""
    if not dates or (bank_organisation_id is None and product_ids is None):
        return {}
    ends = sorted(dates)
    bucket = case(*((JournalEntry.business_date <= end, literal(index)) for index, end in enumerate(ends)))
    conditions: list[ColumnElement[bool]] = [
        LedgerPosting.account.in_([Account.PRINCIPAL, Account.PRINCIPAL_OVERDUE]),
        JournalEntry.business_date <= ends[-1]]
    if bank_organisation_id is not None:
        conditions.append(Drawdown.bank_organisation_id == bank_organisation_id)
    if product_ids is not None:
        conditions.append(CreditLine.product_id.in_(sorted(set(product_ids)) or [-1]))
    rows = session.execute(
        select(Drawdown.enterprise_id, CreditLine.product_id, bucket, func.sum(LedgerPosting.amount_fen))
        .join(JournalEntry, JournalEntry.id == LedgerPosting.entry_id)
        .join(Drawdown, Drawdown.id == LedgerPosting.drawdown_id)
        .join(CreditLine, CreditLine.id == Drawdown.credit_line_id)
        .where(and_(*conditions))
        .group_by(Drawdown.enterprise_id, CreditLine.product_id, bucket)
    ).all()
    moves: dict[tuple[int, int], list[int]] = {}
    for enterprise_id, product_id, index, amount in rows:
        moves.setdefault((int(enterprise_id), int(product_id)), [0] * len(ends))[int(index)] += int(amount)
    for deltas in moves.values():
        for index in range(1, len(deltas)):
            deltas[index] += deltas[index - 1]
    return moves
