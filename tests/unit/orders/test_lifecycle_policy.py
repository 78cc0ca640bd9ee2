"""The order's whole life as pure rules: a need to several banks and its offers, withdrawal, renewal window,
deferral dates, prompts and answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyidai.orders.policy import (
    MAX_NEED_PRODUCTS,
    DrawdownFacts,
    NeedStatus,
    OfferPlan,
    OrderStatus,
    answer_problems,
    approval_target,
    deferral_dates,
    deferral_problems,
    need_problems,
    need_status,
    offer_acceptance,
    prompt_problems,
    renewal_problems,
    renewal_window,
    withdrawal_problems,
)

S = OrderStatus


def test_a_need_goes_to_one_to_three_products_of_different_banks() -> None:
    assert need_problems([(1, 10), (2, 20), (3, 30)]) == []
    assert need_problems([(1, 10)]) == []
    assert need_problems([]) == ["请至少选择一个产品"]
    assert need_problems([(1, 10), (2, 20), (3, 30), (4, 40)]) == [f"一次融资需求最多发送给{MAX_NEED_PRODUCTS}个产品"]
    assert need_problems([(1, 10), (1, 10)]) == ["同一产品不能重复选择"]
    assert need_problems([(1, 10), (2, 10)]) == ["每家银行只能选择一个产品，请选择不同银行的产品"]


def test_inside_a_need_the_final_approval_is_an_offer() -> None:
    assert approval_target(S.PROPOSED, line_fen=100, threshold_fen=None, in_need=True) is S.OFFERED
    assert approval_target(S.COMMITTEE, line_fen=100, threshold_fen=50, in_need=True) is S.OFFERED
    # Above the committee threshold the first approval still waits for the second manager, need or not.
    assert approval_target(S.PROPOSED, line_fen=100, threshold_fen=50, in_need=True) is S.COMMITTEE
    assert approval_target(S.PROPOSED, line_fen=100, threshold_fen=None) is S.APPROVED


def test_taking_an_offer_approves_it_declines_the_other_offers_and_withdraws_the_open_orders() -> None:
    orders = [(1, S.OFFERED), (2, S.OFFERED), (3, S.ACCEPTED), (4, S.REJECTED), (5, S.SUBMITTED)]
    assert offer_acceptance(2, orders, accepted_order_id=None) == OfferPlan(approve=2, decline=(1,), withdraw=(3, 5))


@pytest.mark.parametrize(("order_id", "orders", "accepted", "message"), [
    (1, [(1, S.OFFERED), (2, S.APPROVED)], 2, "已接受了一家银行的批复"),
    (1, [(1, S.ACCEPTED), (2, S.OFFERED)], None, "只有已批准待接受的批复可以接受"),
    (1, [(1, S.DECLINED)], None, "只有已批准待接受的批复可以接受"),
    (9, [(1, S.OFFERED)], None, "不属于此融资需求"),
])
def test_an_offer_is_taken_once_and_only_an_offer(order_id: int, orders: list[tuple[int, OrderStatus]],
                                                   accepted: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        offer_acceptance(order_id, orders, accepted_order_id=accepted)


def test_a_need_is_open_until_an_offer_is_taken_or_every_order_ended() -> None:
    assert need_status([S.SUBMITTED, S.OFFERED], accepted=False) is NeedStatus.OPEN
    assert need_status([S.APPROVED, S.WITHDRAWN, S.DECLINED], accepted=True) is NeedStatus.ACCEPTED
    assert need_status([S.REJECTED, S.WITHDRAWN], accepted=False) is NeedStatus.CLOSED


def test_withdrawal_prompt_and_answer_need_words() -> None:
    assert withdrawal_problems(" ") == ["撤回必须填写原因（至少2个字），原因将告知银行"]
    assert withdrawal_problems("另有安排") == []
    assert prompt_problems("请尽快办理", status=S.ACCEPTED) == []
    assert prompt_problems("办", status=S.APPROVED) == [
        "订单当前状态为“已批准”，已办结的订单无需督办", "督办意见至少4个字"]
    assert answer_problems("已于今日审批", already_answered=False) == []
    assert answer_problems("已于今日审批", already_answered=True) == ["该督办已答复"]
    assert answer_problems("好", already_answered=False) == ["答复至少4个字"]


def test_the_renewal_window_runs_from_90_to_30_days_before_expiry() -> None:
    expiry = date(2027, 11, 23)
    assert renewal_window(expiry) == (date(2027, 8, 25), date(2027, 10, 24))
    ok = {"allows_renewal": True, "line_status": "active", "valid_until": expiry, "pending": False}
    assert renewal_problems(**ok, today=date(2027, 8, 25)) == []
    assert renewal_problems(**ok, today=date(2027, 10, 24)) == []
    too_early = renewal_problems(**ok, today=date(2027, 8, 24))
    assert too_early == ["续贷须在额度到期前90天至30天之间申请（本额度为2027-08-25至2027-10-24）"]
    assert renewal_problems(**ok, today=date(2027, 10, 25)) == too_early
    assert renewal_problems(**{**ok, "allows_renewal": False}, today=date(2027, 9, 1)) == ["该产品不提供续贷"]
    assert renewal_problems(**{**ok, "line_status": "frozen", "pending": True}, today=date(2027, 9, 1)) == [
        "只有有效（未冻结、未到期）的授信额度可以续贷", "该额度已有在办的续贷申请"]


FACTS = DrawdownFacts(drawdown_id=1, credit_line_id=2, enterprise_id=3, bank_organisation_id=4, product_id=5,
                      status="active", in_arrears=False, outstanding_principal_fen=12_000_000,
                      maturity_date=date(2027, 1, 31), due_day=31, annual_rate=Decimal("0.048"),
                      method="equal_principal", term_months=12)


def test_deferral_dates_are_the_due_days_of_the_next_twelve_months_clamped_to_month_end() -> None:
    dates = deferral_dates(date(2027, 1, 31), 31)
    assert dates[:3] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert dates[-1] == date(2028, 1, 31) and len(dates) == 12
    assert deferral_dates(date(2027, 11, 30), 30)[2] == date(2028, 2, 29)  # leap year


def test_a_deferral_moves_maturity_to_a_later_due_day_of_a_drawdown_repaying_normally() -> None:
    today = date(2026, 12, 1)
    assert deferral_problems(allows_deferral=True, drawdown=FACTS, new_maturity_date=date(2027, 7, 31), today=today,
                             pending=False) == []
    assert deferral_problems(allows_deferral=False, drawdown=FACTS, new_maturity_date=date(2027, 7, 31), today=today,
                             pending=False) == ["该产品不提供延期还本"]
    assert deferral_problems(allows_deferral=True, drawdown=FACTS, new_maturity_date=date(2027, 1, 31), today=today,
                             pending=False) == ["新的到期日须晚于当前到期日2027-01-31"]
    assert deferral_problems(allows_deferral=True, drawdown=FACTS, new_maturity_date=date(2028, 2, 29), today=today,
                             pending=False) == ["延期最长12个月，新的到期日不能晚于2028-01-31"]
    assert deferral_problems(allows_deferral=True, drawdown=FACTS, new_maturity_date=date(2027, 7, 15), today=today,
                             pending=False) == ["新的到期日须为每月还款日（每月31日，月末按当月最后一天）"]
    late = DrawdownFacts(**{**FACTS.__dict__, "in_arrears": True})
    assert deferral_problems(allows_deferral=True, drawdown=late, new_maturity_date=date(2027, 7, 31), today=today,
                             pending=True) == ["该笔用信有逾期未还款项，请先还清逾期款项",
                                               "该笔用信已有在办的延期还本申请"]
