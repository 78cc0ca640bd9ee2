"""The authorisation matrix: every route and page that returns credit information, called by every role of every
kind of organisation (and by institutions' API clients on the API), with no authorisation, a valid one, a revoked
one and an expired one, returns exactly what the rules allow — the status, the sub-categories and every value,
desensitised for the caller — and not one field more.

The rules, written out here independently of the code:

- the entity's own users read everything in clear, whatever its authorisations say;
- the platform admin reads everything (past-publicity records included) without an authorisation, naming a
  reason on the portal; identity and mobile numbers are masked even for it;
- an institution (bank, guarantee company, credit agency) reads only while the entity's authorisation for its
  organisation and that business reference lives, only the categories it covers, never a restricted
  sub-category or a record past its publicity period, with values desensitised for its role
  (consent.masking: a bank's credit manager sees names in clear, its loan officer masked; guarantee companies
  and credit agencies see banded amounts as bands); on the order's own route, only the order's bank; an API
  client of an institution is desensitised for the roles it was given, as a person would be;
- nobody else reads anything.

The credit report (a PDF) follows the credit file's rules with one difference: it is issued to the entity itself
and to institutions under a live authorisation for a credit report download, never to the platform admin.

An objection or a credit repair, and the record it disputes, is shown to its parties only: the entity, the source
department that delivered the record (and decides) and the platform admin; a government supervisor sees the lists
(to follow escalations) but not the record. The record is in clear for the entity and the department that answers
(which must be able to correct it); the platform admin sees it desensitised as its audience may, and that view is
audited. Other entities and departments see none of it (404, or a list without it).

A public credit check (公共信用核查, for procurement and bidding) is run by government departments only — their
systems (API clients with the data officer's role) and their people — with no authorisation: it shows what is public
(dishonesty lists, penalties within their publicity period, abnormal operations) and nothing any authorisation
would open, whatever the authorisations say.

A sandbox model and its runs (可用不可见) belong to the institution that uploaded them: its users (and the platform
admin, on the API) see them, nobody else; a run holds scores only, never a feature or a record's value.

Free text (an equity change's before and after) keeps its words: identity and mobile numbers in it are masked,
a name in it is not (no rule can find every name in prose); names in name fields are.

Adding a route that returns credit information: the first test fails until it is classified below, either in
`CREDIT_ROUTES` (a `Probe`: the URL, which rule answers, how its response is read) or in `NOT_CREDIT_ROUTES` with
the reason it returns none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests import sandbox_onnx
from tests.integration.conftest import World, _user, id_number, login, page_csrf
from tests.integration.creditdata.test_creditdata_file import _store
from tests.integration.creditdata.test_creditdata_report import pdf_text
from tests.integration.foundation.test_routes import _api_routes
from tests.report_font import small_report_font, small_report_font_file  # noqa: F401 - fixtures
from xinyidai import clock
from xinyidai.auth.enums import ROLES_BY_KIND, OrgKind, Role
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate
from xinyidai.main import create_app
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.rights import service as rights_service
from xinyidai.rights.schemas import ObjectionRead, RepairRead
from xinyidai.scoring.sandbox import service as sandbox_service
from xinyidai.scoring.sandbox.schemas import SandboxModelCreate, SandboxModelRead, SandboxRunCreate, SandboxRunRead

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
    """One caller of the fixture world: who they are to the entity and the order, which organisation they belong
    to, which source department it is (if any), and whether it calls as an API client with a bearer token."""

    username: str
    kind: OrgKind
    role: Role
    relation: str  # subject | other_entity | order_bank | other_bank | institution | connection | none | platform
    org: str
    delivers: str = ""  # the source department's code the caller's organisation is bound to
    bearer: bool = False


CALLERS = (
    Caller("good", OrgKind.ENTERPRISE, Role.ENTERPRISE_ADMIN, "subject", "good"),
    Caller("good.staff", OrgKind.ENTERPRISE, Role.ENTERPRISE_STAFF, "subject", "good"),
    Caller("other", OrgKind.ENTERPRISE, Role.ENTERPRISE_ADMIN, "other_entity", "other"),
    Caller("a.officer", OrgKind.BANK, Role.BANK_LOAN_OFFICER, "order_bank", "bank_a"),
    Caller("a.manager", OrgKind.BANK, Role.BANK_MANAGER, "order_bank", "bank_a"),
    Caller("a.admin", OrgKind.BANK, Role.INSTITUTION_ADMIN, "connection", "bank_a"),
    Caller("b.officer", OrgKind.BANK, Role.BANK_LOAN_OFFICER, "other_bank", "bank_b"),
    Caller("b.manager", OrgKind.BANK, Role.BANK_MANAGER, "other_bank", "bank_b"),
    Caller("guarantor", OrgKind.GUARANTEE_COMPANY, Role.GUARANTEE_OFFICER, "institution", "guarantor"),
    Caller("agency", OrgKind.CREDIT_AGENCY, Role.AGENCY_ANALYST, "institution", "agency"),
    Caller("guarantor.admin", OrgKind.GUARANTEE_COMPANY, Role.INSTITUTION_ADMIN, "connection", "guarantor"),
    Caller("agency.admin", OrgKind.CREDIT_AGENCY, Role.INSTITUTION_ADMIN, "connection", "agency"),
    Caller("tax.officer", OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER, "none", "tax", "tax"),
    Caller("amr.officer", OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER, "none", "amr", "amr"),
    Caller("law.officer", OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER, "none", "law",
           "law_enforcement"),
    Caller("supervisor", OrgKind.GOVERNMENT_DEPARTMENT, Role.GOVERNMENT_SUPERVISOR, "none", "ndrc"),
    Caller("grid", OrgKind.GOVERNMENT_DEPARTMENT, Role.GRID_WORKER, "none", "street_office"),
    Caller("admin", OrgKind.PLATFORM_OPERATOR, Role.PLATFORM_ADMIN, "platform", "platform"),
    # Institutions' systems: OAuth2 client credentials, desensitised for the roles the client was given.
    Caller("a.client", OrgKind.BANK, Role.BANK_LOAN_OFFICER, "order_bank", "bank_a", bearer=True),
    Caller("agency.client", OrgKind.CREDIT_AGENCY, Role.AGENCY_ANALYST, "institution", "agency", bearer=True),
)
INSTITUTION_KINDS = (OrgKind.BANK, OrgKind.GUARANTEE_COMPANY, OrgKind.CREDIT_AGENCY)


@dataclass(frozen=True)
class Outcome:
    """What a call must give: the status and, on success, what it shows (a key of `FILES` for a credit file or a
    report; `SEEN` or `NOTHING` for an objection, a repair or a sandbox model and run)."""

    status: int
    file: str | None = None


DENIED, NOT_FOUND = Outcome(403), Outcome(404)
SEEN, NOTHING = "seen", "nothing"
SEEN_MASKED = "seen_masked"  # a party that sees the disputed record desensitised (the platform admin)
FILE_OF_ROLE = {Role.BANK_LOAN_OFFICER: "bank_officer", Role.BANK_MANAGER: "bank_manager",
                Role.GUARANTEE_OFFICER: "guarantor", Role.AGENCY_ANALYST: "agency"}


def _institution_file(caller: Caller, state: State) -> Outcome:
    """An institution under the entity's authorisation: only while it lives, as its role may see it (its
    institution admin manages the connection to the platform and reads no credit information)."""
    if state is not State.VALID or caller.relation in ("other_bank", "connection"):
        return DENIED
    return Outcome(200, FILE_OF_ROLE[caller.role])


def rule_own_file(caller: Caller, state: State) -> Outcome:
    """The caller's own entity's file (or report): its users only, whatever the authorisations."""
    if caller.kind is not OrgKind.ENTERPRISE:
        return DENIED
    return Outcome(200, "subject" if caller.relation == "subject" else "other_own")


def rule_file_by_id(caller: Caller, state: State) -> Outcome:
    """An entity's file by id and business reference: the entity, the platform, an authorised institution."""
    if caller.relation == "subject":
        return Outcome(200, "subject")
    if caller.relation == "platform":
        return Outcome(200, "platform")
    if caller.kind in INSTITUTION_KINDS:
        return _institution_file(caller, state)
    return DENIED


