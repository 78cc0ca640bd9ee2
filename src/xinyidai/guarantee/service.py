"""Use cases of risk sharing: agreements, compensation on default, recovery and its distribution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyidai import clock, idempotency
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.errors import NotFound
from xinyidai.guarantee import policy
from xinyidai.guarantee.exceptions import InvalidAgreement, RecoveryRefused
from xinyidai.guarantee.models import Compensation, GuarantorShare, Recovery, RiskSharingAgreement
from xinyidai.guarantee.schemas import RecoveryCreate
from xinyidai.identity import service as identity_service
from xinyidai.loans import service as loans_service
from xinyidai.loans.events import DrawdownDefaulted

BANK = "bank"


def create_agreement(session: Session, *, product_id: int, guarantor_shares: dict[int, Decimal],
                     bank_share: Decimal) -> RiskSharingAgreement:
    """Set how a product's losses are shared; shares are fractions that must add up to one."""
    shares_ppm = {org: int(share * policy.PPM) for org, share in guarantor_shares.items()}
    bank_ppm = int(bank_share * policy.PPM)
    if not shares_ppm or any(s <= 0 for s in shares_ppm.values()) or bank_ppm < 0:
        raise InvalidAgreement("至少需要一家担保机构，且各方分担比例须为正数", message_en="invalid shares")
    if sum(shares_ppm.values()) + bank_ppm != policy.PPM:
        raise InvalidAgreement("担保方与银行的分担比例合计须为100%", message_en="shares must add up to 100%")
    for org_id in shares_ppm:
        if identity_service.get_organisation(session, organisation_id=org_id).kind != OrgKind.GUARANTEE_COMPANY:
            raise InvalidAgreement("分担方须为担保公司", message_en="guarantor must be a guarantee company")
    if session.scalars(select(RiskSharingAgreement).where(RiskSharingAgreement.product_id == product_id)).first():
        raise InvalidAgreement("该产品已有风险分担协议", message_en="product already has an agreement")
    agreement = RiskSharingAgreement(product_id=product_id, bank_share_ppm=bank_ppm, created_at=clock.now())
    agreement.shares = [GuarantorShare(guarantor_organisation_id=o, share_ppm=s) for o, s in shares_ppm.items()]
    session.add(agreement)
    session.flush()
    return agreement


def agreement_for(session: Session, *, product_id: int) -> RiskSharingAgreement | None:
    """The product's agreement, if it has one."""
    return session.scalars(
        select(RiskSharingAgreement).where(RiskSharingAgreement.product_id == product_id)).one_or_none()


def guarantor_query() -> Select[int, int]:
    """Who shares the risk of which product, as rows (product_id, guarantor_organisation_id): a query for other
    contexts to join (monitoring's watch list), never a table."""
    return select(RiskSharingAgreement.product_id.label("product_id"),
                  GuarantorShare.guarantor_organisation_id.label("guarantor_organisation_id")).join(
        GuarantorShare, GuarantorShare.agreement_id == RiskSharingAgreement.id)


def shares_of(session: Session, *, organisation_id: int) -> dict[int, int]:
    """The products whose risk a guarantee company shares, with its share (parts per million)."""
    return {int(product_id): int(share) for product_id, share in session.execute(
        select(RiskSharingAgreement.product_id, GuarantorShare.share_ppm)
        .join(GuarantorShare, GuarantorShare.agreement_id == RiskSharingAgreement.id)
        .where(GuarantorShare.guarantor_organisation_id == organisation_id))}


def _shares(agreement: RiskSharingAgreement) -> dict[str, int]:
    shares = {str(s.guarantor_organisation_id): s.share_ppm for s in agreement.shares}
    if agreement.bank_share_ppm:
        shares[BANK] = agreement.bank_share_ppm
    return shares


