"""The enterprise grants on 我的授权: a credit report download to an institution (summary first, then confirm),
bad forms answered in Chinese with nothing written; the institution downloads the report under the reference;
revoked, it is refused and the refusal is on record."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.registry import service as registry_service

FORM = {"purpose": "credit_report_download", "categories": ["C01", "C04"], "days": "30", "mode": "one_time",
        "data_from": "2024-01-01", "data_to": ""}


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Authorisation)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "consent.granted")) or 0)


def test_the_form_offers_active_institutions_only_and_is_the_entitys_alone(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "good")
    page = client.get("/authorisations/new")
    assert page.status_code == 200
    assert all(name in page.text for name in ("甲银行（银行）", "乙银行（银行）", "丙担保", "信用报告下载", "贷后管理",
                                              "一次性", "有效期内多次"))
    assert "南岸区税务局" not in page.text and "平台运营中心" not in page.text
    assert 'href="/authorisations/new"' in client.get("/authorisations").text
    client.cookies.set("lang", "en")  # the kind of each institution in the page's language, its name as it is
    english = client.get("/authorisations/new").text
    assert "甲银行 (Bank)" in english and "（银行）" not in english
    client.cookies.delete("lang")
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get("/authorisations/new").status_code == 403


def test_a_summary_first_then_the_confirmed_grant_is_written_and_audited(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    login(client, "good")
    token = page_csrf(client, "/authorisations/new")
    preview = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_a), **FORM})
    assert preview.status_code == 200 and 'data-testid="grant-summary"' in preview.text
    assert all(text in preview.text for text in (
        "被授权机构：甲银行", "授权用途：信用报告下载", "数据期间：2024-01-01 至 不限",
        "有效期：自确认起30天，至2026-12-23 10:00", "一次性：对方只能查询一次"))
    assert _counts(session) == (0, 0)  # nothing written before the enterprise confirms
    granted = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_a),
                                                       "confirm": "yes", **FORM}, follow_redirects=False)
    assert granted.status_code == 303
    [authorisation] = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
    assert granted.headers["location"] == f"/authorisations?granted={authorisation.id}"
    assert (authorisation.purpose, authorisation.recipient_organisation_id, authorisation.categories,
            authorisation.mode) == ("credit_report_download", world.bank_a, ["C01", "C04"], "one_time")
    assert str(authorisation.data_from) == "2024-01-01" and authorisation.data_to is None
    assert authorisation.expires_at - authorisation.valid_from == timedelta(days=30)
    assert re.fullmatch(r"RPT20261123[A-Z2-9]{6}", authorisation.purpose_ref)
    assert _counts(session) == (1, 1)
    page = client.get(granted.headers["location"])
    assert authorisation.purpose_ref in page.text and "请将业务编号告知被授权机构" in page.text


@pytest.mark.parametrize(("change", "message"), [
    ({"recipient": ""}, "请选择要授权的银行、担保机构或信用服务机构"),
    ({"recipient": "999999"}, "请选择要授权的银行、担保机构或信用服务机构"),
    ({"purpose": "financing_application"}, "请选择授权用途"),
    ({"categories": []}, "请至少选择一类信用信息"),
    ({"categories": ["C99"]}, "不存在的信息类别：C99"),
    ({"data_from": "2024-13-01"}, "数据起始日期“2024-13-01”不是有效日期"),
    ({"data_from": "2025-01-01", "data_to": "2024-01-01"}, "数据期间的起始日期不能晚于截止日期"),
    ({"days": "0"}, "有效期须为1至365天的整数"),
    ({"days": "abc"}, "有效期须为1至365天的整数"),
    # str.isdigit() admits superscripts and other digits int() refuses or reads: only ASCII digits are a number.
    ({"days": "³"}, "有效期须为1至365天的整数"),
    ({"days": "²"}, "有效期须为1至365天的整数"),
    ({"days": "３０"}, "有效期须为1至365天的整数"),
    ({"recipient": "²"}, "请选择要授权的银行、担保机构或信用服务机构"),
    ({"recipient": "9" * 40}, "请选择要授权的银行、担保机构或信用服务机构"),
    ({"mode": "forever"}, "请选择授权方式"),
    ({"purpose": "post_loan_management"}, "贷后管理授权须针对本企业的一笔贷款"),
])
def test_a_bad_form_is_answered_in_chinese_and_writes_nothing(
        client: TestClient, session: Session, world: World, change: dict[str, object], message: str) -> None:
    login(client, "good")
    token = page_csrf(client, "/authorisations/new")
    fields = {"recipient": str(world.bank_a), **FORM, "confirm": "yes", **change}
    response = client.post("/authorisations/new", data={"csrf_token": token, **fields})
    assert response.status_code == 422 and message in response.text
    assert _counts(session) == (0, 0)


def test_a_department_is_no_recipient(client: TestClient, session: Session, world: World) -> None:
    login(client, "good")
    token = page_csrf(client, "/authorisations/new")
    response = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.tax_org),
                                                        "confirm": "yes", **FORM})
    assert response.status_code == 422 and _counts(session) == (0, 0)


def test_granted_on_the_page_the_institution_downloads_the_report_until_revoked(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "good")
    token = page_csrf(client, "/authorisations/new")
    client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_a), "confirm": "yes",
                                             **{**FORM, "mode": "periodic"}})
    [authorisation] = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    client.cookies.clear()
    login(client, "a.officer")
    token = page_csrf(client, "/credit-reports")
    pdf = client.post("/credit-reports", data={"csrf_token": token, "uscc": uscc,
                                               "purpose_ref": authorisation.purpose_ref})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    client.cookies.clear()
    login(client, "good")
    token = page_csrf(client, "/authorisations")
    client.post(f"/authorisations/{authorisation.id}/revoke", data={"csrf_token": token, "confirm": "yes"})
    client.cookies.clear()
    login(client, "a.officer")
    token = page_csrf(client, "/credit-reports")
    refused = client.post("/credit-reports", data={"csrf_token": token, "uscc": uscc,
                                                   "purpose_ref": authorisation.purpose_ref})
    assert refused.status_code == 403 and "撤销" in refused.text
    session.expire_all()
    refusals = list(session.scalars(select(AuditEntry).where(AuditEntry.action == consent_service.REFUSED_ACTION)))
    assert [r.detail["refusal"] for r in refusals] == ["revoked"]
