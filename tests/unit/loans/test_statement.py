"""The drawdown statement shows a run of daily accruals as one line."""

from __future__ import annotations

from datetime import date

from xinyidai.loans.enums import Account
from xinyidai.loans.policy import StatementEntry, merge_accruals


def _entry(entry_id: int, day: int, kind: str, interest: int = 0, cash: int = 0) -> StatementEntry:
    amounts = {Account.INTEREST_ACCRUED: interest} if interest else {}
    if cash:
        amounts[Account.PRINCIPAL] = cash
    return StatementEntry(entry_id=entry_id, business_date=date(2026, 11, day), kind=kind, memo=None, amounts=amounts)


def test_consecutive_accruals_merge_and_other_entries_break_the_run() -> None:
    entries = [_entry(1, 1, "drawdown", cash=1_000_000), _entry(2, 1, "accrual", 97), _entry(3, 2, "accrual", 97),
               _entry(4, 3, "accrual", 98), _entry(5, 4, "repayment", interest=-292), _entry(6, 4, "accrual", 97)]
    merged = merge_accruals(entries)
    assert [(e.entry_id, e.kind, e.through_date) for e in merged] == [
        (1, "drawdown", None), (2, "accrual", date(2026, 11, 3)), (5, "repayment", None), (6, "accrual", None)]
    assert merged[1].amount(Account.INTEREST_ACCRUED) == 97 + 97 + 98
    assert sum(e.receivable_change_fen for e in merged) == sum(e.receivable_change_fen for e in entries)