def compensate(session: Session, *, defaulted: DrawdownDefaulted) -> list[Compensation]:
    """Each guarantor pays its share of the outstanding claim; the bank's claim is settled for it."""
    existing = session.scalars(select(Compensation).where(Compensation.drawdown_id == defaulted.drawdown_id)).all()
    if existing:
        return list(existing)
    agreement = agreement_for(session, product_id=defaulted.product_id)
    if agreement is None:
        return []
    drawdown = loans_service.get_drawdown_for_settlement(session, drawdown_id=defaulted.drawdown_id)
    claim = loans_service.total_owed(drawdown)
    parts = policy.split(claim, _shares(agreement))
    compensations = []
    for share in agreement.shares:
        amount = parts[str(share.guarantor_organisation_id)]
        if amount <= 0:
            continue
        loans_service.settle_claim(session, drawdown=drawdown, amount_fen=amount, kind="compensation",
                                   memo=f"guarantor {share.guarantor_organisation_id}")
        compensation = Compensation(
            drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
            bank_organisation_id=drawdown.bank_organisation_id,
            guarantor_organisation_id=share.guarantor_organisation_id, share_ppm=share.share_ppm,
            amount_fen=amount, recovered_fen=0, business_date=clock.today(), created_at=clock.now(),
        )
        session.add(compensation)
        compensations.append(compensation)
        audit_service.record(session, action="guarantee.compensated", subject_type="drawdown",
                             actor=audit_service.Actor.system(
                                 "drawdown_defaulted", organisation_id=share.guarantor_organisation_id),
                             subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                             detail={"amount_fen": amount})
    session.flush()
    return compensations


def on_drawdown_defaulted(session: Session, event: DrawdownDefaulted) -> None:
    """Domain-event handler: a default triggers compensation."""
    compensate(session, defaulted=event)


def recover(session: Session, *, drawdown_id: int, amount_fen: int, idempotency_key: str,
            actor: audit_service.Actor | Principal | None = None, recovered_on: date | None = None,
            note: str | None = None) -> Recovery:
    """Distribute money recovered from the defaulter by the agreement's shares."""
    previous = session.scalars(select(Recovery).where(
        Recovery.drawdown_id == drawdown_id, Recovery.idempotency_key == idempotency_key)).one_or_none()
    if previous is not None:
        return idempotency.replay_or_refuse(
            previous, stored=(previous.amount_fen, previous.recovered_on, previous.note),
            new=(amount_fen, recovered_on or previous.recovered_on, note),
            message="该幂等键已用于另一笔追偿", message_en="Idempotency-Key reused")
    if recovered_on is not None and recovered_on > clock.today():
        raise RecoveryRefused("追偿日期不能晚于今天", message_en="recovery date is in the future")
    compensations = session.scalars(select(Compensation).where(Compensation.drawdown_id == drawdown_id)).all()
    if not compensations:
        raise RecoveryRefused("该笔用信没有代偿记录", message_en="no compensation for this drawdown")
    drawdown = loans_service.get_drawdown_for_settlement(session, drawdown_id=drawdown_id)
    guarantor_open = {str(c.guarantor_organisation_id): c.amount_fen - c.recovered_fen for c in compensations}
    bank_open = loans_service.total_owed(drawdown)
    if amount_fen <= 0 or amount_fen > sum(guarantor_open.values()) + bank_open:
        raise RecoveryRefused("追偿金额必须大于0且不超过各方剩余债权合计", message_en="recovery outside the claims")
    agreement = agreement_for(session, product_id=loans_service.product_id_of(session, drawdown=drawdown))
    assert agreement is not None
    parts = policy.split(amount_fen, _shares(agreement))
    # A party whose claim is already met passes its surplus to the others.
    open_claims = {**guarantor_open, BANK: bank_open}
    distribution = {party: min(part, open_claims[party]) for party, part in parts.items()}
    surplus = amount_fen - sum(distribution.values())
    for party in sorted(open_claims, key=lambda p: -open_claims[p]):
        take = min(surplus, open_claims[party] - distribution.get(party, 0))
        if take > 0:
            distribution[party] = distribution.get(party, 0) + take
            surplus -= take
    for compensation in compensations:
        compensation.recovered_fen += distribution.get(str(compensation.guarantor_organisation_id), 0)
    if distribution.get(BANK):
        loans_service.settle_claim(session, drawdown=drawdown, amount_fen=distribution[BANK], kind="recovery",
                                   memo="bank share of a recovery")
    recovery = Recovery(drawdown_id=drawdown_id, idempotency_key=idempotency_key, amount_fen=amount_fen,
                        distribution=distribution, business_date=clock.today(),
                        recovered_on=recovered_on or clock.today(), note=note, created_at=clock.now())
    session.add(recovery)
    session.flush()
    audit_service.record(session, action="guarantee.recovered", actor=actor or audit_service.Actor.system("recovery"),
                         subject_type="drawdown", subject_id=drawdown_id,
                         enterprise_id=drawdown.enterprise_id, detail={"distribution": distribution})
    return recovery


def get_compensation(session: Session, *, principal: Principal, compensation_id: int) -> Compensation:
    """One of the caller's own compensations; another guarantor's is as unknown as a missing one."""
    compensation = session.get(Compensation, compensation_id)
    if compensation is None or compensation.guarantor_organisation_id != principal.organisation_id:
        raise NotFound("代偿记录不存在", message_en="compensation not found")
    return compensation


