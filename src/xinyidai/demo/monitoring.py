"""Post-loan monitoring in the demo district (贷后监测): the borrowers of the loan history authorise post-loan
management of their lines to the bank and the guarantee company; during the history some of them are penalised or
fall into tax arrears on set days, detection runs that day as it would after the delivery, and the bank's officer
handles some of the alerts days later. So the risk inbox holds open alerts and the portfolio view has a trend.

Nothing here draws from the district's random streams: the rest of the demo stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.loans import service as loans_service
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.enums import HandlingAction
from xinyidai.monitoring.schemas import AlertActionCreate


@dataclass(frozen=True)
class WatchedLoan:
    """A loan of the history: its line, its firm and the firm's user who authorises."""

    line_id: int
    enterprise_id: int
    user_id: int
    valid_until: date


@dataclass(frozen=True)
class Event:
    """On day `offset` of the history, a fact about the `borrower`-th borrower (round the list)."""

    offset: int
    borrower: int
    item_code: str
    serious: bool = False


# What happens when (days after the loans were made); the handling below refers to these by offset.
EVENTS: tuple[Event, ...] = (
    Event(20, 0, "admin_penalty"), Event(45, 1, "tax_arrears"), Event(70, 2, "admin_penalty", serious=True),
    Event(100, 3, "tax_arrears"), Event(130, 0, "admin_penalty"), Event(146, 4, "admin_penalty"),
)
# (day handled, day the alerts were raised, what the officer did, whether it closed them)
HANDLING: tuple[tuple[int, int, HandlingAction | None, bool], ...] = (
    (24, 20, HandlingAction.CALLED, True), (47, 45, HandlingAction.VISITED, True), (71, 70, None, False),
)


def authorise(session: Session, *, loans: list[WatchedLoan], organisation_ids: list[int]) -> None:
    """Each borrower authorises post-loan management of its line to each institution that carries it, after one
    detection run has read the district's earlier records (facts from before the loans raise nothing), and a
    second run starts the watch. Each authorisation lasts as long as the line (the loan's life, not the 90 days
    of a financing application's)."""
    monitoring_service.detect(session, trigger="demo")
    categories = [c.code for c in creditdata_service.list_categories(session)]
    for loan in loans:
        for organisation_id in organisation_ids:
            consent_service.grant(session, enterprise_id=loan.enterprise_id, granted_by_user_id=loan.user_id,
                                  recipient_organisation_id=organisation_id,
                                  purpose=consent_service.Purpose.POST_LOAN_MANAGEMENT,
                                  purpose_ref=loans_service.line_reference(loan.line_id), categories=categories,
                                  validity=timedelta(days=(loan.valid_until - clock.today()).days + 1))
    monitoring_service.detect(session, trigger="demo")


def _values(event: Event, day: date, authority: str) -> dict[str, str]:
    if event.item_code == "tax_arrears":
        return {"tax_kind": "增值税", "amount": f"{38_600 + 1_250 * event.offset}.00",
                "announced_date": day.isoformat()}
    return {"decision_no": f"渝监罚〔{day.year}〕{event.offset + 100}号",
            "violation": "未按规定公示年度报告信息" if not event.serious else "生产销售不合格产品",
            "penalty_kind": "罚款", "amount": str(5_000 if not event.serious else 120_000),
            "severity": "严重" if event.serious else "一般", "decision_date": day.isoformat(), "authority": authority}


def live_day(session: Session, *, offset: int, day: date, loans: list[WatchedLoan], officer: Principal,
             authority: str) -> None:
    """One day of the history (the clock set to it): its facts and the detection run after them, then the
    officer's handling of earlier alerts."""
    happening = [e for e in EVENTS if e.offset == offset]
    for event in happening:
        loan = loans[event.borrower % len(loans)]
        creditdata_service.record_platform_fact(session, item_code=event.item_code, enterprise_id=loan.enterprise_id,
                                                values=_values(event, day, authority))
    if happening:
        monitoring_service.detect(session, trigger="demo")
    for handled_on, raised_on, action, closes in HANDLING:
        if handled_on != offset:
            continue
        for event in (e for e in EVENTS if e.offset == raised_on):
            enterprise_id = loans[event.borrower % len(loans)].enterprise_id
            for alert in monitoring_service.open_alerts(session, principal=officer):
                if alert.enterprise_id != enterprise_id or alert.item_code != event.item_code:
                    continue
                monitoring_service.acknowledge(session, principal=officer, alert_id=alert.id)
                if action is not None:
                    monitoring_service.record_action(session, principal=officer, alert_id=alert.id,
                                                     action_in=AlertActionCreate(action=action, note="演示处置记录"))
                if closes:
                    monitoring_service.close(session, principal=officer, alert_id=alert.id)
