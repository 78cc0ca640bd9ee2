"""The drawdowns' double-entry ledger: balanced entries, the balances cached on the drawdown, their check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.loans import policy
from xinyidai.loans.enums import Account
from xinyidai.loans.models import Drawdown, EodRun, JournalEntry, LedgerPosting

# The receivable accounts whose balance the drawdown row caches, with the column that holds it.
BALANCE_COLUMNS: dict[Account, str] = {
    Account.PRINCIPAL: "bal_principal",
    Account.PRINCIPAL_OVERDUE: "bal_principal_overdue",
    Account.INTEREST_ACCRUED: "bal_interest_accrued",
    Account.INTEREST_OVERDUE: "bal_interest_overdue",
    Account.PENALTY: "bal_penalty",
    Account.FEE_ACCRUED: "bal_fee_accrued",
    Account.FEE_OVERDUE: "bal_fee_overdue",
}


def post(session: Session, *, drawdown: Drawdown, kind: str, postings: Sequence[policy.Posting],
         business_date: date, memo: str | None = None) -> JournalEntry:
    """Record one balanced entry and move the drawdown's cached balances with it."""
    postings = [p for p in postings if p.amount_fen]
    policy.check_balanced(postings)
    entry = JournalEntry(drawdown_id=drawdown.id, business_date=business_date, kind=kind, memo=memo,
                         created_at=clock.now())
    session.add(entry)
    session.flush()
    session.add_all(LedgerPosting(entry_id=entry.id, drawdown_id=drawdown.id, account=p.account,
                                  amount_fen=p.amount_fen) for p in postings)
    for p in postings:
        column = BALANCE_COLUMNS.get(p.account)
        if column is not None:
            setattr(drawdown, column, getattr(drawdown, column) + p.amount_fen)
    session.flush()
    return entry


def cached_balances(drawdown: Drawdown) -> dict[Account, int]:
    """The receivable balances as the drawdown row caches them."""
    return {account: getattr(drawdown, column) for account, column in BALANCE_COLUMNS.items()}


def total_owed(drawdown: Drawdown) -> int:
    """Everything the borrower owes now, prepaying all principal."""
    return sum(cached_balances(drawdown).values())


def ledger_balances(session: Session, *, drawdown_id: int) -> dict[Account, int]:
    """Balances by account, derived from the postings alone."""
    rows = session.execute(
        select(LedgerPosting.account, func.sum(LedgerPosting.amount_fen))
        .where(LedgerPosting.drawdown_id == drawdown_id)
        .group_by(LedgerPosting.account)
    ).all()
    return {Account(account): int(total) for account, total in rows}


def verify_balances(session: Session, *, drawdown: Drawdown) -> list[str]:
    """Differences between the cached balances and the ledger (empty when they agree)."""
    derived = ledger_balances(session, drawdown_id=drawdown.id)
    problems = []
    for account, column in BALANCE_COLUMNS.items():
        if getattr(drawdown, column) != derived.get(account, 0):
            problems.append(f"{account}: cached {getattr(drawdown, column)} != ledger {derived.get(account, 0)}")
    if sum(derived.values()) != 0:
        problems.append(f"ledger does not balance: {sum(derived.values())}")
    return problems


def day_closed(session: Session, *, business_date: date) -> bool:
    """Whether end of day has run for `business_date`: its books take no more money operations."""
    return session.scalar(select(EodRun.id).where(EodRun.business_date == business_date,
                                                  EodRun.status == "done")) is not None
