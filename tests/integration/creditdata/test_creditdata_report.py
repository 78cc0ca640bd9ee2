"""Credit reports through the API and the portal: the entity's own (everything, free), an institution's only under a
live credit-report authorisation (spent when one-time; revoked, expired or another purpose refuses), the PDF's
Chinese text and embedded font, and the public verification by code and by file."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.creditdata.test_creditdata_file import _api, _audits, _seed_records, _store
from xinyidai import clock
from xinyidai.audit.chain import sm3_hex
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata.report import pdf as report_pdf
from xinyidai.creditdata.report import service as report
from xinyidai.creditdata.report.models import CreditReport
from xinyidai.errors import Forbidden
from xinyidai.registry import service as registry_service

NAME = "重庆甲商贸有限公司"
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, without the spaces and NULs pypdf puts between the glyphs of fpdf2's CID-keyed fonts (whose
    encoding is an embedded CMap; poppler's pdftotext reads the same file cleanly)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Each font of each page: its name and whether its program is embedded (FontFile, FontFile2 or FontFile3)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            found.append((str(font["/BaseFont"]),
                          any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    return found


@pytest.fixture(autouse=True)
def _fresh_guess_limit() -> Iterator[None]:
    """Every test starts with no unknown codes counted against the test client's address."""
    report.GUESSES.reset()
    yield
    report.GUESSES.reset()


def _grant(session: Session, world: World, ref: str, *, purpose: consent_service.Purpose = report.REPORT_PURPOSE,
           mode: consent_service.Mode = consent_service.Mode.ONE_TIME,
           validity: timedelta = consent_service.DEFAULT_VALIDITY) -> int:
    granted = consent_service.grant(
        session, enterprise_id=world.good_enterprise, granted_by_user_id=world.principal(session, "good").user_id or 0,
        recipient_organisation_id=world.bank_a, purpose=purpose, purpose_ref=ref,
        categories=[f"C{n:02d}" for n in range(1, 15)], mode=mode, validity=validity)
    session.commit()
    return granted.id


def _reports(session: Session) -> list[CreditReport]:
    session.expire_all()
    return list(session.scalars(select(CreditReport).order_by(CreditReport.id)))


def _bank_download(client: TestClient, world: World, ref: str | None) -> object:
    params = {"purpose_ref": ref} if ref else {}
    return client.post(f"/api/v1/enterprises/{world.good_enterprise}/credit-reports", params=params,
                       headers=_api(client, "a.officer"))


