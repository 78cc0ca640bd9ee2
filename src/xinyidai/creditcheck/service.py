"""Use cases of public credit checks (公共信用核查): a government trading, procurement or bidding system asks about
bidders (投标人) by their codes and gets, from public information only, whether each is on a list of dishonest
entities, its administrative penalties within their publicity periods (公示期), its abnormal-operations status and,
where the district publishes grades, its credit grade; sealed, stored, audited on the firm's access log.

What is public is creditdata's one rule (`creditdata_service.public_records`: the public standing sees public
sub-categories only, nothing past publicity, nothing repaired), values desensitised for the public audience
(consent.masking). The answer is vouched for as the credit report is: a verification code from the report's scheme,
the SM3 digest of the answer's canonical JSON, and the platform's seal on it (HMAC-SM3, `crypto.seal`); `verify`
tells anyone holding a copy whether it is the answer the platform gave.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto
from xinyidai.audit import service as audit_service
from xinyidai.audit.chain import sm3_hex
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditcheck import policy
from xinyidai.creditcheck.models import CreditCheck
from xinyidai.creditcheck.schemas import (
    AbnormalOperationRead,
    CreditCheckBatchRead,
    CreditCheckRead,
    CreditCheckVerificationRead,
    DishonestyListingRead,
    GradeRead,
    PenaltyRead,
)
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import DomainError, Forbidden
from xinyidai.identity import service as identity_service
from xinyidai.registry import service as registry_service
from xinyidai.registry.enums import OPERATING_STATUS_LABELS
from xinyidai.scoring import service as scoring_service

VERIFY_PATH = "/verify-credit-check"
LOCAL_URL = "http://127.0.0.1:8000"
CHECK_ACTION = "creditcheck.checked"
VERIFY_ACTION = "creditcheck.verified"
PURPOSE = "public_credit_check"
GUESSES = creditdata_service.GuessLimiter()
MAX_ANSWER_CHARS = 200_000  # a presented answer's JSON, far past any real one (a bidder with hundreds of penalties)


class InvalidCheckRequest(DomainError):
    """A check that cannot be answered as asked (a wrong code, a duplicate, a batch past its bound)."""

    status_code = 422
    code = "invalid_credit_check"


class InvalidVerificationCode(DomainError):
    """Text that cannot be a check's verification code."""

    status_code = 422
    code = "invalid_verification_code"


