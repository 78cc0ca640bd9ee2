"""The five-category classification by the regulator's rules: days past due and default or compensation status.

Known values are the published thresholds of 商业银行金融资产风险分类办法 (银保监会、中国人民银行令2023年第1号):
overdue at all → at least 关注; more than 90 days → at least 次级; more than 270 → at least 可疑; more than 360 →
损失; a credit-impaired (defaulted) asset → at least 次级.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.loans.enums import Classification, DrawdownStatus
from xinyidai.loans.policy import DEFAULT_BANDS, SEVERITY, bands_in_force, classify

C = Classification
S = DrawdownStatus
# A bank's bands looser than the regulator allows (e.g. set before the 2023 measures): 次级 only from 181 days,
# 可疑 from 361, 损失 from 721.
LOOSE = [(0, C.NORMAL), (1, C.SPECIAL_MENTION), (181, C.SUBSTANDARD), (361, C.DOUBTFUL), (721, C.LOSS)]


@pytest.mark.parametrize(("days", "category"), [
    (0, C.NORMAL), (1, C.SPECIAL_MENTION), (90, C.SPECIAL_MENTION), (91, C.SUBSTANDARD), (270, C.SUBSTANDARD),
    (271, C.DOUBTFUL), (360, C.DOUBTFUL), (361, C.LOSS), (800, C.LOSS),
])
def test_bands_looser_than_the_regulator_are_held_to_its_floors(days: int, category: Classification) -> None:
    assert classify(days, LOOSE) == category


@pytest.mark.parametrize("status", [S.DEFAULTED, S.COMPENSATED])
@pytest.mark.parametrize(("days", "category"), [
    (0, C.SUBSTANDARD), (1, C.SUBSTANDARD), (90, C.SUBSTANDARD), (91, C.SUBSTANDARD), (180, C.SUBSTANDARD),
    (181, C.DOUBTFUL), (361, C.LOSS),
])
def test_a_defaulted_or_compensated_drawdown_is_at_least_substandard(
        status: DrawdownStatus, days: int, category: Classification) -> None:
    # A default triggered at 90 days past due was "special mention" by days alone; impaired, it is non-performing.
    assert classify(days, status=status) == category


def test_an_active_drawdown_is_classified_by_days_past_due_alone() -> None:
    assert [classify(d, status=S.ACTIVE) for d in (0, 1, 90, 91)] == [C.NORMAL, C.SPECIAL_MENTION,
                                                                       C.SPECIAL_MENTION, C.SUBSTANDARD]


def test_the_bands_in_force_are_what_end_of_day_applies() -> None:
    assert bands_in_force(DEFAULT_BANDS) == list(DEFAULT_BANDS)
    assert bands_in_force(DEFAULT_BANDS, impaired=True) == [(0, C.SUBSTANDARD), (181, C.DOUBTFUL), (361, C.LOSS)]
    assert bands_in_force(LOOSE) == [(0, C.NORMAL), (1, C.SPECIAL_MENTION), (91, C.SUBSTANDARD), (271, C.DOUBTFUL),
                                     (361, C.LOSS)]


@given(days=st.integers(0, 3_000), more=st.integers(0, 3_000),
       status=st.sampled_from([S.ACTIVE, S.DEFAULTED, S.COMPENSATED]))
def test_impairment_and_age_only_ever_worsen_the_category(days: int, more: int, status: DrawdownStatus) -> None:
    assert SEVERITY[classify(days, LOOSE, status=status)] <= SEVERITY[classify(days + more, LOOSE, status=status)]
    assert SEVERITY[classify(days, LOOSE)] <= SEVERITY[classify(days, LOOSE, status=status)]
