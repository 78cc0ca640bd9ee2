"""The authorisation matrix: every route and page that returns credit information, called by every role of every
kind of organisation, with no authorisation, a valid one, a revoked one and an expired one, returns exactly what
the rules allow — the status, the sub-categories and every value, desensitised for the caller — and not one field
more.

The rules, written out here independently of the code:

- the entity's own users read everything in clear, whatever its authorisations say;
- the platform admin reads everything (past-publicity records included) without an authorisation, naming a
  reason on the portal; identity and mobile numbers are masked even for it;
- an institution (bank, guarantee company, credit agency) reads only while the entity's authorisation for its
  organisation and that business reference lives, only the categories it covers, never a restricted
  sub-category or a record past its publicity period, with values desensitised for its role
  (consent.masking: a bank's credit manager sees names in clear, its loan officer masked; guarantee companies
  and credit agencies see banded amounts as bands); on the order's own route, only the order's bank;
- nobody else reads anything.

Free text (an equity change's before and after) keeps its words: identity and mobile numbers in it are masked,
a name in it is not (no rule can find every name in prose); names in name fields are.

Adding a route that returns credit information: the first test fails until it is classified below, either in
`CREDIT_ROUTES` (a `Probe`: the URL, which rule answers, how its response is read) or in `NOT_CREDIT_ROUTES` with
the reason it returns none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.integration.conftest import World, _user, id_number, login
from tests.integration.test_creditdata_file import _store
from tests.integration.test_routes import _api_routes
from xinyidai import clock
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.identity import service as identity_service
from xinyidai.identity.enums import ROLES_BY_KIND, OrgKind, Role
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.main import create_app
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service

# ---------------------------------------------------------------------------------------------------------------
# Which routes return credit information.

# Any route whose path says any of these is suspected of returning credit information and must be classified.
SUSPECT = re.compile(r"credit|portrait|report|objection|lookup|verification|record|score|sandbox|file|repair|"
                     r"rating|dossier|self-query|access-log")


class State(StrEnum):
    """Where the entity's authorisation for the business reference stands."""

    NONE = "none"
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Caller:
    """One user of the fixture world: who they are to the entity and the order."""

    username: str
    kind: OrgKind
    role: Role
    relation: str  # subject | other_entity | order_bank | other_bank | institution | connection | none | platform


CALLERS = (
    Caller("good", OrgKind.ENTERPRISE, Role.ENTERPRISE_ADMIN, "subject"),
    Caller("good.staff", OrgKind.ENTERPRISE, Role.ENTERPRISE_STAFF, "subject"),
    Caller("other", OrgKind.ENTERPRISE, Role.ENTERPRISE_ADMIN, "other_entity"),
    Caller("a.officer", OrgKind.BANK, Role.BANK_LOAN_OFFICER, "order_bank"),
    Caller("a.manager", OrgKind.BANK, Role.BANK_MANAGER, "order_bank"),
    Caller("a.admin", OrgKind.BANK, Role.INSTITUTION_ADMIN, "connection"),
    Caller("b.officer", OrgKind.BANK, Role.BANK_LOAN_OFFICER, "other_bank"),
    Caller("b.manager", OrgKind.BANK, Role.BANK_MANAGER, "other_bank"),
    Caller("guarantor", OrgKind.GUARANTEE_COMPANY, Role.GUARANTEE_OFFICER, "institution"),
    Caller("agency", OrgKind.CREDIT_AGENCY, Role.AGENCY_ANALYST, "institution"),
    Caller("guarantor.admin", OrgKind.GUARANTEE_COMPANY, Role.INSTITUTION_ADMIN, "connection"),
    Caller("agency.admin", OrgKind.CREDIT_AGENCY, Role.INSTITUTION_ADMIN, "connection"),
    Caller("tax.officer", OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER, "none"),
    Caller("supervisor", OrgKind.GOVERNMENT_DEPARTMENT, Role.GOVERNMENT_SUPERVISOR, "none"),
    Caller("admin", OrgKind.PLATFORM_OPERATOR, Role.PLATFORM_ADMIN, "platform"),
)


@dataclass(frozen=True)
class Outcome:
    """What a call must give: the status and, on success, which expected file (a key of `FILES`)."""

    status: int
    file: str | None = None


DENIED, NOT_FOUND = Outcome(403), Outcome(404)


