"""The agricultural credit database through every collection channel: the agriculture department's file and API
push, the entity's self-report under a credit commitment; the facts read back, and the credit file's summary."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf, uscc
from xinyidai import clock
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.creditdata import imports
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import BatchStatus
from xinyidai.creditdata.models import CreditCommitment, CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate

GOOD = uscc("MA0000001")


def _agriculture_department(session: Session) -> int:
    department = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="南岸区农业农村委员会", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=department.id, username="agri.officer", display_name="agri.officer", password=PASSWORD,
        roles=[Role.DEPARTMENT_DATA_OFFICER]))
    creditdata_service.bind_department(session, code="agriculture", organisation_id=department.id)
    session.commit()
    return department.id


def _records(session: Session, item_code: str) -> list[CreditRecord]:
    item = creditdata_service.get_item(session, code=item_code)
    return list(session.scalars(select(CreditRecord).where(CreditRecord.catalogue_item_id == item.id)
                                .order_by(CreditRecord.id)))


def test_a_department_file_of_crops_is_imported_and_a_bad_row_is_refused_with_its_reason(session: Session,
                                                                                world: World) -> None:
    _agriculture_department(session)
    officer = world.principal(session, "agri.officer")
    text = ("统一社会信用代码,种植年度,种植季,作物,种植面积（亩）,种植地点,种植日期,预计收获年月\n"
            f"{GOOD},2026,全年,花椒,120.5,南岸区广阳镇回龙村,2026-03-01,2027-07\n"
            f"{GOOD},2026,秋季,榨菜,30,南岸区广阳镇回龙村,2026-10-05,2027-02\n")
    batch = imports.import_file(session, principal=officer, item_code="agri_crop",
                                source=io.BytesIO(text.encode("utf-8")), file_name="crops.csv")
    assert (batch.status, batch.rows_stored) == (BatchStatus.COMMITTED, 2)
    assert [r.channel for r in _records(session, "agri_crop")] == ["bulk_import", "bulk_import"]
    bad = ("统一社会信用代码,种植年度,种植季,作物,种植面积（亩）,种植地点,种植日期\n"
           f"{GOOD},2026,全年,柑橘,-3,南岸区广阳镇,2026-03-01\n")
    refused = imports.import_file(session, principal=officer, item_code="agri_crop",
                                  source=io.BytesIO(bad.encode("utf-8")), file_name="bad.csv")
    assert (refused.rows_stored, refused.rows_rejected) == (0, 1)
    [error] = imports.row_errors(session, principal=officer, batch_id=refused.id)
    assert "种植面积" in error.message
    assert len(_records(session, "agri_crop")) == 2


def test_the_department_pushes_land_contracts_and_insurance_by_api(session: Session, world: World,
                                                                   client: TestClient) -> None:
    _agriculture_department(session)
    login(client, "agri.officer")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "agri-push-0001"}
    land = {"rows": [{"uscc": GOOD, "contract_no": "TL-2024-001", "kind": "土地流转转入", "area": "110",
                      "counterparty": "回龙村股份经济合作联合社", "start_date": "2024-01-01", "end_date": "2028-12-31",
                      "annual_rent": "55,000"}]}
    response = client.post("/api/v1/credit-data/agri_land_contract/rows", json=land, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["batch"]["rows_stored"] == 1
    insurance = {"rows": [{"uscc": GOOD, "policy_no": "PICC-HJ-2026-9", "insured_object": "花椒",
                           "sum_insured": "200000", "start_date": "2026-04-01", "insurer": "中国人民财产保险重庆分公司",
                           "crop": "花椒", "insured_area": "100", "end_date": "2027-03-31"}]}
    response = client.post("/api/v1/credit-data/agri_insurance/rows", json=insurance,
                           headers={**headers, "Idempotency-Key": "agri-push-0002"})
    assert response.status_code == 201, response.text
    # A row with an area that is not a number is refused, with the column named, and nothing is stored.
    bad = {"rows": [{"uscc": GOOD, "contract_no": "TL-X", "kind": "土地流转转入", "area": "很多",
                     "counterparty": "某村", "start_date": "2024-01-01", "end_date": "2028-12-31"}]}
    response = client.post("/api/v1/credit-data/agri_land_contract/rows", json=bad,
                           headers={**headers, "Idempotency-Key": "agri-push-0003"})
    assert response.status_code == 201  # the batch is recorded; its one row refused with the reason
    [row] = response.json()["rows"]
    assert row["status"] == "refused" and "面积" in row["errors"][0]["message"]
    assert len(_records(session, "agri_land_contract")) == 1
    facts = creditdata_service.agricultural_facts(session, enterprise_id=world.good_enterprise, as_of=clock.today())
    assert facts.contracted_land_area == Decimal("110") and facts.insured_area == Decimal("100")
    assert facts.sum_insured_fen == 20_000_000


def test_the_farm_self_reports_a_crop_under_a_commitment_and_sees_the_summary(session: Session, world: World,
                                                                              client: TestClient) -> None:
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    body = {"values": {"year": "2026", "season": "全年", "crop": "柑橘", "种植面积（亩）": "45",
                       "location": "南岸区迎龙镇", "planted_date": "2026-02-20"}, "accept_commitment": True}
    response = client.post("/api/v1/self-reports/agri_crop", json=body, headers=headers)
    assert response.status_code == 201, response.text
    reported = response.json()
    assert reported["item_code"] == "agri_crop" and reported["data"]["planted_area"] == "45"
    commitment = session.scalars(select(CreditCommitment).where(
        CreditCommitment.number == reported["commitment"]["number"])).one()
    assert "种植面积（亩）：45" in commitment.content and "农作物种植信息" in commitment.content
    [record] = _records(session, "agri_crop")
    assert (record.channel, record.commitment_id) == ("self_report", commitment.id)
    # The same facts again, an unknown field, a refused commitment, a sub-category not self-reported, a bad area:
    # each a 4xx with a message in Chinese, nothing stored.
    again = client.post("/api/v1/self-reports/agri_crop", json=body, headers=headers)
    assert again.status_code == 400 and "已经填报过" in again.json()["message"]
    unknown = client.post("/api/v1/self-reports/agri_crop", json={
        "values": {**body["values"], "亩产": "3"}, "accept_commitment": True}, headers=headers)
    assert unknown.status_code == 400 and "没有“亩产”" in unknown.json()["message"]
    unsigned = client.post("/api/v1/self-reports/agri_crop", json={**body, "accept_commitment": False},
                           headers=headers)
    assert unsigned.status_code == 400 and "信用承诺" in unsigned.json()["message"]
    subsidy = client.post("/api/v1/self-reports/agri_subsidy", json=body, headers=headers)
    assert subsidy.status_code == 400 and "不接受自主填报" in subsidy.json()["message"]
    negative = client.post("/api/v1/self-reports/agri_crop", json={
        "values": {**body["values"], "crop": "花椒", "种植面积（亩）": "0"}, "accept_commitment": True},
        headers=headers)
    assert negative.status_code == 400 and "种植面积" in negative.json()["message"]
    not_json = client.post("/api/v1/self-reports/agri_crop", json={"values": {}, "accept_commitment": "yes"},
                           headers=headers)
    assert not_json.status_code == 422
    assert len(_records(session, "agri_crop")) == 1
    assert session.scalar(select(func.count()).select_from(CreditCommitment)) == 1
    facts = creditdata_service.agricultural_facts(session, enterprise_id=world.good_enterprise, as_of=clock.today())
    assert facts.planted_area_by_crop == {"柑橘": Decimal("45")} and facts.season_year == 2026
    # Before the report was made, the platform knew nothing.
    before = creditdata_service.agricultural_facts(session, enterprise_id=world.good_enterprise,
                                                   as_of=date(2026, 11, 22))
    assert not before.has_any
    page = client.get("/credit-file")
    assert page.status_code == 200 and 'data-testid="agri-summary"' in page.text
    assert 'data-testid="agri-planted">45<' in page.text and "柑橘" in page.text


def test_the_farm_reports_a_crop_on_the_portals_form_and_bad_input_changes_nothing(
        session: Session, world: World, client: TestClient) -> None:
    login(client, "good")
    assert 'href="/credit-file/self-report/agri_crop"' in client.get("/credit-file/self-report").text
    page = client.get("/credit-file/self-report/agri_crop")
    assert page.status_code == 200 and 'data-testid="facts-form"' in page.text
    assert "种植面积（亩）" in page.text and '<option value="全年"' in page.text  # the catalogue's fields and choices
    assert 'href="/credit-file/self-report/agri_yield"' in page.text
    form = {"year": "2026", "season": "全年", "crop": "花椒", "planted_area": "30", "location": "南岸区迎龙镇",
            "planted_date": "2026-03-01", "expected_harvest": ""}
    token = page_csrf(client, "/credit-file/self-report/agri_crop")
    bad = client.post("/credit-file/self-report/agri_crop", data={**form, "planted_area": "-3",
                                                                   "accept_commitment": "on", "csrf_token": token})
    assert bad.status_code == 400 and "种植面积" in bad.text and 'value="花椒"' in bad.text  # kept for correction
    unsigned = client.post("/credit-file/self-report/agri_crop", data={**form, "csrf_token": token})
    assert unsigned.status_code == 400 and "信用承诺" in unsigned.text
    assert _records(session, "agri_crop") == []
    assert client.get("/credit-file/self-report/agri_subsidy").status_code == 404
    done = client.post("/credit-file/self-report/agri_crop", data={**form, "accept_commitment": "on",
                                                                    "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/credit-file?reported=")
    [record] = _records(session, "agri_crop")
    assert record.channel == "self_report" and record.data["crop"] == "花椒"
