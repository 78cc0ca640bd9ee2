"""The statistics pages: who may open them, the dashboard's figures and charts, targets edited with bad input
refused, and a monthly report generated, downloaded (audited) and opened."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.reporting import service
from xinyidai.reporting.models import BankSmeLending, ReportingTarget

PAGE = "/supervision/statistics"


def _supervisor(session: Session) -> None:
    commission = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="南岸区发展改革委", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=commission.id, username="fgw", display_name="fgw", password="Correct-Horse-9",
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    session.commit()


def test_only_the_commission_the_regulator_and_the_admin_open_the_statistics(client: TestClient, world: World) -> None:
    login(client, "good")
    assert client.get(PAGE).status_code == 403
    assert client.get("/supervision/reports/2026-10.xlsx").status_code == 403
    login(client, "a.manager")
    assert client.get(PAGE).status_code == 403
    login(client, "admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'data-testid="card-registered_firms"' in page.text
    assert page.text.count('class="chart"') == 7
    # A past month reads as of its end; a month to come shows the current one; a month not written YYYY-MM: 422.
    october = client.get(PAGE, params={"month": "2026-10"})
    assert october.status_code == 200 and "2026-10-01 — 2026-10-31" in october.text
    assert "2026-11-01 — 2026-11-23" in client.get(PAGE, params={"month": "2027-05"}).text
    for bad in ("2026-13", "10-2026", "2026-1", "x" * 50):
        assert client.get(PAGE, params={"month": bad}).status_code == 422, bad
    assert client.get("/supervision/reports/2026-99.pdf").status_code in (404, 422)


def test_targets_are_edited_and_bad_input_changes_nothing(client: TestClient, session: Session,
                                                          world: World) -> None:
    _supervisor(session)
    login(client, "fgw", "Correct-Horse-9")
    token = page_csrf(client, PAGE)
    for value, due in (("120", ""), ("abc", ""), ("-5", ""), ("30", "2025-13-01"), ("NaN", "")):
        bad = client.post("/supervision/targets/credit_loan_share", data={"csrf_token": token, "value": value,
                                                                           "due_date": due})
        assert bad.status_code == 422, value
        assert 'class="error"' in bad.text
    assert session.get(ReportingTarget, "credit_loan_share").value == Decimal("0.30")  # type: ignore[union-attr]
    done = client.post("/supervision/targets/credit_loan_share", data={"csrf_token": token, "value": "35",
                                                                        "due_date": "2027-12-31"},
                       follow_redirects=False)
    assert done.status_code == 303
    session.expire_all()
    target = session.get(ReportingTarget, "credit_loan_share")
    assert target is not None and str(target.value.normalize()) == "0.35" and target.due_date == date(2027, 12, 31)
    assert any(t.figure_code == "credit_share_of_sme_loans" and t.value == target.value
               for t in service.list_targets(session))


def test_a_monthly_report_is_generated_and_downloaded(client: TestClient, session: Session, world: World) -> None:
    login(client, "admin")
    token = page_csrf(client, PAGE)
    assert client.post("/supervision/reports", data={"csrf_token": token, "month": "2026-13"}).status_code == 422
    not_over = client.post("/supervision/reports", data={"csrf_token": token, "month": "2026-11"})
    assert not_over.status_code == 422 and "尚未结束" in not_over.text
    assert client.get("/supervision/reports/2026-10.pdf").status_code == 404
    made = client.post("/supervision/reports", data={"csrf_token": token, "month": "2026-10"},
                       follow_redirects=False)
    assert made.status_code == 303
    workbook = client.get("/supervision/reports/2026-10.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames[0] == "总体指标" and "统计口径" in book.sheetnames
    pdf = client.get("/supervision/reports/2026-10.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= 2
    downloads = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "reporting.monthly_report_downloaded")).all()
    assert sorted(e.detail["file"] for e in downloads) == ["pdf", "xlsx"]


def test_a_banks_reported_sme_lending_is_recorded_and_bad_input_refused(client: TestClient, session: Session,
                                                                      world: World) -> None:
    login(client, "admin")
    token = page_csrf(client, PAGE)
    for bank, month, amount in ((world.bank_a, "2026-10", "abc"), (world.bank_a, "2027-01", "100"),
                                (world.good_enterprise + 10_000, "2026-10", "100"), (world.bank_a, "2026-1", "1"),
                                (world.guarantor_org, "2026-10", "100"), (world.bank_a, "2026-10", "-5")):
        bad = client.post("/supervision/sme-lending", data={"csrf_token": token, "bank_organisation_id": bank,
                                                             "month": month, "amount": amount})
        assert bad.status_code == 422, (bank, month, amount)
    assert session.scalars(select(BankSmeLending)).all() == []
    done = client.post("/supervision/sme-lending", data={"csrf_token": token, "bank_organisation_id": world.bank_a,
                                                          "month": "2026-10", "amount": "12,000,000.00"},
                       follow_redirects=False)
    assert done.status_code == 303
    [row] = session.scalars(select(BankSmeLending)).all()
    assert (row.bank_organisation_id, row.month, row.amount_fen) == (world.bank_a, "2026-10", 1_200_000_000)
    # November's figures read October's reports: nothing lent on the platform in October, so 0 of 12,000,000 yuan.
    figures = service.statistics(session, period=service.period_through(date(2026, 11, 23))).figures
    assert figures["sme_loans_reported"] == 1_200_000_000 and figures["credit_share_of_sme_loans"] == "0.0000"


def test_the_first_months_a_person_may_ask_for_compare_with_the_months_before_them(
        client: TestClient, session: Session, world: World) -> None:
    # 2000-01's figures hold 1999-12's reported lending, and its trend reaches back into 1999: months worked out from
    # the one asked for, not ones asked for (each was a 500).
    login(client, "admin")
    for month in ("2000-01", "2000-06"):
        page = client.get(PAGE, params={"month": month})
        assert page.status_code == 200 and f"{month}-01 — " in page.text
    assert client.get(PAGE, params={"month": "1999-12"}).status_code == 422
    assert [p.month for p in service.trend(session, month="2000-02", count=3)] == ["1999-12", "2000-01", "2000-02"]
    report = service.generate_monthly_report(session, month="2000-01", actor=world.principal(session, "admin"))
    assert report.month == "2000-01"
