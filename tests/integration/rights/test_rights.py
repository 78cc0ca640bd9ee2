"""Objections and credit repair through the real database: marks seen by institutions, corrections as new
versions, messages to every party, escalation once a day, repaired records hidden from institutions and from
features as of the repair date, and who may act on what."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.integration.conftest import World, build_world, login, page_csrf
from xinyidai import clock, db
from xinyidai.audit.models import AuditEntry
from xinyidai.cli import app, upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.credit_file import read_credit_file
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord, CreditRecordMark
from xinyidai.errors import DomainError
from xinyidai.identity.models import Notification
from xinyidai.identity.notifications import service as notifications
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.rights import service
from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.rights.models import CreditRepair, Objection, RightsAttachment
from xinyidai.scoring.feature_store import features_as_of

PDF = b"%PDF-1.4\n% evidence\n"
REASON = "2025年度纳税信用等级评价结果已经复评为A级，平台记录仍为B级"


def _store(session: Session, enterprise_id: int, item_code: str, **values: str) -> CreditRecord:
    item = creditdata_service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                             channel=Channel.BULK_IMPORT)
    return session.scalars(select(CreditRecord).where(CreditRecord.fingerprint == parsed.fingerprint)).one()


def _grade(session: Session, world: World) -> CreditRecord:
    return _store(session, world.good_enterprise, "tax_credit_grade", year="2025", grade="B",
                  evaluated_date="2026-04-20")


def _penalty(session: Session, world: World, decided: str = "2026-06-01") -> CreditRecord:
    return _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执法罚〔2026〕31号",
                  violation="占道经营", penalty_kind="罚款", amount="2,000", severity="一般", decision_date=decided,
                  authority="区综合行政执法局")


def _order(session: Session, world: World) -> str:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    return order.order_no


def _bank_view(session: Session, world: World, order_no: str, item_code: str) -> list[dict[str, Any]]:
    file = read_credit_file(session, principal=world.principal(session, "a.officer"),
                            enterprise_id=world.good_enterprise, purpose_ref=order_no)
    return [r.model_dump() for s in file.sections for e in s.entries if e.item_code == item_code for r in e.current]


def _own_entry(session: Session, world: World, item_code: str) -> Any:
    file = read_credit_file(session, principal=world.principal(session, "good"), enterprise_id=world.good_enterprise)
    return next(e for s in file.sections for e in s.entries if e.item_code == item_code)


def _messages(session: Session, organisation_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.organisation_id == organisation_id)
                                .order_by(Notification.id)))


def _good_org(session: Session, world: World) -> int:
    return world.principal(session, "good").organisation_id


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# Objections ---------------------------------------------------------------------------------------------


def test_an_objection_marks_the_record_for_institutions_and_tasks_the_source_department(
        session: Session, world: World) -> None:
    record = _grade(session, world)
    order_no = _order(session, world)
    [before] = _bank_view(session, world, order_no, "tax_credit_grade")
    assert before["under_objection"] is False
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON, uploads=[service.Upload("复评通知.pdf", PDF)])
    session.commit()
    assert objection.number == f"YY20261123{objection.id:06d}"
    assert objection.due_date == date(2026, 11, 30)  # Monday + 5 working days
    assert objection.department_organisation_id == world.tax_org
    [marked] = _bank_view(session, world, order_no, "tax_credit_grade")
    assert marked["under_objection"] is True and marked["id"] == record.id
    [task] = _messages(session, world.tax_org)
    assert objection.number in task.subject and "2026-11-30" in task.body
    assert task.link == f"/rights/objections/{objection.id}"
    [receipt] = _messages(session, _good_org(session, world))
    assert "异议已受理" in receipt.subject
    [attachment] = service.attachments_of(session, objection_id=objection.id)
    assert (attachment.file_name, attachment.content_type, attachment.content) == (
        "复评通知.pdf", "application/pdf", PDF)
    assert [o.id for o in service.list_objections(session, principal=world.principal(session, "tax.officer"))] == [
        objection.id]
    assert service.list_objections(session, principal=world.principal(session, "amr.officer")) == []
    # A second objection on the same fact waits for the first.
    with pytest.raises(DomainError, match="已有处理中的异议"):
        service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                               reason=REASON)


def test_a_correction_is_a_new_version_the_old_one_kept_and_every_party_told(session: Session, world: World) -> None:
    record = _grade(session, world)
    order_no = _order(session, world)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON)
    session.commit()
    answered = service.answer_objection(
        session, principal=world.principal(session, "tax.officer"), objection_id=objection.id,
        answer=ObjectionStatus.CORRECTED, reason="经复核，2025年度纳税信用等级为A级，予以更正",
        values={"year": "2025", "grade": "A", "evaluated_date": "2026-04-20"})
    session.commit()
    assert answered.status == ObjectionStatus.CORRECTED and answered.corrected_record_id != record.id
    entry = _own_entry(session, world, "tax_credit_grade")
    [current] = entry.current
    assert (current.id, current.data["grade"], current.reference) == (
        answered.corrected_record_id, "A", objection.number)
    assert [(h.id, h.data["grade"]) for h in entry.history] == [(record.id, "B")]
    assert session.get(CreditRecord, record.id) is not None  # never overwritten
    [seen] = _bank_view(session, world, order_no, "tax_credit_grade")
    assert (seen["data"]["grade"], seen["under_objection"]) == ("A", False)
    for organisation in (_good_org(session, world), world.tax_org, world.platform_org):
        assert any(objection.number in m.subject and "已更正" in m.body for m in _messages(session, organisation))
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "objection"))]
    assert actions == ["rights.objection_filed", "rights.objection_answered"]
    with pytest.raises(DomainError, match="已答复"):
        service.answer_objection(session, principal=world.principal(session, "tax.officer"),
                                 objection_id=objection.id, answer=ObjectionStatus.UPHELD, reason="再次答复理由说明")


def test_upheld_clears_the_mark_and_keeps_the_record(session: Session, world: World) -> None:
    record = _grade(session, world)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON)
    service.answer_objection(session, principal=world.principal(session, "tax.officer"), objection_id=objection.id,
                             answer=ObjectionStatus.UPHELD, reason="经核查评价结果无误，维持B级")
    session.commit()
    [current] = _own_entry(session, world, "tax_credit_grade").current
    assert (current.id, current.under_objection, current.reference) == (record.id, False, None)
    assert session.scalar(select(CreditRecordMark.cleared_at)) is not None


def test_a_correction_must_keep_the_key_and_change_something(session: Session, world: World) -> None:
    record = _grade(session, world)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON)
    session.commit()
    officer = world.principal(session, "tax.officer")
    for values, words in (({"year": "2024", "grade": "A", "evaluated_date": "2026-04-20"}, "识别该记录的字段"),
                          ({"year": "2025", "grade": "B", "evaluated_date": "2026-04-20"}, "相同"),
                          ({"year": "2025", "grade": "Z", "evaluated_date": "2026-04-20"}, "更正内容有误")):
        with pytest.raises(DomainError, match=words):
            service.answer_objection(session, principal=officer, objection_id=objection.id,
                                     answer=ObjectionStatus.CORRECTED, reason="经复核予以更正为A级", values=values)
        session.rollback()
    assert session.get(Objection, objection.id).status == ObjectionStatus.OPEN  # type: ignore[union-attr]
    assert _count(session, CreditRecord) == 1


def test_only_the_entity_and_the_source_department_act(client: TestClient, session: Session, world: World) -> None:
    record = _grade(session, world)
    with pytest.raises(DomainError, match="没有找到该信用记录"):
        service.file_objection(session, principal=world.principal(session, "other"), record_id=record.id,
                               reason=REASON)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON, uploads=[service.Upload("a.pdf", PDF)])
    session.commit()
    [attachment] = service.attachments_of(session, objection_id=objection.id)
    with pytest.raises(DomainError, match="没有找到该异议"):
        service.answer_objection(session, principal=world.principal(session, "amr.officer"),
                                 objection_id=objection.id, answer=ObjectionStatus.UPHELD, reason="不是我们的记录啊")
    # Through the API and the portal: another department, another entity, a bank get nothing.
    for username in ("amr.officer", "other", "a.officer"):
        client.cookies.clear()
        login(client, username)
        headers = {"X-CSRF-Token": page_csrf(client, "/account")}
        answer = client.post(f"/api/v1/rights/objections/{objection.id}/answer", headers=headers,
                             json={"answer": "upheld", "reason": "维持原记录的理由说明"})
        assert answer.status_code in (403, 404) and answer.json()["message"], username
        assert client.get(f"/rights/attachments/{attachment.id}").status_code in (403, 404)
        assert client.get(f"/rights/objections/{objection.id}").status_code in (403, 404)
    client.cookies.clear()
    login(client, "tax.officer")
    download = client.get(f"/rights/attachments/{attachment.id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    answer = client.post(f"/api/v1/rights/objections/{objection.id}/answer", headers=headers,
                         json={"answer": "upheld", "reason": "经核查评价结果无误，维持原记录"})
    assert answer.status_code == 200 and answer.json()["status"] == "upheld"
    again = client.post(f"/api/v1/rights/objections/{objection.id}/answer", headers=headers,
                        json={"answer": "upheld", "reason": "经核查评价结果无误，维持原记录"})
    assert again.status_code == 409 and "已答复" in again.json()["message"]


def test_bad_input_on_the_portal_is_a_chinese_4xx_and_writes_nothing(client: TestClient, session: Session,
                                                                     world: World) -> None:
    record = _grade(session, world)
    session.commit()
    login(client, "good")
    token = page_csrf(client, f"/rights/objections/new?record_id={record.id}")
    short = client.post("/rights/objections", data={"record_id": str(record.id), "reason": "不对", "csrf_token": token})
    assert short.status_code == 400 and "异议理由至少需要" in short.text
    exe = client.post("/rights/objections", data={"record_id": str(record.id), "reason": REASON, "csrf_token": token},
                      files={"files": ("凭证.pdf", b"MZ\x90\x00binary", "application/pdf")})
    assert exe.status_code == 400 and "不是 PDF、PNG 或 JPEG" in exe.text
    assert client.get("/rights/objections/new?record_id=99999").status_code == 404
    session.expire_all()
    assert (_count(session, Objection), _count(session, CreditRecordMark), _count(session, RightsAttachment),
            _count(session, Notification)) == (0, 0, 0, 0)
    good = client.post("/rights/objections", data={"record_id": str(record.id), "reason": REASON, "csrf_token": token},
                       files={"files": ("凭证.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert good.status_code == 303
    page = client.get(good.headers["location"])
    assert page.status_code == 200 and "处理中" in page.text and "凭证.pdf" in page.text
    credit_file = client.get("/credit-file")
    assert 'data-testid="under-objection"' in credit_file.text


def test_escalation_once_a_business_day_to_the_platform_and_supervisors(session: Session, world: World,
                                                                        frozen_clock: clock.FixedClock) -> None:
    record = _grade(session, world)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON)
    session.commit()
    assert service.escalate_overdue(session, today=date(2026, 11, 30)) == []  # the due date is still in time
    frozen_clock.advance(timedelta(days=8))  # Tuesday 1 December
    [escalated] = service.escalate_overdue(session)
    session.commit()
    first_at = escalated.escalated_at
    assert escalated.id == objection.id and first_at is not None and escalated.last_escalated_on == date(2026, 12, 1)
    assert service.escalate_overdue(session) == []  # again the same day: nothing more
    [notice] = [m for m in _messages(session, world.platform_org) if "逾期" in m.subject]
    assert "已逾期 1 个工作日" in notice.body
    assert any("逾期" in m.subject for m in _messages(session, world.tax_org))
    frozen_clock.advance(timedelta(days=1))
    [again] = service.escalate_overdue(session)
    assert again.escalated_at == first_at and again.last_escalated_on == date(2026, 12, 2)
    assert [o.id for o in service.list_objections(session, principal=world.principal(session, "admin"),
                                                  escalated_only=True)] == [objection.id]


# Notifications ------------------------------------------------------------------------------------------


def test_messages_to_a_user_or_an_organisation_read_once(client: TestClient, session: Session, world: World) -> None:
    good = world.principal(session, "good")
    notifications.notify(session, organisation_id=good.organisation_id, subject="致企业", body="全体可见",
                         link="/credit-file")
    notifications.notify(session, user_id=world.principal(session, "other").user_id, subject="致他人", body="仅他可见")
    session.commit()
    assert notifications.unread_count(session, principal=good) == 1
    with pytest.raises(ValueError):
        notifications.notify(session, subject="x", body="y", link="https://elsewhere.example/")
    login(client, "good")
    assert "1" in client.get("/messages/badge").text
    page = client.get("/messages")
    assert "致企业" in page.text and "致他人" not in page.text
    [message] = notifications.list_for(session, principal=good)
    opened = client.post(f"/messages/{message.id}/read", data={"csrf_token": page_csrf(client, "/messages")},
                         follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/credit-file"
    session.expire_all()
    assert notifications.unread_count(session, principal=good) == 0
    [other] = [m for m in session.scalars(select(Notification)) if m.user_id is not None]
    assert client.post(f"/messages/{other.id}/read",
                       data={"csrf_token": page_csrf(client, "/messages")}).status_code == 404


# Credit repair ------------------------------------------------------------------------------------------


def test_a_repair_hides_the_record_from_institutions_and_from_features_from_its_date(
        session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    record = _penalty(session, world)
    order_no = _order(session, world)
    session.commit()
    assert len(_bank_view(session, world, order_no, "admin_penalty")) == 1
    good = world.principal(session, "good")
    check = service.check_repair(session, principal=good, record_id=record.id)
    assert check.eligibility.eligible, check.eligibility.reasons
    with pytest.raises(DomainError, match="证明材料"):
        service.apply_repair(session, principal=good, record_id=record.id, fulfilled_date=date(2026, 6, 20),
                             statement="罚款已缴清，占道经营行为已整改", commitment_signed=True, uploads=[])
    session.rollback()
    assert _count(session, CreditRepair) == 0
    repair = service.apply_repair(session, principal=good, record_id=record.id, fulfilled_date=date(2026, 6, 20),
                                  statement="罚款已缴清，占道经营行为已整改", commitment_signed=True,
                                  uploads=[service.Upload("缴款凭证.pdf", PDF)])
    session.commit()
    # The law-enforcement bureau has no organisation bound in this world: the platform admin decides.
    assert repair.department_organisation_id is None
    assert any("信用修复申请待审核" in m.subject for m in _messages(session, world.platform_org))
    with pytest.raises(DomainError, match="审核中"):
        service.apply_repair(session, principal=good, record_id=record.id, fulfilled_date=date(2026, 6, 20),
                             statement="罚款已缴清，占道经营行为已整改", commitment_signed=True,
                             uploads=[service.Upload("缴款凭证.pdf", PDF)])
    session.rollback()
    with pytest.raises(DomainError):
        service.decide_repair(session, principal=world.principal(session, "amr.officer"), repair_id=repair.id,
                              decision=RepairStatus.APPROVED, reason="同意修复，材料齐全")
    frozen_clock.advance(timedelta(days=2))  # decided on Wednesday 25 November
    decided = service.decide_repair(session, principal=world.principal(session, "admin"), repair_id=repair.id,
                                    decision=RepairStatus.APPROVED, reason="处罚已履行，公示期已满，同意修复")
    session.commit()
    assert decided.effective_date == date(2026, 11, 25)
    assert _bank_view(session, world, order_no, "admin_penalty") == []
    [own] = _own_entry(session, world, "admin_penalty").current
    assert own.repaired is True
    assert features_as_of(session, enterprise_id=world.good_enterprise, as_of=date(2026, 11, 24))["penalties_12m"] == 1
    assert features_as_of(session, enterprise_id=world.good_enterprise, as_of=date(2026, 11, 25))["penalties_12m"] == 0
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "credit_repair"))]
    assert actions == ["rights.repair_applied", "rights.repair_decided"]
    assert any("已修复" in m.body for m in _messages(session, _good_org(session, world)))
    assert not service.check_repair(session, principal=good, record_id=record.id).eligibility.eligible


def test_a_recent_penalty_is_refused_and_the_department_decides_its_own(session: Session, world: World) -> None:
    creditdata_service.bind_department(session, code="law_enforcement", organisation_id=world.amr_org)
    recent = _penalty(session, world, decided="2026-10-01")
    good = world.principal(session, "good")
    with pytest.raises(DomainError, match="最短公示期"):
        service.apply_repair(session, principal=good, record_id=recent.id, fulfilled_date=date(2026, 10, 10),
                             statement="罚款已缴清，占道经营行为已整改", commitment_signed=True,
                             uploads=[service.Upload("缴款凭证.pdf", PDF)])
    session.rollback()
    creditdata_service.bind_department(session, code="law_enforcement", organisation_id=world.amr_org)
    older = _penalty(session, world)
    repair = service.apply_repair(session, principal=good, record_id=older.id, fulfilled_date=date(2026, 6, 20),
                                  statement="罚款已缴清，占道经营行为已整改", commitment_signed=True,
                                  uploads=[service.Upload("缴款凭证.pdf", PDF)])
    with pytest.raises(DomainError):
        service.decide_repair(session, principal=world.principal(session, "tax.officer"), repair_id=repair.id,
                              decision=RepairStatus.APPROVED, reason="同意修复，材料齐全")
    rejected = service.decide_repair(session, principal=world.principal(session, "amr.officer"), repair_id=repair.id,
                                     decision=RepairStatus.REJECTED, reason="缴款凭证与处罚决定不符，不予修复")
    assert rejected.status == RepairStatus.REJECTED and rejected.effective_date is None
    assert _own_entry(session, world, "admin_penalty").current[0].repaired is False


def test_the_escalation_command_runs_once_a_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'rights.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
        world = build_world(session)
        record = _grade(session, world)
        objection = service.file_objection(session, principal=world.principal(session, "good"),
                                           record_id=record.id, reason=REASON)
        number = objection.number
    runner = CliRunner()
    with clock.use(clock.at(2026, 11, 30, 18, 0)):  # the due date: still in time
        result = runner.invoke(app, ["rights", "escalate"])
        assert result.exit_code == 0 and "督办逾期异议 0 件" in result.output
    with clock.use(clock.at(2026, 12, 1, 9, 0)):
        first = runner.invoke(app, ["rights", "escalate"])
        assert first.exit_code == 0 and f"督办逾期异议 1 件：{number}" in first.output
        again = runner.invoke(app, ["rights", "escalate"])
        assert again.exit_code == 0 and "督办逾期异议 0 件" in again.output
    with database.session_factory() as session:
        [escalated] = session.scalars(select(Objection)).all()
        assert escalated.escalated_at == clock.at(2026, 12, 1, 9, 0).now()
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.subject.contains("逾期"))) == 2  # the platform operator and the tax bureau
