"""Read-only views for the portal: a drawdown's statement from its journal, the portfolio by classification."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai.auth.principal import Principal
from xinyidai.loans.drawdowns import scoped_drawdowns
from xinyidai.loans.enums import Account, Classification, DrawdownStatus
from xinyidai.loans.models import Drawdown, JournalEntry, LedgerPosting
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
