"""Each bank's days-past-due bands of the five-category classification (the rule itself is `policy.classify`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.loans import policy
from xinyidai.loans.enums import Classification
from xinyidai.loans.exceptions import LoanRuleBroken
from xinyidai.loans.models import ClassificationBand


def get_classification_bands(session: Session, *, bank_organisation_id: int) -> list[tuple[int, Classification]]:
    """The bank's days-past-due bands, or the platform default when it has set none."""
    rows = session.scalars(select(ClassificationBand).where(
        ClassificationBand.bank_organisation_id == bank_organisation_id)).all()
    if not rows:
        return list(policy.DEFAULT_BANDS)
    return sorted((row.min_days_past_due, Classification(row.category)) for row in rows)


def set_classification_bands(session: Session, *, principal: Principal,
                             bands: Sequence[tuple[int, Classification]]) -> list[tuple[int, Classification]]:
    """A bank sets the days-past-due band of each category; end of day classifies with them."""
    if principal.organisation_kind != OrgKind.BANK:
        raise LoanRuleBroken("只有银行可以设置五级分类标准", message_en="only banks set classification bands")
    problems = policy.validate_bands(bands)
    if problems:
        raise LoanRuleBroken("；".join(problems), message_en="invalid classification bands")
    for row in session.scalars(select(ClassificationBand).where(
            ClassificationBand.bank_organisation_id == principal.organisation_id)):
        session.delete(row)
    session.flush()
    session.add_all(ClassificationBand(bank_organisation_id=principal.organisation_id, category=category,
                                       min_days_past_due=minimum) for minimum, category in bands)
    audit_service.record(session, action="loans.classification_bands_set", actor=principal,
                         detail={"bands": [[m, c.value] for m, c in sorted(bands)]})
    session.flush()
    return get_classification_bands(session, bank_organisation_id=principal.organisation_id)