def rule_report_by_id(caller: Caller, state: State) -> Outcome:
    """An entity's report by id: the entity, an institution under a live credit-report authorisation; the platform
    admin is refused (it opens files on the portal, naming a reason; it is issued no report)."""
    return DENIED if caller.relation == "platform" else rule_file_by_id(caller, state)


def rule_institution_lookup(caller: Caller, state: State) -> Outcome:
    """信易查 (or a report) by an institution on the portal: institutions' roles only."""
    if caller.kind in INSTITUTION_KINDS:
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


PUBLIC_CHECK = "public_check"  # the public credit check of the entity: public information only


def rule_public_check(caller: Caller, state: State) -> Outcome:
    """A public credit check: government departments' systems and people, whatever the authorisations say."""
    if caller.role in (Role.DEPARTMENT_DATA_OFFICER, Role.GOVERNMENT_SUPERVISOR):
        return Outcome(200, PUBLIC_CHECK)
    return DENIED


RIGHTS_ROLES = {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF, Role.DEPARTMENT_DATA_OFFICER, Role.PLATFORM_ADMIN,
                Role.GOVERNMENT_SUPERVISOR}


def _rights_party(caller: Caller, department: str) -> str | None:
    """How a party to an objection or repair on `department`'s record sees it; None for anyone else."""
    if caller.relation == "subject" or (caller.delivers and caller.delivers == department):
        return SEEN
    return SEEN_MASKED if caller.relation == "platform" else None


def _rights_one(department: str) -> Callable[[Caller, State], Outcome]:
    def rule(caller: Caller, state: State) -> Outcome:
        seen = _rights_party(caller, department)
        if seen:
            return Outcome(200, seen)
        return NOT_FOUND if caller.role in RIGHTS_ROLES else DENIED
    rule.__doc__ = f"One objection or repair on a record {department} delivered: its parties only."
    return rule


def _rights_list(department: str) -> Callable[[Caller, State], Outcome]:
    def rule(caller: Caller, state: State) -> Outcome:
        if caller.role not in RIGHTS_ROLES:
            return DENIED
        follows = _rights_party(caller, department) or caller.role is Role.GOVERNMENT_SUPERVISOR
        return Outcome(200, SEEN if follows else NOTHING)
    rule.__doc__ = f"The list of objections or repairs: it holds the one on {department}'s record for its parties."
    return rule


