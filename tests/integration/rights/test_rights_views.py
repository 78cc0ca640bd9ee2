"""Who sees what of an objection or a credit repair: the entity and the answering department the record in clear, the
platform admin desensitised and on the entity's access log, a supervisor the lists and the overview only; evidence
files for the parties only, and too many of them refused before any is read."""

from __future__ import annotations

import inspect
import io
from datetime import date
from typing import ClassVar

from fastapi import UploadFile
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from tests.integration.rights.test_rights import PDF, REASON, _penalty, _store
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.creditdata.models import CreditRecord, CreditRecordMark
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.rights import pages, policy, service
from xinyidai.rights.exceptions import InvalidRightsRequest
from xinyidai.rights.models import CreditRepair, Objection, RightsAttachment

MOBILE = "13812341234"
AFTER = f"股东变更为王小明，联系电话{MOBILE}"


def _supervisor(session: Session) -> None:
    organisation = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="南岸区发展改革委", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username="supervisor", display_name="supervisor", password=PASSWORD,
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    session.commit()


def _objection(session: Session, world: World) -> tuple[Objection, RightsAttachment]:
    """An objection to a change of shareholders whose text carries a mobile number (masked for the platform)."""
    record = _store(session, world.good_enterprise, "equity_change", change_date="2026-03-01", item="股东变更",
                    before="股东李四", after=AFTER)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=REASON, uploads=[service.Upload("变更登记通知书.pdf", PDF)])
    session.commit()
    [attachment] = service.attachments_of(session, objection_id=objection.id)
    return objection, attachment


def _repair(session: Session, world: World) -> tuple[CreditRepair, RightsAttachment]:
    record = _penalty(session, world)
    repair = service.apply_repair(session, principal=world.principal(session, "good"), record_id=record.id,
                                  fulfilled_date=date(2026, 6, 20), statement="罚款已缴清，占道经营行为已整改",
                                  commitment_signed=True, uploads=[service.Upload("缴款凭证.pdf", PDF)])
    session.commit()
    [attachment] = service.attachments_of(session, repair_id=repair.id)
    return repair, attachment


