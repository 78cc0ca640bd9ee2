"""The signals that compare months (VAT paid against the same month last year, the insured headcount against the month
before) and the positive signal of a repaired fact: each fires on its change, stays silent without it, fires once,
and a late month raises its alert when it arrives; every signal has a rule in force and a test."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.integration.monitoring.conftest import PENALTY, Watched, alerts, detect, fact
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel, MarkKind
from xinyidai.creditdata.fields import USCC_FIELD
from xinyidai.monitoring import policy
from xinyidai.monitoring import service as monitoring_service
from xinyidai.monitoring.enums import Signal
from xinyidai.monitoring.models import DetectionCursor
from xinyidai.registry import service as registry_service

_voucher = iter(range(1, 10_000))


def vat(session: Session, enterprise_id: int, month: str, yuan: str, kind: str = "增值税") -> int:
    """One tax payment of the firm for a month."""
    return fact(session, enterprise_id, "tax_payment", {
        "voucher_no": f"3350026{next(_voucher):08d}", "tax_period": month, "tax_kind": kind, "amount": yuan,
        "paid_date": f"{month}-15"})


def headcount(session: Session, enterprise_id: int, month: str, people: int) -> int:
    """The firm's insured headcount for a month."""
    return fact(session, enterprise_id, "social_insurance_enrolment", {
        "month": month, "month_end": f"{month}-28", "insured_people": str(people)})


def mine(session: Session, watched: Watched, signal: Signal) -> list[tuple[str, int | None]]:
    """The bank's alerts of one signal, as (source key, record id)."""
    return [(a.source_key, a.record_id) for a in alerts(session, watched.world.bank_a) if a.signal == signal]


def month_key(month: str, enterprise_id: int) -> str:
    """The source key of a trend alert: the month as a number of months, and the firm."""
    year, number = month.split("-")
    return f"m{int(year) * 12 + int(number) - 1}:{enterprise_id}"


def test_vat_paid_down_on_the_same_month_last_year_fires_once(session: Session, watched: Watched) -> None:
    firm = watched.world.good_enterprise
    vat(session, firm, "2025-10", "10000")
    vat(session, firm, "2025-09", "10000")
    vat(session, firm, "2025-07", "10000", kind="企业所得税")
    detect(session)
    assert mine(session, watched, Signal.VAT_DROP) == []  # last year alone: nothing to compare
    vat(session, firm, "2026-09", "8000")  # down 20%: under the default 30%
    vat(session, firm, "2026-07", "1000", kind="企业所得税")  # not VAT
    detect(session)
    assert mine(session, watched, Signal.VAT_DROP) == []
    # October: two payments, 4,000 + 2,000 = 6,000 against 10,000, down 40%.
    vat(session, firm, "2026-10", "4000")
    last = vat(session, firm, "2026-10", "2000")
    detect(session)
    assert mine(session, watched, Signal.VAT_DROP) == [(month_key("2026-10", firm), last)]
    guarantor = [a.signal for a in alerts(session, watched.world.guarantor_org)]
    assert guarantor.count(Signal.VAT_DROP) == 1
    assert detect(session).alerts_raised == 0  # the same months never raise it twice
    vat(session, firm, "2026-10", "100")  # a further payment of the month: the month's alert stands, once
    detect(session)
    assert len(mine(session, watched, Signal.VAT_DROP)) == 1


def test_a_late_month_of_last_year_raises_the_vat_alert_when_it_arrives(session: Session, watched: Watched) -> None:
    firm = watched.world.good_enterprise
    this_year = vat(session, firm, "2026-08", "5000")
    detect(session)
    assert mine(session, watched, Signal.VAT_DROP) == []  # no August 2025 yet
    vat(session, firm, "2025-08", "10000")  # arrives late: August 2026 is down 50% on it
    detect(session)
    assert mine(session, watched, Signal.VAT_DROP) == [(month_key("2026-08", firm), this_year)]


def test_the_insured_headcount_falling_by_the_threshold_fires_once(session: Session, watched: Watched) -> None:
    firm = watched.world.good_enterprise
    headcount(session, firm, "2026-07", 100)
    headcount(session, firm, "2026-08", 90)  # down 10%: under the default 20%
    headcount(session, firm, "2026-05", 100)
    headcount(session, firm, "2026-06", 120)  # up
    detect(session)
    assert mine(session, watched, Signal.SOCIAL_INSURANCE_DROP) == []
    september = headcount(session, firm, "2026-09", 72)  # 90 → 72: down exactly 20%
    detect(session)
    assert mine(session, watched, Signal.SOCIAL_INSURANCE_DROP) == [(month_key("2026-09", firm), september)]
    assert detect(session).alerts_raised == 0
    assert len(mine(session, watched, Signal.SOCIAL_INSURANCE_DROP)) == 1


