"""The community line's rules: allocations within the line, the receivables uplift, and the arrears haircut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xinyidai.chains import policy
from xinyidai.chains.policy import Standing

WAN = 1_000_000  # 10,000 yuan in fen


def test_an_allocation_within_the_line_is_allowed_and_one_fen_above_is_refused_with_the_room_left() -> None:
    assert policy.allocation_problem(line_fen=100 * WAN, others_fen=60 * WAN, allocation_fen=40 * WAN,
                                     uplift_fen=0) is None
    problem = policy.allocation_problem(line_fen=100 * WAN, others_fen=60 * WAN, allocation_fen=40 * WAN + 1,
                                        uplift_fen=0)
    assert problem is not None and "超过共同体授信额度1,000,000.00元" in problem
    assert "最多还可分配400,000.00元" in problem


def test_the_members_own_uplift_counts_against_the_line() -> None:
    problem = policy.allocation_problem(line_fen=100 * WAN, others_fen=60 * WAN, allocation_fen=35 * WAN,
                                        uplift_fen=10 * WAN)
    assert problem is not None and "最多还可分配300,000.00元" in problem


def test_no_allocation_without_a_line_and_none_negative() -> None:
    assert "尚未获得授信额度" in (policy.allocation_problem(line_fen=0, others_fen=0, allocation_fen=1, uplift_fen=0)
                                  or "")
    assert "不能为负数" in (policy.allocation_problem(line_fen=10, others_fen=0, allocation_fen=-1, uplift_fen=0) or "")


def test_the_line_cannot_be_set_below_what_is_allocated() -> None:
    assert policy.line_problem(line_fen=50 * WAN, allocated_fen=50 * WAN) is None
    assert "不能低于已分配" in (policy.line_problem(line_fen=50 * WAN - 1, allocated_fen=50 * WAN) or "")


def test_the_uplift_is_seventy_percent_of_receivables_capped_at_thirty_percent_of_the_line_and_the_room() -> None:
    # 200,000 yuan confirmed: 70% is 140,000, under the cap of 30% of 1,000,000 (300,000) and the room of 500,000.
    assert policy.receivable_uplift(receivables_fen=20 * WAN, line_fen=100 * WAN, room_fen=50 * WAN) == 14 * WAN
    # 600,000 confirmed: 420,000 is above the 300,000 cap.
    assert policy.receivable_uplift(receivables_fen=60 * WAN, line_fen=100 * WAN, room_fen=50 * WAN) == 30 * WAN
    # Only 50,000 left in the line.
    assert policy.receivable_uplift(receivables_fen=60 * WAN, line_fen=100 * WAN, room_fen=5 * WAN) == 5 * WAN
    assert policy.receivable_uplift(receivables_fen=60 * WAN, line_fen=100 * WAN, room_fen=-1) == 0


def test_members_in_arrears_draw_nothing_and_cut_what_the_others_may_draw() -> None:
    healthy = [Standing(1, 40 * WAN, False, False), Standing(2, 30 * WAN, False, False)]
    assert policy.drawable(line_fen=100 * WAN, members=healthy).community_fen == 70 * WAN
    overdue = [*healthy, Standing(3, 20 * WAN, True, False)]
    state = policy.drawable(line_fen=100 * WAN, members=overdue)
    # One overdue member: a 10% haircut on the others, nothing for it.
    assert state.haircut_ppm == 100_000 and state.by_member == {1: 36 * WAN, 2: 27 * WAN, 3: 0}
    assert (state.community_fen, state.reduction_fen) == (63 * WAN, 27 * WAN)
    defaulted = [*healthy, Standing(3, 20 * WAN, True, True)]
    state = policy.drawable(line_fen=100 * WAN, members=defaulted)
    # A defaulted member counts once, as in default: 30%.
    assert (state.haircut_ppm, state.overdue_members, state.defaulted_members) == (300_000, 0, 1)
    assert state.community_fen == 28 * WAN + 21 * WAN
    many = [Standing(i, WAN, False, True) for i in range(4)] + [Standing(9, WAN, False, False)]
    assert policy.drawable(line_fen=10 * WAN, members=many).community_fen == 0


@given(line=st.integers(0, 10**12), allocations=st.lists(st.integers(0, 10**11), max_size=8))
def test_property_allocations_accepted_one_by_one_never_exceed_the_line(line: int, allocations: list[int]) -> None:
    held: list[int] = []
    for amount in allocations:
        if policy.allocation_problem(line_fen=line, others_fen=sum(held), allocation_fen=amount, uplift_fen=0) is None:
            held.append(amount)
        uplift = policy.receivable_uplift(receivables_fen=amount, line_fen=line, room_fen=line - sum(held))
        held.append(uplift)
        assert sum(held) <= line
