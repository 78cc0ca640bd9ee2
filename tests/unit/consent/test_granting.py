"""The grant form's checks and summary (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from xinyidai.consent.granting import LoanChoice, check, new_report_reference, post_loan_problem, summary
from xinyidai.consent.policy import Mode, Purpose

BANK, OTHER_BANK, GUARANTOR = 2, 3, 4
INSTITUTIONS = {BANK: "甲银行", OTHER_BANK: "乙银行", GUARANTOR: "丙担保"}
CATEGORIES = {"C01": "登记注册信息", "C04": "纳税信息"}
LOANS = [LoanChoice(reference="LINE7", label="授信额度 LINE7", lender_organisation_id=BANK)]
FORM = {"recipient": str(BANK), "purpose": "post_loan_management", "loan": "LINE7", "categories": ["C04"],
        "days": "90", "mode": "periodic"}


def _check(**change: object) -> tuple[object, list[str]]:
    return check({**FORM, **change}, institutions=INSTITUTIONS, guarantors=frozenset({GUARANTOR}),  # type: ignore[arg-type]
                 categories=CATEGORIES, loans=LOANS)


def test_post_loan_management_names_the_loan_and_goes_to_its_lender_or_a_guarantor() -> None:
    request, errors = _check()
    assert errors == [] and request is not None
    assert (request.purpose, request.purpose_ref, request.categories, request.mode) == (
        Purpose.POST_LOAN_MANAGEMENT, "LINE7", ("C04",), Mode.PERIODIC)
    assert _check(recipient=str(GUARANTOR))[1] == []
    assert _check(recipient=str(OTHER_BANK))[1] == ["贷后管理授权只能授予该笔贷款的放款银行或担保机构"]
    assert _check(loan="LINE8")[1] == ["贷后管理授权须针对本企业的一笔贷款或本企业已确认加入的产业链信用共同体"]


def test_a_community_is_authorised_to_its_lender_alone() -> None:
    community = LoanChoice(reference="CHAIN3", label="产业链信用共同体“花椒链”", lender_organisation_id=BANK,
                           lender_only=True)
    request, errors = check({**FORM, "loan": "CHAIN3"}, institutions=INSTITUTIONS,
                            guarantors=frozenset({GUARANTOR}), categories=CATEGORIES, loans=[*LOANS, community])
    assert errors == [] and request is not None and request.purpose_ref == "CHAIN3"
    for recipient in (OTHER_BANK, GUARANTOR):
        assert post_loan_problem("CHAIN3", recipient, guarantors=frozenset({GUARANTOR}), loans=[community]) == (
            "产业链信用共同体的贷后管理授权只能授予该共同体的授信银行")
    assert post_loan_problem("CHAIN4", BANK, guarantors=frozenset(), loans=[community]) is not None


def test_a_report_download_gets_its_reference_when_granted_and_the_summary_says_everything() -> None:
    request, errors = _check(purpose="credit_report_download", loan="", categories=["C01", "C04"], mode="one_time")
    assert errors == [] and request is not None and request.purpose_ref is None
    lines = summary(request, recipient="甲银行", categories=CATEGORIES,  # type: ignore[arg-type]
                    now=datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert lines[:6] == [
        "被授权机构：甲银行", "授权用途：信用报告下载", "信息类别：全部2类信用信息（受限类信息始终不向机构提供）",
        "数据期间：不限", "有效期：自确认起90天，至2027-02-21 10:00", "授权方式：一次性：对方只能查询一次"]
    reference = new_report_reference(datetime(2026, 11, 23).date())
    assert reference.startswith("RPT20261123") and len(reference) == 17 and not set(reference[11:]) & set("01OIL")