rule_objection, rule_objections = _rights_one("amr"), _rights_list("amr")  # on the equity change (工商)
rule_repair, rule_repairs = _rights_one("law_enforcement"), _rights_list("law_enforcement")  # on the penalty
SANDBOX_API_ROLES = {Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.AGENCY_ANALYST, Role.PLATFORM_ADMIN}
SANDBOX_PAGE_ROLES = SANDBOX_API_ROLES - {Role.PLATFORM_ADMIN}


def _sandbox_owner(caller: Caller) -> bool:
    return caller.org == "bank_a" or caller.relation == "platform"  # bank A uploaded the model and ran it


def rule_sandbox_item(caller: Caller, state: State) -> Outcome:
    """Bank A's sandbox model or run on the API: bank A's users and clients, and the platform admin."""
    if caller.role not in SANDBOX_API_ROLES:
        return DENIED
    return Outcome(200, SEEN) if _sandbox_owner(caller) else NOT_FOUND


def rule_sandbox_models(caller: Caller, state: State) -> Outcome:
    """The list of sandbox models on the API: bank A's model for bank A and the platform admin only."""
    if caller.role not in SANDBOX_API_ROLES:
        return DENIED
    return Outcome(200, SEEN if _sandbox_owner(caller) else NOTHING)


def rule_sandbox_page(caller: Caller, state: State) -> Outcome:
    """Bank A's sandbox model or run page: bank A's users only (the portal's sandbox is the institutions')."""
    if caller.role not in SANDBOX_PAGE_ROLES:
        return DENIED
    return Outcome(200, SEEN) if caller.org == "bank_a" else NOT_FOUND


def rule_sandbox_home(caller: Caller, state: State) -> Outcome:
    """The sandbox home page: the caller's institution's models."""
    if caller.role not in SANDBOX_PAGE_ROLES:
        return DENIED
    return Outcome(200, SEEN if caller.org == "bank_a" else NOTHING)


class Reader(StrEnum):
    """How a response is read and checked."""

    JSON_FILE = "json_file"  # a CreditFileRead
    HTML_FILE = "html_file"  # the credit-file template: <div data-testid="file-item-…"> … <td data-field="…">
    STATUS_ONLY = "status_only"  # status and the no-leak check on the raw body only (a chart…)
    PDF_REPORT = "pdf_report"  # a credit report: the PDF's text holds what the file allows and nothing else
    OBJECTION_JSON = "objection_json"  # an ObjectionRead
    OBJECTIONS_JSON = "objections_json"  # a list of ObjectionRead
    REPAIRS_JSON = "repairs_json"  # a list of RepairRead
    OBJECTION_PAGE = "objection_page"  # the objection on the portal: the record as the party may see it
    OBJECTIONS_PAGE = "objections_page"  # the list of objections on the portal
    REPAIR_PAGE = "repair_page"  # the repair on the portal: the record and the application
    REPAIRS_PAGE = "repairs_page"  # the list of repairs on the portal
    SANDBOX_MODEL_JSON = "sandbox_model_json"  # a SandboxModelRead
    SANDBOX_MODELS_JSON = "sandbox_models_json"  # a list of SandboxModelRead
    SANDBOX_RUN_JSON = "sandbox_run_json"  # a SandboxRunRead: scores only
    SANDBOX_RUNS_JSON = "sandbox_runs_json"  # a list of SandboxRunRead
    SANDBOX_PAGE = "sandbox_page"  # a sandbox page: the model, the run's score, never a feature
    PUBLIC_CHECK_JSON = "public_check_json"  # a CreditCheckRead: public information only
    PUBLIC_CHECK_PAGE = "public_check_page"  # the check on the portal: public information only


@dataclass(frozen=True)
class Probe:
    """How the matrix calls one route: the method and URL (with {enterprise_id}, {order_id}, {ref}, {uscc},
    {objection_id}, {repair_id}, {model_id}, {run_id} filled in), the form (or JSON body) it posts, the status of a
    success, the rule that answers and how the response is read."""

    url: str
    rule: Callable[[Caller, State], Outcome]
    reader: Reader
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)
    ok: int = 200
    states: tuple[State, ...] = tuple(State)  # a rule that no authorisation changes: with and without a live one
    body: dict[str, str] = field(default_factory=dict)