def _institution_file(caller: Caller, state: State) -> Outcome:
    """An institution under the entity's authorisation: only while it lives, as its role may see it (its
    institution admin manages the connection to the platform and reads no credit information)."""
    if state is not State.VALID or caller.relation in ("other_bank", "connection"):
        return DENIED
    return Outcome(200, {"a.officer": "bank_officer", "a.manager": "bank_manager", "guarantor": "guarantor",
                         "agency": "agency"}[caller.username])


def rule_own_file(caller: Caller, state: State) -> Outcome:
    """The caller's own entity's file: its users only, whatever the authorisations."""
    if caller.kind is not OrgKind.ENTERPRISE:
        return DENIED
    return Outcome(200, "subject" if caller.relation == "subject" else "other_own")


def rule_file_by_id(caller: Caller, state: State) -> Outcome:
    """An entity's file by id and business reference: the entity, the platform, an authorised institution."""
    if caller.relation == "subject":
        return Outcome(200, "subject")
    if caller.relation == "platform":
        return Outcome(200, "platform")
    if caller.kind in (OrgKind.BANK, OrgKind.GUARANTEE_COMPANY, OrgKind.CREDIT_AGENCY):
        return _institution_file(caller, state)
    return DENIED


def rule_institution_lookup(caller: Caller, state: State) -> Outcome:
    """信易查 by an institution on the portal: institutions' roles only."""
    if caller.kind in (OrgKind.BANK, OrgKind.GUARANTEE_COMPANY, OrgKind.CREDIT_AGENCY):
        return _institution_file(caller, state)
    return DENIED


def rule_order_lookup(caller: Caller, state: State) -> Outcome:
    """信易查 on the order: its bank only (another bank does not even see the order)."""
    if caller.kind is not OrgKind.BANK:
        return DENIED
    if caller.relation == "other_bank":
        return NOT_FOUND
    return _institution_file(caller, state)


def rule_platform_admin(caller: Caller, state: State) -> Outcome:
    """The platform admin's lookup by USCC with a reason."""
    return Outcome(200, "platform") if caller.relation == "platform" else DENIED


class Reader(StrEnum):
    """How a response is read into {item code: {field: value}}."""

    JSON_FILE = "json_file"  # a CreditFileRead
    HTML_FILE = "html_file"  # the credit-file template: <div data-testid="file-item-…"> … <td data-field="…">
    STATUS_ONLY = "status_only"  # status and the no-leak check on the raw body only (a PDF, a chart…)


@dataclass(frozen=True)
class Probe:
    """How the matrix calls one route: the URL (with {enterprise_id}, {order_id}, {ref}, {uscc} filled in), the rule
    that answers and how the response is read."""

    url: str
    rule: Callable[[Caller, State], Outcome]
    reader: Reader


CREDIT_ROUTES: dict[str, Probe] = {
    "GET /api/v1/enterprises/me/credit-file": Probe(
        "/api/v1/enterprises/me/credit-file", rule_own_file, Reader.JSON_FILE),
    "GET /api/v1/enterprises/{enterprise_id}/credit-file": Probe(
        "/api/v1/enterprises/{enterprise_id}/credit-file?purpose_ref={ref}", rule_file_by_id, Reader.JSON_FILE),
    "GET /api/v1/orders/{order_id}/credit-lookup": Probe(
        "/api/v1/orders/{order_id}/credit-lookup", rule_order_lookup, Reader.JSON_FILE),
    "GET /credit-file": Probe("/credit-file", rule_own_file, Reader.HTML_FILE),
    "GET /credit-files/{enterprise_id}": Probe(
        "/credit-files/{enterprise_id}?purpose_ref={ref}", rule_institution_lookup, Reader.HTML_FILE),
    "GET /admin/credit-files": Probe(
        "/admin/credit-files?uscc={uscc}&purpose=异议处理", rule_platform_admin, Reader.HTML_FILE),
    "GET /api/v1/enterprises/me/portrait": Probe(
        "/api/v1/enterprises/me/portrait", rule_own_file, Reader.STATUS_ONLY),
    "GET /api/v1/enterprises/{enterprise_id}/portrait": Probe(
        "/api/v1/enterprises/{enterprise_id}/portrait?purpose_ref={ref}", rule_file_by_id, Reader.STATUS_ONLY),
}