def record_recovery(session: Session, *, principal: Principal, compensation_id: int, recovery_in: RecoveryCreate,
                    idempotency_key: str) -> Recovery:
    """The guarantor records money recovered (追偿) on one of its compensations; it is shared by the agreement."""
    compensation = get_compensation(session, principal=principal, compensation_id=compensation_id)
    return recover(session, drawdown_id=compensation.drawdown_id, amount_fen=recovery_in.amount_fen,
                   idempotency_key=idempotency_key, actor=principal, recovered_on=recovery_in.recovered_on,
                   note=recovery_in.note)


def list_recoveries(session: Session, *, drawdown_ids: Sequence[int]) -> Sequence[Recovery]:
    """The recoveries of the given drawdowns, oldest first."""
    if not drawdown_ids:
        return []
    return session.scalars(select(Recovery).where(Recovery.drawdown_id.in_(drawdown_ids))
                           .order_by(Recovery.id)).all()


def list_compensations(session: Session, *, guarantor_organisation_id: int | None = None) -> Sequence[Compensation]:
    """Compensations, optionally of one guarantor, newest first."""
    query = select(Compensation).order_by(Compensation.id.desc())
    if guarantor_organisation_id is not None:
        query = query.where(Compensation.guarantor_organisation_id == guarantor_organisation_id)
    return session.scalars(query).all()


@dataclass(frozen=True, slots=True)
class Exposure:
    """A guarantor's share of one active drawdown under a risk-sharing agreement; amounts in fen."""

    drawdown_id: int
    enterprise_id: int
    bank_organisation_id: int
    product_id: int
    principal_fen: int
    outstanding_principal_fen: int
    outstanding_fen: int
    days_past_due: int
    classification: str
    share_ppm: int
    share_fen: int


def exposures(session: Session, *, guarantor_organisation_id: int) -> list[Exposure]:
    """Active drawdowns of the products whose agreements give the guarantor a share, with its share of each claim."""
    agreements = session.scalars(
        select(RiskSharingAgreement).join(GuarantorShare, GuarantorShare.agreement_id == RiskSharingAgreement.id)
        .where(GuarantorShare.guarantor_organisation_id == guarantor_organisation_id)
    ).unique().all()
    by_product = {a.product_id: a for a in agreements}
    party = str(guarantor_organisation_id)
    found = []
    for drawdown in loans_service.active_drawdowns_of_products(session, product_ids=sorted(by_product)):
        agreement = by_product[loans_service.product_id_of(session, drawdown=drawdown)]
        shares = _shares(agreement)
        claim = loans_service.total_owed(drawdown)
        found.append(Exposure(
            drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
            bank_organisation_id=drawdown.bank_organisation_id, product_id=agreement.product_id,
            principal_fen=drawdown.principal_fen,
            outstanding_principal_fen=drawdown.bal_principal + drawdown.bal_principal_overdue,
            outstanding_fen=claim, days_past_due=drawdown.days_past_due, classification=drawdown.classification,
            share_ppm=shares[party], share_fen=policy.split(claim, shares)[party],
        ))
    return found


# Statistics (read by reporting) ---------------------------------------------------------------------------------


def compensation_totals(session: Session, *, first_day: date | None, last_day: date,
                        until: datetime) -> tuple[int, int]:
    """Compensations (代偿) of business dates in [first_day, last_day] recorded before `until`: how many
    defaulted drawdowns were compensated, and the amount the guarantors paid (fen)."""
    query = select(func.count(func.distinct(Compensation.drawdown_id)),
                   func.coalesce(func.sum(Compensation.amount_fen), 0)).where(
        Compensation.business_date <= last_day, Compensation.created_at < until)
    if first_day is not None:
        query = query.where(Compensation.business_date >= first_day)
    count, amount = session.execute(query).one()
    return int(count), int(amount)


def recovery_totals(session: Session, *, first_day: date | None, last_day: date, until: datetime) -> tuple[int, int]:
    """Recoveries (追偿) recorded for business dates in [first_day, last_day] before `until`: how many, and the
    amount recovered (fen)."""
    query = select(func.count(), func.coalesce(func.sum(Recovery.amount_fen), 0)).where(
        Recovery.business_date <= last_day, Recovery.created_at < until)
    if first_day is not None:
        query = query.where(Recovery.business_date >= first_day)
    count, amount = session.execute(query).one()
    return int(count), int(amount)
