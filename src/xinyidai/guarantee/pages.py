"""Portal pages of risk sharing: the guarantor's exposures and compensations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from xinyidai.auth.dependencies import GuaranteeOfficerDep, csrf_protect
from xinyidai.guarantee import policy, service
from xinyidai.identity import service as identity_service
from xinyidai.loans import pages as loans_pages
from xinyidai.loans.enums import Classification
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.web import SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])



@dataclass(frozen=True)
class CompensationRow:
    """One compensation with what has been recovered of it; amounts in fen."""

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
        CompensationRow(drawdown_id=c.drawdown_id, enterprise_name=enterprise(c.enterprise_id),
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
    })