PARTIES = (State.VALID, State.NONE)


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
    # Credit reports (PDF), under a credit-report-download authorisation for institutions.
    "POST /api/v1/enterprises/me/credit-reports": Probe(
        "/api/v1/enterprises/me/credit-reports", rule_own_file, Reader.PDF_REPORT, "POST", ok=201),
    "POST /credit-file/report": Probe("/credit-file/report", rule_own_file, Reader.PDF_REPORT, "POST"),
    "POST /api/v1/enterprises/{enterprise_id}/credit-reports": Probe(
        "/api/v1/enterprises/{enterprise_id}/credit-reports?purpose_ref={ref}", rule_report_by_id,
        Reader.PDF_REPORT, "POST", ok=201),
    "POST /credit-reports": Probe("/credit-reports", rule_institution_lookup, Reader.PDF_REPORT, "POST",
                                  {"uscc": "{uscc}", "purpose_ref": "{ref}"}),
    # Objections and credit repair: the disputed record, to its parties only.
    "GET /api/v1/rights/objections": Probe(
        "/api/v1/rights/objections", rule_objections, Reader.OBJECTIONS_JSON, states=PARTIES),
    "GET /api/v1/rights/objections/{objection_id}": Probe(
        "/api/v1/rights/objections/{objection_id}", rule_objection, Reader.OBJECTION_JSON, states=PARTIES),
    "GET /api/v1/rights/repairs": Probe("/api/v1/rights/repairs", rule_repairs, Reader.REPAIRS_JSON, states=PARTIES),
    "GET /rights/objections": Probe(
        "/rights/objections", rule_objections, Reader.OBJECTIONS_PAGE, states=PARTIES),
    "GET /rights/objections/{objection_id}": Probe(
        "/rights/objections/{objection_id}", rule_objection, Reader.OBJECTION_PAGE, states=PARTIES),
    "GET /rights/repairs": Probe("/rights/repairs", rule_repairs, Reader.REPAIRS_PAGE, states=PARTIES),
    "GET /rights/repairs/{repair_id}": Probe(
        "/rights/repairs/{repair_id}", rule_repair, Reader.REPAIR_PAGE, states=PARTIES),
    # 可用不可见: bank A's model and its run.
    "GET /api/v1/sandbox/models": Probe(
        "/api/v1/sandbox/models", rule_sandbox_models, Reader.SANDBOX_MODELS_JSON, states=PARTIES),
    "GET /api/v1/sandbox/models/{model_id}": Probe(
        "/api/v1/sandbox/models/{model_id}", rule_sandbox_item, Reader.SANDBOX_MODEL_JSON, states=PARTIES),
    "GET /api/v1/sandbox/models/{model_id}/runs": Probe(
        "/api/v1/sandbox/models/{model_id}/runs", rule_sandbox_item, Reader.SANDBOX_RUNS_JSON, states=PARTIES),
    "GET /api/v1/sandbox/runs/{run_id}": Probe(
        "/api/v1/sandbox/runs/{run_id}", rule_sandbox_item, Reader.SANDBOX_RUN_JSON, states=PARTIES),
    "GET /sandbox": Probe("/sandbox", rule_sandbox_home, Reader.SANDBOX_PAGE, states=PARTIES),
    "GET /sandbox/models/{model_id}": Probe(
        "/sandbox/models/{model_id}", rule_sandbox_page, Reader.SANDBOX_PAGE, states=PARTIES),
    "GET /sandbox/runs/{run_id}": Probe(
        "/sandbox/runs/{run_id}", rule_sandbox_page, Reader.SANDBOX_PAGE, states=PARTIES),
    # 公共信用核查: public information only, to government departments, no authorisation needed or used.
    "POST /api/v1/credit-checks": Probe("/api/v1/credit-checks", rule_public_check, Reader.PUBLIC_CHECK_JSON, "POST",
                                        ok=201, states=PARTIES, body={"uscc": "{uscc}"}),
    "POST /credit-checks": Probe("/credit-checks", rule_public_check, Reader.PUBLIC_CHECK_PAGE, "POST",
                                 {"uscc": "{uscc}"}, states=PARTIES),
}