def test_the_enterprise_downloads_its_own_report_with_everything_in_chinese_and_the_font_embedded(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    response = client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good"))
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response.headers["content-disposition"]
    code = response.headers["x-verification-code"]
    assert CODE_RE.match(code)
    text = pdf_text(response.content)
    for expected in ("企业信用报告", NAME, "91500108MA00000014", response.headers["x-report-no"], code,
                     "企业自查", "信用信息概要", "负面信息", "数据来源", "异议", "/verify-report",
                     # Everything the entity holds: the restricted real estate and the penalty past publicity.
                     "渝（2021）南岸区不动产权第000123号", "南岸执法罚〔2022〕8号", "已过公示期"):
        assert expected.replace(" ", "") in text, expected
    fonts = embedded_fonts(response.content)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("CJK" in name or "Hei" in name or "Ming" in name for name, _ in fonts), fonts
    [row] = _reports(session)
    assert (row.enterprise_id, row.view, row.purpose, row.authorisation_id) == (
        world.good_enterprise, "own", "self_query", None)
    assert row.content_sm3 == sm3_hex(response.content) and row.size_bytes == len(response.content)
    assert row.record_count == 4 and row.subject_name == NAME
    [issued] = _audits(session, "creditdata.credit_report_issued")
    assert (issued.enterprise_id, issued.subject_id, issued.purpose) == (world.good_enterprise, str(row.id),
                                                                         "self_query")
    # The entity's own read is not an access by someone else.
    assert _audits(session, "creditdata.credit_file_read") == []


def test_an_institution_downloads_only_under_a_live_credit_report_authorisation(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    _seed_records(session, world)
    # No authorisation, or one for another purpose (the financing review), refuses; nothing is issued.
    refused = _bank_download(client, world, "RPT-1")
    assert refused.status_code == 403 and "未授权" in refused.json()["message"]  # type: ignore[attr-defined]
    _grant(session, world, "RPT-1", purpose=consent_service.Purpose.FINANCING_APPLICATION)
    assert _bank_download(client, world, "RPT-1").status_code == 403  # type: ignore[attr-defined]
    assert _bank_download(client, world, None).status_code == 403  # type: ignore[attr-defined]
    assert _reports(session) == []
    grant_id = _grant(session, world, "RPT-2")
    response = _bank_download(client, world, "RPT-2")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    text = pdf_text(response.content)  # type: ignore[attr-defined]
    assert "企业信用报告" in text and NAME in text and "甲银行" in text and "RPT-2" in text
    # Restricted sub-categories and records past publicity never reach an institution.
    assert "不动产权第000123号" not in text and "南岸执法罚" not in text
    [row] = _reports(session)
    assert (row.view, row.authorisation_id, row.recipient_organisation_id, row.purpose) == (
        "authorised", grant_id, world.bank_a, "credit_report_download:RPT-2")
    [read] = _audits(session, "creditdata.credit_file_read")
    assert (read.actor_organisation_id, read.purpose) == (world.bank_a, "credit_report_download:RPT-2")
    # One-time: spent by the download.
    again = _bank_download(client, world, "RPT-2")
    assert again.status_code == 403 and "一次性授权" in again.json()["message"]  # type: ignore[attr-defined]
    # Periodic: works until revoked, and not after it expires.
    periodic = _grant(session, world, "RPT-3", mode=consent_service.Mode.PERIODIC, validity=timedelta(days=1))
    assert _bank_download(client, world, "RPT-3").status_code == 201  # type: ignore[attr-defined]
    frozen_clock.advance(timedelta(days=2))
    expired = _bank_download(client, world, "RPT-3")
    assert expired.status_code == 403 and "过期" in expired.json()["message"]  # type: ignore[attr-defined]
    revocable = _grant(session, world, "RPT-4", mode=consent_service.Mode.PERIODIC)
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=revocable,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    revoked = _bank_download(client, world, "RPT-4")
    assert revoked.status_code == 403 and "撤销" in revoked.json()["message"]  # type: ignore[attr-defined]
    assert len(_reports(session)) == 2 and periodic


def _grant_to(session: Session, world: World, organisation_id: int, ref: str) -> None:
    consent_service.grant(
        session, enterprise_id=world.good_enterprise, granted_by_user_id=world.principal(session, "good").user_id or 0,
        recipient_organisation_id=organisation_id, purpose=report.REPORT_PURPOSE, purpose_ref=ref,
        categories=[f"C{n:02d}" for n in range(1, 15)])
    session.commit()


def _with_address(session: Session, world: World) -> None:
    registry_service.get(session, enterprise_id=world.good_enterprise).address = ADDRESS
    session.commit()


ADDRESS = "重庆市南岸区南坪街道江南大道8号"


def test_a_guarantee_company_gets_banded_amounts_in_its_report_not_a_server_error(
        client: TestClient, session: Session, world: World) -> None:
    # The social insurance payment's amounts (8,200 yuan) are banded for a guarantee company: "10万元以下".
    _seed_records(session, world)
    _grant_to(session, world, world.guarantor_org, "RPT-G")
    client.raise_server_exceptions = False
    response = client.post(f"/api/v1/enterprises/{world.good_enterprise}/credit-reports",
                           params={"purpose_ref": "RPT-G"}, headers=_api(client, "guarantor"))
    assert response.status_code == 201, response.text
    text = pdf_text(response.content)
    assert "应缴金额" in text and "10万元以下" in text
    assert "8,200.00" not in text
    # A bank's loan officer underwrites on exact amounts: the same record in yuan.
    _grant(session, world, "RPT-B")
    text = pdf_text(_bank_download(client, world, "RPT-B").content)  # type: ignore[attr-defined]
    assert "8,200.00" in text and "10万元以下" not in text


def test_the_subjects_representative_and_address_are_masked_for_institutions_as_in_the_file(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    _with_address(session, world)
    own = pdf_text(client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good")).content)
    assert "张三" in own and ADDRESS in own
    for username, organisation_id, ref in (("a.officer", world.bank_a, "RPT-O"),
                                           ("guarantor", world.guarantor_org, "RPT-G")):
        _grant_to(session, world, organisation_id, ref)
        response = client.post(f"/api/v1/enterprises/{world.good_enterprise}/credit-reports",
                               params={"purpose_ref": ref}, headers=_api(client, username))
        assert response.status_code == 201, response.text
        text = pdf_text(response.content)
        assert "法定代表人张*" in text and "张三" not in text, username
        assert "重庆市南岸区****" in text and "江南大道" not in text and "南坪街道江南" not in text, username
    # A bank's credit manager decides and signs: names and addresses in clear, as on the file page.
    _grant_to(session, world, world.bank_a, "RPT-M")
    text = pdf_text(client.post(f"/api/v1/enterprises/{world.good_enterprise}/credit-reports",
                                params={"purpose_ref": "RPT-M"}, headers=_api(client, "a.manager")).content)
    assert "张三" in text and ADDRESS in text


def test_the_platform_admin_and_other_entities_get_no_report(client: TestClient, session: Session,
                                                             world: World) -> None:
    path = f"/api/v1/enterprises/{world.good_enterprise}/credit-reports"
    assert client.post(path, headers=_api(client, "other")).status_code == 403
    # The admin is not among the roles that may ask at all; the service refuses it too.
    assert client.post(path, headers=_api(client, "admin")).status_code == 403
    with pytest.raises(Forbidden):
        report.issue(session, principal=world.principal(session, "admin"), enterprise_id=world.good_enterprise)
    assert _reports(session) == []


def _issued(client: TestClient, session: Session, world: World) -> tuple[bytes, str]:
    _seed_records(session, world)
    response = client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good"))
    assert response.status_code == 201
    client.cookies.clear()
    return response.content, response.headers["x-verification-code"]


def test_anyone_verifies_a_report_by_code_and_by_file_without_seeing_its_content(
        client: TestClient, session: Session, world: World) -> None:
    pdf, code = _issued(client, session, world)
    genuine = client.get("/api/v1/credit-reports/verification", params={"code": code.lower().replace("-", " ")})
    assert genuine.status_code == 200, genuine.text
    body = genuine.json()
    assert (body["status"], body["subject_name"], body["subject_uscc"], body["file_checked"]) == (
        "genuine", NAME, "91500108MA00000014", False)
    assert body["recipient_name"] == f"{NAME}（本企业）" and body["generated_at"].startswith("2026-11-23T02:00")
    assert "records" not in body and "sections" not in body
    unknown = client.get("/api/v1/credit-reports/verification", params={"code": "0000-0000-0000-0000"})
    assert unknown.status_code == 200 and unknown.json()["status"] == "not_found"
    assert unknown.json()["subject_name"] is None
    same = client.post("/api/v1/credit-reports/verification", data={"code": code},
                       files={"file": ("report.pdf", pdf, "application/pdf")})
    assert (same.json()["status"], same.json()["file_matches"]) == ("genuine", True)
    tampered = pdf.replace(NAME.encode("utf-16-be"), "重庆乙商贸有限公司".encode("utf-16-be"))
    tampered = tampered if tampered != pdf else pdf[:-10] + b"%%EOF\n\n\n\n"
    altered = client.post("/api/v1/credit-reports/verification", data={"code": code},
                          files={"file": ("report.pdf", tampered, "application/pdf")})
    assert (altered.json()["status"], altered.json()["file_matches"]) == ("altered", False)
    malformed = client.get("/api/v1/credit-reports/verification", params={"code": "ABC"})
    assert malformed.status_code == 422 and "校验码格式不正确" in malformed.json()["message"]
    outcomes = [a.outcome for a in _audits(session, "creditdata.credit_report_verified")]
    assert outcomes == ["genuine", "not_found", "genuine", "altered"]
    assert all(a.actor_user_id is None for a in _audits(session, "creditdata.credit_report_verified"))


def test_an_address_that_tries_many_unknown_codes_is_refused_for_a_while(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _pdf, code = _issued(client, session, world)
    monkeypatch.setattr(report.GUESSES, "limit", 3)
    path = "/api/v1/credit-reports/verification"
    for guess in ("0000-0000-0000-0001", "0000-0000-0000-0002", "0000-0000-0000-0003"):
        assert client.get(path, params={"code": guess}).json()["status"] == "not_found"
    refused = client.get(path, params={"code": code})
    assert refused.status_code == 429 and "次数过多" in refused.json()["message"]
    assert len(_audits(session, "creditdata.credit_report_verified")) == 3  # the refusal wrote nothing
    frozen_clock.advance(timedelta(minutes=11))
    assert client.get(path, params={"code": code}).json()["status"] == "genuine"


def test_the_portal_download_button_and_the_public_verify_page(client: TestClient, session: Session,
                                                                world: World) -> None:
    _seed_records(session, world)
    login(client, "good")
    page = client.get("/credit-file")
    assert 'action="/credit-file/report"' in page.text and "下载信用报告" in page.text
    token = page_csrf(client, "/credit-file")
    assert client.post("/credit-file/report", data={}).status_code == 403  # no CSRF token, no report
    download = client.post("/credit-file/report", data={"csrf_token": token})
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    code = download.headers["x-verification-code"]
    client.cookies.clear()
    checked = client.get("/verify-report", params={"code": code})
    assert checked.status_code == 200 and "真实有效" in checked.text and NAME in checked.text
    assert "南岸执法罚" not in checked.text  # no credit content, only whose and for whom
    token = page_csrf(client, "/verify-report")
    upload = client.post("/verify-report", data={"code": code, "csrf_token": token},
                         files={"file": ("r.pdf", download.content + b"\n", "application/pdf")})
    assert upload.status_code == 200 and "文件与平台出具的报告不一致" in upload.text
    bad = client.post("/verify-report", data={"code": "不是校验码", "csrf_token": token})
    assert bad.status_code == 422 and "校验码格式不正确" in bad.text
    unknown = client.get("/verify-report", params={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert unknown.status_code == 200 and "未找到" in unknown.text


def test_an_institution_page_refusal_says_why_and_leaves_nothing(client: TestClient, session: Session,
                                                                   world: World) -> None:
    _seed_records(session, world)
    login(client, "a.officer")
    assert "下载企业信用报告" in client.get("/credit-reports").text
    token = page_csrf(client, "/credit-reports")
    form = {"uscc": "91500108MA00000014", "purpose_ref": "RPT-9", "csrf_token": token}
    refused = client.post("/credit-reports", data=form)
    assert refused.status_code == 403 and "未授权贵机构" in refused.text
    assert client.post("/credit-reports", data={**form, "uscc": "91500108MA9999999"}).status_code == 422
    _grant(session, world, "RPT-9")
    ok = client.post("/credit-reports", data=form)
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF-")
    assert len(_reports(session)) == 1 and len(_audits(session, "creditdata.credit_file_read")) == 1


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine with no Chinese font: the configured one is missing and no Debian font is found."""
    monkeypatch.setenv("XINYIDAI_REPORT_FONT", "/nonexistent/font.ttf")
    get_settings.cache_clear()
    report_pdf.find_font.cache_clear()
    yield
    get_settings.cache_clear()
    report_pdf.find_font.cache_clear()


def test_without_a_chinese_font_the_download_is_refused_in_chinese_and_nothing_is_spent(
        client: TestClient, session: Session, world: World, no_font: None) -> None:
    _seed_records(session, world)
    grant_id = _grant(session, world, "RPT-5")
    response = _bank_download(client, world, "RPT-5")
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert "中文字体" in response.json()["message"]  # type: ignore[attr-defined]
    session.expire_all()
    assert _reports(session) == [] and _audits(session, "creditdata.credit_file_read") == []
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)[0].used_at is None
    assert session.scalar(select(func.count()).select_from(CreditReport)) == 0 and grant_id


PENALTY_TEXT = "当事人李四（身份证50010819800101123X，电话13812345678）占道经营"


def test_personal_numbers_in_any_field_are_masked_for_a_bank_in_the_file_the_page_and_the_report(
        client: TestClient, session: Session, world: World) -> None:
    # `violation` declares no masking kind: the free-text rule applies to every text all the same.
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执法罚〔2026〕9号", violation=PENALTY_TEXT,
           penalty_kind="罚款", amount="2,000", severity="一般",
           decision_date=(clock.today() - timedelta(days=30)).isoformat(), authority="区综合行政执法局")
    session.commit()
    _grant(session, world, "PII-1", purpose=consent_service.Purpose.FINANCING_APPLICATION,
           mode=consent_service.Mode.PERIODIC)
    _grant(session, world, "PII-2", mode=consent_service.Mode.PERIODIC)
    headers = _api(client, "a.manager")  # the credit manager sees names in clear, never whole numbers
    api = client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file", params={"purpose_ref": "PII-1"})
    page = client.get(f"/credit-files/{world.good_enterprise}", params={"purpose_ref": "PII-1"})
    pdf = client.post(f"/api/v1/enterprises/{world.good_enterprise}/credit-reports",
                      params={"purpose_ref": "PII-2"}, headers=headers)
    assert api.status_code == page.status_code == 200 and pdf.status_code == 201, (api.text, page.text, pdf.text)
    for name, text in (("api", api.text), ("page", page.text), ("pdf", pdf_text(pdf.content))):
        assert "50010819800101123X" not in text and "13812345678" not in text, name
        assert "500108********123X" in text and "138****5678" in text and "李四" in text, name
    # The entity itself sees its record as it was stored.
    _api(client, "good")
    assert PENALTY_TEXT in client.get("/api/v1/enterprises/me/credit-file").text


def test_the_report_is_verified_at_the_platforms_public_address_in_words_and_in_its_qr_code(
        client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[str] = []
    qr_png = report_pdf._qr_png
    monkeypatch.setattr(report_pdf, "_qr_png", lambda url: encoded.append(url) or qr_png(url))
    monkeypatch.setenv("XINYIDAI_PUBLIC_URL", "https://xyd.nanan.gov.cn/")
    get_settings.cache_clear()
    try:
        response = client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good"))
    finally:
        get_settings.cache_clear()
    assert response.status_code == 201, response.text
    code = response.headers["x-verification-code"]
    assert "核验网址https://xyd.nanan.gov.cn/verify-report" in pdf_text(response.content)
    assert encoded == [f"https://xyd.nanan.gov.cn/verify-report?code={code}"]
    # Without the setting (never in production) the address the request came in on, not a fixed local one.
    monkeypatch.delenv("XINYIDAI_PUBLIC_URL")
    encoded.clear()
    response = client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good"))
    assert encoded == [f"http://testserver/verify-report?code={response.headers['x-verification-code']}"]
    assert "127.0.0.1:8000" not in pdf_text(response.content)


def test_a_long_record_and_a_bidi_control_are_printed_not_refused(
        client: TestClient, session: Session, world: World) -> None:
    # The longest 经营范围 the catalogue accepts, a firm's address with a right-to-left override in it.
    scope = ("批发零售办公用品、劳保用品；" * 100)[:1000]
    _store(session, world.good_enterprise, "registration", entity_name=NAME, legal_rep_name="张三",
           registration_date="2020-05-01", operating_status="存续", business_scope=scope)
    registry_service.get(session, enterprise_id=world.good_enterprise).address = "重庆市南岸区\u202e江南大道8号"
    session.commit()
    for _ in range(2):  # every try, not only the first
        client.raise_server_exceptions = False
        response = client.post("/api/v1/enterprises/me/credit-reports", headers=_api(client, "good"))
        assert response.status_code == 201, response.text
        text = pdf_text(response.content)
        assert "重庆市南岸区江南大道8号" in text and "\u202e" not in text
        # The scope in full and in order, once the page footers, the headings repeated on each new page and the
        # row's last cells (printed beside its first part) are set aside.
        text = re.sub(r"报告编号XYR\d+校验码[0-9A-Z-]+核验网址\S+?第\d+页/共\d+页|区市场监督管理局2026-11-2310:00"
                      r"|主体名称法定代表人成立日期注册资本（元）登记状态经营范围信息来源归集时间", "", text)
        assert f"存续{scope}四、数据来源与说明" in text
