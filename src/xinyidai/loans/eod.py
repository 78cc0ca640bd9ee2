"""End of day (日终): set-based SQL over all active drawdowns for one business date.

Steps, in order, for business date D:
1. due transfer: each installment due on D that is still unpaid moves its principal, and the
   drawdown's accrued interest and fee, to the overdue accounts;
2. accrual: one day of interest on all principal, overdue interest (罚息) on overdue principal and
   interest, and the daily guarantee fee — integer arithmetic with the sub-fen remainder carried
   to the next day, so that the total equals the exact interest to within one fen;
3. days past due and the five-category classification (`policy.classify`: each bank's bands, the regulator's
   floors, and at least substandard for a defaulted or compensated drawdown);
4. drawdowns that reach their product's default trigger are marked defaulted (and classified again) and announced.
Every step writes journal entries and postings with INSERT … SELECT and moves the cached balances
with one UPDATE; nothing loops over loans in Python except the few that default. Each drawdown row is
rewritten as few times as possible (every rewrite is a new row version with its index entries): step 3
is written by the accrual's UPDATE for the drawdowns it accrues, and otherwise only where it changes.
A finished date is never run twice; missed dates are caught up in order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock, events
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.db import UtcDateTime
from xinyidai.loans import classification, ledger, lines, policy
from xinyidai.loans.enums import Account, Classification, DrawdownStatus
from xinyidai.loans.events import DrawdownDefaulted, DrawdownOverdue
from xinyidai.loans.exceptions import EndOfDayAlreadyRun, LoanRuleBroken
from xinyidai.loans.models import (
    ClassificationBand,
    CreditLine,
    Drawdown,
    EodRun,
    Installment,
    JournalEntry,
    LedgerPosting,
)
from xinyidai.products import service as products_service

AUDIT_ACTION = "loans.end_of_day_run"
DRAWDOWN = cast(Table, Drawdown.__table__)
INSTALLMENT = cast(Table, Installment.__table__)
JOURNAL_ENTRY = cast(Table, JournalEntry.__table__)
LEDGER_POSTING = cast(Table, LedgerPosting.__table__)
D, I, J = DRAWDOWN.c, INSTALLMENT.c, JOURNAL_ENTRY.c  # noqa: E741
PPM = 1_000_000
# The most dates one catch-up runs: a year of missed nights is an operator's job in parts, not one request's.
MAX_CATCH_UP_DAYS = 366


# INSERT … SELECT row counts: SQLAlchemy keeps cursor.rowcount for UPDATE and DELETE only, unless asked.
COUNTED = {"preserve_rowcount": True}


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def run(session: Session, *, business_date: date, actor: Principal | audit_service.Actor) -> EodRun:
    """Run end of day for one date, audited as `actor`'s; a date already done is returned unchanged.

    Two callers at the same moment meet at the run record's unique date: the second waits for the first and is
    told the date has already been run (`EndOfDayAlreadyRun`, 409), rather than failing on the constraint.
    """
    done = session.scalars(select(EodRun).where(EodRun.business_date == business_date)).one_or_none()
    if done is not None and done.status == "done":
        return done
    if business_date > clock.today():
        raise LoanRuleBroken("不能对未来日期执行日终", message_en="cannot run end of day for a future date")
    eod = done or EodRun(business_date=business_date, status="running", started_at=clock.now())
    try:
        with session.begin_nested():
            session.add(eod)
            session.flush()
    except IntegrityError as exc:
        raise EndOfDayAlreadyRun(f"{business_date}的日终处理已由其他操作执行，无需重复执行",
                                 message_en=f"end of day for {business_date} has already been run",
                                 business_date=business_date.isoformat()) from exc
    entries, postings = _transfer_due(session, eod, business_date)
    accrued, accrual_entries, accrual_postings = _accrue(session, eod, business_date)
    _classify(session, business_date)
    session.expire_all()  # the set-based updates bypassed the identity map
    _announce_new_overdue(session, business_date)
    defaults = _trigger_defaults(session, business_date)
    eod.drawdowns_accrued = accrued
    eod.entries_made = entries + accrual_entries
    eod.postings_made = postings + accrual_postings
    eod.defaults_triggered = defaults
    eod.status = "done"
    eod.finished_at = clock.now()
    session.flush()
    audit_service.record(session, actor=actor, action=AUDIT_ACTION, subject_type="eod_run", subject_id=eod.id,
                         detail={"business_date": business_date.isoformat(), "accrued": accrued,
                                 "entries": eod.entries_made, "defaults": defaults})
    return eod


def catch_up(session: Session, *, through: date, actor: Principal | audit_service.Actor) -> list[EodRun]:
    """Run every date not yet done, in order, up to `through`.

    At most `MAX_CATCH_UP_DAYS` dates in one call and none after today, both refused before anything runs: one
    request never holds the database for years of dates (a run recorded long ago would otherwise make the next
    call run every date since).
    """
    if through > clock.today():
        raise LoanRuleBroken("不能对未来日期执行日终", message_en="cannot run end of day for a future date",
                             through=through.isoformat())
    last = session.scalar(select(func.max(EodRun.business_date)).where(EodRun.status == "done"))
    first_value = session.scalar(select(func.min(Drawdown.value_date)).where(Drawdown.status == "active"))
    start = last + timedelta(days=1) if last else (first_value or through)
    if (through - start).days + 1 > MAX_CATCH_UP_DAYS:
        until = start + timedelta(days=MAX_CATCH_UP_DAYS - 1)
        raise LoanRuleBroken(
            f"待补跑的日终从{start}至{through}，超过一次最多{MAX_CATCH_UP_DAYS}天；请分段执行（执行至{until}）",
            message_en=f"end of day from {start} to {through} exceeds {MAX_CATCH_UP_DAYS} dates in one call; "
                       f"run it in parts (through {until} first)",
            first_date=start.isoformat(), through=through.isoformat(), max_days=MAX_CATCH_UP_DAYS)
    runs = []
    day = start
    while day <= through:
        runs.append(run(session, business_date=day, actor=actor))
        day += timedelta(days=1)
    return runs


def list_runs(session: Session, *, limit: int = 60) -> list[EodRun]:
    """The latest end-of-day runs, newest business date first."""
    return list(session.scalars(select(EodRun).order_by(EodRun.business_date.desc()).limit(limit)))


def next_date(session: Session) -> date | None:
    """The next business date end of day would run, or None when every date up to today is done."""
    last = session.scalar(select(func.max(EodRun.business_date)).where(EodRun.status == "done"))
    if last is None:
        first_value = session.scalar(select(func.min(Drawdown.value_date)).where(Drawdown.status == "active"))
        day = first_value or clock.today()
    else:
        day = last + timedelta(days=1)
    return day if day <= clock.today() else None


def _active() -> ColumnElement[bool]:
    return D.status == DrawdownStatus.ACTIVE.value


def _insert_postings(session: Session, eod: EodRun, kind: str,
                     legs: list[tuple[Account, ColumnElement[int]]],
                     join_installment_on: ColumnElement[bool] | None = None) -> int:
    """Insert one posting per (entry, leg) whose amount is not zero; amounts read the pre-update rows.

    One pass: the run's entries of `kind` joined once to their drawdowns (and installments), crossed with
    the legs as a small derived table, each leg picking its amount with CASE. The postings come out entry
    by entry, so the foreign-key checks and index entries of one drawdown's postings touch the same pages.
    """
    leg_table = union_all(*(
        select(literal(number).label("leg"), literal(account.value).label("account"))
        for number, (account, _amount) in enumerate(legs)
    )).subquery("leg")
    amount = case(*((leg_table.c.leg == number, value) for number, (_account, value) in enumerate(legs)),
                  else_=literal(0))
    source = JOURNAL_ENTRY.join(DRAWDOWN, D.id == J.drawdown_id)
    if join_installment_on is not None:
        source = source.join(INSTALLMENT, join_installment_on)
    postings = (
        select(J.id.label("entry_id"), J.drawdown_id.label("drawdown_id"), leg_table.c.account,
               amount.label("amount_fen"))
        .select_from(source.join(leg_table, true()))
        .where(J.eod_run_id == eod.id, J.kind == kind)
        .subquery("posting")
    )
    result = session.execute(insert(LEDGER_POSTING).from_select(
        ["entry_id", "drawdown_id", "account", "amount_fen"],
        select(postings.c.entry_id, postings.c.drawdown_id, postings.c.account, postings.c.amount_fen)
        .where(postings.c.amount_fen != 0),
    ), execution_options=COUNTED)
    return _rowcount(result)


def _transfer_due(session: Session, eod: EodRun, business_date: date) -> tuple[int, int]:
    ordinal = business_date.toordinal()
    due = and_(I.drawdown_id == D.id, I.due_ordinal == ordinal, I.superseded.is_(False))
    unpaid = I.principal_fen - I.principal_paid_fen
    moving = and_(_active(), (unpaid + D.bal_interest_accrued + D.bal_fee_accrued) > 0)
    result = session.execute(insert(JOURNAL_ENTRY).from_select(
        ["drawdown_id", "business_date", "kind", "eod_run_id", "created_at"],
        select(D.id, literal(business_date), literal("due_transfer"), literal(eod.id),
               literal(clock.now(), UtcDateTime()))
        .select_from(DRAWDOWN.join(INSTALLMENT, due)).where(moving),
    ), execution_options=COUNTED)
    entries = _rowcount(result)
    if not entries:
        return 0, 0
    postings = _insert_postings(session, eod, "due_transfer", [
        (Account.PRINCIPAL, -unpaid), (Account.PRINCIPAL_OVERDUE, unpaid),
        (Account.INTEREST_ACCRUED, -D.bal_interest_accrued), (Account.INTEREST_OVERDUE, D.bal_interest_accrued),
        (Account.FEE_ACCRUED, -D.bal_fee_accrued), (Account.FEE_OVERDUE, D.bal_fee_accrued),
    ], join_installment_on=due)
    interest_now = select(D.bal_interest_accrued).where(D.id == I.drawdown_id).scalar_subquery()
    session.execute(
        update(INSTALLMENT)
        .where(I.due_ordinal == ordinal, I.superseded.is_(False),
               I.drawdown_id.in_(select(J.drawdown_id).where(J.eod_run_id == eod.id, J.kind == "due_transfer")))
        .values(overdue_principal_fen=I.principal_fen - I.principal_paid_fen, overdue_interest_fen=interest_now)
    )
    unpaid_of = select(I.principal_fen - I.principal_paid_fen).where(
        I.drawdown_id == D.id, I.due_ordinal == ordinal, I.superseded.is_(False)).scalar_subquery()
    session.execute(
        update(DRAWDOWN)
        .where(D.id.in_(select(J.drawdown_id).where(J.eod_run_id == eod.id, J.kind == "due_transfer")))
        .values(
            bal_principal=D.bal_principal - unpaid_of,
            bal_principal_overdue=D.bal_principal_overdue + unpaid_of,
            bal_interest_overdue=D.bal_interest_overdue + D.bal_interest_accrued,
            bal_interest_accrued=0,
            bal_fee_overdue=D.bal_fee_overdue + D.bal_fee_accrued,
            bal_fee_accrued=0,
            overdue_since_ordinal=func.coalesce(D.overdue_since_ordinal, ordinal),
        )
    )
    return entries, postings


def _accrue(session: Session, eod: EodRun, business_date: date) -> tuple[int, int, int]:
    ordinal = business_date.toordinal()
    days = ordinal - D.accrued_through_ordinal
    basis = D.year_days * PPM
    interest_units = (D.bal_principal + D.bal_principal_overdue) * D.rate_ppm * days + D.carry_interest
    penalty_units = (D.bal_principal_overdue + D.bal_interest_overdue) * D.overdue_rate_ppm * days + D.carry_penalty
    fee_units = (D.bal_principal + D.bal_principal_overdue) * D.fee_rate_ppm * days + D.carry_fee
    # Round half up on the running total: what is posted so far is always the exact interest so far,
    # rounded to the fen; the signed remainder (within half a fen) is carried to the next day.
    interest, penalty, fee = (
        (2 * units + basis) // (2 * basis) for units in (interest_units, penalty_units, fee_units)
    )
    due = and_(_active(), D.accrued_through_ordinal < ordinal, D.value_date <= business_date)
    result = session.execute(insert(JOURNAL_ENTRY).from_select(
        ["drawdown_id", "business_date", "kind", "eod_run_id", "created_at"],
        select(D.id, literal(business_date), literal("accrual"), literal(eod.id), literal(clock.now(), UtcDateTime()))
        .where(due, (interest + penalty + fee) > 0),
    ), execution_options=COUNTED)
    entries = _rowcount(result)
    postings = 0
    if entries:
        postings = _insert_postings(session, eod, "accrual", [
            (Account.INTEREST_ACCRUED, interest), (Account.INTEREST_INCOME, -interest),
            (Account.PENALTY, penalty), (Account.PENALTY_INCOME, -penalty),
            (Account.FEE_ACCRUED, fee), (Account.FEE_PAYABLE, -fee),
        ])
    # The row is rewritten anyway: days past due and the classification (step 3) are set in the same pass,
    # from the overdue date the due transfer has just set; `_classify` then only visits the rest.
    days_past_due = _days_past_due(business_date)
    accrued = session.execute(update(DRAWDOWN).where(due).values(
        days_past_due=days_past_due,
        classification=_classification(session, days_past_due),
        bal_interest_accrued=D.bal_interest_accrued + interest,
        bal_penalty=D.bal_penalty + penalty,
        bal_fee_accrued=D.bal_fee_accrued + fee,
        carry_interest=interest_units - interest * basis,
        carry_penalty=penalty_units - penalty * basis,
        carry_fee=fee_units - fee * basis,
        accrued_through_ordinal=ordinal,
    ))
    return _rowcount(accrued), entries, postings


def _band_case(bands: list[tuple[int, Classification]], days_past_due: ColumnElement[int]) -> ColumnElement[str]:
    ordered = sorted(bands, reverse=True)
    return case(*((days_past_due >= minimum, category.value) for minimum, category in ordered),
                else_=Classification.NORMAL.value)


def _days_past_due(business_date: date) -> ColumnElement[int]:
    return case((D.overdue_since_ordinal.is_(None), 0), else_=business_date.toordinal() - D.overdue_since_ordinal)


def _classification(session: Session, days_past_due: ColumnElement[int]) -> ColumnElement[str]:
    """`policy.classify` as SQL: the bands in force for the row's bank (its own, or the default ones) and status
    (a defaulted or compensated drawdown at least substandard), by `days_past_due`."""
    custom: dict[int, list[tuple[int, Classification]]] = {}
    for band in session.scalars(select(ClassificationBand)):
        custom.setdefault(band.bank_organisation_id, []).append(
            (band.min_days_past_due, Classification(band.category)))

    def by_bank(impaired: bool) -> ColumnElement[str]:
        default = _band_case(policy.bands_in_force(policy.DEFAULT_BANDS, impaired=impaired), days_past_due)
        if not custom:
            return default
        return case(*((D.bank_organisation_id == bank_id,
                       _band_case(policy.bands_in_force(bands, impaired=impaired), days_past_due))
                      for bank_id, bands in custom.items()), else_=default)

    impaired = [status.value for status in policy.IMPAIRED_STATUSES]
    return case((D.status.in_(impaired), by_bank(True)), else_=by_bank(False))


def _classify(session: Session, business_date: date) -> None:
    """Days past due and the category by the bank's bands, written only where either changes.

    The accrual has already written both for every drawdown it accrued; this pass catches the active
    drawdowns it did not accrue, and the defaulted ones. An UPDATE that rewrites a row with the values it
    already has still writes a new row version and its index entries, so rows already right are left alone.
    """
    days_past_due = _days_past_due(business_date)
    category = _classification(session, days_past_due)
    # A defaulted or compensated drawdown accrues nothing more, but its arrears keep ageing through the bands.
    session.execute(
        update(DRAWDOWN)
        .where(D.status.in_([DrawdownStatus.ACTIVE.value, *(status.value for status in policy.IMPAIRED_STATUSES)]),
               or_(D.days_past_due != days_past_due, D.classification != category))
        .values(days_past_due=days_past_due, classification=category)
    )


def _announce_new_overdue(session: Session, business_date: date) -> None:
    """A `DrawdownOverdue` for each active drawdown that fell overdue on this date (its arrears start today), all in
    one statement: a province's book has tens of thousands a day."""
    overdue = Drawdown.bal_principal_overdue + Drawdown.bal_interest_overdue + Drawdown.bal_fee_overdue
    events.publish_select(session=session, event_type=DrawdownOverdue, rows=select(
        Drawdown.id.label("drawdown_id"), Drawdown.enterprise_id, Drawdown.bank_organisation_id,
        literal(business_date.isoformat(), String).label("business_date"), overdue.label("overdue_fen"),
    ).where(Drawdown.status == DrawdownStatus.ACTIVE, Drawdown.overdue_since_ordinal == business_date.toordinal(),
            overdue > 0).order_by(Drawdown.id))