NOT_CREDIT_ROUTES: dict[str, str] = {
    "POST /supervision/reports": "the monthly report (月报): district-wide counts and sums, no entity's information",
    "GET /supervision/reports/{month}.xlsx": "the monthly report's workbook: aggregate statistics only",
    "GET /supervision/reports/{month}.pdf": "the monthly report's PDF: aggregate statistics only",
    "GET /supervision/node-reports": "the nodes below's monthly reports: their aggregate figures, no entity's "
                                     "information",
    "GET /credit-file/self-report": "the blank self-report form",
    "POST /credit-file/self-report": "the entity submits its own report",
    "POST /api/v1/self-reports": "the entity submits its own report; the answer is what it sent",
    "POST /api/v1/self-reports/{item_code}": "the entity reports its own agricultural facts; the answer is what it "
                                             "sent",
    "GET /credit-file/self-report/{item_code}": "the blank agricultural self-report form (the catalogue's fields)",
    "POST /credit-file/self-report/{item_code}": "the entity submits its own agricultural facts",
    **{route: "the API sandbox: opens a sandbox bank of demo data; its credentials and first calls, no credit values"
       for route in ("GET /api-sandbox", "POST /api-sandbox", "GET /api-sandbox/credentials")},
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
    **{route: "a party files, answers or decides; the answer is the objection or repair it acted on, whose reading "
              "the matrix probes above (test_rights.py: who may act)" for route in (
        "GET /rights/objections/new", "GET /rights/repairs/new", "POST /rights/objections",
        "POST /rights/repairs", "POST /api/v1/rights/objections/{objection_id}/answer",
        "POST /api/v1/rights/repairs/{repair_id}/decision", "POST /rights/objections/{objection_id}/answer",
        "POST /rights/repairs/{repair_id}/decision")},
    # Uploading a model and running one are writes by the owning institution; the runs they make are read above
    # (tests/integration/test_sandbox.py: another institution can neither upload to nor run bank A's model).
    **{route: "the institution uploads or runs its own model; the run it makes is read above (test_sandbox.py)"
       for route in ("POST /api/v1/sandbox/models", "POST /api/v1/sandbox/models/{model_id}/runs",
                     "POST /sandbox/models", "POST /sandbox/models/{model_id}/runs")},
    "GET /credit-reports": "the institution's report request form",
    "GET /api/v1/credit-reports/verification": "genuine or not, the subject's name and the recipient; no content",
    "POST /api/v1/credit-reports/verification": "genuine or not, the subject's name and the recipient; no content",
    "GET /verify-report": "the public verification form",
    "POST /verify-report": "genuine or not, the subject's name and the recipient; no content",
    **{route: "the policy simulator (政策模拟): sums by town/street and industry over groups of at least "
              "`projection.MIN_GROUP` entities, no entity's figures"
       for route in ("GET /reporting/simulator", "POST /reporting/simulator",
                     "GET /reporting/simulator/{simulation_id}", "GET /reporting/simulator/{simulation_id}/workbook")},
    "GET /sandbox/authorise": "the entity's own grants of model runs",
    "POST /api/v1/credit-checks/batch": "the public credit check of many bidders at once, by the same service and "
                                        "rule as POST /api/v1/credit-checks (tests/integration/creditcheck)",
    "GET /credit-checks": "the supervisor's blank check form",
    "GET /api/v1/credit-checks/verification": "genuine or not, the subject's name and who asked; no content",
    "POST /api/v1/credit-checks/verification": "genuine or not, the subject's name and who asked; no content",
    "GET /verify-credit-check": "genuine or not, the subject's name and who asked; no content",
    "POST /verify-credit-check": "genuine or not, the subject's name and who asked; no content",
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
    assert not CREDIT_ROUTES.keys() & NOT_CREDIT_ROUTES.keys()


def test_the_callers_hold_every_role_of_every_kind_of_organisation() -> None:
    assert {(c.kind, c.role) for c in CALLERS} == {(kind, role) for kind, roles in ROLES_BY_KIND.items()
                                                   for role in roles}
    # Every institution kind that has API clients calls through one too (a bank and a credit agency).
    assert {c.kind for c in CALLERS if c.bearer} == {OrgKind.BANK, OrgKind.CREDIT_AGENCY}


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
# The world: the entity's records, an order at bank A, grants to a guarantee company and a credit agency (for the
# financing review and for a credit report download), an objection and a repair, bank A's sandbox model and run.

OBJECTION_REASON = "2024年法定代表人变更记录中的联系电话已停用，申请核实更正"
REPAIR_STATEMENT = "罚款已于2022年4月缴清，占道经营行为已整改完毕"
MODEL_NAME = "矩阵小微评分卡"
MODEL_REF = "PROG-MATRIX-01"
SCORE = 0.65  # sigmoid(tax_paid_12m 56,000 yuan × 0.0001 + penalties 0 × 0.5 − 5) = sigmoid(0.6) ≈ 0.6457, to 2 places


@dataclass
class Setting:
    """What the probes' URLs are filled with, and what the checks look for."""

    enterprise_id: int
    order_id: int
    ref: str
    uscc: str
    id_number: str
    objection_id: int
    objection_no: str
    repair_id: int
    repair_no: str
    model_id: int
    model_sha256: str
    run_id: int
    tokens: dict[str, str]

    def fill(self) -> dict[str, Any]:
        """The URL placeholders."""
        return {"enterprise_id": self.enterprise_id, "order_id": self.order_id, "ref": self.ref, "uscc": self.uscc,
                "objection_id": self.objection_id, "repair_id": self.repair_id, "model_id": self.model_id,
                "run_id": self.run_id}


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


def _record(session: Session, world: World, item_code: str) -> CreditRecord:
    item = creditdata_service.get_item(session, code=item_code)
    return session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == world.good_enterprise,
                                                      CreditRecord.catalogue_item_id == item.id)).one()


def _rights(session: Session, world: World) -> tuple[Any, Any]:
    """The entity disputes its equity change (delivered by the market regulator) and applies to repair its penalty
    (delivered by law enforcement) — back when the penalty was still in its publicity period, as repair requires."""
    good = world.principal(session, "good")
    evidence = [rights_service.Upload("证明.pdf", b"%PDF-1.4\n% evidence\n")]
    objection = rights_service.file_objection(session, principal=good, record_id=_record(
        session, world, "equity_change").id, reason=OBJECTION_REASON, uploads=evidence)
    with clock.use(clock.at(2024, 3, 1)):
        repair = rights_service.apply_repair(session, principal=good, record_id=_record(
            session, world, "admin_penalty").id, fulfilled_date=date(2022, 4, 1), statement=REPAIR_STATEMENT,
            commitment_signed=True, uploads=evidence)
    return objection, repair


@pytest.fixture(autouse=True)
def _runs_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture world has one authorised entity; the ten-entity minimum of a run is tested in test_sandbox.py."""
    monkeypatch.setattr(sandbox_service, "MIN_ENTITIES", 1)


def _sandbox(session: Session, world: World) -> tuple[int, str, int]:
    """Bank A's model, run inside the platform on the entity, which authorised it for model runs."""
    consent_service.grant(session, enterprise_id=world.good_enterprise,
                          granted_by_user_id=world.principal(session, "good").user_id or 0,
                          recipient_organisation_id=world.bank_a, purpose=consent_service.Purpose.MODEL_RUN,
                          purpose_ref=MODEL_REF, categories=["C02", "C04"])
    manager = world.principal(session, "a.manager")
    model = sandbox_service.upload(session, principal=manager, model_in=SandboxModelCreate(
        name=MODEL_NAME, features=["tax_paid_12m", "penalties_36m", "penalties_12m"], output_name="score"),
        content=sandbox_onnx.scorecard([0.0001, 0.5, 0.5], bias=-5.0))
    run = sandbox_service.run(session, principal=manager, model_id=model.id,
                              run_in=SandboxRunCreate(purpose_ref=MODEL_REF))
    assert run.scored == 1 and run.scores[0]["score"] == pytest.approx(SCORE), run.scores
    return model.id, model.sha256, run.id