NOT_CREDIT_ROUTES: dict[str, str] = {
    "GET /credit-file/self-report": "the blank self-report form",
    "POST /credit-file/self-report": "the entity submits its own report",
    "POST /api/v1/self-reports": "the entity submits its own report; the answer is what it sent",
    "GET /credit-file/access-log": "who read the caller's own entity's file (audit entries, no credit values)",
    "GET /api/v1/credit-data/batches/{batch_id}/errors.csv": "a department's own refused rows, back to it",
    "GET /api/v1/credit-data/batches": "a department's own deliveries: counts, no values",
    "GET /api/v1/credit-data/batches/{batch_id}": "a department's own delivery: counts and its refused rows",
    "POST /api/v1/credit-data/{item_code}/rows": "a department pushes rows; the answer counts them",
    "POST /api/v1/credit-data/{item_code}/files": "a department uploads a file; the answer counts its rows",
    "POST /api/v1/verifications": "a yes/no answer (核验), decided by the same require_access; "
                                  "tests/integration/test_creditdata_verification.py",
    "GET /api/v1/verifications": "the caller's own questions and their yes/no answers",
    "GET /api/v1/enterprise/annual-report-gate": "the caller's own entity's annual-report status",
    # Objections and credit repairs show the disputed record to its parties only: the entity, the department that
    # delivered it, the platform (and, read-only, the supervisor); tests/integration/test_rights.py scopes them.
    **{route: "an objection or repair and its record, to its parties only (test_rights.py)" for route in (
        "GET /api/v1/rights/objections", "GET /api/v1/rights/objections/{objection_id}",
        "GET /api/v1/rights/repairs", "GET /rights/objections", "GET /rights/objections/{objection_id}",
        "GET /rights/repairs", "GET /rights/repairs/{repair_id}")},
    **{route: "a party files, answers or decides; the answer is the objection or repair it acted on" for route in (
        "GET /rights/objections/new", "GET /rights/repairs/new", "POST /rights/objections",
        "POST /rights/repairs", "POST /api/v1/rights/objections/{objection_id}/answer",
        "POST /api/v1/rights/repairs/{repair_id}/decision", "POST /rights/objections/{objection_id}/answer",
        "POST /rights/repairs/{repair_id}/decision")},
    # 可用不可见: an institution's own models and runs; a run returns one score per authorised entity and never a
    # feature (tests/integration/test_sandbox.py: exact keys, authorised entities only, another institution 404).
    **{route: "the institution's own sandbox models and runs: scores only (test_sandbox.py)" for route in (
        "GET /api/v1/sandbox/models", "GET /api/v1/sandbox/models/{model_id}",
        "GET /api/v1/sandbox/models/{model_id}/runs", "GET /api/v1/sandbox/runs/{run_id}", "GET /sandbox",
        "GET /sandbox/models/{model_id}", "GET /sandbox/runs/{run_id}", "POST /api/v1/sandbox/models",
        "POST /api/v1/sandbox/models/{model_id}/runs", "POST /sandbox/models", "POST /sandbox/models/{model_id}/runs")},
    # The credit report PDF: the same read_credit_file decision under a credit-report-download grant
    # (tests/integration/test_creditdata_report.py); verifying a code shows who it was for, no credit content.
    "POST /api/v1/enterprises/me/credit-reports": "the entity's own report (test_creditdata_report.py)",
    "POST /credit-file/report": "the entity's own report (test_creditdata_report.py)",
    "POST /api/v1/enterprises/{enterprise_id}/credit-reports":
        "an institution's report under a credit-report-download grant (test_creditdata_report.py)",
    "GET /credit-reports": "the institution's report request form",
    "POST /credit-reports": "an institution's report under a credit-report-download grant (test_creditdata_report.py)",
    "GET /api/v1/credit-reports/verification": "genuine or not, the subject's name and the recipient; no content",
    "POST /api/v1/credit-reports/verification": "genuine or not, the subject's name and the recipient; no content",
    "GET /verify-report": "the public verification form",
    "POST /verify-report": "genuine or not, the subject's name and the recipient; no content",
    "GET /sandbox/authorise": "the entity's own grants of model runs",
    "POST /sandbox/authorise": "the entity grants a model run; the answer is its grant",
}


def _suspects() -> set[str]:
    return {f"{method} {route.path}" for route in _api_routes(create_app().routes)
            for method in route.methods or () if SUSPECT.search(route.path)}


def test_every_route_that_may_return_credit_information_is_classified() -> None:
    suspects = _suspects()
    assert sorted(suspects - CREDIT_ROUTES.keys() - NOT_CREDIT_ROUTES.keys()) == []
    # Classified routes exist (a renamed route is classified again, not silently dropped).
    assert sorted((CREDIT_ROUTES.keys() | NOT_CREDIT_ROUTES.keys()) - suspects) == []


