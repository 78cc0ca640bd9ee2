"""Portal pages of risk sharing: the guarantor's exposures and compensations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyidai.auth.dependencies import GuaranteeOfficerDep, csrf_protect
from xinyidai.errors import DomainError
from xinyidai.guarantee import policy, service
from xinyidai.guarantee.schemas import RecoveryCreate
from xinyidai.identity import service as identity_service
from xinyidai.loans import pages as loans_pages
from xinyidai.loans.enums import Classification
from xinyidai.money import InvalidAmount, format_yuan, parse_yuan
from xinyidai.portal import flash
from xinyidai.portal.forms import form_date
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])



@dataclass(frozen=True)
class CompensationRow:
    """One compensation with what has been recovered of it; amounts in fen."""

    id: int
    drawdown_id: int
    enterprise_name: str
    bank_name: str
    business_date: date
    share: Decimal
    amount_fen: int
    recovered_fen: int

    @property
    def open_fen(self) -> int:
        """What is still to be recovered."""
        return self.amount_fen - self.recovered_fen


def _share(ppm: int) -> Decimal:
    return Decimal(ppm) / policy.PPM


@router.get("/guarantee", response_class=HTMLResponse)
def guarantee_page(request: Request, session: SessionDep,
                   principal: GuaranteeOfficerDep) -> Response:
    """The guarantor's exposures under risk-sharing agreements, and its compensations with recoveries."""
    return _page(request, session, principal)


def _page(request: Request, session: SessionDep, principal: GuaranteeOfficerDep, *,
          errors: dict[int, list[str]] | None = None, status_code: int = 200) -> Response:
    enterprises: dict[int, str] = {}
    organisations: dict[int, str] = {}

    def enterprise(enterprise_id: int) -> str:
        if enterprise_id not in enterprises:
            enterprises[enterprise_id] = registry_service.get(session, enterprise_id=enterprise_id).name
        return enterprises[enterprise_id]

    def organisation(organisation_id: int) -> str:
        if organisation_id not in organisations:
            organisations[organisation_id] = identity_service.get_organisation(
                session, organisation_id=organisation_id).name
        return organisations[organisation_id]

    exposures = service.exposures(session, guarantor_organisation_id=principal.organisation_id)
    compensations = [
        CompensationRow(id=c.id, drawdown_id=c.drawdown_id, enterprise_name=enterprise(c.enterprise_id),
                        bank_name=organisation(c.bank_organisation_id), business_date=c.business_date,
                        share=_share(c.share_ppm), amount_fen=c.amount_fen, recovered_fen=c.recovered_fen)
        for c in service.list_compensations(session, guarantor_organisation_id=principal.organisation_id)
    ]
    return render(request, "guarantee/guarantee.html", {
        **loans_pages.labels(request),
        "exposures": [(e, enterprise(e.enterprise_id), organisation(e.bank_organisation_id), _share(e.share_ppm),
                       Classification(e.classification)) for e in exposures],
        "exposure_total_fen": sum(e.share_fen for e in exposures),
        "outstanding_total_fen": sum(e.outstanding_fen for e in exposures),
        "compensations": compensations,
        "compensated_total_fen": sum(c.amount_fen for c in compensations),
        "recovered_total_fen": sum(c.recovered_fen for c in compensations),
        "recoveries": service.list_recoveries(session, drawdown_ids=[c.drawdown_id for c in compensations]),
        "recovery_errors": errors or {},
        # One key per form shown: a double click or a resent form records the recovery once.
        "recovery_key": secrets.token_urlsafe(16),
    }, status_code=status_code)


@router.post("/guarantee/compensations/{compensation_id}/recoveries", response_class=HTMLResponse)
def record_recovery(request: Request, session: SessionDep, principal: GuaranteeOfficerDep,
                    compensation_id: IdPath, amount_yuan: Annotated[str, Form(max_length=40)],
                    idempotency_key: Annotated[str, Form(min_length=8, max_length=100)],
                    recovered_on: Annotated[str, Form(max_length=20)] = "",
                    note: Annotated[str, Form(max_length=400)] = "") -> Response:
    """The guarantor records money recovered (追偿) on one of its own compensations."""
    service.get_compensation(session, principal=principal, compensation_id=compensation_id)
    errors: list[str] = []
    try:
        amount_fen = parse_yuan(amount_yuan)
    except InvalidAmount as exc:
        errors.append(str(exc))
        amount_fen = 0
    day = form_date(recovered_on.strip(), "追偿日期", errors)
    if not errors:
        try:
            recovery_in = RecoveryCreate(amount_fen=amount_fen, recovered_on=day, note=note or None)
            service.record_recovery(session, principal=principal, compensation_id=compensation_id,
                                    recovery_in=recovery_in, idempotency_key=idempotency_key)
        except ValidationError:
            errors.append("追偿金额须大于0，备注不超过200字且不含控制字符或方向控制符")
        except DomainError as exc:
            errors.append(exc.message)
    if errors:  # every refusal comes before any write
        return _page(request, session, principal, errors={compensation_id: errors}, status_code=422)
    return flash.redirect("/guarantee", f"已登记追偿 {format_yuan(amount_fen)} 元，已按风险分担协议分配")
