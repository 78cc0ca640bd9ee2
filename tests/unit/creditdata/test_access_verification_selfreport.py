"""Pure rules: who sees a credit file and how much, the questions a source can be asked, the signed content of a
credit commitment."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import selfreport, verification
from xinyidai.creditdata.access import (
    Access,
    access_of,
    is_audited,
    sees_past_publicity,
    sees_repaired,
    sensitivities_for,
)
from xinyidai.creditdata.enums import Sensitivity
from xinyidai.creditdata.schemas import SelfReportCreate

TODAY = date(2026, 11, 23)


def _principal(kind: OrgKind, *roles: Role, enterprise_id: int | None = None) -> Principal:
    return Principal(organisation_id=5, organisation_kind=kind, roles=frozenset(roles), user_id=9,
                     enterprise_id=enterprise_id)


@pytest.mark.parametrize(("principal", "expected"), [
    (_principal(OrgKind.ENTERPRISE, Role.ENTERPRISE_STAFF, enterprise_id=7), Access.OWN),
    (_principal(OrgKind.ENTERPRISE, Role.ENTERPRISE_ADMIN, enterprise_id=8), None),
    (_principal(OrgKind.PLATFORM_OPERATOR, Role.PLATFORM_ADMIN), Access.PLATFORM),
    (_principal(OrgKind.BANK, Role.BANK_LOAN_OFFICER), Access.AUTHORISED),
    (_principal(OrgKind.GUARANTEE_COMPANY, Role.GUARANTEE_OFFICER), Access.AUTHORISED),
    (_principal(OrgKind.CREDIT_AGENCY, Role.AGENCY_ANALYST), Access.AUTHORISED),
    (_principal(OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER), None),
    (_principal(OrgKind.GOVERNMENT_DEPARTMENT, Role.GOVERNMENT_SUPERVISOR), None),
])
def test_who_stands_how_to_entity_seven(principal: Principal, expected: Access | None) -> None:
    assert access_of(principal, 7) is expected


def test_institutions_see_public_and_authorised_only_within_publicity_and_are_audited() -> None:
    assert sensitivities_for(Access.AUTHORISED) == {Sensitivity.PUBLIC, Sensitivity.AUTHORISED}
    assert sensitivities_for(Access.OWN) is None and sensitivities_for(Access.PLATFORM) is None
    assert [sees_past_publicity(a) for a in Access] == [True, True, False, False]
    assert [is_audited(a) for a in Access] == [False, True, True, True]
    # The public standing (公共信用核查): public sub-categories only, within publicity, nothing repaired.
    assert sensitivities_for(Access.PUBLIC) == {Sensitivity.PUBLIC}
    assert [sees_repaired(a) for a in Access] == [True, True, False, False]


def test_questions_are_normalised_for_the_source() -> None:
    condition, values = verification.check_question("tax_no_arrears", {}, today=TODAY)
    assert (condition.department, values) == ("tax", {"as_of": "2026-11-23"})
    assert verification.check_question("tax_no_arrears", {"as_of": "2026-06-30"}, today=TODAY)[1] == {
        "as_of": "2026-06-30"}
    assert verification.check_question("social_insurance_paid_months", {"months": "6"}, today=TODAY)[1] == {
        "months": 6}
    assert verification.check_question("real_estate_owned", {}, today=TODAY)[0].department == "real_estate"


@pytest.mark.parametrize(("condition", "parameters", "message"), [
    ("unknown", {}, "不支持核验条件“unknown”"),
    ("tax_no_arrears", {"as_of": "2026-11-24"}, "不能晚于今天"),
    ("tax_no_arrears", {"as_of": "2026-02-30"}, "参数不正确：as_of"),
    ("social_insurance_paid_months", {"months": 0}, "参数不正确：months"),
    ("housing_fund_paid_months", {"months": 6, "extra": 1}, "参数不正确：extra"),
])
def test_bad_questions_say_what_is_wrong(condition: str, parameters: dict[str, object], message: str) -> None:
    with pytest.raises(verification.InvalidVerification, match=message):
        verification.check_question(condition, parameters, today=TODAY)


def test_the_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    # RFC 4231 test case 2 (key "Jefe", data "what do ya want for nothing?"), the data cut at a full stop.
    rfc = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest()
    assert rfc == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert verification.sign(b"Jefe", "what do ya want for nothing?", b"") != rfc  # the separator is signed too
    assert verification.sign(b"k", "1700000000", b'{"a":1}') == hmac.new(
        b"k", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()


def test_the_signed_content_holds_the_promise_the_entity_and_every_fact() -> None:
    report = SelfReportCreate(report_year=2025, main_products="火锅底料", annual_revenue_fen=123_456_789,
                              employees=40, certifications=["ISO 22000", "HACCP"], accept_commitment=True)
    values = selfreport.reported_values(report, today_iso="2026-11-23")
    assert values == {"report_year": "2025", "main_products": "火锅底料", "annual_revenue": "1,234,567.89",
                      "employees": "40", "certifications": "ISO 22000；HACCP", "reported_date": "2026-11-23"}
    content = selfreport.commitment_content(enterprise_name="重庆乙餐饮有限公司", uscc="91500108MA00000020",
                                            facts=[("从业人数", "40"), ("资质认证", "ISO 22000；HACCP")])
    assert content.splitlines() == [
        selfreport.PROMISE, "承诺主体：重庆乙餐饮有限公司（统一社会信用代码：91500108MA00000020）",
        "从业人数：40", "资质认证：ISO 22000；HACCP"]
    # The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    assert selfreport.content_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