def test_the_callers_hold_every_role_of_every_kind_of_organisation() -> None:
    assert {(c.kind, c.role) for c in CALLERS} == {(kind, role) for kind, roles in ROLES_BY_KIND.items()
                                                   for role in roles}


# ---------------------------------------------------------------------------------------------------------------
# What each reader must see: the entity's records as the rules shape them (known values, written out).

GOOD_USCC_PLACEHOLDER = "{uscc}"
REVENUE, ASSETS, TAX_PAID = 236_000_000, 880_000_000, 5_600_000  # fen: 2,360,000 / 8,800,000 / 56,000 yuan


def _clear(idn: str) -> dict[str, dict[str, Any]]:
    return {
        "registration": {"entity_name": "重庆甲商贸有限公司", "legal_rep_name": "张小三",
                         "registration_date": "2018-05-01", "operating_status": "存续"},
        "equity_change": {"change_date": "2024-06-01", "item": "法定代表人变更", "before": "李四",
                          "after": f"张小三（身份证号码{idn}，联系电话13812341234）"},
        "annual_report": {"report_year": 2025, "filed_date": "2026-05-10", "employees": 12, "revenue": REVENUE,
                          "total_assets": ASSETS},
        "admin_penalty": {"decision_no": "南岸执法罚〔2022〕8号", "violation": "占道经营", "penalty_kind": "罚款",
                          "amount": 200_000, "severity": "一般", "decision_date": "2022-03-10",
                          "authority": "区综合行政执法局"},
        "tax_credit_grade": {"year": 2025, "grade": "A", "evaluated_date": "2026-04-20"},
        "tax_payment": {"voucher_no": "332026000001", "tax_period": "2026-09", "tax_kind": "增值税",
                        "amount": TAX_PAID, "paid_date": "2026-10-15"},
        "real_estate": {"certificate_no": "渝（2021）南岸区不动产权第000123号", "use": "办公", "area": "180.5",
                        "registered_date": "2021-06-01", "mortgaged": False},
    }


