"""The enterprise's credit file as one reader may see it: who may read it, the audit of the read, and its shape.

`read_credit_file` is the one entry for the API and the portal page alike: it decides the caller's
standing (`access`), asks consent's decision for an institution (which narrows the file to the categories and
data window the authorisation covers, and spends a one-time authorisation), audits every read that is not the
entity's own, and returns the file as `CreditFileRead` with each value desensitised for the caller's audience
(`consent.masking`: the field's kind from the catalogue, the audience from the caller's organisation and roles).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import policy, service
from xinyidai.creditdata.access import (
    Access,
    access_of,
    is_audited,
    sees_past_publicity,
    sees_repaired,
    sensitivities_for,
)
from xinyidai.creditdata.enums import Channel, MarkKind, Sensitivity
from xinyidai.creditdata.models import CatalogueItem, CreditRecord
from xinyidai.creditdata.schemas import (
    CreditFileEntryRead,
    CreditFileRead,
    CreditFileSectionRead,
    CreditRecordRead,
)
from xinyidai.errors import Forbidden
from xinyidai.registry import service as registry_service

SELF_REPORT_LABEL = "企业自主填报（信用承诺）"


@dataclass(frozen=True, slots=True)
class Standing:
    """The caller's standing to the entity and, for an institution, consent's decision it reads under."""

    access: Access
    decision: consent_service.Decision | None = None


def require_access(session: Session, *, principal: Principal, enterprise_id: int, purpose_ref: str | None,
                   purpose: consent_service.Purpose = consent_service.Purpose.FINANCING_APPLICATION,
                   categories: Iterable[str] | None = None, ip_address: str | None = None) -> Standing:
    """The caller's standing to the entity; an institution needs consent's yes for its organisation under
    `purpose` and `purpose_ref` (the financing application's number) for `categories` (None: all covered).
    Every refusal is audited, and stays on record although it rolls the request back."""
    access = access_of(principal, enterprise_id)
    if access is None:
        reason_zh = "您无权查看该主体的信用信息"
        consent_service.record_refusal(
            session, enterprise_id=enterprise_id, refusal=consent_service.Refusal.NO_STANDING, reason_zh=reason_zh,
            reason_en="you may not see this entity's credit information",
            actor=principal, purpose=purpose, purpose_ref=purpose_ref,
            categories=categories, ip_address=ip_address)
        raise Forbidden(reason_zh, message_en="you may not see this entity's credit information")
    if access is not Access.AUTHORISED:
        return Standing(access)
    return Standing(access, consent_service.require(
        session, enterprise_id=enterprise_id, recipient_organisation_id=principal.organisation_id,
        purpose=purpose, purpose_ref=purpose_ref, categories=categories, actor=principal,
        ip_address=ip_address))


def purpose_of(standing: Standing, purpose_ref: str | None,
               purpose: consent_service.Purpose = consent_service.Purpose.FINANCING_APPLICATION) -> str:
    """The purpose an access is recorded under: the authorisation's purpose and reference for an institution."""
    if standing.access is Access.AUTHORISED:
        return f"{purpose}:{purpose_ref}"
    return "platform_administration" if standing.access is Access.PLATFORM else "self_query"


def covered(sections: list[service.FileSection], decision: consent_service.Decision) -> list[service.FileSection]:
    """The sections and records an authorisation covers: its categories, and facts dated inside its window."""
    window = decision.data_window
    out = []
    for section in sections:
        if section.category.code not in decision.categories_allowed:
            continue
        entries = [replace(e, current=[r for r in e.current if window.covers(r.fact_date)],
                           superseded=[r for r in e.superseded if window.covers(r.fact_date)])
                   for e in section.entries]
        out.append(replace(section, entries=[e for e in entries if e.current or e.superseded]))
    return out


def read_credit_file(session: Session, *, principal: Principal, enterprise_id: int,
                     purpose_ref: str | None = None, purpose: str | None = None,
                     ip_address: str | None = None,
                     consent_purpose: consent_service.Purpose = consent_service.Purpose.FINANCING_APPLICATION,
                     ) -> CreditFileRead:
    """The entity's credit file as the caller may see it; every read but the entity's own is audited.

    `purpose` names why the platform admin opens it (the institution's purpose comes from its authorisation);
    `consent_purpose` is the purpose an institution's authorisation must be given for (a credit report download
    needs one given for that).
    """
    standing = require_access(session, principal=principal, enterprise_id=enterprise_id, purpose_ref=purpose_ref,
                              purpose=consent_purpose, ip_address=ip_address)
    access = standing.access
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    sections = service.credit_file(session, enterprise_id=enterprise_id, include_hidden=sees_past_publicity(access),
                                   sensitivities=sensitivities_for(access))
    marks = service.active_marks(session, enterprise_id=enterprise_id)
    if not sees_repaired(access):
        sections = without_repaired(sections, marks)
    if standing.decision is not None:
        sections = covered(sections, standing.decision)
    audience = audience_for(principal, access)
    if is_audited(access):
        audit_read(session, principal=principal, enterprise_id=enterprise_id, access=access,
                   purpose=purpose or purpose_of(standing, purpose_ref, consent_purpose), ip_address=ip_address,
                   audience=audience)
    if standing.decision is not None:
        # In the read's transaction: a one-time grant already spent refuses the read and rolls its entry back. (The
        # order against the entry does not matter: entries take the chain head only at commit, audit.service.)
        consent_service.record_use(session, decision=standing.decision)
    return to_credit_file_read(session, enterprise=enterprise, sections=sections, view=access, audience=audience,
                               marks=marks)


def audience_for(principal: Principal, access: Access) -> consent_service.Audience:
    """Whom the file is desensitised for: the entity itself, or the caller's kind of organisation and role."""
    return consent_service.audience_of(own=access is Access.OWN, organisation_kind=principal.organisation_kind,
                                       roles=principal.roles)


Marks = dict[tuple[int, str], set[MarkKind]]


def without_repaired(sections: list[service.FileSection], marks: Marks) -> list[service.FileSection]:
    """The file without the facts whose credit repair was approved (every version of them)."""
    def kept(records: list[CreditRecord]) -> list[CreditRecord]:
        return [r for r in records
                if MarkKind.REPAIRED not in marks.get((r.catalogue_item_id, r.record_key), ())]

    return [replace(section, entries=[replace(e, current=kept(e.current), superseded=kept(e.superseded))
                                      for e in section.entries]) for section in sections]


def audit_read(session: Session, *, principal: Principal, enterprise_id: int, access: Access, purpose: str,
               ip_address: str | None = None, audience: consent_service.Audience | None = None) -> None:
    """Record that the caller read the entity's credit file, as what and why (API and portal alike)."""
    audit_service.record(
        session, action="creditdata.credit_file_read", actor=principal,
        subject_type="credit_file", subject_id=enterprise_id, enterprise_id=enterprise_id, purpose=purpose,
        ip_address=ip_address,
        detail={"view": access.value, "audience": (audience or audience_for(principal, access)).value,
                "sensitivities": sorted(s.value for s in sensitivities_for(access) or Sensitivity)},
    )


def to_credit_file_read(session: Session, *, enterprise: registry_service.EnterpriseView,
                        sections: list[service.FileSection], view: Access, audience: consent_service.Audience,
                        marks: Marks | None = None) -> CreditFileRead:
    """Shape `service.credit_file` sections for a reader: provenance labels, self-reports marked, records past
    their publicity period flagged, values desensitised for `audience`; a reader who may not see records past
    their publicity period gets no history of them either."""
    departments = {d.code: d.name for d in service.list_departments(session)}
    today = clock.today()
    kinds_by_item: dict[str, dict[str, str]] = {}

    def record_read(record: CreditRecord, item: CatalogueItem) -> CreditRecordRead:
        self_reported = record.channel == Channel.SELF_REPORT
        kinds = kinds_by_item.get(item.code)
        if kinds is None:
            kinds = kinds_by_item[item.code] = service.masking_kinds(item)
        return CreditRecordRead(
            id=record.id, record_key=record.record_key, data=consent_service.mask_values(record.data, kinds, audience),
            fact_date=record.fact_date,
            channel=record.channel, source_department=record.source_department, batch_id=record.batch_id,
            received_at=record.received_at, self_reported=self_reported,
            source_label=SELF_REPORT_LABEL if self_reported else departments.get(record.source_department, ""),
            commitment_id=record.commitment_id,
            past_publicity=not policy.visibility(record.fact_date, item.visible_days, today).visible,
            under_objection=MarkKind.UNDER_OBJECTION in (marks or {}).get((item.id, record.record_key), ()),
            repaired=MarkKind.REPAIRED in (marks or {}).get((item.id, record.record_key), ()),
            reference=record.reference,
        )

    out = []
    for section in sections:
        entries = []
        for entry in section.entries:
            current = [record_read(r, entry.item) for r in entry.current]
            shown_keys = {r.record_key for r in entry.current}
            history = [record_read(r, entry.item) for r in entry.superseded
                       if sees_past_publicity(view) or r.record_key in shown_keys]
            if not current and not history:
                continue
            entries.append(CreditFileEntryRead(
                item_code=entry.item.code, item_name=entry.item.name, sensitivity=Sensitivity(entry.item.sensitivity),
                is_negative=entry.item.is_negative, current=current, history=history,
                hidden=sum(r.past_publicity for r in current),
            ))
        if entries:
            out.append(CreditFileSectionRead(category_code=section.category.code,
                                             category_name=section.category.name, entries=entries))
    return CreditFileRead(enterprise_id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name,
                          generated_at=clock.now(), sections=out, view=view.value, audience=audience.value)
