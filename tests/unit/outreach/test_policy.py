"""The pure rules of outreach: codes, visits, the plan's phases and the coverage roll-up."""

from __future__ import annotations

from datetime import date

import pytest

from xinyidai.outreach import policy
from xinyidai.outreach.enums import VisitOutcome

TODAY = date(2026, 11, 23)


def test_codes_are_fresh_and_read_back_whatever_the_case() -> None:
    codes = {policy.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert policy.normalise_code(code) == code
        assert policy.normalise_code(f" {code.lower()} ") == code


@pytest.mark.parametrize("text", ["", "ABC", "ABCDEFGH1", "ABCDEFG0", "ABCDEFGI", "ABCD EFG", "ＡＢＣＤＥＦＧＨ"])
def test_what_cannot_be_a_code_is_refused(text: str) -> None:
    assert policy.normalise_code(text) is None


def test_a_merchant_not_interested_needs_a_reason_and_no_visit_is_ahead_of_today() -> None:
    assert policy.visit_problem(outcome=VisitOutcome.NOT_INTERESTED, reason=" ", visited_on=TODAY,
                                today=TODAY) == "商户无意向时请填写原因"
    assert policy.visit_problem(outcome=VisitOutcome.NOT_INTERESTED, reason="已有贷款", visited_on=TODAY,
                                today=TODAY) is None
    assert policy.visit_problem(outcome=VisitOutcome.VISITED, reason=None, visited_on=date(2026, 11, 24),
                                today=TODAY) == "走访日期不能晚于今天"


def test_a_phase_has_a_label_and_a_state() -> None:
    assert policy.phase_label(1) == "试点"
    assert policy.phase_label(3) == "第2批推广"
    assert policy.phase_problem(starts_on=date(2027, 1, 2), ends_on=date(2027, 1, 1)) == "结束日期不能早于开始日期"
    assert policy.phase_problem(starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 1)) is None
    states = [policy.phase_state(starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 30), today=day)
              for day in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 1))]
    assert states == ["未开始", "进行中", "进行中", "已结束"]
    assert set(policy.PHASE_STATES.values()) >= set(states)


def test_cells_roll_up_into_communities_and_towns() -> None:
    cells = [(1, 10, "merchants", 5), (1, 11, "merchants", 3), (1, None, "merchants", 2), (2, 20, "merchants", 4),
             (1, 10, "registered", 2), (2, 20, "registered", 1), (1, None, "financed", 1)]
    areas = policy.roll_up(cells)
    # Area 1: 5 + 3 + 2 = 10 merchants, 2 registered, 1 financed; area 2: 4 and 1.
    assert (areas[1].totals.merchants, areas[1].totals.registered, areas[1].totals.financed) == (10, 2, 1)
    assert (areas[2].totals.merchants, areas[2].totals.registered) == (4, 1)
    assert areas[1].communities[None].financed == 1 and areas[1].communities[11].registered == 0
    total = policy.Figures()
    for area in areas.values():
        total.add(area.totals)
    assert (total.merchants, total.registered) == (14, 3)


def test_percentages() -> None:
    assert policy.percent(1, 3) == 33.3
    assert policy.percent(150, 15_000) == 1.0
    assert policy.percent(5, 0) is None
