"""Pure rules of servicing: repayment allocation, classification bands, ledger balance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from xinyidai.loans.enums import Account, Classification

# Buckets a repayment can settle, with the ledger account each one credits.
BUCKET_ACCOUNTS: dict[str, Account] = {
    "penalty": Account.PENALTY,
    "interest_overdue": Account.INTEREST_OVERDUE,
    "fee_overdue": Account.FEE_OVERDUE,
    "principal_overdue": Account.PRINCIPAL_OVERDUE,
    "interest": Account.INTEREST_ACCRUED,
    "fee": Account.FEE_ACCRUED,
    "principal_due": Account.PRINCIPAL,
}
PREPAYMENT_BUCKET = "principal_prepaid"


class UnbalancedEntry(ValueError):
    """A journal entry whose postings do not sum to zero."""


@dataclass(frozen=True)
class Posting:
    """One line of a journal entry: debit positive, credit negative, in fen."""

    account: Account
    amount_fen: int


def check_balanced(postings: Sequence[Posting]) -> None:
    """Refuse an entry that does not balance or has no effect."""
    if not postings or sum(p.amount_fen for p in postings) != 0:
        raise UnbalancedEntry(f"entry does not balance: {postings}")


def allocate(amount_fen: int, owed: Mapping[str, int], order: Iterable[str]) -> dict[str, int]:
    """Split a repayment over the owed buckets in `order`, the rest to principal prepayment.

    Deterministic: the same amount, balances and order always give the same split.
    """
    remaining = amount_fen
    split: dict[str, int] = {}
    for bucket in order:
        take = min(remaining, max(0, owed.get(bucket, 0)))
        if take:
            split[bucket] = take
            remaining -= take
    if remaining:
        split[PREPAYMENT_BUCKET] = remaining
    return split


DEFAULT_BANDS: tuple[tuple[int, Classification], ...] = (
    (0, Classification.NORMAL),
    (1, Classification.SPECIAL_MENTION),
    (91, Classification.SUBSTANDARD),
    (181, Classification.DOUBTFUL),
    (361, Classification.LOSS),
)


def classify(days_past_due: int, bands: Sequence[tuple[int, Classification]] = DEFAULT_BANDS) -> Classification:
    """The category for `days_past_due` under bands of (minimum days past due, category)."""
    category = Classification.NORMAL
    for minimum, band in sorted(bands):
        if days_past_due >= minimum:
            category = band
    return category


def validate_bands(bands: Sequence[tuple[int, Classification]]) -> list[str]:
    """What is wrong with a bank's bands: they must start at 0, rise, and keep the category order."""
    problems = []
    ordered = sorted(bands)
    if not ordered or ordered[0][0] != 0:
        problems.append("分类区间须从逾期0天开始")
    categories = [c for _, c in ordered]
    expected = [c for c in Classification if c in categories]
    if categories != expected or len(set(categories)) != len(categories):
        problems.append("分类须按 正常、关注、次级、可疑、损失 的顺序排列，且不得重复")
    if len({d for d, _ in ordered}) != len(ordered):
        problems.append("逾期天数下限不得重复")
    return problems
