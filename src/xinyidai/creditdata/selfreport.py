"""Self-reporting (自主填报) under a credit commitment (信用承诺), and a commitment found false.

The entity reports its own operating information (main products, turnover, employees, certifications,
main customers). Each report is signed as a credit commitment: the promise shown to the signer together with
the facts, kept word for word with its SHA-256, so what was promised can be proven later. The facts become
credit records by the self-report channel, marked as such; the commitment becomes a public record. When the
platform or a department that holds contrary facts finds a commitment false, the entity gets a negative
record (未履约（承诺不实）).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import ENTERPRISE_ROLES, Role
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import service
from xinyidai.creditdata.enums import Channel, CommitmentStatus
from xinyidai.creditdata.exceptions import CommitmentNotFound, InvalidSelfReport
from xinyidai.creditdata.fields import USCC_FIELD, ParsedRow
from xinyidai.creditdata.models import CatalogueItem, CreditCommitment, CreditRecord, SourceDepartment
from xinyidai.creditdata.schemas import FactsSelfReportCreate, SelfReportCreate
from xinyidai.errors import Conflict, Forbidden
from xinyidai.money import format_yuan
from xinyidai.registry import service as registry_service

ITEM_CODE = "self_reported_operations"
# The agricultural credit database's sub-categories an agricultural operating entity may report itself (the
# agriculture department delivers them too): what it plants, harvests and farms on.
SELF_REPORTABLE_ITEMS = ("agri_crop", "agri_yield", "agri_land_contract")
COMMITMENT_KIND = "自主填报信息真实性承诺"
BREACH_RESULT = "未履约（承诺不实）"
PROMISE = (
    "本单位郑重承诺：以下自主填报的信息真实、准确、完整，不存在虚假记载、误导性陈述或重大遗漏；"
    "如有不实，本单位愿意承担相应法律责任，接受有关部门依法依规处理，"
    "并同意将承诺及其履约情况记入本单位信用记录，在融资信用服务平台公示。"
)
# Departments whose own records can show a self-report false: the market regulator (products, certifications),
# the tax bureau (turnover) and human resources and social security (employees).
CHECKING_DEPARTMENTS = ("amr", "tax", "hrss")


def reported_values(report_in: SelfReportCreate, *, today_iso: str) -> dict[str, str]:
    """The report as the catalogue's field texts (what the row parser takes)."""
    values = {
        "report_year": str(report_in.report_year), "main_products": report_in.main_products.strip(),
        "annual_revenue": format_yuan(report_in.annual_revenue_fen), "employees": str(report_in.employees),
        "certifications": "；".join(c.strip() for c in report_in.certifications),
        "main_customers": (report_in.main_customers or "").strip(), "reported_date": today_iso,
    }
    return {name: text for name, text in values.items() if text}


def commitment_content(*, enterprise_name: str, uscc: str, facts: list[tuple[str, str]]) -> str:
    """Exactly what the signer is shown and signs: the promise, the entity, and each reported fact."""
    lines = [PROMISE, f"承诺主体：{enterprise_name}（统一社会信用代码：{uscc}）"]
    lines += [f"{label}：{text}" for label, text in facts]
    return "\n".join(lines)


def content_digest(content: str) -> str:
    """SHA-256 of the signed content, hex."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SelfReport:
    """What a self-report stored."""

    commitment: CreditCommitment
    record: CreditRecord


def report(session: Session, *, principal: Principal, report_in: SelfReportCreate) -> SelfReport:
    """The entity's user reports operating information under a signed credit commitment."""
    if principal.enterprise_id is None or not principal.has_any(*ENTERPRISE_ROLES) or principal.user_id is None:
        raise Forbidden("只有市场主体本身的用户可以自主填报", message_en="only the entity's own users may self-report")
    if not report_in.accept_commitment:
        raise InvalidSelfReport("请阅读并签署信用承诺后再提交", message_en="the credit commitment must be accepted")
    enterprise = registry_service.get(session, enterprise_id=principal.enterprise_id)
    item = service.get_item(session, code=ITEM_CODE)
    today = clock.today()
    values = reported_values(report_in, today_iso=today.isoformat())
    parsed = service.parser_for(item, today=today).parse({**values, USCC_FIELD: enterprise.uscc})
    if isinstance(parsed, list):
        raise InvalidSelfReport("；".join(e.message for e in parsed), message_en="invalid self-reported information")
    held = session.scalar(select(CreditRecord.id).where(
        CreditRecord.catalogue_item_id == item.id, CreditRecord.enterprise_id == enterprise.id,
        CreditRecord.fingerprint == parsed.fingerprint))
    if held is not None:
        raise InvalidSelfReport("这些信息今天已经填报过，无需重复提交", message_en="the same report was already made")
    labels = {spec.name: spec.label for spec in service.field_specs(item)}
    facts = [(labels[name], text) for name, text in values.items() if name != "reported_date"]
    content = commitment_content(enterprise_name=enterprise.name, uscc=enterprise.uscc, facts=facts)
    return _sign_and_store(session, principal=principal, enterprise_id=enterprise.id, item=item, parsed=parsed,
                           values=values, content=content)


