"""Product servicing terms: day count, upfront fee, overdue interest, repayment input rules."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.loans.test_loans import _draw, _end_days, _line
from xinyidai import clock
from xinyidai.errors import DomainError
from xinyidai.loans.models import Drawdown, LedgerPosting
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.models import Product


def _product(session: Session, world: World, **terms: object) -> None:
    product = session.get(Product, world.product_a)
    assert product is not None
    for name, value in terms.items():
        setattr(product, name, value)
    session.commit()


def test_act_365_products_accrue_on_a_365_day_year(session: Session, world: World,
                                                   frozen_clock: clock.FixedClock) -> None:
    # 10,000 yuan x 3.5% x 30 / 365 = 28.767… -> 28.77; the fee 10,000 x 1.2% x 30 / 365 = 9.863… -> 9.86.
    _product(session, world, day_count="act_365")
    drawdown = _draw(session, world, _line(session, world), 1_000_000)
    _end_days(session, frozen_clock, date(2026, 12, 22))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.bal_interest_accrued, fresh.bal_fee_accrued) == (2877, 986)


def test_an_upfront_guarantee_fee_is_charged_at_drawdown_and_not_accrued(
    session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    # 12 months of 100,000 yuan equal principal at 1.2% a year on the declining balance:
    # 100,000 x 1.2% / 12 x (12 + 11 + … + 1) / 12 = 100 x 78 / 12 = 650.00 yuan.
    _product(session, world, fee_mode="upfront")
    drawdown = _draw(session, world, _line(session, world), 10_000_000, method=RepaymentMethod.EQUAL_PRINCIPAL)
    assert drawdown.bal_fee_accrued == 65_000
    _end_days(session, frozen_clock, date(2026, 11, 30))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.bal_fee_accrued == 65_000


def test_overdue_interest_runs_at_the_rate_plus_half(session: Session, world: World,
                                                     frozen_clock: clock.FixedClock) -> None:
    drawdown = _draw(session, world, _line(session, world), 1_000_000, months=6)
    _end_days(session, frozen_clock, date(2026, 12, 23))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None
    overdue = fresh.bal_principal_overdue + fresh.bal_interest_overdue
    penalty_before = fresh.bal_penalty
    _end_days(session, frozen_clock, date(2027, 1, 1))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None
    # Nine days at 3.5% x 1.5 = 5.25% a year on the overdue amount (ACT/360), rounded on the running total.
    expected = (overdue * 52_500 * 9 * 2 + 360_000_000) // 720_000_000
    assert abs(fresh.bal_penalty - penalty_before - expected) <= 1


def test_bad_repayments_are_refused_and_post_nothing(client: TestClient, session: Session, world: World) -> None:
    drawdown = _draw(session, world, _line(session, world), 1_000_000)
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "k-bad-repay"}
    before = session.scalar(select(func.count()).select_from(LedgerPosting))
    for body, status, message in [
        ({"amount_fen": 0}, 422, "请求参数不正确"),
        ({"amount_fen": -1}, 422, "请求参数不正确"),
        ({"amount_fen": 100, "value_date": "2026-11-01"}, 400, "起息日只能为当日"),
        ({"amount_fen": 1_000_001}, 400, "还款金额超过全部应还金额"),
    ]:
        response = client.post(f"/api/v1/drawdowns/{drawdown.id}/repayments", json=body, headers=headers)
        assert response.status_code == status, response.text
        assert message in response.json()["message"]
    client.cookies.clear()
    login(client, "other")
    stranger = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "k-stranger"}
    assert client.post(f"/api/v1/drawdowns/{drawdown.id}/repayments", json={"amount_fen": 100},
                       headers=stranger).status_code == 404
    assert session.scalar(select(func.count()).select_from(LedgerPosting)) == before


def test_a_line_with_arrears_takes_no_new_drawdowns(session: Session, world: World,
                                                     frozen_clock: clock.FixedClock) -> None:
    line = _line(session, world)
    _draw(session, world, line, 1_000_000, months=6)
    _end_days(session, frozen_clock, date(2026, 12, 23))  # the first installment is missed
    with pytest.raises(DomainError, match="有逾期未还款项"):
        _draw(session, world, line, 100_000, key="draw-0002")


def test_each_bank_classifies_by_its_own_bands(client: TestClient, session: Session, world: World,
                                               frozen_clock: clock.FixedClock) -> None:
    login(client, "a.manager")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    strict = [{"category": "normal", "min_days_past_due": 0}, {"category": "special_mention", "min_days_past_due": 1},
              {"category": "substandard", "min_days_past_due": 5}, {"category": "doubtful", "min_days_past_due": 60},
              {"category": "loss", "min_days_past_due": 180}]
    wrong = client.put("/api/v1/bank/classification-bands", json=list(reversed(strict[1:])), headers=headers)
    assert wrong.status_code == 400 and "须从逾期0天开始" in wrong.json()["message"]
    assert client.put("/api/v1/bank/classification-bands", json=strict, headers=headers).status_code == 200
    drawdown = _draw(session, world, _line(session, world), 1_000_000, months=6)
    _end_days(session, frozen_clock, date(2026, 12, 28))  # due 23 December, five days past due
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.days_past_due, fresh.classification) == (5, "substandard")
