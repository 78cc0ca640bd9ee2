"""The pure rules of loan servicing: drawdown and repayment checks, allocation, the ledger, classification."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.loans.enums import RECEIVABLES, Account, Classification, LineStatus
from xinyidai.loans.exceptions import LoanRuleBroken, refuse
from xinyidai.loans.ledger import BALANCE_COLUMNS
from xinyidai.loans.policy import (
    BUCKET_ACCOUNTS,
    CLAIM_ORDER,
    DEFAULT_BANDS,
    PREPAYMENT_BUCKET,
    InstallmentState,
    LineState,
    Posting,
    Problem,
    StatementEntry,
    UnbalancedEntry,
    allocate,
    apply_to_installments,
    check_balanced,
    claim_problems,
    classify,
    drawdown_problems,
    merge_accruals,
    overdue_since,
    repayment_problems,
    split_claim,
    to_ppm,
    validate_bands,
)

TODAY = date(2026, 11, 23)
C = Classification
SEVERITY = {category: rank for rank, category in enumerate(Classification)}


# Drawdown checks -------------------------------------------------------------------------------------


def _line(**changes: object) -> LineState:
    line = LineState(status=LineStatus.ACTIVE, status_reason=None, valid_until=date(2027, 11, 23),
                     available_fen=1_000_000, repayment_methods=["equal_installment", "interest_first"],
                     term_options=[6, 12], in_arrears=False)
    return replace(line, **changes)  # type: ignore[arg-type]


def _draw(line: LineState, *, amount_fen: int = 500_000, term_months: int = 12, method: str = "equal_installment",
          value_date: date | None = None, day_closed: bool = False) -> list[Problem]:
    return drawdown_problems(amount_fen=amount_fen, term_months=term_months, method=method, value_date=value_date,
                             today=TODAY, line=line, day_closed=day_closed)


def test_a_drawdown_within_the_line_has_no_problem() -> None:
    assert _draw(_line()) == []
    assert _draw(_line(community_room_fen=500_000)) == []  # exactly what the chain community leaves
    assert _draw(_line(), amount_fen=1_000_000, value_date=TODAY) == []  # the whole of what is available


@pytest.mark.parametrize(("line", "kwargs", "message_en"), [
    (_line(status=LineStatus.FROZEN, status_reason="风险预警：欠税"), {}, "line is frozen"),
    (_line(status=LineStatus.CLOSED), {}, "line expired or closed"),
    (_line(valid_until=TODAY - timedelta(days=1)), {}, "line expired or closed"),
    (_line(in_arrears=True), {}, "line has arrears"),
    (_line(), {"amount_fen": 1_000_001}, "amount above the available limit"),
    (_line(), {"method": "bullet"}, "repayment method not offered"),
    (_line(), {"term_months": 9}, "term not offered"),
    (_line(), {"value_date": TODAY - timedelta(days=1)}, "value date must be today"),
    (_line(), {"day_closed": True}, "end of day has run for today"),
    (_line(community_room_fen=499_999), {}, "amount above what the chain community lets the firm draw"),
])
def test_each_broken_drawdown_rule_is_named(line: LineState, kwargs: dict[str, object], message_en: str) -> None:
    problems = _draw(line, **kwargs)  # type: ignore[arg-type]
    assert [p.message_en for p in problems] == [message_en]


def test_a_frozen_line_says_why_and_is_not_also_called_expired() -> None:
    problems = _draw(_line(status=LineStatus.FROZEN, status_reason="风险预警：欠税",
                           valid_until=TODAY - timedelta(days=1)))
    assert [p.message for p in problems] == ["授信额度已冻结：风险预警：欠税，暂不能用信"]


def test_every_problem_is_listed_in_order_with_the_figures_the_borrower_needs() -> None:
    problems = _draw(_line(available_fen=-5, in_arrears=True), amount_fen=10, term_months=9)
    assert [p.message_en for p in problems] == ["line has arrears", "amount above the available limit",
                                                "term not offered"]
    assert problems[1].details == {"available_fen": 0}
    assert problems[1].message == "用信金额超过可用额度0.00元"
    assert problems[2].message == "用信期限须为6、12个月之一"


def test_refuse_raises_one_error_naming_every_problem() -> None:
    refuse([])  # nothing to refuse
    with pytest.raises(LoanRuleBroken) as single:
        refuse(_draw(_line(available_fen=300_000)))
    assert single.value.message == "用信金额超过可用额度3,000.00元"
    assert single.value.message_en == "amount above the available limit"
    assert single.value.details == {"available_fen": 300_000}
    with pytest.raises(LoanRuleBroken) as several:
        refuse(_draw(_line(in_arrears=True), term_months=9))
    assert several.value.message == "该额度下有逾期未还款项，请先还清逾期款项后再用信；用信期限须为6、12个月之一"
    assert several.value.message_en == "line has arrears; term not offered"


# Repayment checks -----------------------------------------------------------------------------------


def test_repayment_checks() -> None:
    ok = {"value_date": None, "today": TODAY, "active": True, "owed_fen": 1_000, "day_closed": False}
    assert repayment_problems(amount_fen=1_000, **ok) == []  # type: ignore[arg-type]
    over = repayment_problems(amount_fen=1_001, **ok)  # type: ignore[arg-type]
    assert [(p.message_en, p.details) for p in over] == [("repayment exceeds everything owed", {"maximum_fen": 1_000})]
    # A drawdown that is no longer active takes no repayment: nothing else is worth saying.
    settled = repayment_problems(amount_fen=5, **{**ok, "active": False, "owed_fen": 0,  # type: ignore[arg-type]
                                                  "day_closed": True})
    assert [p.message_en for p in settled] == ["drawdown is not active"]
    late = repayment_problems(amount_fen=5, **{**ok, "day_closed": True,  # type: ignore[arg-type]
                                               "value_date": TODAY + timedelta(days=1)})
    assert [p.message_en for p in late] == ["value date must be today", "end of day has run for today"]


# Allocation of a repayment to buckets ----------------------------------------------------------------

ORDER = list(BUCKET_ACCOUNTS)  # the documented default order: overdue amounts first, then interest, fee, principal
owed_buckets = st.fixed_dictionaries({bucket: st.integers(0, 50_000) for bucket in ORDER})


def test_allocation_pays_overdue_amounts_first_and_prepays_the_rest() -> None:
    owed = {"penalty": 30, "interest_overdue": 200, "fee_overdue": 0, "principal_overdue": 1_000,
            "interest": 45, "fee": 5, "principal_due": 0}
    assert allocate(1_250, owed, ORDER) == {"penalty": 30, "interest_overdue": 200, "principal_overdue": 1_000,
                                            "interest": 20}
    assert allocate(2_000, owed, ORDER) == {"penalty": 30, "interest_overdue": 200, "principal_overdue": 1_000,
                                            "interest": 45, "fee": 5, PREPAYMENT_BUCKET: 720}
    assert allocate(0, owed, ORDER) == {}


@given(amount=st.integers(0, 500_000), owed=owed_buckets, order=st.permutations(ORDER))
def test_allocation_never_exceeds_what_is_due_and_follows_the_order(
        amount: int, owed: dict[str, int], order: list[str]) -> None:
    split = allocate(amount, owed, order)
    assert sum(split.values()) == amount
    assert all(value > 0 for value in split.values())
    for bucket in order:
        assert split.get(bucket, 0) <= owed[bucket]
    # A bucket is paid only when every bucket before it in the order is paid in full.
    for position, bucket in enumerate(order):
        if split.get(bucket):
            assert all(split.get(earlier, 0) == owed[earlier] for earlier in order[:position])
    # Principal is prepaid only once everything due is paid.
    if split.get(PREPAYMENT_BUCKET):
        assert all(split.get(bucket, 0) == owed[bucket] for bucket in order)
    assert allocate(amount, owed, order) == split  # deterministic


# Allocation of payments to installments --------------------------------------------------------------


def _installment(month: int, *, principal: int = 1_000, paid: int = 0, overdue_principal: int = 0,
                 overdue_interest: int = 0, overdue_paid: int = 0) -> InstallmentState:
    return InstallmentState(due_date=date(2026, month, 23), principal_fen=principal, principal_paid_fen=paid,
                            overdue_principal_fen=overdue_principal, overdue_interest_fen=overdue_interest,
                            overdue_paid_fen=overdue_paid)


def test_overdue_money_goes_to_the_oldest_installment_first() -> None:
    items = [_installment(8, overdue_principal=1_000, overdue_interest=50),
             _installment(9, overdue_principal=1_000, overdue_interest=40), _installment(10), _installment(11)]
    after = apply_to_installments(items, today=date(2026, 10, 23), overdue_fen=1_300,
                                  principal_overdue_fen=1_200, principal_due_fen=400)
    assert [(i.overdue_paid_fen, i.principal_paid_fen) for i in after] == [(1_050, 1_000), (250, 200), (0, 400),
                                                                            (0, 0)]
    assert overdue_since(after, current=date(2026, 8, 23).toordinal(), arrears_left=True) == \
        date(2026, 9, 23).toordinal()
    assert items[0].overdue_paid_fen == 0  # the states given are left as they were


def test_a_settlement_pays_principal_not_yet_due_earliest_first() -> None:
    items = [_installment(8, paid=1_000, overdue_principal=1_000, overdue_paid=1_000), _installment(9),
             _installment(10)]
    after = apply_to_installments(items, today=date(2026, 8, 30), principal_not_due_fen=1_500)
    assert [i.principal_paid_fen for i in after] == [1_000, 1_000, 500]


def test_days_past_due_stop_only_when_no_arrears_are_left() -> None:
    paid_up = [_installment(8, paid=1_000, overdue_principal=1_000, overdue_paid=1_000)]
    since = date(2026, 8, 23).toordinal()
    assert overdue_since(paid_up, current=since, arrears_left=True) == since  # e.g. penalty still owed
    assert overdue_since(paid_up, current=since, arrears_left=False) is None
    assert overdue_since([], current=None, arrears_left=False) is None


installments = st.lists(st.builds(
    lambda principal, paid_share, overdue_share, interest, overdue_paid_share: InstallmentState(
        due_date=TODAY, principal_fen=principal, principal_paid_fen=principal * paid_share // 100,
        overdue_principal_fen=principal * overdue_share // 100, overdue_interest_fen=interest,
        overdue_paid_fen=(principal * overdue_share // 100 + interest) * overdue_paid_share // 100),
    st.integers(1, 10_000), st.integers(0, 100), st.integers(0, 100), st.integers(0, 500), st.integers(0, 100),
), min_size=0, max_size=6)


@given(items=installments, overdue=st.integers(0, 80_000), principal_overdue=st.integers(0, 80_000),
       due=st.integers(0, 80_000), not_due=st.integers(0, 80_000))
def test_installments_are_never_paid_beyond_what_they_ask(
        items: list[InstallmentState], overdue: int, principal_overdue: int, due: int, not_due: int) -> None:
    after = apply_to_installments(items, today=TODAY, overdue_fen=overdue, principal_overdue_fen=principal_overdue,
                                  principal_due_fen=due, principal_not_due_fen=not_due)
    assert len(after) == len(items)
    for before, now in zip(items, after, strict=True):
        assert before.principal_paid_fen <= now.principal_paid_fen <= max(before.principal_paid_fen,
                                                                          now.principal_fen)
        assert before.overdue_paid_fen <= now.overdue_paid_fen
        assert now.overdue_open_fen >= min(0, before.overdue_open_fen)
    shown_overdue = sum(n.overdue_paid_fen - b.overdue_paid_fen for b, n in zip(items, after, strict=True))
    shown_principal = sum(n.principal_paid_fen - b.principal_paid_fen for b, n in zip(items, after, strict=True))
    assert shown_overdue <= overdue
    assert shown_principal <= principal_overdue + due + not_due
    # Overdue money reaches a later installment only when the earlier ones are paid up.
    for position, (before, now) in enumerate(zip(items, after, strict=True)):
        if now.overdue_paid_fen > before.overdue_paid_fen:
            assert all(earlier.overdue_open_fen <= 0 for earlier in after[:position])


# Claims settled by third parties ----------------------------------------------------------------------


def test_a_claim_is_settled_principal_first() -> None:
    balances = {Account.PRINCIPAL: 5_000, Account.PRINCIPAL_OVERDUE: 1_000, Account.INTEREST_OVERDUE: 80,
                Account.INTEREST_ACCRUED: 20, Account.PENALTY: 7, Account.FEE_OVERDUE: 0, Account.FEE_ACCRUED: 3}
    assert split_claim(6_050, balances) == {Account.PRINCIPAL_OVERDUE: 1_000, Account.PRINCIPAL: 5_000,
                                            Account.INTEREST_OVERDUE: 50}
    assert split_claim(6_110, balances) == {account: balances[account] for account in CLAIM_ORDER
                                            if balances[account]}
    with pytest.raises(ValueError, match="exceeds the claim"):
        split_claim(6_111, balances)
    assert claim_problems(amount_fen=6_110, owed_fen=6_110) == []
    assert [p.message_en for p in claim_problems(amount_fen=0, owed_fen=6_110)] == ["settlement outside the claim"]
    assert claim_problems(amount_fen=6_111, owed_fen=6_110) != []


# The ledger --------------------------------------------------------------------------------------------


def test_an_entry_must_balance_and_have_an_effect() -> None:
    check_balanced([Posting(Account.PRINCIPAL, 1_000), Posting(Account.CASH, -1_000)])
    with pytest.raises(UnbalancedEntry):
        check_balanced([Posting(Account.PRINCIPAL, 1_000), Posting(Account.CASH, -999)])
    with pytest.raises(UnbalancedEntry):
        check_balanced([])


@given(st.lists(st.tuples(st.sampled_from(list(Account)), st.integers(-10**9, 10**9)), min_size=1, max_size=8),
       st.sampled_from(list(Account)), st.integers(-10**9, 10**9).filter(bool))
def test_an_entry_balances_exactly_when_its_postings_sum_to_zero(
        legs: list[tuple[Account, int]], account: Account, skew: int) -> None:
    postings = [Posting(a, amount) for a, amount in legs]
    balancing = [*postings, Posting(Account.CASH, -sum(p.amount_fen for p in postings))]
    check_balanced(balancing)
    with pytest.raises(UnbalancedEntry):
        check_balanced([*balancing, Posting(account, skew)])


def test_the_cached_balances_are_the_receivable_accounts() -> None:
    assert tuple(BALANCE_COLUMNS) == RECEIVABLES


@given(st.lists(st.tuples(st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.sampled_from(["accrual", "repayment"]),
                          st.integers(-1_000, 1_000)), max_size=20))
def test_merging_accruals_keeps_every_amount(rows: list[tuple[date, str, int]]) -> None:
    entries = [StatementEntry(entry_id=n, business_date=day, kind=kind, memo=None,
                              amounts={Account.INTEREST_ACCRUED: amount, Account.INTEREST_INCOME: -amount})
               for n, (day, kind, amount) in enumerate(sorted(rows))]
    merged = merge_accruals(entries)
    assert sum(e.amount(Account.INTEREST_ACCRUED) for e in merged) == sum(e.amount("interest_accrued")
                                                                         for e in entries)
    assert sum(e.receivable_change_fen for e in merged) == sum(e.receivable_change_fen for e in entries)
    assert not any(a.kind == b.kind == "accrual" for a, b in pairwise(merged))
    assert [e.entry_id for e in merged if e.kind != "accrual"] == [e.entry_id for e in entries
                                                                   if e.kind != "accrual"]


def test_rates_are_stored_in_parts_per_million() -> None:
    assert to_ppm(Decimal("0.0435")) == 43_500
    assert to_ppm(Decimal("0.0000005")) == 1  # half up
    assert to_ppm(Decimal("0.0000004")) == 0


# Five-category classification ------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "category"), [
    (0, C.NORMAL), (1, C.SPECIAL_MENTION), (90, C.SPECIAL_MENTION), (91, C.SUBSTANDARD), (180, C.SUBSTANDARD),
    (181, C.DOUBTFUL), (360, C.DOUBTFUL), (361, C.LOSS), (10_000, C.LOSS),
])
def test_the_default_bands(days: int, category: Classification) -> None:
    # The platform default documented in loans.policy: 1–90 days special mention, 91–180 substandard,
    # 181–360 doubtful, over 360 loss.
    assert classify(days) == category


def test_a_bank_may_set_stricter_bands() -> None:
    bands = [(0, C.NORMAL), (1, C.SPECIAL_MENTION), (61, C.SUBSTANDARD), (91, C.DOUBTFUL), (181, C.LOSS)]
    assert validate_bands(bands) == []
    assert [classify(d, bands) for d in (0, 60, 61, 91, 181)] == [C.NORMAL, C.SPECIAL_MENTION, C.SUBSTANDARD,
                                                                 C.DOUBTFUL, C.LOSS]


@st.composite
def valid_bands(draw: st.DrawFn) -> list[tuple[int, Classification]]:
    """Bands a bank may set: from day 0, rising, categories in order and each at most once."""
    later = draw(st.lists(st.sampled_from(list(Classification)[1:]), unique=True).map(
        lambda chosen: sorted(chosen, key=SEVERITY.__getitem__)))
    steps = draw(st.lists(st.integers(1, 400), min_size=len(later), max_size=len(later)))
    minimums, day = [], 0
    for step in steps:
        day += step
        minimums.append(day)
    return [(0, C.NORMAL), *zip(minimums, later, strict=True)]


@given(bands=st.one_of(st.just(list(DEFAULT_BANDS)), valid_bands()), days=st.integers(0, 3_000),
       more=st.integers(0, 3_000))
def test_classification_never_improves_as_days_past_due_grow(
        bands: list[tuple[int, Classification]], days: int, more: int) -> None:
    assert validate_bands(bands) == []
    assert SEVERITY[classify(days, bands)] <= SEVERITY[classify(days + more, bands)]
    assert classify(0, bands) == C.NORMAL


def test_band_problems_are_named() -> None:
    assert validate_bands(list(DEFAULT_BANDS)) == []
    assert validate_bands([(1, C.SPECIAL_MENTION), (91, C.SUBSTANDARD)]) == ["分类区间须从逾期0天开始"]
    assert validate_bands([]) == ["分类区间须从逾期0天开始"]
    assert validate_bands([(0, C.NORMAL), (30, C.SUBSTANDARD), (90, C.SPECIAL_MENTION)]) == [
        "分类须按 正常、关注、次级、可疑、损失 的顺序排列，且不得重复"]
    assert validate_bands([(0, C.NORMAL), (30, C.SPECIAL_MENTION), (30, C.SUBSTANDARD)]) == ["逾期天数下限不得重复"]
    assert validate_bands([(0, C.NORMAL), (30, C.SPECIAL_MENTION), (60, C.SPECIAL_MENTION)]) == [
        "分类须按 正常、关注、次级、可疑、损失 的顺序排列，且不得重复"]