def _client_token(session: Session, organisation_id: int, role: Role) -> str:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=organisation_id, name="机构业务系统", roles=[role]))
    return identity_service.issue_client_token(session, client_id=created.client_id,
                                               client_secret=created.client_secret).token.access_token  # type: ignore[union-attr]


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
    law_org = _org(session, "区综合行政执法局", OrgKind.GOVERNMENT_DEPARTMENT)
    _user(session, law_org, "law.officer", [Role.DEPARTMENT_DATA_OFFICER])
    _user(session, _org(session, "南坪街道办事处", OrgKind.GOVERNMENT_DEPARTMENT), "grid", [Role.GRID_WORKER])
    creditdata_service.bind_department(session, code="law_enforcement", organisation_id=law_org)
    _seed(session, world, idn)
    good = world.principal(session, "good")
    order = orders_service.apply(session, principal=good, order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    [bank_grant] = [g for g in consent_service.list_for_reference(session, purpose_ref=order.order_no)
                    if g.recipient_organisation_id == world.bank_a]
    for recipient, categories, purpose in (
            (world.guarantor_org, ["C01", "C04"], consent_service.Purpose.FINANCING_APPLICATION),
            (agency_org, ["C01"], consent_service.Purpose.FINANCING_APPLICATION),
            # The same institutions may download a credit report under the same reference, covering the same.
            (world.bank_a, list(bank_grant.categories), consent_service.Purpose.CREDIT_REPORT_DOWNLOAD),
            (world.guarantor_org, ["C01", "C04"], consent_service.Purpose.CREDIT_REPORT_DOWNLOAD),
            (agency_org, ["C01"], consent_service.Purpose.CREDIT_REPORT_DOWNLOAD)):
        consent_service.grant(session, enterprise_id=world.good_enterprise, granted_by_user_id=good.user_id or 0,
                              recipient_organisation_id=recipient, purpose=purpose, purpose_ref=order.order_no,
                              categories=categories)
    grants = consent_service.list_for_reference(session, purpose_ref=order.order_no)
    # Financing: bank A, the platform, the guarantee company, the credit agency; reports: all three institutions.
    assert len(grants) == 7
    objection, repair = _rights(session, world)
    model_id, model_sha256, run_id = _sandbox(session, world)
    if state is State.NONE:
        session.execute(delete(Authorisation).where(Authorisation.purpose_ref == order.order_no))
    elif state is State.REVOKED:
        for grant in grants:
            consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                                   user_id=good.user_id or 0)
    session.commit()
    if state is State.EXPIRED:
        frozen_clock.advance(timedelta(days=90))  # the default validity: expired at this very moment
    # Tokens are short-lived: issued now (after any expiry), as a client would fetch one before calling.
    tokens = {"a.client": _client_token(session, world.bank_a, Role.BANK_LOAN_OFFICER),
              "agency.client": _client_token(session, agency_org, Role.AGENCY_ANALYST)}
    session.commit()
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    return Setting(enterprise_id=world.good_enterprise, order_id=order.id, ref=order.order_no, uscc=uscc,
                   id_number=idn, objection_id=objection.id, objection_no=objection.number, repair_id=repair.id,
                   repair_no=repair.number, model_id=model_id, model_sha256=model_sha256, run_id=run_id,
                   tokens=tokens)


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


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# A value of each sub-category that no other part of a report shows: present only when the sub-category is.
ITEM_MARKS = {"equity_change": "法定代表人变更", "annual_report": "2026-05-10",
              "admin_penalty": "南岸执法罚〔2022〕8号", "tax_credit_grade": "2026-04-20",
              "tax_payment": "332026000001", "real_estate": "不动产权第000123号"}
EXACT_AMOUNTS = ("2,360,000.00", "8,800,000.00", "56,000.00")  # revenue, assets, tax paid: banded for some
NAMES_MASKED = {"bank_officer", "guarantor", "agency"}
OBJECTION_MARKS = ("13812341234", "138****1234", OBJECTION_REASON)  # the disputed equity change, the reasons
REPAIR_MARKS = (REPAIR_STATEMENT, "南岸执法罚〔2022〕8号")
FEATURE_VALUES = ("56000", "56,000", "5600000", "332026000001")  # tax_paid_12m and the payment it comes from


