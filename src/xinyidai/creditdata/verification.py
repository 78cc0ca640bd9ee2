"""Verification (核验): ask a source system whether an entity meets a condition, and keep only the answer.

Some information the platform may not hold (a tax arrears ledger, social-insurance contributions, property
titles). For those, the source department's system is asked a yes/no question ("has entity X any tax arrears
as of D?") and the platform stores the answer, who asked, why and when: never the data behind it.

The conditions are data (`CONDITIONS`): each names its source department and its typed parameters. The
`Verifier` protocol is the port; `HttpVerifier` the adapter that speaks to the departments' HTTP endpoints
(configured per department in `Settings.verification_endpoints`). A source that does not answer, answers
late or answers nonsense gives `unavailable`, never an error to the user.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata.access import Access, access_of, is_audited
from xinyidai.creditdata.credit_file import purpose_of, require_access
from xinyidai.creditdata.enums import VerificationResult
from xinyidai.creditdata.models import Verification
from xinyidai.errors import DomainError, Forbidden
from xinyidai.registry import service as registry_service

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Xinyidai-Signature"
TIMESTAMP_HEADER = "X-Xinyidai-Timestamp"
ANSWERS = frozenset({VerificationResult.YES.value, VerificationResult.NO.value, VerificationResult.UNKNOWN.value})


class InvalidVerification(DomainError):
    """A question the platform cannot put: an unknown condition or parameters that do not fit it."""

    code = "invalid_verification"


# Conditions --------------------------------------------------------------------------------------


class _Parameters(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AsOfParameters(_Parameters):
    """A condition that holds on a date (today when left out); never a future one."""

    as_of: date | None = None


class PaidMonthsParameters(_Parameters):
    """At least `months` of the last twelve paid."""

    months: int = Field(ge=1, le=12)


class NoParameters(_Parameters):
    """A condition without parameters."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One question a source department answers."""

    code: str
    label: str
    department: str
    parameters: type[_Parameters]
    category: str  # the catalogue category the answer belongs to: an institution's authorisation must cover it


CONDITIONS: dict[str, Condition] = {c.code: c for c in (
    Condition("tax_no_arrears", "截至指定日期无欠税", "tax", AsOfParameters, "C04"),
    Condition("social_insurance_paid_months", "近12个月社会保险足额缴费不少于指定月数", "hrss", PaidMonthsParameters,
              "C05"),
    Condition("housing_fund_paid_months", "近12个月住房公积金缴存不少于指定月数", "housing_fund",
              PaidMonthsParameters, "C06"),
    Condition("real_estate_owned", "名下有登记的不动产", "real_estate", NoParameters, "C08"),
)}

RESULT_LABELS = {VerificationResult.YES: "符合", VerificationResult.NO: "不符合",
                 VerificationResult.UNKNOWN: "来源部门无该主体信息", VerificationResult.UNAVAILABLE: "来源部门暂未响应"}


def check_question(condition: str, parameters: Mapping[str, Any], *, today: date) -> tuple[Condition, dict[str, Any]]:
    """The condition and its parameters in the form sent to the source (dates filled in); raises
    InvalidVerification with a message naming what is wrong."""
    definition = CONDITIONS.get(condition)
    if definition is None:
        raise InvalidVerification(f"不支持核验条件“{condition}”，可选：{'、'.join(CONDITIONS)}",
                                  message_en="unknown verification condition")
    try:
        checked = definition.parameters.model_validate(dict(parameters))
    except ValidationError as exc:
        names = "、".join(".".join(str(p) for p in e["loc"]) or "参数" for e in exc.errors())
        raise InvalidVerification(f"核验条件“{definition.label}”的参数不正确：{names}",
                                  message_en="invalid parameters for the condition") from None
    values = checked.model_dump()
    if isinstance(checked, AsOfParameters):
        if checked.as_of is not None and checked.as_of > today:
            raise InvalidVerification("核验日期不能晚于今天", message_en="as_of lies in the future")
        values["as_of"] = (checked.as_of or today).isoformat()
    return definition, values


# The port and its HTTP adapter ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """A source's answer, with its own reference for it (if it gave one)."""

    result: VerificationResult
    source_reference: str | None = None