def expected_files(idn: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Per expected file, {item code: the record's values} (the entity's USCC aside)."""
    clear = _clear(idn)
    masked_text = "张小三（身份证号码500108********" + idn[-4:] + "，联系电话138****1234）"

    def shaped(items: set[str], *, name: str, bands: bool) -> dict[str, dict[str, Any]]:
        out = {code: dict(values) for code, values in clear.items() if code in items}
        if "registration" in out:
            out["registration"]["legal_rep_name"] = name
        if "equity_change" in out:
            out["equity_change"]["after"] = masked_text
        if bands and "annual_report" in out:
            out["annual_report"].update(revenue="100万–500万元", total_assets="500万–1000万元")
        if bands and "tax_payment" in out:
            out["tax_payment"]["amount"] = "10万元以下"
        return out

    c01 = {"registration", "equity_change", "annual_report"}
    c04 = {"tax_credit_grade", "tax_payment"}
    return {
        "subject": clear,
        "other_own": {},
        "platform": shaped(set(clear), name="张小三", bands=False),
        "bank_manager": shaped(c01 | c04, name="张小三", bands=False),
        "bank_officer": shaped(c01 | c04, name="张*三", bands=False),
        "guarantor": shaped(c01 | c04, name="张*三", bands=True),  # its grant: C01 and C04
        "agency": shaped(c01, name="张*三", bands=True),  # its grant: C01 only
    }


AUDIENCE_OF_FILE = {"subject": "subject", "other_own": "subject", "platform": "platform_admin",
                    "bank_manager": "bank_manager", "bank_officer": "bank_loan_officer",
                    "guarantor": "guarantee_company", "agency": "credit_agency"}


# ---------------------------------------------------------------------------------------------------------------
# The world: the entity's records, an order at bank A, grants to a guarantee company and a credit agency.


@dataclass
class Setting:
    """What the probes' URLs are filled with."""

    enterprise_id: int
    order_id: int
    ref: str
    uscc: str
    id_number: str


def _seed(session: Session, world: World, idn: str) -> None:
    good = world.good_enterprise
    _store(session, good, "registration", entity_name="重庆甲商贸有限公司", legal_rep_name="张小三",
           registration_date="2018-05-01", operating_status="存续")
    _store(session, good, "equity_change", change_date="2024-06-01", item="法定代表人变更", before="李四",
           after=f"张小三（身份证号码{idn}，联系电话13812341234）")
    _store(session, good, "annual_report", report_year="2025", filed_date="2026-05-10", employees="12",
           revenue="2,360,000", total_assets="8,800,000.00")
    _store(session, good, "admin_penalty", decision_no="南岸执法罚〔2022〕8号", violation="占道经营",
           penalty_kind="罚款", amount="2,000", severity="一般", decision_date="2022-03-10",
           authority="区综合行政执法局")
    _store(session, good, "tax_credit_grade", year="2025", grade="A", evaluated_date="2026-04-20")
    _store(session, good, "tax_payment", voucher_no="332026000001", tax_period="2026-09", tax_kind="增值税",
           amount="56,000.00", paid_date="2026-10-15")
    _store(session, good, "real_estate", certificate_no="渝（2021）南岸区不动产权第000123号", use="办公",
           area="180.5", registered_date="2021-06-01", mortgaged="否")


def _org(session: Session, name: str, kind: OrgKind) -> int:
    created = identity_service.create_organisation(session, organisation_in=OrganisationCreate(name=name, kind=kind))
    return int(created.id)


def build(session: Session, world: World, state: State, frozen_clock: clock.FixedClock) -> Setting:
    """The world in `state`: every grant under the order's number absent, live, revoked or expired."""
    idn = id_number("19900307", "456")
    good_org = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert good_org is not None
    _user(session, good_org.id, "good.staff", [Role.ENTERPRISE_STAFF])
    _user(session, world.bank_a, "a.admin", [Role.INSTITUTION_ADMIN])
    agency_org = _org(session, "丁征信服务有限公司", OrgKind.CREDIT_AGENCY)
    _user(session, agency_org, "agency", [Role.AGENCY_ANALYST])
    _user(session, agency_org, "agency.admin", [Role.INSTITUTION_ADMIN])
    _user(session, world.guarantor_org, "guarantor.admin", [Role.INSTITUTION_ADMIN])
    _user(session, _org(session, "区发展和改革委员会", OrgKind.GOVERNMENT_DEPARTMENT), "supervisor",
          [Role.GOVERNMENT_SUPERVISOR])
    _seed(session, world, idn)
    good = world.principal(session, "good")
    order = orders_service.apply(session, principal=good, order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    for recipient, categories in ((world.guarantor_org, ["C01", "C04"]), (agency_org, ["C01"])):
        consent_service.grant(session, enterprise_id=world.good_enterprise, granted_by_user_id=good.user_id or 0,
                              recipient_organisation_id=recipient,
                              purpose=consent_service.Purpose.FINANCING_APPLICATION, purpose_ref=order.order_no,
                              categories=categories)
    grants = consent_service.list_for_reference(session, purpose_ref=order.order_no)
    assert len(grants) == 4  # bank A, the platform, the guarantee company, the credit agency
    if state is State.NONE:
        session.execute(delete(Authorisation).where(Authorisation.purpose_ref == order.order_no))
    elif state is State.REVOKED:
        for grant in grants:
            consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                                   user_id=good.user_id or 0)
    session.commit()
    if state is State.EXPIRED:
        frozen_clock.advance(timedelta(days=90))  # the default validity: expired at this very moment
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    return Setting(enterprise_id=world.good_enterprise, order_id=order.id, ref=order.order_no, uscc=uscc,
                   id_number=idn)


# ---------------------------------------------------------------------------------------------------------------
# Reading responses.


class _FileCells(HTMLParser):
    """{item code: {field: text}} from the credit-file page (the first record row of each sub-category)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, str]] = {}
        self._item: str | None = None
        self._field: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        testid = found.get("data-testid") or ""
        if testid.startswith("file-item-"):
            self._item = testid.removeprefix("file-item-")
            self.items.setdefault(self._item, {})
        if tag == "td" and found.get("data-field") and self._item is not None:
            self._field, self._text = found["data-field"], []

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._field is not None and self._item is not None:
            self.items[self._item].setdefault(self._field, "".join(self._text).strip())
            self._field = None


def _page_text(value: Any, field: str) -> str:
    """How the page writes an expected value: amounts in yuan with two decimals, 是/否, the rest as text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) and field in {"revenue", "total_assets", "amount"}:
        return f"{value / 100:,.2f}"
    return str(value)


