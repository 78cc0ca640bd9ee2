"""End to end: a department pushes a penalty for a borrower; the lending bank and the guarantee company each get
one alert in the same run, a bank without exposure nothing; the bank reads it (audited on the firm's access log),
acknowledges it, freezes the line from it and closes it. Scoping: one institution never sees another's alerts."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import login, page_csrf
from tests.integration.monitoring.conftest import PENALTY, Watched, alerts, detect, fact
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.creditdata import service as creditdata_service
from xinyidai.events import DomainEventRecord
from xinyidai.identity.models import Notification
from xinyidai.loans.enums import LineStatus
from xinyidai.loans.models import CreditLine
from xinyidai.monitoring import service as monitoring_service
from xinyidai.registry import service as registry_service


def _push_penalty(client: TestClient, session: Session, watched: Watched) -> None:
    world = watched.world
    creditdata_service.bind_department(session, code="law_enforcement", organisation_id=world.amr_org)
    session.commit()
    login(client, "amr.officer")
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    response = client.post("/api/v1/credit-data/admin_penalty/rows", json={"rows": [{"uscc": uscc, **PENALTY}]},
                           headers={"X-CSRF-Token": page_csrf(client, "/data/uploads"),
                                    "Idempotency-Key": "penalty-push-0001"})
    assert response.status_code == 201, response.text
    client.cookies.clear()


def test_a_pushed_penalty_reaches_each_carrier_once_and_the_bank_handles_it(
    client: TestClient, session: Session, watched: Watched
) -> None:
    world = watched.world
    _push_penalty(client, session, watched)
    # Detection ran after the batch committed (the delivery's event, then the job), in one run for both carriers.
    raised = alerts(session)
    assert sorted(a.organisation_id for a in raised) == sorted([world.bank_a, world.guarantor_org])
    assert len({a.detection_run_id for a in raised}) == 1
    assert not alerts(session, world.bank_b)
    published = session.scalars(select(DomainEventRecord).where(
        DomainEventRecord.name == "monitoring.alert_raised")).all()
    assert sorted(e.payload["organisation_id"] for e in published) == sorted([world.bank_a, world.guarantor_org])
    assert {e.payload["signal"] for e in published} == {"admin_penalty"}
    assert all(e.payload["rule_version"] == 1 for e in published)
    [alert] = alerts(session, world.bank_a)

    login(client, "a.officer")
    page = client.get("/api/v1/monitoring/alerts", params={"after": 0})
    assert page.status_code == 200
    [item] = page.json()["items"]
    assert item["id"] == alert.id and item["category_name"] == "行政许可与行政处罚信息"
    assert item["change"] == "行政处罚（信息日期 2026-11-20）"
    assert "南执罚" not in page.text and "50000" not in page.text  # never the record's content
    assert client.get("/api/v1/monitoring/alerts", params={"after": page.json()["next_cursor"]}).json()["items"] == []
    inbox = client.get("/monitoring/alerts")
    assert inbox.status_code == 200 and f'data-testid="alert-{alert.id}"' in inbox.text
    token = page_csrf(client, f"/monitoring/alerts/{alert.id}")
    assert client.post(f"/monitoring/alerts/{alert.id}/close", data={"csrf_token": token}).status_code == 409
    assert client.post(f"/monitoring/alerts/{alert.id}/acknowledge", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    frozen = client.post(f"/monitoring/alerts/{alert.id}/actions",
                         data={"csrf_token": token, "action": "froze_line", "note": "已电话核实"},
                         follow_redirects=False)
    assert frozen.status_code == 303, frozen.text
    assert client.post(f"/monitoring/alerts/{alert.id}/close", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    session.expire_all()
    frozen_line = session.get(CreditLine, watched.line.id)
    assert frozen_line is not None and frozen_line.status == LineStatus.FROZEN
    assert frozen_line.status_reason == f"风险预警第{alert.id}号：行政处罚"  # frozen through the loan service
    actions = [e.action for e in session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type.in_(["monitoring_alert", "credit_line"])).order_by(AuditEntry.id))]
    for expected in ("monitoring.alert_read", "monitoring.alert_acknowledged", "loans.line_frozen",
                     "monitoring.alert_action", "monitoring.alert_closed"):
        assert expected in actions
    [handled] = alerts(session, world.bank_a)
    assert handled.status == "closed" and handled.action == "froze_line"

    officer = world.principal(session, "a.officer")
    freeze = session.scalars(select(AuditEntry).where(AuditEntry.action == "loans.line_frozen")).one()
    assert freeze.actor_user_id == officer.user_id and freeze.actor_organisation_id == world.bank_a
    # The read: by whom, of which firm, under which post-loan authorisation (the one the alert was raised under).
    reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "monitoring.alert_read")).all()
    assert reads and {(r.actor_user_id, r.actor_organisation_id, r.enterprise_id) for r in reads} == {
        (officer.user_id, world.bank_a, world.good_enterprise)}
    assert {r.purpose for r in reads} == {f"post_loan_management:LINE{watched.line.id}"}
    assert all(r.detail["authorisation_ids"] == [alert.authorisation_id] for r in reads)
    assert alert.authorisation_id is not None

    client.cookies.clear()
    login(client, "b.officer")  # a bank without exposure: nothing to see
    assert client.get("/api/v1/monitoring/alerts").json()["items"] == []
    client.cookies.clear()
    login(client, "good")
    log = client.get("/credit-file/access-log")
    rows = [row for row in log.text.split("<tr")[1:] if "贷后管理查看风险预警" in row]
    # The purpose in words with the line it concerns, never its code.
    assert rows and all("甲银行" in row and f"贷后管理 LINE{watched.line.id}" in row for row in rows)
    assert "post_loan_management" not in log.text
    assert "乙银行" not in log.text


def test_an_institution_never_sees_anothers_alerts(client: TestClient, session: Session, watched: Watched) -> None:
    world = watched.world
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    detect(session)
    [bank_alert] = alerts(session, world.bank_a)
    [guarantor_alert] = alerts(session, world.guarantor_org)
    login(client, "b.officer")
    assert client.get("/api/v1/monitoring/alerts").json()["items"] == []
    assert client.get(f"/api/v1/monitoring/alerts/{bank_alert.id}").status_code == 404
    assert client.get(f"/monitoring/alerts/{bank_alert.id}").status_code == 404
    client.cookies.clear()
    login(client, "guarantor")
    assert [i["id"] for i in client.get("/api/v1/monitoring/alerts").json()["items"]] == [guarantor_alert.id]
    headers = {"X-CSRF-Token": page_csrf(client, "/monitoring/alerts")}
    refused = client.post(f"/api/v1/monitoring/alerts/{guarantor_alert.id}/actions",
                          json={"action": "froze_line"}, headers=headers)
    assert refused.status_code in (404, 409), refused.text  # only the lending bank freezes its line
    assert client.post(f"/api/v1/monitoring/alerts/{bank_alert.id}/acknowledge", headers=headers).status_code == 404
    client.cookies.clear()
    login(client, "good")
    assert client.get("/api/v1/monitoring/alerts").status_code == 403


def test_an_alert_left_unacknowledged_goes_to_the_banks_manager(session: Session, watched: Watched,
                                                              frozen_clock: clock.FixedClock) -> None:
    world = watched.world
    fact(session, world.good_enterprise, "admin_penalty", {**PENALTY, "severity": "严重"})
    detect(session)
    assert monitoring_service.escalate_overdue(session) == 0  # within its deadline
    frozen_clock.advance(timedelta(hours=5))  # a severe alert has four hours
    assert monitoring_service.escalate_overdue(session) == 2
    session.commit()
    assert monitoring_service.escalate_overdue(session) == 0  # once
    manager = world.principal(session, "a.manager").user_id
    assert session.scalars(select(Notification).where(Notification.user_id == manager)).all()
    assert session.scalars(select(Notification).where(Notification.organisation_id == world.guarantor_org)).all()


def test_the_portfolio_view_and_the_pages_in_english(client: TestClient, session: Session,
                                                     watched: Watched) -> None:
    from tests.integration.foundation.test_english_pages import _left_in_chinese

    world = watched.world
    fact(session, world.good_enterprise, "admin_penalty", {**PENALTY, "severity": "严重"})
    detect(session)
    [alert] = alerts(session, world.bank_a)
    view = monitoring_service.portfolio(session, principal=world.principal(session, "a.officer"))
    assert view.firms == 1 and view.open_alerts == 1 and view.exposure_fen == 1_000_000
    assert [(b.label, b.firms) for b in view.by_severity if b.firms] == [("严重", 1)]
    assert [(b.label, b.exposure_fen) for b in view.by_area] == [("南坪街道", 1_000_000)]
    guarantor_view = monitoring_service.portfolio(session, principal=world.principal(session, "guarantor"))
    assert guarantor_view.exposure_fen == 800_000  # its 80% share
    login(client, "a.officer")
    page = client.get("/monitoring/portfolio")
    assert page.status_code == 200 and 'data-testid="watched-firms">1<' in page.text
    paths = ["/monitoring/alerts", f"/monitoring/alerts/{alert.id}", "/monitoring/portfolio"]
    assert not _left_in_chinese(client, paths)
    client.cookies.clear()
    login(client, "admin")
    assert not _left_in_chinese(client, ["/admin/monitoring/rules"])