class Verifier(Protocol):
    """Asks a source department's system one question about one entity."""

    def ask(self, *, department: str, condition: str, uscc: str, parameters: Mapping[str, Any]) -> Answer:
        """The source's answer; `unavailable` when it cannot be had. Never raises."""
        ...


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what a source checks to know the platform asked."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class HttpVerifier:
    """The verification adapter: a signed JSON POST to the department's endpoint.

    Request: {"condition", "uscc", "parameters"} with headers X-Xinyidai-Timestamp and X-Xinyidai-Signature.
    Response: 200 with {"result": "yes" | "no" | "unknown", "reference": "..."}; anything else is unavailable.
    """

    def __init__(self, *, endpoints: Mapping[str, str], secret: bytes, timeout: float) -> None:
        self.endpoints = dict(endpoints)
        self.secret = secret
        self.timeout = timeout

    def ask(self, *, department: str, condition: str, uscc: str, parameters: Mapping[str, Any]) -> Answer:
        """The source's answer; `unavailable` when it has no endpoint, errs, times out or answers nonsense."""
        url = self.endpoints.get(department)
        if not url:
            return Answer(VerificationResult.UNAVAILABLE)
        body = json.dumps({"condition": condition, "uscc": uscc, "parameters": dict(parameters)},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.secret, timestamp, body)}
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=self.timeout)
            payload = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("verification source unavailable", department=department, error=type(exc).__name__)
            return Answer(VerificationResult.UNAVAILABLE)
        result = payload.get("result") if isinstance(payload, dict) else None
        if not isinstance(result, str) or result not in ANSWERS:
            log.warning("verification source gave no answer", department=department,
                        status=response.status_code)
            return Answer(VerificationResult.UNAVAILABLE)
        assert isinstance(payload, dict)
        reference = payload.get("reference")
        return Answer(VerificationResult(result),
                      reference[:100] if isinstance(reference, str) and reference else None)


def verifier_from_settings() -> HttpVerifier:
    """The HTTP adapter as the deployment configures it."""
    settings = get_settings()
    return HttpVerifier(endpoints=settings.verification_endpoints,
                        secret=settings.verification_secret.get_secret_value().encode(),
                        timeout=settings.verification_timeout_seconds)


# Use cases ---------------------------------------------------------------------------------------


def verify(session: Session, *, principal: Principal, enterprise_id: int, condition: str,
           parameters: Mapping[str, Any], purpose: str, purpose_ref: str | None = None,
           verifier: Verifier | None = None) -> Verification:
    """Ask the source whether the entity meets the condition; keep the answer, who asked, why and when.

    The entity itself and the platform admin may ask; an institution only under the entity's live
    authorisation for it (`purpose_ref`: the financing application's number) covering the condition's category;
    an answer spends a one-time authorisation.
    """
    known = CONDITIONS.get(condition)
    standing = require_access(session, principal=principal, enterprise_id=enterprise_id, purpose_ref=purpose_ref,
                              categories=[known.category] if known else None)
    access = standing.access
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    definition, values = check_question(condition, parameters, today=clock.today())
    asked_at = clock.now()
    answer = (verifier or verifier_from_settings()).ask(department=definition.department, condition=definition.code,
                                                         uscc=enterprise.uscc, parameters=values)
    reason = purpose.strip()
    if access is Access.AUTHORISED:
        reason = f"{reason}（{purpose_of(standing, purpose_ref)}）"
    verification = Verification(
        enterprise_id=enterprise_id, source_department=definition.department, condition=definition.code,
        parameters=values, result=answer.result.value, source_reference=answer.source_reference,
        purpose=reason[:200], asked_by_user_id=principal.user_id, asked_by_organisation_id=principal.organisation_id,
        asked_at=asked_at,
        answered_at=None if answer.result is VerificationResult.UNAVAILABLE else clock.now(),
    )
    session.add(verification)
    session.flush()
    if standing.decision is not None and answer.result is not VerificationResult.UNAVAILABLE:
        consent_service.record_use(session, decision=standing.decision)
    audit_service.record(
        session, action="creditdata.verified", actor=principal,
        subject_type="verification", subject_id=verification.id, enterprise_id=enterprise_id,
        purpose=reason[:200], detail={"condition": definition.code, "result": answer.result.value},
    )
    return verification


def list_verifications(session: Session, *, principal: Principal, enterprise_id: int) -> Sequence[Verification]:
    """The questions put about an entity, newest first: all of them for the entity and the platform admin,
    an institution's own for an institution."""
    access = access_of(principal, enterprise_id)
    if access is None:
        raise Forbidden("您无权查看该主体的核验记录", message_en="you may not see this entity's verifications")
    query = select(Verification).where(Verification.enterprise_id == enterprise_id)
    if access is Access.AUTHORISED:
        query = query.where(Verification.asked_by_organisation_id == principal.organisation_id)
    if is_audited(access):
        audit_service.record(
            session, action="creditdata.verifications_read", actor=principal,
            subject_type="verification", enterprise_id=enterprise_id, purpose="verification_history",
        )
    return session.scalars(query.order_by(Verification.id.desc())).all()
