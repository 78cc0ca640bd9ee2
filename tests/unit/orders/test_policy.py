"""The financing order's state machine and the checks of applications, approvals and rejections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import product

import pytest

from xinyidai.auth.enums import Role
from xinyidai.orders.policy import (
    Action,
    Duties,
    IllegalTransition,
    LineExposure,
    OrderStatus,
    ProductTerms,
    allowed_actions,
    application_problems,
    approval_problems,
    approval_target,
    duty_problems,
    is_late,
    rejection_problems,
    return_problems,
    second_line_problems,
    transition,
)

S = OrderStatus
LEGAL = {
    (S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.REJECTED), (S.SUBMITTED, S.WITHDRAWN),
    # 审贷分离: an accepted order is proposed by the officer before any manager can approve it.
    (S.ACCEPTED, S.PROPOSED), (S.ACCEPTED, S.REJECTED), (S.ACCEPTED, S.WITHDRAWN),
    (S.PROPOSED, S.APPROVED), (S.PROPOSED, S.COMMITTEE), (S.PROPOSED, S.ACCEPTED), (S.PROPOSED, S.REJECTED),
    (S.PROPOSED, S.WITHDRAWN),
    (S.COMMITTEE, S.APPROVED), (S.COMMITTEE, S.ACCEPTED), (S.COMMITTEE, S.REJECTED), (S.COMMITTEE, S.WITHDRAWN),
    # Inside a need the final approval is an offer: the firm takes it (approved) or takes another bank's (declined).
    (S.PROPOSED, S.OFFERED), (S.COMMITTEE, S.OFFERED), (S.OFFERED, S.APPROVED), (S.OFFERED, S.DECLINED),
}
ILLEGAL = sorted(set(product(S, S)) - LEGAL)
LABELS = {
    S.SUBMITTED: "已提交", S.ACCEPTED: "银行已受理", S.APPROVED: "已批准", S.REJECTED: "已拒绝", S.WITHDRAWN: "已撤回",
    S.PROPOSED: "待审批", S.COMMITTEE: "待第二位审批人审批", S.OFFERED: "已批准，待企业接受",
    S.DECLINED: "企业已选择其他银行",
}
TERMINAL = (S.APPROVED, S.REJECTED, S.WITHDRAWN, S.DECLINED)


def test_there_are_nine_states_and_sixty_two_illegal_pairs() -> None:
    assert len(S) == 9
    assert len(ILLEGAL) == 62


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transitions(current: OrderStatus, target: OrderStatus) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transitions(current: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(IllegalTransition) as info:
        transition(current, target)
    assert str(info.value) == f"订单当前状态为“{LABELS[current]}”，不能变更为“{LABELS[target]}”"
    assert info.value.current is current
    assert info.value.target is target


@pytest.mark.parametrize("status", list(S))
def test_no_self_transition(status: OrderStatus) -> None:
    with pytest.raises(IllegalTransition):
        transition(status, status)


@pytest.mark.parametrize(("terminal", "target"), list(product(TERMINAL, S)))
def test_nothing_leaves_a_terminal_state(terminal: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(IllegalTransition):
        transition(terminal, target)


def test_approval_needs_acceptance_first() -> None:
    with pytest.raises(IllegalTransition, match="“已提交”，不能变更为“已批准”"):
        transition(S.SUBMITTED, S.APPROVED)


DEADLINE = date(2026, 11, 23)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.PROPOSED, S.COMMITTEE])
def test_open_order_is_late_only_after_its_deadline(status: OrderStatus) -> None:
    assert not is_late(status, DEADLINE, date(2026, 11, 22))
    assert not is_late(status, DEADLINE, DEADLINE)
    assert is_late(status, DEADLINE, date(2026, 11, 24))


@pytest.mark.parametrize("status", TERMINAL)
def test_closed_order_is_never_late(status: OrderStatus) -> None:
    assert not is_late(status, DEADLINE, date(2027, 1, 1))


TERMS = ProductTerms(
    min_rate=Decimal("0.03"),
    max_rate=Decimal("0.06"),
    min_amount_fen=100_000 * 100,  # 10万元
    max_line_fen=3_000_000 * 100,  # 300万元
    repayment_methods=frozenset({"equal_installment", "interest_first"}),
    term_options=frozenset({24, 6, 12}),
)


def _apply(amount_fen: int = 500_000 * 100, term_months: int = 12, method: str = "interest_first") -> list[str]:
    return application_problems(amount_fen=amount_fen, term_months=term_months, repayment_method=method, terms=TERMS)


def test_acceptable_application() -> None:
    assert _apply() == []
    assert _apply(amount_fen=TERMS.min_amount_fen) == []
    assert _apply(amount_fen=TERMS.max_line_fen) == []


@pytest.mark.parametrize("amount", [0, -100])
def test_application_amount_must_be_positive(amount: int) -> None:
    assert _apply(amount_fen=amount) == ["申请金额必须大于0"]


def test_application_amount_below_minimum() -> None:
    assert _apply(amount_fen=TERMS.min_amount_fen - 1) == ["申请金额不能低于产品最低金额100,000.00元"]


def test_application_amount_above_maximum_line() -> None:
    assert _apply(amount_fen=TERMS.max_line_fen + 1) == ["申请金额超过产品最高额度3,000,000.00元"]


def test_application_term_not_offered_lists_the_offered_terms_in_order() -> None:
    assert _apply(term_months=18) == ["贷款期限须为产品提供的期限之一：6、12、24个月"]


def test_application_method_not_offered() -> None:
    assert _apply(method="equal_principal") == ["该产品不提供所选还款方式"]


def test_application_reports_every_problem() -> None:
    assert _apply(amount_fen=0, term_months=36, method="balloon") == [
        "申请金额必须大于0", "贷款期限须为产品提供的期限之一：6、12、24个月", "该产品不提供所选还款方式",
    ]


def _approve(line_fen: int = 2_000_000 * 100, rate: str = "0.045", term_months: int = 12,
             method: str = "equal_installment") -> list[str]:
    return approval_problems(line_fen=line_fen, annual_rate=Decimal(rate), term_months=term_months,
                             repayment_method=method, terms=TERMS)


def test_acceptable_approval_including_the_bounds() -> None:
    assert _approve() == []
    assert _approve(rate="0.03") == []
    assert _approve(rate="0.06") == []
    assert _approve(line_fen=TERMS.max_line_fen) == []


@pytest.mark.parametrize("rate", ["0.029999", "0.060001", "0", "0.24"])
def test_approval_rate_outside_bounds(rate: str) -> None:
    assert _approve(rate=rate) == ["年化利率须在产品利率区间3.00%—6.00%之内"]


def test_approval_line_above_maximum() -> None:
    assert _approve(line_fen=TERMS.max_line_fen + 1) == ["授信额度超过产品最高额度3,000,000.00元"]


def test_approval_line_must_be_positive() -> None:
    assert _approve(line_fen=0) == ["授信额度必须大于0"]


def test_approval_term_and_method() -> None:
    assert _approve(term_months=18, method="equal_principal") == [
        "贷款期限须为产品提供的期限之一", "该产品不提供所选还款方式",
    ]


@pytest.mark.parametrize("reason", ["", "   ", "不行", "不符合", "  资料  "])
def test_rejection_needs_a_real_reason(reason: str) -> None:
    assert rejection_problems(reason) == ["拒绝必须填写原因（至少4个字），原因将告知企业"]


@pytest.mark.parametrize("reason", ["资料不全", "经营年限不足两年，暂不符合准入条件"])
def test_rejection_with_reason(reason: str) -> None:
    assert rejection_problems(reason) == []


# Separation of duties (审贷分离, maker-checker): the officer proposes, a manager approves, never the same person.
OFFICER = frozenset({Role.BANK_LOAN_OFFICER})
MANAGER = frozenset({Role.BANK_MANAGER})
BOTH = OFFICER | MANAGER


def test_an_officer_can_no_longer_approve_an_accepted_order_alone() -> None:
    with pytest.raises(IllegalTransition, match="“银行已受理”，不能变更为“已批准”"):
        transition(S.ACCEPTED, S.APPROVED)
    assert allowed_actions(roles=OFFICER, user_id=1, duties=Duties(S.ACCEPTED)) == {Action.PROPOSE, Action.REJECT}


def test_the_officer_proposes_and_a_manager_approves_or_returns() -> None:
    assert duty_problems(Action.PROPOSE, roles=OFFICER, user_id=1, duties=Duties(S.ACCEPTED)) == []
    assert duty_problems(Action.PROPOSE, roles=MANAGER, user_id=2, duties=Duties(S.ACCEPTED)) == [
        "只有客户经理可以提出审批建议"]
    proposed = Duties(S.PROPOSED, proposed_by=1)
    assert allowed_actions(roles=MANAGER, user_id=2, duties=proposed) == {Action.APPROVE, Action.RETURN, Action.REJECT}
    assert allowed_actions(roles=OFFICER, user_id=1, duties=proposed) == set()
    assert duty_problems(Action.APPROVE, roles=OFFICER, user_id=3, duties=proposed) == [
        "只有信贷主管可以审批客户经理的审批建议"]


def test_nobody_approves_what_they_proposed_even_holding_both_roles() -> None:
    proposed = Duties(S.PROPOSED, proposed_by=1)
    assert duty_problems(Action.APPROVE, roles=BOTH, user_id=1, duties=proposed) == [
        "审贷分离：提出审批建议的人不能审批同一笔业务"]
    assert allowed_actions(roles=BOTH, user_id=1, duties=proposed) == set()
    # A nameless caller (an API client) cannot be told apart from the proposer: it neither proposes nor approves.
    assert duty_problems(Action.APPROVE, roles=MANAGER, user_id=None, duties=proposed)
    assert duty_problems(Action.PROPOSE, roles=OFFICER, user_id=None, duties=Duties(S.ACCEPTED))


def test_above_the_threshold_a_committee_of_two_distinct_managers_approves() -> None:
    assert approval_target(S.PROPOSED, line_fen=50_000_000, threshold_fen=None) is S.APPROVED
    assert approval_target(S.PROPOSED, line_fen=50_000_000, threshold_fen=50_000_000) is S.APPROVED
    assert approval_target(S.PROPOSED, line_fen=50_000_001, threshold_fen=50_000_000) is S.COMMITTEE
    assert approval_target(S.COMMITTEE, line_fen=50_000_001, threshold_fen=50_000_000) is S.APPROVED
    committee = Duties(S.COMMITTEE, proposed_by=1, first_approved_by=2)
    assert duty_problems(Action.APPROVE, roles=MANAGER, user_id=2, duties=committee) == [
        "贷审会须由两位不同的信贷主管审批，您已审批过该建议"]
    assert duty_problems(Action.APPROVE, roles=MANAGER, user_id=3, duties=committee) == []
    assert duty_problems(Action.APPROVE, roles=BOTH, user_id=1, duties=committee)


@pytest.mark.parametrize("reason", ["", "  ", "不行"])
def test_a_return_needs_a_reason(reason: str) -> None:
    assert return_problems(reason)
    assert return_problems("请补充近三个月流水") == []


TODAY = date(2026, 12, 4)


def _line(product_id: int = 7, status: str = "active", valid_until: date = date(2027, 6, 30),
          order_id: int | None = 11) -> LineExposure:
    return LineExposure(line_id=3, order_id=order_id, bank_organisation_id=1, lender_name="重庆银行",
                        product_id=product_id, limit_fen=32_000_000, used_fen=0, status=status,
                        valid_until=valid_until)


def test_a_product_may_refuse_a_second_live_line() -> None:
    refused = second_line_problems(one_live_line_per_firm=True, product_id=7, lines=[_line()],
                                   approved_order_ids=[11], today=TODAY)
    assert refused == ["该产品每户仅限一笔有效授信，该企业已持有该产品的有效授信：LINE3（额度320,000.00元）"]
    # The rule is the product's choice; a line of another product, a closed or lapsed one does not count.
    assert second_line_problems(one_live_line_per_firm=False, product_id=7, lines=[_line()],
                                approved_order_ids=[11], today=TODAY) == []
    for line in (_line(product_id=8), _line(status="closed"), _line(valid_until=date(2026, 12, 3))):
        assert second_line_problems(one_live_line_per_firm=True, product_id=7, lines=[line],
                                    approved_order_ids=[11], today=TODAY) == []
    # A frozen line still counts; so does an approved order whose line is not opened yet.
    assert second_line_problems(one_live_line_per_firm=True, product_id=7, lines=[_line(status="frozen")],
                                approved_order_ids=[], today=TODAY)
    pending = second_line_problems(one_live_line_per_firm=True, product_id=7, lines=[], approved_order_ids=[12],
                                   today=TODAY)
    assert pending == ["该产品每户仅限一笔有效授信，该企业已持有该产品的有效授信：已批准待开立的额度"]
