"""REST API of risk sharing: the guarantor's compensations and the recoveries it records."""

from __future__ import annotations

from fastapi import APIRouter

from xinyidai.auth.dependencies import GuaranteeOfficerDep
from xinyidai.guarantee import service
from xinyidai.guarantee.models import Compensation, Recovery
from xinyidai.guarantee.schemas import CompensationRead, RecoveryCreate, RecoveryRead
from xinyidai.web import IdempotencyKey, IdPath, SessionDep

router = APIRouter(prefix="/api/v1/guarantee", tags=["guarantee"])


def _compensation_read(compensation: Compensation) -> CompensationRead:
    return CompensationRead(id=compensation.id, drawdown_id=compensation.drawdown_id,
                            enterprise_id=compensation.enterprise_id,
                            bank_organisation_id=compensation.bank_organisation_id,
                            amount_fen=compensation.amount_fen, recovered_fen=compensation.recovered_fen,
                            business_date=compensation.business_date)


def _recovery_read(recovery: Recovery) -> RecoveryRead:
    return RecoveryRead(id=recovery.id, drawdown_id=recovery.drawdown_id, amount_fen=recovery.amount_fen,
                        recovered_on=recovery.recovered_on, business_date=recovery.business_date,
                        note=recovery.note, distribution={k: int(v) for k, v in recovery.distribution.items()})


@router.get("/compensations", response_model=list[CompensationRead])
def list_compensations(session: SessionDep, principal: GuaranteeOfficerDep) -> list[CompensationRead]:
    """The caller's guarantee company's compensations, newest first."""
    return [_compensation_read(c) for c in
            service.list_compensations(session, guarantor_organisation_id=principal.organisation_id)]


@router.post("/compensations/{compensation_id}/recoveries", response_model=RecoveryRead, status_code=201)
def record_recovery(session: SessionDep, principal: GuaranteeOfficerDep, compensation_id: IdPath,
                    recovery_in: RecoveryCreate, idempotency_key: IdempotencyKey) -> RecoveryRead:
    """Record money recovered on one of the caller's compensations; a retry with the same Idempotency-Key
    records it once."""
    recovery = service.record_recovery(session, principal=principal, compensation_id=compensation_id,
                                       recovery_in=recovery_in, idempotency_key=idempotency_key)
    return _recovery_read(recovery)