def report_facts(session: Session, *, principal: Principal, item_code: str, facts_in: FactsSelfReportCreate
                 ) -> SelfReport:
    """The entity's user reports facts of an agricultural sub-category (`SELF_REPORTABLE_ITEMS`), field by field,
    under a signed credit commitment, as `report` does for operating information."""
    if principal.enterprise_id is None or not principal.has_any(*ENTERPRISE_ROLES) or principal.user_id is None:
        raise Forbidden("只有市场主体本身的用户可以自主填报", message_en="only the entity's own users may self-report")
    if item_code not in SELF_REPORTABLE_ITEMS:
        raise InvalidSelfReport("该信息项不接受自主填报", message_en="this catalogue item is not self-reported")
    if not facts_in.accept_commitment:
        raise InvalidSelfReport("请阅读并签署信用承诺后再提交", message_en="the credit commitment must be accepted")
    enterprise = registry_service.get(session, enterprise_id=principal.enterprise_id)
    item = service.get_item(session, code=item_code)
    if not item.enabled:
        raise InvalidSelfReport(f"信息项“{item.name}”已停用，暂不归集", message_en="catalogue item disabled")
    specs = {spec.name: spec for spec in service.field_specs(item) if spec.name != USCC_FIELD}
    by_label = {spec.label: spec.name for spec in specs.values()}
    values: dict[str, str] = {}
    for name, text in facts_in.values.items():
        field_name = by_label.get(name, name)
        if field_name not in specs:
            raise InvalidSelfReport(f"“{item.name}”没有“{name}”这一项", message_en=f"unknown field {name}")
        if text.strip():
            values[field_name] = text.strip()
    parsed = service.parser_for(item, today=clock.today()).parse({**values, USCC_FIELD: enterprise.uscc})
    if isinstance(parsed, list):
        raise InvalidSelfReport("；".join(e.message for e in parsed), message_en="invalid self-reported information")
    held = session.scalar(select(CreditRecord.id).where(
        CreditRecord.catalogue_item_id == item.id, CreditRecord.enterprise_id == enterprise.id,
        CreditRecord.fingerprint == parsed.fingerprint))
    if held is not None:
        raise InvalidSelfReport("这些信息已经填报过，无需重复提交", message_en="the same report was already made")
    facts = [(specs[name].label, text) for name, text in values.items()]
    content = commitment_content(enterprise_name=enterprise.name, uscc=enterprise.uscc,
                                 facts=[("填报信息项", item.name), *facts])
    return _sign_and_store(session, principal=principal, enterprise_id=enterprise.id, item=item, parsed=parsed,
                           values=values, content=content)


def _sign_and_store(session: Session, *, principal: Principal, enterprise_id: int, item: CatalogueItem,
                    parsed: ParsedRow, values: dict[str, str], content: str) -> SelfReport:
    assert principal.user_id is not None
    today = clock.today()
    commitment = CreditCommitment(
        number=f"CN{today:%Y%m%d}{secrets.randbelow(10**8):08d}", enterprise_id=enterprise_id,
        signed_by_user_id=principal.user_id, kind=COMMITMENT_KIND, content=content,
        content_sha256=content_digest(content), signed_at=clock.now(), status=CommitmentStatus.IN_FORCE.value,
    )
    session.add(commitment)
    session.flush()
    service.store(session, item=item, rows=[service.Delivered(enterprise_id, parsed, original=values)],
                  channel=Channel.SELF_REPORT, commitment_id=commitment.id)
    service.record_platform_fact(session, item_code="credit_commitment", enterprise_id=enterprise_id, values={
        "commitment_no": commitment.number, "kind": COMMITMENT_KIND, "content": content,
        "signed_date": today.isoformat()}, commitment_id=commitment.id)
    audit_service.record(
        session, action="creditdata.self_reported", actor=principal,
        subject_type="credit_commitment", subject_id=commitment.id, enterprise_id=enterprise_id,
        detail={"number": commitment.number, "content_sha256": commitment.content_sha256, "item_code": item.code},
    )
    record = session.scalars(select(CreditRecord).where(
        CreditRecord.catalogue_item_id == item.id, CreditRecord.enterprise_id == enterprise_id,
        CreditRecord.fingerprint == parsed.fingerprint)).one()
    return SelfReport(commitment=commitment, record=record)


def _may_find_false(session: Session, principal: Principal) -> bool:
    if principal.is_platform_admin:
        return True
    if not principal.has_any(Role.DEPARTMENT_DATA_OFFICER):
        return False
    checking = session.scalars(select(SourceDepartment.organisation_id).where(
        SourceDepartment.code.in_(CHECKING_DEPARTMENTS)))
    return principal.organisation_id in set(checking)


def find_false(session: Session, *, principal: Principal, commitment_id: int, finding: str) -> CreditCommitment:
    """Mark a commitment breached (承诺不实) and give the entity its negative fulfilment record."""
    if not _may_find_false(session, principal):
        raise Forbidden("只有平台管理员或掌握相关信息的部门可以认定承诺不实",
                        message_en="only the platform admin or a checking department may find a commitment false")
    commitment = session.get(CreditCommitment, commitment_id, with_for_update=True)
    if commitment is None:
        raise CommitmentNotFound("未找到该信用承诺", message_en="credit commitment not found")
    if commitment.status == CommitmentStatus.BREACHED:
        raise Conflict("该信用承诺已被认定为不实", message_en="commitment already found false")
    finding = finding.strip()
    if len(finding) < 4:
        raise InvalidSelfReport("请写明核查结论（至少4个字）", message_en="finding too short")
    commitment.status = CommitmentStatus.BREACHED.value
    commitment.breached_at = clock.now()
    commitment.breach_finding = finding
    commitment.found_by_user_id = principal.user_id
    session.flush()
    service.record_platform_fact(session, item_code="commitment_fulfilment", enterprise_id=commitment.enterprise_id,
                                 values={"commitment_no": commitment.number, "result": BREACH_RESULT,
                                         "finding": finding, "found_date": clock.today().isoformat()},
                                 commitment_id=commitment.id)
    audit_service.record(
        session, action="creditdata.commitment_breached", actor=principal,
        subject_type="credit_commitment", subject_id=commitment.id,
        enterprise_id=commitment.enterprise_id, purpose="credit_commitment_check",
        detail={"number": commitment.number},
    )
    return commitment

