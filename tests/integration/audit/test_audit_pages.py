"""The audit pages: the search for the platform admin and the regulator, and the enterprise's own
"who looked at my information", scoped to entries about itself made by others."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login
from xinyidai.audit import service as audit_service
from xinyidai.audit.actor import Actor, ActorKind
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.registry import service as registry_service


def _rows(html: str, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="{prefix}-(\d+)"', html)


def _by(organisation_id: int) -> Actor:
    """A user of the organisation."""
    return Actor(kind=ActorKind.USER, user_id=1, organisation_id=organisation_id)


def _seed(session: Session, world: World) -> dict[str, int]:
    """Entries about `good` by a bank and by itself, and one about `other` by a bank."""
    ids = {
        "bank_read_good": audit_service.record(
            session, action="creditdata.credit_file_read", actor=_by(world.bank_a),
            enterprise_id=world.good_enterprise, purpose="授信审查").id,
        "self_good": audit_service.record(
            session, action="creditdata.self_reported", actor=_by(_org_of(session, world.good_enterprise)),
            enterprise_id=world.good_enterprise).id,
        "bank_read_other": audit_service.record(
            session, action="creditdata.credit_file_read", actor=_by(world.bank_b),
            enterprise_id=world.other_enterprise, purpose="贷后管理").id,
        "platform_good": audit_service.record(
            session, action="guarantee.recovered", actor=Actor.system("recovery"),
            enterprise_id=world.good_enterprise).id,
    }
    session.commit()
    return ids


def _org_of(session: Session, enterprise_id: int) -> int:
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=enterprise_id)
    assert organisation is not None
    return organisation.id


def test_the_enterprise_sees_only_entries_about_itself_by_other_organisations(
        session: Session, world: World, client: TestClient) -> None:
    ids = _seed(session, world)
    login(client, "good")
    response = client.get("/credit-file/access-log")
    assert response.status_code == 200
    assert _rows(response.text, "access") == [str(ids["bank_read_good"])]
    assert "甲银行" in response.text and "查阅信用档案" in response.text and "授信审查" in response.text
    assert "贷后管理" not in response.text and "乙银行" not in response.text


def test_the_access_log_is_for_enterprises_only(session: Session, world: World, client: TestClient) -> None:
    login(client, "a.officer")
    assert client.get("/credit-file/access-log").status_code == 403


def test_a_bank_cannot_open_the_audit_search(session: Session, world: World, client: TestClient) -> None:
    login(client, "a.officer")
    assert client.get("/admin/audit").status_code == 403
    client.cookies.clear()
    login(client, "good")
    assert client.get("/admin/audit").status_code == 403


def test_the_admin_searches_by_action_organisation_and_enterprise(session: Session, world: World,
                                                                   client: TestClient) -> None:
    ids = _seed(session, world)
    login(client, "admin")
    response = client.get("/admin/audit", params={"action": "creditdata.credit_file_read"})
    assert response.status_code == 200
    entries = {str(session.get_one(AuditEntry, i).sequence) for i in
               (ids["bank_read_good"], ids["bank_read_other"])}
    assert set(_rows(response.text, "audit")) == entries
    response = client.get("/admin/audit", params={"organisation": str(world.bank_b),
                                                  "action": "creditdata.credit_file_read"})
    assert _rows(response.text, "audit") == [str(session.get_one(AuditEntry,
                                                                  ids["bank_read_other"]).sequence)]
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    response = client.get("/admin/audit", params={"uscc": uscc, "action": "creditdata.credit_file_read"})
    assert len(_rows(response.text, "audit")) == 1 and "甲银行" in response.text
    # An organisation that is no number (str.isdigit() admits "²", which int() refuses) is named, not a 500.
    refused = client.get("/admin/audit", params={"organisation": "²"})
    assert refused.status_code < 500 and "所选机构无效" in refused.text


def test_the_search_by_date_and_pages(session: Session, world: World, client: TestClient) -> None:
    for n in range(60):
        audit_service.record(session, action="orders.accepted", actor=_by(world.bank_a), subject_id=n)
    session.commit()
    login(client, "admin")
    today = "2026-11-23"
    first = client.get("/admin/audit", params={"action": "orders.accepted", "date_from": today, "date_to": today})
    assert first.status_code == 200 and len(_rows(first.text, "audit")) == 50
    assert 'data-testid="audit-total">60<' in first.text
    second = client.get("/admin/audit", params={"action": "orders.accepted", "date_from": today, "date_to": today,
                                                "page": 2})
    assert len(_rows(second.text, "audit")) == 10
    assert not set(_rows(first.text, "audit")) & set(_rows(second.text, "audit"))
    earlier = client.get("/admin/audit", params={"action": "orders.accepted", "date_to": "2026-11-22"})
    assert _rows(earlier.text, "audit") == []


def test_bad_filters_get_a_clear_message_not_a_500(session: Session, world: World, client: TestClient) -> None:
    login(client, "admin")
    response = client.get("/admin/audit", params={"date_from": "2026-13-40", "uscc": "NOPE"})
    assert response.status_code == 422
    assert "不是有效日期" in response.text and "未找到统一社会信用代码" in response.text


def test_the_regulator_may_search(session: Session, world: World, client: TestClient) -> None:
    government = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="区发展改革委", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=government.id, username="supervisor", display_name="supervisor", password=PASSWORD,
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    session.commit()
    login(client, "supervisor")
    response = client.get("/admin/audit")
    assert response.status_code == 200 and "审计日志" in response.text


def test_actions_and_subjects_are_shown_in_words_not_codes(session: Session, world: World,
                                                            client: TestClient) -> None:
    from xinyidai.orders import service as orders_service
    from xinyidai.orders.schemas import OrderCreate

    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", authorise=True))
    read = audit_service.record(session, action="scoring.portrait_read", actor=_by(world.bank_a),
                                subject_type="financing_order", subject_id=order.id,
                                enterprise_id=world.good_enterprise, purpose="授信审查")
    line = audit_service.record(session, action="loans.line_frozen", actor=_by(world.bank_a),
                                subject_type="credit_line", subject_id=12, enterprise_id=world.good_enterprise)
    session.commit()
    login(client, "admin")
    page = client.get("/admin/audit").text
    assert f"融资订单 {order.order_no}" in page and "授信额度 #12" in page and "查阅信用画像" in page
    assert "financing_order" not in page and "scoring.portrait_read</td>" not in page
    assert f'data-testid="audit-subject-{read.sequence}">融资订单 {order.order_no}<' in page
    assert f'data-testid="audit-subject-{line.sequence}">授信额度 #12<' in page
    login(client, "good")
    log = client.get("/credit-file/access-log").text
    assert f'data-testid="access-subject-{read.id}">融资订单 {order.order_no}<' in log
    assert "查阅信用画像" in log and "冻结授信额度" in log and "financing_order" not in log


CJK = re.compile(r"[\u3400-\u9fff]")


def _cell(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', html, re.S)
    assert found, testid
    return found.group(1)


def test_entries_read_in_the_pages_language_and_purposes_in_words(session: Session, world: World,
                                                                  client: TestClient) -> None:
    from xinyidai.orders import service as orders_service
    from xinyidai.orders.schemas import OrderCreate

    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", authorise=True))
    read = audit_service.record(session, action="creditdata.credit_file_read", actor=_by(world.bank_a),
                                subject_type="credit_file", subject_id=world.good_enterprise,
                                enterprise_id=world.good_enterprise, purpose=f"financing_application:{order.order_no}")
    job = audit_service.record(session, action="guarantee.recovered", actor=Actor.system("recovery"),
                               subject_type="drawdown", subject_id=7, enterprise_id=world.good_enterprise)
    session.commit()
    login(client, "admin")
    page = client.get("/admin/audit").text
    assert _cell(page, f"audit-purpose-{read.sequence}") == f"融资申请审批 {order.order_no}"
    assert "financing_application" not in page
    client.cookies.set("lang", "en")
    page = client.get("/admin/audit").text
    assert _cell(page, f"audit-subject-{read.sequence}") == f"Credit file #{world.good_enterprise}"
    assert _cell(page, f"audit-purpose-{read.sequence}") == f"Financing application review {order.order_no}"
    assert _cell(page, f"audit-actor-{read.sequence}") == "User #1"
    assert _cell(page, f"audit-actor-{job.sequence}") == "Platform job: Recovery allocation"
    row = re.search(rf'<tr data-testid="audit-{read.sequence}">(.*?)</tr>', page, re.S)
    assert row and "Look up a credit file" in row.group(1) and "Success" in row.group(1)
    assert not CJK.search(re.sub(r"<td[^>]*data-value>[^<]*</td>", "", row.group(1)))  # but the parties' names
    client.cookies.clear()
    login(client, "good")
    client.cookies.set("lang", "en")
    log = client.get("/credit-file/access-log").text
    assert _cell(log, f"access-subject-{read.id}") == f"Credit file #{world.good_enterprise}"
    assert _cell(log, f"access-purpose-{read.id}") == f"Financing application review {order.order_no}"
    assert "financing_application" not in log