def test_a_late_month_raises_the_headcount_alert_when_it_arrives(session: Session, watched: Watched) -> None:
    firm = watched.world.good_enterprise
    march = headcount(session, firm, "2026-03", 50)
    detect(session)
    assert mine(session, watched, Signal.SOCIAL_INSURANCE_DROP) == []  # no February yet
    headcount(session, firm, "2026-02", 100)  # arrives late: March is down 50% on it
    detect(session)
    assert mine(session, watched, Signal.SOCIAL_INSURANCE_DROP) == [(month_key("2026-03", firm), march)]


def test_a_repaired_fact_is_a_positive_signal_once(session: Session, watched: Watched) -> None:
    world = watched.world
    record_id = fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    detect(session)
    creditdata_service.mark_record(session, record_id=record_id, kind=MarkKind.UNDER_OBJECTION, reference="YY1",
                                   user_id=None)
    session.commit()
    detect(session)
    assert [a.signal for a in alerts(session, world.bank_a)] == [Signal.ADMIN_PENALTY]  # an objection: silent
    creditdata_service.mark_record(session, record_id=record_id, kind=MarkKind.REPAIRED, reference="XF1",
                                   user_id=None)
    session.commit()
    detect(session)
    repaired = [a for a in alerts(session) if a.signal == Signal.CREDIT_REPAIRED]
    assert sorted(a.organisation_id for a in repaired) == sorted([world.bank_a, world.guarantor_org])
    assert {a.record_id for a in repaired} == {record_id} and {a.category_code for a in repaired} == {"C02"}
    assert detect(session).alerts_raised == 0


def test_a_batch_that_commits_after_the_cursor_passed_it_raises_its_alerts_in_its_own_run(
    session: Session, watched: Watched
) -> None:
    world = watched.world
    item = creditdata_service.get_item(session, code="abnormal_operation")
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    parsed = creditdata_service.parser_for(item).parse({
        "listed_date": "2026-11-20", "reason": "通过登记的住所或者经营场所无法联系", "authority": "南岸区市场监管局",
        USCC_FIELD: uscc})
    assert not isinstance(parsed, list)
    creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(world.good_enterprise, parsed)],
                             channel=Channel.BULK_IMPORT, batch_id=424242)
    late = creditdata_service.latest_record_id(session)
    # A later batch committed first and a run read past this one's ids before it was visible.
    session.execute(update(DetectionCursor).values(last_record_id=late))
    session.commit()
    detect(session)
    assert mine(session, watched, Signal.ABNORMAL_OPERATIONS) == []
    monitoring_service.detect(session, trigger="delivery:424242", batch_id=424242)
    session.commit()
    assert mine(session, watched, Signal.ABNORMAL_OPERATIONS) == [(f"r{late}", late)]
    monitoring_service.detect(session, trigger="delivery:424242", batch_id=424242)
    session.commit()
    assert len(mine(session, watched, Signal.ABNORMAL_OPERATIONS)) == 1


def test_every_signal_but_the_stop_notice_has_a_rule_in_force_and_a_detection(session: Session,
                                                                               watched: Watched) -> None:
    in_force = {rule.signal for rule in monitoring_service.current_rules(session)}
    assert in_force == {s.value for s in Signal} - {Signal.WATCH_STOPPED.value}
    detected = (set(policy.SIGNAL_ITEMS) | set(policy.TREND_SIGNALS) | policy.CORRECTION_SIGNALS
                | policy.MARK_SIGNALS | policy.SCORE_SIGNALS)
    assert detected == set(Signal) - {Signal.WATCH_STOPPED}
    assert session.scalar(select(DetectionCursor.last_mark_id)) == 0


def test_each_alert_of_a_run_is_published_once_with_its_payload(session: Session, watched: Watched) -> None:
    """The run's events are written by the database (one INSERT … SELECT): each reads back as the event it claims."""
    from xinyidai.events import DomainEventRecord
    from xinyidai.monitoring.events import AlertRaised

    world = watched.world
    before = set(session.scalars(select(DomainEventRecord.id).where(DomainEventRecord.name == AlertRaised.name)))
    fact(session, world.good_enterprise, "admin_penalty", PENALTY)
    assert detect(session).alerts_raised == 2
    published = [AlertRaised.model_validate(r.payload) for r in session.scalars(
        select(DomainEventRecord).where(DomainEventRecord.name == AlertRaised.name).order_by(DomainEventRecord.id))
        if r.id not in before]
    expected = [AlertRaised(alert_id=a.id, organisation_id=a.organisation_id, enterprise_id=a.enterprise_id,
                            severity=a.severity, signal=a.signal, rule_version=1) for a in alerts(session)]
    assert published == expected and {e.severity for e in published} == {"attention"}
