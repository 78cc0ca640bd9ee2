"""The demo district's post-loan monitoring: its borrowers are watched by the bank and the guarantee company, the
facts of the history raise alerts on their days (and nothing is raised for facts from before the loans), the bank's
officer handled the first ones, and the portfolio view has a trend to draw."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.demo import monitoring as demo_monitoring
from xinyidai.demo.generator import HISTORY_DAYS, generate
from xinyidai.identity import service as identity_service
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.models import Alert


def test_the_demo_raises_alerts_on_the_days_of_its_facts_and_handles_the_first(
        session: Session, frozen_clock: clock.FixedClock) -> None:
    generate(session, enterprises=40, seed=7)
    session.commit()
    officer = identity_service.principal_named(session, username="bank.officer")
    guarantor = identity_service.principal_named(session, username="guarantor")
    start = clock.today() - timedelta(days=HISTORY_DAYS)
    raised = session.scalars(select(Alert).where(Alert.organisation_id == officer.organisation_id)
                             .order_by(Alert.id)).all()
    # One alert per fact for the bank (six facts, none of them before the loans), each raised on its day.
    assert len(raised) == len(demo_monitoring.EVENTS)
    assert [a.raised_at.astimezone(clock.BUSINESS_TZ).date() for a in raised] == [
        start + timedelta(days=e.offset) for e in demo_monitoring.EVENTS]
    assert Counter(a.severity for a in raised) == {"attention": 3, "warning": 2, "severe": 1}
    # The first two handled and closed, the serious penalty acknowledged, the last three open.
    assert [a.status for a in raised] == ["closed", "closed", "acknowledged", "open", "open", "open"]
    assert [a.action for a in raised][:2] == ["called", "visited"]
    assert len(session.scalars(select(Alert).where(Alert.organisation_id == guarantor.organisation_id)).all()) == 6
    trend = monitoring_service.trend(session, principal=officer)
    assert sum(trend.raised) == 6 and sum(trend.closed) == 2
    assert sum(1 for count in trend.raised if count) >= 3  # spread over the months of the history
    view = monitoring_service.portfolio(session, principal=officer)
    assert view.open_alerts == 4 and view.firms >= 5 and view.exposure_fen > 0