def read(reader: Reader, response: Response) -> dict[str, dict[str, Any]] | None:
    """{item code: values} as the response shows them; None where the reader reads no file."""
    if reader is Reader.JSON_FILE:
        body = response.json()
        items: dict[str, dict[str, Any]] = {}
        for section in body["sections"]:
            for entry in section["entries"]:
                assert len(entry["current"]) == 1 and entry["history"] == [], entry
                data = dict(entry["current"][0]["data"])
                data.pop("uscc")
                items[entry["item_code"]] = data
        return items
    if reader is Reader.HTML_FILE:
        parser = _FileCells()
        parser.feed(response.text)
        return {code: {f: v for f, v in cells.items() if v != "—"} for code, cells in parser.items.items()}
    return None


def as_shown(reader: Reader, expected: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The expected file as the reader shows it."""
    if reader is Reader.HTML_FILE:
        return {code: {f: _page_text(v, f) for f, v in values.items()} for code, values in expected.items()}
    return expected


# ---------------------------------------------------------------------------------------------------------------
# The matrix.


@pytest.mark.parametrize("state", list(State))
def test_every_caller_gets_exactly_what_the_rules_allow(client: TestClient, session: Session, world: World,
                                                       frozen_clock: clock.FixedClock, state: State) -> None:
    setting = build(session, world, state, frozen_clock)
    files = expected_files(setting.id_number)
    fill = {"enterprise_id": setting.enterprise_id, "order_id": setting.order_id, "ref": setting.ref,
            "uscc": setting.uscc}
    mismatches = []
    for caller in CALLERS:
        client.cookies.clear()
        login(client, caller.username)
        for name, probe in CREDIT_ROUTES.items():
            outcome = probe.rule(caller, state)
            response = client.get(probe.url.format(**fill))
            where = f"{name} as {caller.username} ({state})"
            if response.status_code != outcome.status:
                mismatches.append(f"{where}: status {response.status_code}, expected {outcome.status}")
                continue
            if outcome.file not in ("subject", "other_own"):
                # Whatever a non-subject gets, whole personal numbers are never in it.
                assert setting.id_number not in response.text and "13812341234" not in response.text, where
            if outcome.file is None:
                continue
            if outcome.file in ("guarantor", "agency"):  # banded: the exact turnover is nowhere in the answer
                assert not {"236000000", "2,360,000", "2360000"} & set(re.findall(r"[\d,]+", response.text)), where
            shown = read(probe.reader, response)
            if shown is not None and shown != as_shown(probe.reader, files[outcome.file]):
                mismatches.append(f"{where}: got {shown}, expected {as_shown(probe.reader, files[outcome.file])}")
            if probe.reader is Reader.JSON_FILE:
                assert response.json()["audience"] == AUDIENCE_OF_FILE[outcome.file], where
    assert mismatches == []


def test_a_revocation_refuses_the_very_next_lookup_on_the_order_page_and_the_api(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    setting = build(session, world, State.VALID, frozen_clock)
    login(client, "a.officer")
    order_page = client.get(f"/orders/{setting.order_id}")
    link = f"/credit-files/{setting.enterprise_id}?purpose_ref={setting.ref}"
    assert 'data-testid="credit-lookup-link"' in order_page.text and link in order_page.text
    api = f"/api/v1/orders/{setting.order_id}/credit-lookup"
    assert client.get(link).status_code == 200 and client.get(api).status_code == 200
    [grant] = [g for g in consent_service.list_for_reference(session, purpose_ref=setting.ref)
               if g.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    page, refused = client.get(link), client.get(api)
    assert page.status_code == 403 and "该主体已于2026-11-23 10:00撤销对贵机构的授权" in page.text
    assert "张" not in page.text.split("<main", 1)[-1]
    assert refused.status_code == 403
    assert refused.json()["message"] == "该主体已于2026-11-23 10:00撤销对贵机构的授权"


def test_an_expired_authorisation_refuses_the_lookup_on_the_page_and_the_api(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    setting = build(session, world, State.VALID, frozen_clock)
    link = f"/credit-files/{setting.enterprise_id}?purpose_ref={setting.ref}"
    api = f"/api/v1/orders/{setting.order_id}/credit-lookup"
    frozen_clock.advance(timedelta(days=90) - timedelta(seconds=1))
    login(client, "a.manager")
    assert client.get(link).status_code == 200 and client.get(api).status_code == 200
    frozen_clock.advance(timedelta(seconds=1))
    page, refused = client.get(link), client.get(api)
    assert page.status_code == 403 and "该授权已于2027-02-21 10:00过期" in page.text
    assert refused.status_code == 403 and refused.json()["message"] == "该授权已于2027-02-21 10:00过期"
