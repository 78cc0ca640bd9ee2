"""The demo district: valid codes, the promised variety, and the same district for the same seed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto
from xinyidai.demo.generator import generate
from xinyidai.guarantee.models import Compensation
from xinyidai.identity.enums import Role
from xinyidai.identity.models import User
from xinyidai.loans.models import Drawdown
from xinyidai.orders.models import FinancingOrder
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import validate_id_number, validate_uscc
from xinyidai.registry.models import DistrictArea, Enterprise
from xinyidai.registry.realname import ID_CONTEXT


def _fingerprint(session: Session) -> list[tuple[str, str, str, str | None]]:
    return [(e.uscc, e.name, e.legal_rep_name, e.address)
            for e in session.scalars(select(Enterprise).order_by(Enterprise.id))]


def test_the_demo_district_is_valid_varied_and_reproducible(session: Session, frozen_clock: clock.FixedClock) -> None:
    with session.begin_nested() as first:
        summary = generate(session, enterprises=120, seed=11)
        district = _fingerprint(session)
        enterprises = session.scalars(select(Enterprise)).all()
        areas = session.scalars(select(DistrictArea)).all()
        roles = {grant for user in session.scalars(select(User)) for grant in user.roles}
        orders = Counter(o.status for o in session.scalars(select(FinancingOrder)))
        gates = Counter(registry_service.annual_report_gate(e).allowed for e in enterprises)
        loan_states = Counter(d.status for d in session.scalars(select(Drawdown)))
        overdue = [d for d in session.scalars(select(Drawdown)) if d.days_past_due > 0 and d.status == "active"]
        compensations = session.scalars(select(Compensation)).all()
        recovered = sum(c.recovered_fen for c in compensations)
        first.rollback()
    session.expunge_all()
    assert summary.enterprises == 120 and len(district) == 120
    assert len(areas) == 15 and sum(a.is_pilot for a in areas) == 3
    for enterprise in enterprises:
        validate_uscc(enterprise.uscc)
        validate_id_number(crypto.decrypt(enterprise.legal_rep_id_cipher, context=ID_CONTEXT))
    assert len({e.uscc for e in enterprises}) == 120
    assert Counter(e.kind for e in enterprises).keys() >= {"enterprise", "individual_business"}
    assert any(e.is_abnormal for e in enterprises) and gates[False] >= 5 and gates[True] >= 80
    assert roles == set(Role)  # a login for every role
    assert orders.keys() >= {"submitted", "accepted", "approved", "rejected"}
    assert loan_states.keys() >= {"active", "settled", "defaulted"} and overdue
    assert compensations and recovered > 0

    with session.begin_nested() as second:
        generate(session, enterprises=120, seed=11)
        again = _fingerprint(session)
        second.rollback()
    assert again == district