def _audits(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _as(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username)


def test_a_supervisor_sees_the_lists_and_the_overview_but_no_record_and_no_evidence(
        client: TestClient, session: Session, world: World) -> None:
    _supervisor(session)
    objection, evidence = _objection(session, world)
    repair, repair_evidence = _repair(session, world)
    _as(client, "supervisor")
    listed = client.get("/rights/objections")
    assert listed.status_code == 200 and objection.number in listed.text
    assert f'href="/rights/objections/{objection.id}"' not in listed.text
    repairs = client.get("/rights/repairs")
    assert repairs.status_code == 200 and repair.number in repairs.text
    assert f'href="/rights/repairs/{repair.id}"' not in repairs.text
    overview = client.get("/rights/overview")
    assert overview.status_code == 200 and 'data-testid="objections-open">1<' in overview.text
    assert f'href="/rights/repairs/{repair.id}"' not in overview.text
    for path in (f"/rights/objections/{objection.id}", f"/rights/repairs/{repair.id}",
                 f"/rights/attachments/{evidence.id}", f"/rights/attachments/{repair_evidence.id}",
                 f"/api/v1/rights/objections/{objection.id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert MOBILE not in response.text and PDF not in response.content
    assert service.list_objections(session, principal=world.principal(session, "supervisor"), escalated_only=False)
    assert _audits(session, "rights.record_viewed") == [] and _audits(session, "rights.attachment_downloaded") == []


def test_the_entity_and_the_answering_department_see_the_record_in_clear_and_are_not_logged(
        client: TestClient, session: Session, world: World) -> None:
    objection, evidence = _objection(session, world)
    for username in ("good", "amr.officer"):
        _as(client, username)
        page = client.get(f"/rights/objections/{objection.id}")
        assert page.status_code == 200 and AFTER in page.text, username
    assert client.get(f"/rights/attachments/{evidence.id}").content == PDF  # the department, logged
    assert _audits(session, "rights.record_viewed") == []
    [download] = _audits(session, "rights.attachment_downloaded")
    assert (download.actor_organisation_id, download.enterprise_id) == (world.amr_org, world.good_enterprise)
    _as(client, "good")
    assert client.get(f"/rights/attachments/{evidence.id}").content == PDF  # its own: not an access by another
    assert len(_audits(session, "rights.attachment_downloaded")) == 1


def test_the_platform_admin_sees_the_record_desensitised_and_each_view_is_on_the_entitys_access_log(
        client: TestClient, session: Session, world: World) -> None:
    objection, evidence = _objection(session, world)
    repair, _ = _repair(session, world)
    _as(client, "admin")
    page = client.get(f"/rights/objections/{objection.id}")
    assert page.status_code == 200
    assert "138****1234" in page.text and MOBILE not in page.text
    # The masked field is not offered for correction (a masked value must never become the fact).
    assert 'name="f_after"' not in page.text and 'name="f_before"' in page.text
    [viewed] = _audits(session, "rights.record_viewed")
    assert (viewed.actor_organisation_id, viewed.enterprise_id, viewed.purpose) == (
        world.platform_org, world.good_enterprise, f"异议处理（{objection.number}）")
    assert viewed.subject_id == str(objection.record_id) and viewed.detail["audience"] == "platform_admin"
    assert client.get(f"/rights/repairs/{repair.id}").status_code == 200
    assert _audits(session, "rights.record_viewed")[-1].purpose == f"信用修复审核（{repair.number}）"
    assert client.get(f"/rights/attachments/{evidence.id}").content == PDF
    [download] = _audits(session, "rights.attachment_downloaded")
    assert (download.actor_organisation_id, download.purpose) == (world.platform_org, "异议处理")
    # The entity's access log shows both.
    _as(client, "good")
    log = client.get("/credit-file/access-log")
    assert log.status_code == 200
    assert "查阅异议或修复所涉信用记录" in log.text and "下载异议或修复的证明材料" in log.text
    # The admin corrects what it sees; the desensitised field keeps its recorded value.
    _as(client, "admin")
    token = page_csrf(client, f"/rights/objections/{objection.id}")
    answered = client.post(f"/rights/objections/{objection.id}/answer", follow_redirects=False, data={
        "csrf_token": token, "answer": "corrected", "reason": "经核查变更前股东登记有误，予以更正",
        "f_change_date": "2026-03-01", "f_item": "股东变更", "f_before": "股东李四、赵六"})
    assert answered.status_code == 303, answered.text
    session.expire_all()
    corrected = session.get(CreditRecord, session.get(Objection, objection.id).corrected_record_id)  # type: ignore[union-attr]
    assert corrected is not None and corrected.data["before"] == "股东李四、赵六" and corrected.data["after"] == AFTER


class _Tracked(io.BytesIO):
    reads: ClassVar[list[int]] = []

    def read(self, size: int | None = -1) -> bytes:
        _Tracked.reads.append(-1 if size is None else size)
        return super().read(size)


def test_too_many_evidence_files_are_refused_before_any_is_read_and_each_is_read_only_to_the_cap() -> None:
    _Tracked.reads = []
    files = [UploadFile(_Tracked(PDF), filename=f"{n}.pdf") for n in range(policy.MAX_ATTACHMENTS + 1)]
    try:
        pages._uploads(files)
    except InvalidRightsRequest as refused:
        assert f"附件最多 {policy.MAX_ATTACHMENTS} 个" in refused.message
    else:
        raise AssertionError("too many files accepted")
    assert _Tracked.reads == []
    # The nameless empty part a form sends when no file is chosen does not count; each file is read to the cap + 1.
    big = _Tracked(b"x" * (policy.MAX_ATTACHMENT_BYTES + 100))
    uploads = pages._uploads([UploadFile(big, filename="big.pdf"), UploadFile(_Tracked(b""), filename=""),
                              *(UploadFile(_Tracked(PDF), filename=f"{n}.pdf")
                                for n in range(policy.MAX_ATTACHMENTS - 1))])
    assert [len(u.content) for u in uploads] == [policy.MAX_ATTACHMENT_BYTES + 1, len(PDF), len(PDF)]
    assert set(_Tracked.reads) == {policy.MAX_ATTACHMENT_BYTES + 1}


def test_too_many_evidence_files_on_the_portal_are_a_chinese_4xx_and_nothing_is_written(
        client: TestClient, session: Session, world: World) -> None:
    record = _store(session, world.good_enterprise, "tax_credit_grade", year="2025", grade="B",
                    evaluated_date="2026-04-20")
    session.commit()
    login(client, "good")
    token = page_csrf(client, f"/rights/objections/new?record_id={record.id}")
    files = [("files", (f"{n}.pdf", PDF, "application/pdf")) for n in range(policy.MAX_ATTACHMENTS + 1)]
    refused = client.post("/rights/objections", data={"record_id": str(record.id), "reason": REASON,
                                                     "csrf_token": token}, files=files)
    assert refused.status_code == 400 and f"附件最多 {policy.MAX_ATTACHMENTS} 个" in refused.text
    session.expire_all()
    for model in (Objection, CreditRecordMark, RightsAttachment):
        assert session.scalar(select(func.count()).select_from(model)) == 0


def test_the_answer_route_does_not_block_the_event_loop() -> None:
    assert not inspect.iscoroutinefunction(pages.answer_objection)


def test_a_supervisor_following_objections_on_the_api_gets_their_reasons_with_numbers_masked(
        client: TestClient, session: Session, world: World) -> None:
    _supervisor(session)
    record = _store(session, world.good_enterprise, "equity_change", change_date="2026-03-01", item="股东变更",
                    before="股东李四", after=AFTER)
    objection = service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                       reason=f"联系电话{MOBILE}已停用，请核实", uploads=[])
    session.commit()
    _as(client, "supervisor")
    [followed] = [o for o in client.get("/api/v1/rights/objections").json() if o["id"] == objection.id]
    assert followed["reason"] == "联系电话138****1234已停用，请核实"
    _as(client, "good")
    [own] = [o for o in client.get("/api/v1/rights/objections").json() if o["id"] == objection.id]
    assert own["reason"] == f"联系电话{MOBILE}已停用，请核实"