class TooManyVerifications(DomainError):
    """An address that tried too many unknown codes lately."""

    status_code = 429
    code = "too_many_verifications"


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks, as every check of a call records it."""

    principal: Principal
    name: str
    tender_ref: str | None
    ip_address: str | None
    public_url: str


def require_checker(principal: Principal) -> None:
    """Only a government department's people and systems run public credit checks (the route's roles say which)."""
    if principal.organisation_kind != OrgKind.GOVERNMENT_DEPARTMENT:
        raise Forbidden("公共信用核查仅向政府部门（公共资源交易、政府采购、招标投标平台）提供",
                        message_en="public credit checks are for government departments' systems")


def checked_codes(raw: Sequence[str]) -> list[str]:
    """The codes asked about, each checked by the registry's rule (GB 32100-2015) and upper-cased; any wrong one,
    or one asked twice, refuses the whole call with each problem and the bidder's position, before anything is
    read or stored."""
    if len(raw) > policy.MAX_BATCH:
        raise InvalidCheckRequest(f"一次最多核查 {policy.MAX_BATCH} 家投标人，本次提交了 {len(raw)} 家，请分批提交",
                                  message_en=f"at most {policy.MAX_BATCH} bidders per call")
    codes: list[str] = []
    problems: list[str] = []
    first_at: dict[str, int] = {}
    for position, text in enumerate(raw, start=1):
        where = f"第 {position} 家投标人（{text.strip()[:30]}）" if len(raw) > 1 else ""
        try:
            code = registry_service.check_uscc(text)
        except ValueError as exc:
            problems.append(f"{where}{exc}")
            continue
        if code in first_at:
            problems.append(f"{where}与第 {first_at[code]} 家投标人的统一社会信用代码重复")
            continue
        first_at[code] = position
        codes.append(code)
    if problems:
        shown = "；".join(problems[:20]) + (f"；另有 {len(problems) - 20} 处问题" if len(problems) > 20 else "")
        raise InvalidCheckRequest(shown, message_en="invalid unified social credit code(s); nothing was checked")
    return codes


def _source_names(session: Session) -> dict[str, str]:
    return {d.code: d.name for d in creditdata_service.list_departments(session)}


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Findings:
    """What the public records say of one entity."""

    listings: list[DishonestyListingRead]
    penalties: list[PenaltyRead]


def _findings(session: Session, *, records: Mapping[str, Sequence[creditdata_service.CreditRecordView]],
              sources: dict[str, str], kinds: dict[str, dict[str, str]], today: date) -> Findings:
    audience = consent_service.Audience.PUBLIC
    listings = []
    for code in policy.DISHONESTY_ITEMS:
        for record in records.get(code, ()):
            values = consent_service.mask_values(record.data, kinds[code], audience)
            if policy.removed(values, today):
                continue
            listings.append(DishonestyListingRead(
                list_kind=code, list_name=_text(values.get("list_name")) or policy.DEBTOR_LIST_NAME,
                reason=_text(values.get("reason") or values.get("obligation")), listed_date=record.fact_date,
                authority=_text(values.get("authority") or values.get("court")),
                source=sources.get(record.source_department, record.source_department)))
    penalties = []
    for record in records.get(policy.PENALTY_ITEM, ()):
        if record.fact_date is None:
            continue
        values = consent_service.mask_values(record.data, kinds[policy.PENALTY_ITEM], audience)
        publicity = creditdata_service.penalty_publicity(record.fact_date, _text(values.get("severity")), today)
        if not publicity.visible:
            continue
        amount = values.get("amount")
        penalties.append(PenaltyRead(
            decision_no=_text(values.get("decision_no")), violation=_text(values.get("violation")),
            penalty_kind=_text(values.get("penalty_kind")),
            amount_fen=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            severity=_text(values.get("severity")), decision_date=record.fact_date, authority=_text(
                values.get("authority")), publicity_until=publicity.until,
            source=sources.get(record.source_department, record.source_department)))
    return Findings(listings=listings, penalties=penalties)


def _grade(grades: dict[int, tuple[str, date]], enterprise_id: int) -> GradeRead:
    if not policy.grade_published(district_publishes=get_settings().creditcheck_publish_grades):
        return GradeRead(published=False, note=policy.GRADE_NOT_PUBLISHED)
    found = grades.get(enterprise_id)
    if found is None:
        return GradeRead(published=True, note=policy.GRADE_NONE)
    return GradeRead(published=True, grade=found[0], as_of=found[1], note="平台信用评价等级（批量评分）")


def _identifiers(session: Session, count: int) -> list[tuple[str, str]]:
    """`count` unused (check number, verification code) pairs: drawn, then any clash with a stored one redrawn."""
    today = clock.today()
    drawn: list[tuple[str, str]] = []
    while len(drawn) < count:
        fresh = [(policy.new_check_no(today), creditdata_service.new_verification_code())
                 for _ in range(count - len(drawn))]
        numbers = {n for n, _ in fresh} | {n for n, _ in drawn}
        codes = {c for _, c in fresh} | {c for _, c in drawn}
        if len(numbers) < len(fresh) + len(drawn) or len(codes) < len(fresh) + len(drawn):
            continue  # a clash within the draw itself (astronomically rare): draw again
        clashes: set[tuple[str, str]] = set()
        for start in range(0, len(fresh), 500):
            part = fresh[start:start + 500]
            clashes.update((n, c) for n, c in session.execute(
                select(CreditCheck.check_no, CreditCheck.verification_code).where(
                    CreditCheck.check_no.in_([n for n, _ in part])
                    | CreditCheck.verification_code.in_([c for _, c in part]))))
        clashed = {n for n, _ in clashes} | {c for _, c in clashes}
        drawn.extend(p for p in fresh if p[0] not in clashed and p[1] not in clashed)
    return drawn


def _answer(*, asker: Asker, uscc: str, check_no: str, code: str, now: Any,
            enterprise: registry_service.EnterpriseView | None, findings: Findings | None,
            grade: GradeRead | None) -> tuple[CreditCheckRead, dict[str, Any]]:
    shown = creditdata_service.format_code(code)
    if enterprise is None or findings is None or grade is None:
        content = CreditCheckRead(
            check_no=check_no, verification_code=shown, verify_url=f"{asker.public_url}{VERIFY_PATH}?code={shown}",
            checked_at=now, requester=asker.name, tender_ref=asker.tender_ref, uscc=uscc, found=False,
            subject_name=None, operating_status=None, seriously_dishonest=False, dishonesty_listings=[],
            admin_penalties=[], abnormal_operation=AbnormalOperationRead(listed=False),
            credit_grade=GradeRead(published=False, note=policy.GRADE_NONE),
            conclusion=policy.conclusion(found=False, dishonest=False, penalties=0, abnormal=False),
            statement=policy.STATEMENT, content_sm3="", seal="")
    else:
        abnormal = AbnormalOperationRead(listed=enterprise.is_abnormal, since=enterprise.abnormal_since,
                                         reason=enterprise.abnormal_reason) if enterprise.is_abnormal else \
            AbnormalOperationRead(listed=False)
        content = CreditCheckRead(
            check_no=check_no, verification_code=shown, verify_url=f"{asker.public_url}{VERIFY_PATH}?code={shown}",
            checked_at=now, requester=asker.name, tender_ref=asker.tender_ref, uscc=uscc, found=True,
            subject_name=enterprise.name,
            operating_status=OPERATING_STATUS_LABELS.get(  # type: ignore[call-overload]
                enterprise.operating_status, enterprise.operating_status),
            seriously_dishonest=bool(findings.listings), dishonesty_listings=findings.listings,
            admin_penalties=findings.penalties, abnormal_operation=abnormal, credit_grade=grade,
            conclusion=policy.conclusion(found=True, dishonest=bool(findings.listings),
                                         penalties=len(findings.penalties), abnormal=abnormal.listed),
            statement=policy.STATEMENT, content_sm3="", seal="")
    body = content.model_dump(mode="json")
    digest = sm3_hex(policy.canonical(body))
    body["content_sm3"] = content.content_sm3 = digest
    body["seal"] = content.seal = crypto.seal(digest.encode(), context=policy.SEAL_CONTEXT)
    return content, body


def check_many(session: Session, *, principal: Principal, usccs: Sequence[str], tender_ref: str | None = None,
               batch: bool = False, ip_address: str | None = None,
               served_at: str | None = None) -> tuple[str | None, list[CreditCheckRead]]:
    """Check bidders by code from public information only, one sealed answer each in the order asked; each check
    is stored and audited (on the firm's access log). A wrong code refuses the call before anything is stored.
    Returns the batch number (batch calls) and the answers."""
    require_checker(principal)
    codes = checked_codes(usccs)
    settings = get_settings()
    requester = identity_service.get_organisation(session, organisation_id=principal.organisation_id)
    asker = Asker(principal=principal, name=requester.name, tender_ref=tender_ref, ip_address=ip_address,
                  public_url=(settings.public_url or served_at or LOCAL_URL).rstrip("/"))
    today, now = clock.today(), clock.now()
    entities = registry_service.get_many_by_uscc(session, usccs=codes)
    ids = [e.id for e in entities.values()]
    records = creditdata_service.public_records(session, enterprise_ids=ids, item_codes=policy.CHECKED_ITEMS)
    kinds = {code: creditdata_service.masking_kinds(creditdata_service.get_item(session, code=code))
             for code in policy.CHECKED_ITEMS}
    sources = _source_names(session)
    grades = scoring_service.latest_grades(session, enterprise_ids=ids) if policy.grade_published(
        district_publishes=settings.creditcheck_publish_grades) else {}
    batch_no = policy.new_batch_no(today) if batch else None
    rows: list[dict[str, Any]] = []
    answers = []
    for code, (check_no, verification) in zip(codes, _identifiers(session, len(codes)), strict=True):
        enterprise = entities.get(code)
        findings = grade = None
        if enterprise is not None:
            findings = _findings(session, records=records.get(enterprise.id, {}), sources=sources, kinds=kinds,
                                 today=today)
            grade = _grade(grades, enterprise.id)
        answer, body = _answer(asker=asker, uscc=code, check_no=check_no, code=verification, now=now,
                               enterprise=enterprise, findings=findings, grade=grade)
        answers.append(answer)
        rows.append(dict(
            check_no=check_no, verification_code=verification, batch_no=batch_no, uscc=code,
            enterprise_id=enterprise.id if enterprise else None, subject_name=enterprise.name if enterprise else None,
            requested_by_user_id=principal.user_id, requested_by_api_client_id=principal.api_client_id,
            requester_organisation_id=principal.organisation_id, requester_name=requester.name,
            tender_ref=tender_ref, checked_at=now, answer=body, content_sm3=body["content_sm3"], seal=body["seal"]))
    # One statement for the batch (nothing here needs the rows' ids back: a check is known by its number).
    session.execute(insert(CreditCheck), rows)
    purpose = f"{PURPOSE}:{tender_ref}" if tender_ref else PURPOSE
    # One entry per bidder, so that each firm sees the check on its own access log (谁查看了我的信息).
    audit_service.record_many(session, entries=[dict(
        action=CHECK_ACTION, actor=principal, subject_type="credit_check", subject_id=row["check_no"],
        enterprise_id=row["enterprise_id"], purpose=purpose, ip_address=ip_address,
        detail={"uscc": row["uscc"], "batch_no": batch_no, "found": row["enterprise_id"] is not None,
                "content_sm3": row["content_sm3"]}) for row in rows])
    return batch_no, answers


def check(session: Session, *, principal: Principal, uscc: str, tender_ref: str | None = None,
          ip_address: str | None = None, served_at: str | None = None) -> CreditCheckRead:
    """Check one bidder (see `check_many`)."""
    _, [answer] = check_many(session, principal=principal, usccs=[uscc], tender_ref=tender_ref,
                             ip_address=ip_address, served_at=served_at)
    return answer


def check_batch(session: Session, *, principal: Principal, usccs: Sequence[str], tender_ref: str | None = None,
                ip_address: str | None = None, served_at: str | None = None) -> CreditCheckBatchRead:
    """Check a tender's bidders in one call (at most `policy.MAX_BATCH`), one answer each in the order asked."""
    batch_no, answers = check_many(session, principal=principal, usccs=usccs, tender_ref=tender_ref, batch=True,
                                   ip_address=ip_address, served_at=served_at)
    assert batch_no is not None
    return CreditCheckBatchRead(batch_no=batch_no, count=len(answers), results=answers)


def _matches(check: CreditCheck, answer: Mapping[str, Any]) -> bool:
    """Whether a presented answer is the one sealed: its content's digest is the stored one, and the digest and
    seal it carries are the platform's."""
    digest = sm3_hex(policy.canonical(answer))
    return (digest == check.content_sm3 and answer.get("content_sm3") == check.content_sm3
            and isinstance(answer.get("seal"), str)
            and crypto.seal_matches(digest.encode(), str(answer["seal"]), context=policy.SEAL_CONTEXT))


def verify(session: Session, *, code: str, answer: Mapping[str, Any] | None = None,
           principal: Principal | None = None, ip_address: str | None = None) -> CreditCheckVerificationRead:
    """Whether a check with this verification code was answered, about whom and for whom; with `answer`, whether
    that copy is exactly the sealed answer. Open to anyone, never returns the answer's content; audited."""
    normalised = creditdata_service.normalise_code(code)
    if normalised is None:
        raise InvalidVerificationCode("校验码格式不正确：应为 16 位字母或数字，如 ABCD-EFGH-JKMN-PQRS",
                                      message_en="a verification code is 16 letters or digits")
    address, now = ip_address or "unknown", clock.now()
    if not GUESSES.allowed(address, now):
        minutes = int(GUESSES.window.total_seconds() // 60)
        raise TooManyVerifications(f"核验未找到的校验码次数过多，请 {minutes} 分钟后再试",
                                   message_en="too many unknown codes from this address; try again later")
    found = session.scalars(select(CreditCheck).where(CreditCheck.verification_code == normalised)).one_or_none()
    statuses = creditdata_service.VerificationStatus
    matches = None
    if found is None:
        GUESSES.failed(address, now)
        status = statuses.NOT_FOUND
    else:
        matches = None if answer is None else _matches(found, answer)
        status = statuses.ALTERED if matches is False else statuses.GENUINE
    audit_service.record(
        session, action=VERIFY_ACTION, outcome=status.value, actor=principal or audit_service.Actor.public(),
        subject_type="credit_check", subject_id=found.check_no if found else None,
        enterprise_id=found.enterprise_id if found else None, ip_address=ip_address,
        detail={"code": normalised if found else normalised[:4] + "…", "answer_checked": answer is not None})
    message = policy.STATUS_LABELS[status.value]
    if found is None:
        return CreditCheckVerificationRead(status=status, message=message, answer_checked=answer is not None)
    return CreditCheckVerificationRead(
        status=status, message=message, check_no=found.check_no, subject_name=found.subject_name,
        subject_uscc=found.uscc, checked_at=found.checked_at, requester=found.requester_name,
        answer_checked=answer is not None, answer_matches=matches)


def list_for_enterprise(session: Session, *, enterprise_id: int, limit: int = 100) -> Sequence[CreditCheck]:
    """The checks answered about an entity, newest first."""
    return session.scalars(select(CreditCheck).where(CreditCheck.enterprise_id == enterprise_id)
                           .order_by(CreditCheck.id.desc()).limit(limit)).all()
