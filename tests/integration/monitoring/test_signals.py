"""Each implemented signal fires on its change, stays silent without it, and fires once; rules as data."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.monitoring.conftest import PENALTY, Watched, alerts, detect, fact
from xinyidai.audit.models import AuditEntry
from xinyidai.creditdata import service as creditdata_service
from xinyidai.monitoring.models import MonitoringRule

# signal → (sub-category, values that fire it, values of the same sub-category that do not, or None)
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]] = {
    "equity_change": ("equity_change", {"change_date": "2026-11-20", "item": "法定代表人变更", "before": "张三",
                                        "after": "李四"}, None),
    "abnormal_operations": ("abnormal_operation", {"listed_date": "2026-11-20", "reason": "未按规定报送年度报告",
                                                   "authority": "南岸区市场监管局"}, None),
    "admin_penalty": ("admin_penalty", PENALTY, {**PENALTY, "decision_no": "南执罚〔2026〕102号", "severity": "严重"}),
    "admin_penalty_serious": ("admin_penalty", {**PENALTY, "severity": "严重"}, PENALTY),
    "tax_arrears": ("tax_arrears", {"tax_kind": "增值税", "amount": "12000", "announced_date": "2026-11-20"}, None),
    "utility_arrears": ("water", {"month": "2026-10", "month_end": "2026-10-31", "usage": "12", "amount_billed": "300",
                                  "amount_overdue": "2000"},
                        {"month": "2026-09", "month_end": "2026-09-30", "usage": "12", "amount_billed": "300",
                         "amount_overdue": "0"}),
    "court_judgment": ("judgment", {"case_no": "(2026)渝0108民初1号", "cause": "买卖合同纠纷", "role": "被告",
                                    "judgment_date": "2026-11-20", "court": "南岸区人民法院"}, None),
    "court_enforcement": ("enforcement_case", {"case_no": "(2026)渝0108执1号", "court": "南岸区人民法院",
                                               "amount": "80000", "filed_date": "2026-11-20",
                                               "status": "执行中"}, None),
    "other_institution_default": ("financing_default", {"loan_ref": "X1", "lender": "乙银行",
                                                        "default_date": "2026-11-20", "days_past_due": "90",
                                                        "outstanding": "10000"},
                                  {"loan_ref": "X2", "lender": "甲银行", "default_date": "2026-11-20",
                                   "days_past_due": "90", "outstanding": "10000"}),
}


@pytest.mark.parametrize("signal", sorted(CASES))
def test_a_signal_fires_on_its_change_once_and_not_without_it(session: Session, watched: Watched,
                                                              signal: str) -> None:
    world = watched.world
    item, firing, quiet = CASES[signal]
    assert detect(session).alerts_raised == 0  # nothing new: silent
    if quiet is not None:
        fact(session, world.good_enterprise, item, quiet)
        detect(session)
        assert not [a for a in alerts(session, world.bank_a) if a.signal == signal]
    record_id = fact(session, world.good_enterprise, item, firing)
    detect(session)
    mine = [a for a in alerts(session, world.bank_a) if a.signal == signal]
    assert len(mine) == 1
    [alert] = mine
    assert alert.record_id == record_id and alert.rule_version == 1 and alert.credit_line_id == watched.line.id
    assert alert.authorisation_id is not None
    detect(session)  # the same record never raises the same alert twice
    assert len([a for a in alerts(session, world.bank_a) if a.signal == signal]) == 1


def test_a_default_at_the_watcher_itself_is_not_news_from_elsewhere(session: Session, watched: Watched) -> None:
    world = watched.world
    fact(session, world.good_enterprise, "financing_default", CASES["other_institution_default"][2] or {})
    detect(session)
    assert [a.signal for a in alerts(session, world.bank_a)] == []
    assert [a.signal for a in alerts(session, world.guarantor_org)] == ["other_institution_default"]


def test_a_corrected_record_is_a_positive_signal(session: Session, watched: Watched) -> None:
    world = watched.world
    record_id = fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    detect(session)
    creditdata_service.correct_record(session, record_id=record_id, values={**PENALTY, "severity": "轻微"},
                                      reference="YY20261123001")
    session.commit()
    detect(session)
    signals = sorted(a.signal for a in alerts(session, world.bank_a))
    assert signals == ["admin_penalty", "record_corrected"]


def test_a_category_the_authorisation_does_not_cover_raises_nothing(session: Session, world: World) -> None:
    from decimal import Decimal

    from tests.integration.loans.test_loans import _draw, _line
    from tests.integration.monitoring.conftest import grant
    from xinyidai.guarantee import service as guarantee_service

    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    line = _line(session, world)
    _draw(session, world, line, 1_000_000, months=6)
    grant(session, world, line, world.bank_a, categories=["C01"])
    detect(session)
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)  # C02
    fact(session, world.good_enterprise, "abnormal_operation", CASES["abnormal_operations"][1])  # C01
    detect(session)
    assert [a.signal for a in alerts(session, world.bank_a)] == ["abnormal_operations"]


def test_a_rule_change_is_a_new_version_audited_and_named_by_later_alerts(
    client: TestClient, session: Session, watched: Watched
) -> None:
    world = watched.world
    login(client, "admin")
    headers = {"X-CSRF-Token": page_csrf(client, "/admin/monitoring/rules")}
    body = {"signal": "admin_penalty", "severity": "severe", "recipient_kinds": ["bank"], "threshold": None}
    created = client.post("/api/v1/monitoring/rules", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2 and created.json()["severity_label"] == "严重"
    session.expire_all()
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "monitoring.rule_changed")).one()
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    detect(session)
    [alert] = [a for a in alerts(session) if a.signal == "admin_penalty"]  # the guarantor no longer receives it
    assert alert.organisation_id == world.bank_a and alert.rule_version == 2 and alert.severity == "severe"


@pytest.mark.parametrize(("body", "words"), [
    ({"signal": "weather", "severity": "hint", "recipient_kinds": ["bank"]}, "未知的监测信号"),
    ({"signal": "utility_arrears", "severity": "hint", "recipient_kinds": ["bank"], "threshold": -5}, "阈值不能为负数"),
    ({"signal": "admin_penalty", "severity": "hint", "recipient_kinds": []}, "至少选择一类接收机构"),
    ({"signal": "vat_drop", "severity": "hint", "recipient_kinds": ["bank"], "threshold": 120}, "1 到 100 之间"),
    ({"signal": "social_insurance_drop", "severity": "hint", "recipient_kinds": ["bank"]}, "该信号须设置阈值"),
])
def test_bad_rule_input_is_refused_with_a_clear_message_and_nothing_stored(
    client: TestClient, session: Session, world: World, body: dict[str, Any], words: str
) -> None:
    before = len(session.scalars(select(MonitoringRule)).all())
    login(client, "admin")
    headers = {"X-CSRF-Token": page_csrf(client, "/admin/monitoring/rules")}
    refused = client.post("/api/v1/monitoring/rules", json=body, headers=headers)
    assert refused.status_code == 422 and words in refused.json()["message"], refused.text
    page = client.post("/admin/monitoring/rules", data={
        "csrf_token": headers["X-CSRF-Token"], "signal": body["signal"], "severity": body["severity"],
        "recipient_kinds": body["recipient_kinds"], "threshold": str(body.get("threshold") or "")})
    assert page.status_code == 422 and words in page.text, page.text
    session.expire_all()
    assert len(session.scalars(select(MonitoringRule)).all()) == before


def test_only_the_platform_admin_writes_rules(client: TestClient, world: World) -> None:
    login(client, "a.manager")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    body = {"signal": "admin_penalty", "severity": "hint", "recipient_kinds": ["bank"]}
    assert client.post("/api/v1/monitoring/rules", json=body, headers=headers).status_code == 403
