"""The portfolio risk view's trend, worked out by hand: one borrower, lent 10,000 yuan on 7 September and 5,000 more
on 20 October, guaranteed 80% by the guarantee company; a penalty (关注) on 10 September that the bank closes on
15 October (the guarantee company never does); a serious penalty (严重) on 5 November; seen on Monday 23 November."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login
from tests.integration.loans.test_loans import _draw, _line
from tests.integration.monitoring.conftest import PENALTY, alerts, detect, fact, grant
from xinyidai import clock
from xinyidai.guarantee import service as guarantee_service
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.enums import HandlingAction
from xinyidai.monitoring.portfolio import periods
from xinyidai.monitoring.schemas import AlertActionCreate

ZERO6 = [0] * 6


def _history(session: Session, world: World) -> None:
    with clock.use(clock.at(2026, 9, 7, 10)):
        guarantee_service.create_agreement(session, product_id=world.product_a,
                                           guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                           bank_share=Decimal("0.2"))
        line = _line(session, world)
        _draw(session, world, line, 1_000_000, months=6)
        grant(session, world, line, world.bank_a)
        grant(session, world, line, world.guarantor_org)
        detect(session)
    with clock.use(clock.at(2026, 9, 10, 10)):
        fact(session, world.good_enterprise, "admin_penalty", {**PENALTY, "decision_date": "2026-09-08"})
        detect(session)
    with clock.use(clock.at(2026, 10, 15, 10)):
        [first] = alerts(session, world.bank_a)
        officer = world.principal(session, "a.officer")
        monitoring_service.record_action(session, principal=officer, alert_id=first.id,
                                         action_in=AlertActionCreate(action=HandlingAction.CALLED))
        monitoring_service.close(session, principal=officer, alert_id=first.id)
        session.commit()
    with clock.use(clock.at(2026, 10, 20, 10)):
        _draw(session, world, line, 500_000, months=6, key="draw-0002")
    with clock.use(clock.at(2026, 11, 5, 10)):
        fact(session, world.good_enterprise, "admin_penalty", {
            **PENALTY, "decision_no": "南执罚〔2026〕130号", "severity": "严重", "decision_date": "2026-11-02"})
        detect(session)


def test_periods_are_calendar_months_or_weeks_from_monday_the_current_one_partial() -> None:
    months = periods(today=date(2026, 11, 23), granularity="month")
    assert [p.label for p in months] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert (months[1].first, months[1].last) == (date(2026, 7, 1), date(2026, 7, 31))
    assert months[-1].last == date(2026, 11, 23)
    weeks = periods(today=date(2026, 11, 25), granularity="week")
    assert len(weeks) == 12 and weeks[0].first == date(2026, 9, 7)  # a Monday, eleven weeks before 23 November
    assert (weeks[-1].first, weeks[-1].last) == (date(2026, 11, 23), date(2026, 11, 25))
    january = periods(today=date(2027, 1, 3), granularity="month")
    assert [p.label for p in january][-3:] == ["2026-11", "2026-12", "2027-01"]


def test_the_trend_by_month_from_the_alerts_the_watch_periods_and_the_ledger(
        session: Session, world: World) -> None:
    _history(session, world)
    with clock.use(clock.at(2026, 11, 23, 10)):
        bank = monitoring_service.trend(session, principal=world.principal(session, "a.officer"))
        guarantor = monitoring_service.trend(session, principal=world.principal(session, "guarantor"))
        other = monitoring_service.trend(session, principal=world.principal(session, "b.officer"))
        view = monitoring_service.portfolio(session, principal=world.principal(session, "a.manager"))
    # June … November: one alert raised in September and one in November; the bank closed one in October.
    assert bank.raised == [0, 0, 0, 1, 0, 1] and bank.closed == [0, 0, 0, 0, 1, 0]
    assert guarantor.raised == [0, 0, 0, 1, 0, 1] and guarantor.closed == ZERO6
    # At the end of September the bank watched 10,000 yuan under an open 关注; at the end of October 15,000 yuan
    # with nothing open; now 15,000 under the 严重 of 5 November.
    assert bank.exposure_by_severity == {
        "严重": [0, 0, 0, 0, 0, 1_500_000], "预警": ZERO6, "关注": [0, 0, 0, 1_000_000, 0, 0], "提示": ZERO6,
        "无未结预警": [0, 0, 0, 0, 1_500_000, 0]}
    # The guarantee company carries 80% of it, and left its September alert open.
    assert guarantor.exposure_by_severity == {
        "严重": [0, 0, 0, 0, 0, 1_200_000], "预警": ZERO6, "关注": [0, 0, 0, 800_000, 1_200_000, 0], "提示": ZERO6,
        "无未结预警": ZERO6}
    # A bank without exposure has nothing, and the view now agrees with the trend's last point.
    assert other.raised == ZERO6 and all(values == ZERO6 for values in other.exposure_by_severity.values())
    assert view.exposure_fen == 1_500_000 and view.open_alerts == 1


def test_the_trend_by_week_and_the_page(client: TestClient, session: Session, world: World) -> None:
    _history(session, world)
    with clock.use(clock.at(2026, 11, 23, 10)):
        weekly = monitoring_service.trend(session, principal=world.principal(session, "a.officer"),
                                          granularity="week")
        # Weeks from Monday 7 September: raised in the first (10 September) and the ninth (5 November); closed in
        # the sixth (15 October); 15,000 yuan watched from the week of 19 October (drawn on the 20th).
        assert weekly.raised == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
        assert weekly.closed == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        assert [sum(v[i] for v in weekly.exposure_by_severity.values()) for i in (0, 5, 6, 11)] == [
            1_000_000, 1_000_000, 1_500_000, 1_500_000]
        # Past their deadlines unacknowledged: the bank's 严重 of 5 November (to its manager), and the guarantee
        # company's two (its 关注 of September too).
        assert monitoring_service.escalate_overdue(session) == 3
        session.commit()
        login(client, "a.officer")
        page = client.get("/monitoring/portfolio", params={"by": "week"})
        assert page.status_code == 200 and 'data-testid="escalated-count">1<' in page.text
        assert 'data-testid="trend-alerts"' in page.text and 'data-testid="trend-exposure"' in page.text
        assert "09-07" in page.text and 'aria-current="page">按周' in page.text
        assert 'data-testid="portfolio-open-alerts"' in page.text
        [severe] = [a for a in alerts(session, world.bank_a) if a.status != "closed"]
        assert f'href="/monitoring/alerts/{severe.id}"' in page.text
        # An unknown period falls back to months; nothing else is accepted into the page.
        assert client.get("/monitoring/portfolio", params={"by": "decade"}).status_code == 200
        assert client.get("/monitoring/portfolio", params={"by": "x" * 11}).status_code == 422
