"""A watched borrower: the good firm's line at bank A on product A (guaranteed by the guarantee company), drawn on,
and helpers to grant post-loan authorisations, deliver facts and run detection."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World
from tests.integration.loans.test_loans import _draw, _line
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.creditdata import service as creditdata_service
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans.models import CreditLine
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.models import Alert

ALL_CATEGORIES = [f"C{n:02d}" for n in range(1, 15)]
POST_LOAN = consent_service.Purpose.POST_LOAN_MANAGEMENT


@dataclass
class Watched:
    """The watched line and its parties."""

    line: CreditLine
    world: World


def grant(session: Session, world: World, line: CreditLine, organisation_id: int,
          categories: list[str] | None = None) -> Authorisation:
    """The good firm's post-loan authorisation of its line to one institution."""
    authorisation = consent_service.grant(
        session, enterprise_id=line.enterprise_id, granted_by_user_id=world.principal(session, "good").user_id or 0,
        recipient_organisation_id=organisation_id, purpose=POST_LOAN, purpose_ref=f"LINE{line.id}",
        categories=categories or ALL_CATEGORIES)
    session.commit()
    return authorisation


def fact(session: Session, enterprise_id: int, item_code: str, values: dict[str, str]) -> int:
    """Store one fact about the firm (as a delivery would) and return its record id."""
    creditdata_service.record_platform_fact(session, item_code=item_code, enterprise_id=enterprise_id, values=values)
    session.commit()
    return creditdata_service.latest_record_id(session)


def detect(session: Session) -> monitoring_service.RunResult:
    """One detection run, committed."""
    result = monitoring_service.detect(session, trigger="test")
    session.commit()
    return result


def alerts(session: Session, organisation_id: int | None = None) -> list[Alert]:
    """The alerts stored, of one institution or all, oldest first."""
    query = select(Alert).order_by(Alert.id)
    if organisation_id is not None:
        query = query.where(Alert.organisation_id == organisation_id)
    session.expire_all()
    return list(session.scalars(query))


PENALTY: dict[str, Any] = {"decision_no": "南执罚〔2026〕101号", "violation": "违规排放", "penalty_kind": "罚款",
                           "amount": "50000", "severity": "一般", "decision_date": "2026-11-20",
                           "authority": "南岸区综合行政执法局"}


@pytest.fixture
def watched(session: Session, world: World) -> Watched:
    """The good firm's guaranteed line, drawn on, authorised for post-loan management to bank A and the
    guarantee company, with one detection run done (the watch list in place, nothing raised)."""
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    line = _line(session, world)
    _draw(session, world, line, 1_000_000, months=6)
    grant(session, world, line, world.bank_a)
    grant(session, world, line, world.guarantor_org)
    detect(session)
    return Watched(line=line, world=world)