def _trigger_defaults(session: Session, business_date: date) -> int:
    # The products' triggers come through the products service; only products with an overdue drawdown are asked.
    overdue_products = session.scalars(
        select(CreditLine.product_id).distinct().join(Drawdown, Drawdown.credit_line_id == CreditLine.id)
        .where(Drawdown.status == DrawdownStatus.ACTIVE, Drawdown.days_past_due > 0)
    ).all()
    triggers = products_service.default_trigger_days(session, product_ids=overdue_products)
    if not triggers:
        return 0
    trigger = case(triggers, value=CreditLine.product_id)
    rows = session.execute(
        select(Drawdown, CreditLine.product_id)
        .join(CreditLine, CreditLine.id == Drawdown.credit_line_id)
        .where(Drawdown.status == DrawdownStatus.ACTIVE, CreditLine.product_id.in_(triggers),
               Drawdown.days_past_due >= trigger)
        .order_by(Drawdown.id)
    ).all()
    for drawdown, product_id in rows:
        drawdown.status = DrawdownStatus.DEFAULTED
        # Classified before it defaulted: a defaulted drawdown is at least substandard from today.
        drawdown.classification = policy.classify(
            drawdown.days_past_due, classification.get_classification_bands(
                session, bank_organisation_id=drawdown.bank_organisation_id), status=DrawdownStatus.DEFAULTED)
        outstanding = ledger.total_owed(drawdown)
        lines.freeze_for_default(session, drawdown=drawdown)
        events.publish(session=session, event=DrawdownDefaulted(
            drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
            bank_organisation_id=drawdown.bank_organisation_id, product_id=product_id,
            business_date=business_date, days_past_due=drawdown.days_past_due, outstanding_fen=outstanding,
        ))
    session.flush()
    return len(rows)
