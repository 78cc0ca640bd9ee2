"""The watch list: derived from exposures, risk sharing and post-loan authorisations; it starts with the loan, ends
with the exposure, stops at a revocation (the institution told that it stopped, nothing of what follows)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World
from tests.integration.loans.test_loans import _draw, _line
from tests.integration.monitoring.conftest import PENALTY, Watched, alerts, detect, fact, grant
from xinyidai import clock
from xinyidai.consent import service as consent_service
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans import service as loans_service
from xinyidai.loans.enums import DrawdownStatus, LineStatus
from xinyidai.loans.models import Drawdown
from xinyidai.loans.schemas import RepaymentCreate
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.models import WatchPeriod


def _pairs(session: Session) -> set[tuple[int, int]]:
    now, today = clock.now(), clock.today()
    return {(o, e) for o, e in session.execute(monitoring_service.watched_pairs_query(now=now, today=today))}


def test_the_watch_starts_with_the_loan_and_covers_only_what_arrives_from_then(session: Session,
                                                                              world: World) -> None:
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)  # before any loan: nobody watches
    detect(session)
    assert _pairs(session) == set() and alerts(session) == []
    line = _line(session, world)
    _draw(session, world, line, 1_000_000, months=6)
    assert _pairs(session) == set()  # a loan without the firm's post-loan authorisation is not watched
    grant(session, world, line, world.bank_a)
    grant(session, world, line, world.guarantor_org)
    assert _pairs(session) == {(world.bank_a, world.good_enterprise), (world.guarantor_org, world.good_enterprise)}
    detect(session)
    assert alerts(session) == []  # the earlier penalty is not news of the loan's time
    fact(session, world.good_enterprise, "admin_penalty", {**PENALTY, "decision_no": "南执罚〔2026〕109号"})
    detect(session)
    assert sorted(a.organisation_id for a in alerts(session)) == sorted([world.bank_a, world.guarantor_org])


def test_an_authorisation_to_another_bank_is_refused_and_watches_nothing(session: Session, world: World) -> None:
    line = _line(session, world)
    _draw(session, world, line, 1_000_000, months=6)
    with pytest.raises(consent_service.InvalidAuthorisation, match="放款银行或担保机构"):
        grant(session, world, line, world.bank_b)  # bank B carries no exposure of this firm
    assert [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
            if a.purpose == "post_loan_management"] == []  # nothing stored
    assert _pairs(session) == set()


def test_a_revocation_stops_the_watch_at_the_next_record_and_the_institution_is_told(session: Session,
                                                                                   watched: Watched) -> None:
    world = watched.world
    [bank_grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
                    if a.recipient_organisation_id == world.bank_a and a.purpose == "post_loan_management"]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=bank_grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    result = detect(session)
    assert result.watches_stopped == 1
    assert [a.signal for a in alerts(session, world.bank_a)] == ["watch_stopped"]
    [notice] = alerts(session, world.bank_a)
    assert notice.record_id is None and notice.category_code is None  # told it stopped, not what happened next
    assert [a.signal for a in alerts(session, world.guarantor_org)] == ["admin_penalty"]
    detect(session)
    assert len(alerts(session, world.bank_a)) == 1  # told once


def test_the_watch_ends_when_the_exposure_is_settled(session: Session, watched: Watched) -> None:
    world = watched.world
    drawdown = session.scalars(select(Drawdown).where(Drawdown.credit_line_id == watched.line.id)).one()
    loans_service.repay(session, principal=world.principal(session, "good"), drawdown_id=drawdown.id,
                        repayment_in=RepaymentCreate(amount_fen=1_000_000), idempotency_key="repay-all-0001")
    session.commit()
    session.expire_all()
    assert session.get(Drawdown, drawdown.id).status == DrawdownStatus.SETTLED  # type: ignore[union-attr]
    assert (world.bank_a, world.good_enterprise) in _pairs(session)  # the line is still open: still exposed
    loans_service.set_line_status(session, principal=world.principal(session, "a.manager"), line_id=watched.line.id,
                                  status=LineStatus.CLOSED, reason="贷款结清，额度关闭")
    session.commit()
    assert _pairs(session) == set()
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    detect(session)
    assert {a.signal for a in alerts(session)} == {"watch_stopped"}
    periods = session.scalars(select(WatchPeriod)).all()
    assert periods and all(p.ended_at is not None for p in periods)


def test_a_chain_member_is_watched_for_the_communitys_lender_under_its_authorisation(
    client: TestClient, session: Session, world: World
) -> None:
    """A confirmed member with an allocation is watched by the community's lender once the member grants it its
    post-loan authorisation naming the community; a firm that only asked to join is not."""
    from tests.integration.chains.test_chains import _founded
    from xinyidai.chains import service as chains_service

    community, _ = _founded(client, session, world)  # `late` a confirmed distributor with 400,000 yuan allocated
    session.expire_all()
    assert (world.bank_a, world.late_enterprise) not in _pairs(session)  # no authorisation yet
    consent_service.grant(
        session, enterprise_id=world.late_enterprise, granted_by_user_id=world.principal(session, "late").user_id or 0,
        recipient_organisation_id=world.bank_a, purpose=consent_service.Purpose.POST_LOAN_MANAGEMENT,
        purpose_ref=chains_service.watch_reference(community), categories=["C02"])
    session.commit()
    assert (world.bank_a, world.late_enterprise) in _pairs(session)
    detect(session)
    fact(session, world.late_enterprise, "admin_penalty", PENALTY)
    detect(session)
    [alert] = alerts(session, world.bank_a)
    assert (alert.enterprise_id, alert.signal, alert.credit_line_id) == (world.late_enterprise, "admin_penalty", None)


def test_a_member_authorising_on_the_grant_form_is_watched_until_it_revokes(
    client: TestClient, session: Session, world: World
) -> None:
    """End to end: the member grants the lender its post-loan authorisation naming the community on 我的授权 (no
    direct service call); the next detection run opens the lender's watch and news of the member reaches it; the
    member revokes on the same page and the next run stops the watch, the lender told that it stopped."""
    from tests.integration.chains.test_chains import _founded
    from tests.integration.conftest import login, page_csrf
    from xinyidai.chains import service as chains_service

    community, _ = _founded(client, session, world)  # `late` a confirmed distributor with 400,000 yuan allocated
    detect(session)
    pair = (world.bank_a, world.late_enterprise)
    client.cookies.clear()
    login(client, "late")
    token = page_csrf(client, "/authorisations/new")
    granted = client.post("/authorisations/new", data={
        "csrf_token": token, "recipient": str(world.bank_a), "purpose": "post_loan_management",
        "loan": chains_service.watch_reference(community), "categories": ["C02"], "days": "365", "mode": "periodic",
        "confirm": "yes"}, follow_redirects=False)
    assert granted.status_code == 303
    authorisation_id = int(granted.headers["location"].rsplit("=", 1)[1])
    detect(session)
    open_periods = select(WatchPeriod).where(WatchPeriod.organisation_id == world.bank_a,
                                             WatchPeriod.enterprise_id == world.late_enterprise)
    [period] = session.scalars(open_periods).all()
    assert pair in _pairs(session) and period.ended_at is None
    fact(session, world.late_enterprise, "admin_penalty", PENALTY)
    detect(session)
    assert [(a.enterprise_id, a.signal) for a in alerts(session, world.bank_a)] == [
        (world.late_enterprise, "admin_penalty")]
    token = page_csrf(client, "/authorisations")
    revoked = client.post(f"/authorisations/{authorisation_id}/revoke", data={"csrf_token": token, "confirm": "yes"},
                          follow_redirects=False)
    assert revoked.status_code == 303
    assert pair not in _pairs(session)
    result = detect(session)
    assert result.watches_stopped == 1
    session.expire_all()
    assert session.scalars(open_periods).one().ended_at is not None
    fact(session, world.late_enterprise, "admin_penalty", {**PENALTY, "decision_no": "南执罚〔2026〕117号"})
    detect(session)
    assert [a.signal for a in alerts(session, world.bank_a)] == ["admin_penalty", "watch_stopped"]