def check_report(file: str, response: Response, setting: Setting, world: World,
                 files: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """What a report must show (the file as the caller may see it) and must not (anything more)."""
    if not response.content.startswith(b"%PDF-") or response.headers["content-type"] != "application/pdf":
        return [f"not a PDF: {response.headers['content-type']}"]
    text = pdf_text(response.content)
    expected = files[file]
    wrong = [f"{code}.{name} {value!r} missing" for code, values in expected.items()
             for name, value in values.items() if _compact(_page_text(value, name)) not in text]
    wrong += [f"{code} shown ({mark})" for code, mark in ITEM_MARKS.items() if code not in expected and mark in text]
    absent = []
    if file != "subject":
        absent += [setting.id_number, "13812341234", "19900307"]
    if file == "other_own":
        absent += ["重庆甲商贸有限公司", "张小三"]
    if file in ("guarantor", "agency"):
        absent += list(EXACT_AMOUNTS)
    if file in NAMES_MASKED:  # the legal representative's name in the registry's facts (张三, masked 张*)
        absent += ["张三"]
    wrong += [f"{value!r} shown" for value in absent if value in text]
    return wrong


def _keys(body: dict[str, Any], schema: type[Any]) -> list[str]:
    return [] if set(body) == set(schema.model_fields) else [f"fields {sorted(body)}"]


def _run_body(body: dict[str, Any], setting: Setting) -> list[str]:
    wrong = _keys(body, SandboxRunRead)
    if [set(s) for s in body["scores"]] != [{"uscc", "score"}] or body["scores"][0]["uscc"] != setting.uscc \
            or body["scores"][0]["score"] != pytest.approx(SCORE):
        wrong.append(f"scores {body['scores']}")
    return wrong


def check_seen(reader: Reader, seen: str | None, response: Response, setting: Setting) -> list[str]:
    """An objection, a repair or a sandbox model and run: shown whole to whom it belongs, absent for the others."""
    body = response.json() if reader.name.endswith("JSON") else None
    text = response.text
    wrong: list[str] = []
    if reader is Reader.OBJECTION_JSON:
        wrong += _keys(body, ObjectionRead)
        if (body["id"], body["number"], body["reason"]) != (setting.objection_id, setting.objection_no,
                                                           OBJECTION_REASON):
            wrong.append(f"objection {body}")
    elif reader is Reader.OBJECTIONS_JSON:
        wrong += [] if [o["number"] for o in body] == ([setting.objection_no] if seen == SEEN_ANY else []) else [
            f"objections {[o['number'] for o in body]}"]
        wrong += [w for o in body for w in _keys(o, ObjectionRead)]
    elif reader is Reader.REPAIRS_JSON:
        wrong += [] if [r["number"] for r in body] == ([setting.repair_no] if seen == SEEN_ANY else []) else [
            f"repairs {[r['number'] for r in body]}"]
        wrong += [w for r in body for w in _keys(r, RepairRead)]
    elif reader is Reader.SANDBOX_MODEL_JSON:
        wrong += _keys(body, SandboxModelRead)
        wrong += [] if (body["name"], body["sha256"]) == (MODEL_NAME, setting.model_sha256) else [f"model {body}"]
    elif reader is Reader.SANDBOX_MODELS_JSON:
        names = [m["name"] for m in body]
        wrong += [] if names == ([MODEL_NAME] if seen == SEEN_ANY else []) else [f"models {names}"]
        wrong += [w for m in body for w in _keys(m, SandboxModelRead)]
    elif reader is Reader.SANDBOX_RUN_JSON:
        wrong += _run_body(body, setting)
    elif reader is Reader.SANDBOX_RUNS_JSON:
        wrong += [w for run in body for w in _run_body(run, setting)] if len(body) == 1 else [f"runs {body}"]
    page_mark = {Reader.OBJECTION_PAGE: setting.objection_no, Reader.OBJECTIONS_PAGE: setting.objection_no,
                 Reader.REPAIR_PAGE: setting.repair_no, Reader.REPAIRS_PAGE: setting.repair_no,
                 Reader.SANDBOX_PAGE: MODEL_NAME}.get(reader)
    if page_mark is not None and (page_mark in text) != (seen == SEEN_ANY):
        wrong.append(f"{page_mark} shown" if seen != SEEN_ANY else f"{page_mark} missing")
    if reader.name.startswith("SANDBOX"):  # scores only: a feature, or the record it comes from, never leaves
        wrong += [f"feature value {v} shown" for v in FEATURE_VALUES if v in text]
    return wrong


def check_record(reader: Reader, seen: str, response: Response, setting: Setting) -> list[str]:
    """The disputed record on an objection's or repair's own page, as the party may see it."""
    text = response.text
    if reader is Reader.REPAIR_PAGE:
        return [] if "南岸执法罚〔2022〕8号" in text and REPAIR_STATEMENT in text else ["repair record missing"]
    masked_after = f"张小三（身份证号码{setting.id_number[:6]}********{setting.id_number[-4:]}，联系电话138****1234）"
    clear_after = f"张小三（身份证号码{setting.id_number}，联系电话13812341234）"
    want = clear_after if seen == SEEN else masked_after
    return [] if want in text and OBJECTION_REASON in text else [f"record not shown as {want}"]


def _marks_of(reader: Reader, setting: Setting) -> tuple[str, ...]:
    """What must not be in a refusal (or an empty list) of this reader: the thing's number and values."""
    if reader.name.startswith("OBJECTION"):
        return (setting.objection_no, *OBJECTION_MARKS)
    if reader.name.startswith("REPAIR"):
        return (setting.repair_no, *REPAIR_MARKS)
    if reader.name.startswith("SANDBOX"):
        return (MODEL_NAME, setting.model_sha256)
    return ()


# What no public credit check shows of the fixture's entity: every value of a record that is not public (tax grade
# and payments, real estate), the registry's and the file's personal names, and the penalty long past its
# three-month publicity period (a general penalty of 2022-03-10: published until 2022-06-10).
PRIVATE_MARKS = ("332026000001", "5600000", "56,000", "不动产权第000123号", "180.5", "张小三", "李四", "236000000",
                 "880000000", "南岸执法罚〔2022〕8号", "占道经营")


PUBLIC_CHECK_READERS = (Reader.PUBLIC_CHECK_JSON, Reader.PUBLIC_CHECK_PAGE)


def check_public(reader: Reader, response: Response) -> list[str]:
    """A public credit check of the fixture's entity: found, on no list, no penalty in publicity, not abnormal, no
    grade published, and not one private value anywhere in the answer."""
    wrong = [f"{mark!r} shown" for mark in PRIVATE_MARKS if mark in response.text]
    if reader is Reader.PUBLIC_CHECK_PAGE:
        if "未发现严重失信、公示期内行政处罚或经营异常记录" not in response.text:
            wrong.append("the page does not give the clean conclusion")
        return wrong
    body = response.json()
    shown = (body["found"], body["subject_name"], body["seriously_dishonest"], body["dishonesty_listings"],
             body["admin_penalties"], body["abnormal_operation"]["listed"], body["credit_grade"]["published"])
    expected = (True, "重庆甲商贸有限公司", False, [], [], False, False)
    return wrong + ([f"got {shown}, expected {expected}"] if shown != expected else [])


# ---------------------------------------------------------------------------------------------------------------
# The matrix.


SEEN_ANY = "seen_any"  # SEEN or SEEN_MASKED, as the lists and the numbers show (the values differ)
RECORD_PAGES = (Reader.OBJECTION_PAGE, Reader.REPAIR_PAGE)


def _call(client: TestClient, caller: Caller, probe: Probe, setting: Setting) -> Response:
    fill = setting.fill()
    if caller.bearer:
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {setting.tokens[caller.username]}"}
    else:
        headers = {"X-CSRF-Token": CSRF[caller.username]}
    form = {k: v.format(**fill) for k, v in probe.form.items()} or None
    if probe.body:
        return client.request(probe.method, probe.url.format(**fill), headers=headers,
                              json={k: v.format(**fill) for k, v in probe.body.items()})
    return client.request(probe.method, probe.url.format(**fill), headers=headers, data=form)


CSRF: dict[str, str] = {}


@pytest.mark.usefixtures("small_report_font")
@pytest.mark.parametrize("state", list(State))
def test_every_caller_gets_exactly_what_the_rules_allow(client: TestClient, session: Session, world: World,
                                                       frozen_clock: clock.FixedClock, state: State) -> None:
    setting = build(session, world, state, frozen_clock)
    files = expected_files(setting.id_number)
    mismatches = []
    for caller in CALLERS:
        client.cookies.clear()
        if not caller.bearer:
            login(client, caller.username)
            CSRF[caller.username] = page_csrf(client, "/account")
        for name, probe in CREDIT_ROUTES.items():
            if (caller.bearer and not probe.url.startswith("/api/")) or state not in probe.states:
                continue  # an API client calls the API, not the portal
            outcome = probe.rule(caller, state)
            status = probe.ok if outcome.status == 200 else outcome.status
            response = _call(client, caller, probe, setting)
            where = f"{name} as {caller.username} ({state})"
            if response.status_code != status:
                mismatches.append(f"{where}: status {response.status_code}, expected {status}")
                continue
            text = pdf_text(response.content) if response.content.startswith(b"%PDF-") else response.text
            if outcome.file not in ("subject", "other_own", SEEN):
                # Whatever a non-subject gets, whole personal numbers are never in it.
                assert setting.id_number not in text and "13812341234" not in text, where
            if outcome.file in (None, NOTHING):
                leaked = [mark for mark in _marks_of(probe.reader, setting) if mark in text]
                mismatches += [f"{where}: {mark!r} shown" for mark in leaked]
            if outcome.file is None:
                continue
            if outcome.file in ("guarantor", "agency"):  # banded: the exact turnover is nowhere in the answer
                assert not {"236000000", "2,360,000", "2360000"} & set(re.findall(r"[\d,]+", text)), where
            if probe.reader in (Reader.PDF_REPORT, *PUBLIC_CHECK_READERS):
                mismatches += [f"{where}: {w}" for w in (
                    check_public(probe.reader, response) if probe.reader in PUBLIC_CHECK_READERS
                    else check_report(outcome.file, response, setting, world, files))]
                continue
            if outcome.file in (SEEN, SEEN_MASKED, NOTHING):
                seen = SEEN_ANY if outcome.file != NOTHING else NOTHING
                mismatches += [f"{where}: {w}" for w in check_seen(probe.reader, seen, response, setting)]
                if probe.reader in RECORD_PAGES and outcome.file != NOTHING:
                    mismatches += [f"{where}: {w}" for w in check_record(probe.reader, outcome.file, response,
                                                                        setting)]
                continue
            shown = read(probe.reader, response)
            if shown is not None and shown != as_shown(probe.reader, files[outcome.file]):
                mismatches.append(f"{where}: got {shown}, expected {as_shown(probe.reader, files[outcome.file])}")
            if probe.reader is Reader.JSON_FILE:
                assert response.json()["audience"] == AUDIENCE_OF_FILE[outcome.file], where
    assert mismatches == [], "\n".join(mismatches)


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
               if g.recipient_organisation_id == world.bank_a
               and g.purpose == consent_service.Purpose.FINANCING_APPLICATION]
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
