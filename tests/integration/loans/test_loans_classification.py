"""The five-category classification of impaired drawdowns: a defaulted one and a compensated one (代偿) are
at least substandard (次级) in the bank's portfolio, and a compensated one is its own state, on the drawdown and
on the installments the guarantor paid, for the borrower and for the bank."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login
from tests.integration.loans.test_loans import _draw, _end_days, _line
from tests.integration.loans.test_loans_pages import _row, _testid
from xinyidai import clock, events
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans.models import Drawdown

NON_PERFORMING = ("substandard", "doubtful", "loss")


def _installment_states(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", state).strip()
            for state in re.findall(r'data-testid="installment-state">(.*?)</span>', html, re.S)]


def test_defaulted_and_compensated_drawdowns_are_non_performing_and_compensation_is_its_own_state(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    line = _line(session, world)
    defaulted = _draw(session, world, line, 1_000_000, months=6, key="draw-defaulted")
    _end_days(session, frozen_clock, date(2026, 12, 2))
    compensated = _draw(session, world, line, 600_000, months=6, key="draw-compensated")
    # The first drawdown defaults (90 days past its first installment) before any guarantee covers the product.
    _end_days(session, frozen_clock, date(2027, 3, 23))
    events.dispatch_pending(session_factory=session.info["session_factory"])
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    session.commit()
    _end_days(session, frozen_clock, date(2027, 4, 3))  # the second defaults; the guarantor compensates
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    first, second = session.get(Drawdown, defaulted.id), session.get(Drawdown, compensated.id)
    assert first is not None and second is not None
    assert (first.status, second.status) == ("defaulted", "compensated")
    assert first.classification in NON_PERFORMING and second.classification in NON_PERFORMING

    login(client, "a.officer")
    html = client.get("/bank/portfolio").text
    non_performing = sum(int(_testid(_summary_row(html, category), "summary-count"))
                         for category in NON_PERFORMING)
    assert non_performing == 2
    assert "次级" in _row(html, f"drawdown-{defaulted.id}") and "已违约" in _row(html, f"drawdown-{defaulted.id}")
    assert "次级" in _row(html, f"drawdown-{compensated.id}") and "已代偿" in _row(html, f"drawdown-{compensated.id}")
    bank_view = client.get(f"/loans/drawdowns/{compensated.id}").text
    assert "代偿" in _installment_states(bank_view)

    client.cookies.clear()
    login(client, "good")
    page = client.get(f"/loans/drawdowns/{compensated.id}").text
    states = _installment_states(page)
    # The guarantor paid the first installments (principal first, 80% of the claim); the borrower paid none of them.
    assert states[0] == "代偿" and "已还" not in states and states[-1] == "已违约"
    assert _testid(page, "drawdown-status") == "已代偿" and "次级" in _testid(page, "classification")
    read = client.get(f"/api/v1/drawdowns/{compensated.id}").json()
    assert read["status"] == "compensated" and read["classification"] in NON_PERFORMING
    assert read["installments"][0]["compensated"] is True and read["installments"][-1]["compensated"] is False


def _summary_row(html: str, category: str) -> str:
    match = re.search(rf'<tr data-testid="summary-{category}">(.*?)</tr>', html, re.S)
    assert match, f"no summary row {category}"
    return match.group(1)
