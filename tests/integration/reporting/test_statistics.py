"""Each statistic's definition on a small hand-built district (October 2026), the answers worked out below; and the
monthly report read twice — before and after later and back-dated records arrive — giving the same figures."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World
from xinyidai import clock, db, events
from xinyidai.audit.models import AuditEntry
from xinyidai.clock import BUSINESS_TZ
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CatalogueItem, CreditRecord, ImportBatch
from xinyidai.guarantee.models import Compensation, Recovery
from xinyidai.identity.models import Organisation
from xinyidai.loans.events import DrawdownDefaulted
from xinyidai.loans.models import CreditLine, Drawdown
from xinyidai.orders.models import FinancingOrder, OrderEvent
from xinyidai.products.models import Product
from xinyidai.registry import service as registry_service
from xinyidai.registry.models import Enterprise
from xinyidai.reporting import definitions, service
from xinyidai.reporting.models import BankSmeLending, MonthlyReport
from xinyidai.rights.models import CreditRepair, Objection

OCTOBER = definitions.month_period("2026-10")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant in Chongqing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=BUSINESS_TZ)


class District:
    """Builds the hand-made district's rows with the instants the test chooses."""

    def __init__(self, session: Session, world: World) -> None:
        self.session, self.world = session, world
        self.orders = 0
        self.lines: dict[int, CreditLine] = {}

    def order(self, enterprise: int, bank: int, product: int, amount: int, submitted: datetime, deadline: date,
              decision: tuple[str, datetime, int | None] | None = None) -> FinancingOrder:
        self.orders += 1
        order = FinancingOrder(
            order_no=f"T{self.orders:05d}", enterprise_id=enterprise, product_id=product, bank_organisation_id=bank,
            amount_fen=amount, term_months=12, repayment_method="equal_installment", purpose="经营周转",
            status="submitted", estimate_score=700, estimate_grade="A", estimated_line_fen=amount,
            estimated_rate=Decimal("0.05"), estimate_reasons=[], assessor_version="t", submitted_at=submitted,
            deadline_date=deadline, kind="new")
        self.session.add(order)
        self.session.flush()
        self.session.add(OrderEvent(order_id=order.id, from_status=None, to_status="submitted",
                                    occurred_at=submitted))
        self.session.add(OrderEvent(order_id=order.id, from_status="submitted", to_status="accepted",
                                    occurred_at=submitted.replace(hour=15)))
        if decision is not None:
            status, when, line = decision
            order.status, order.decided_at, order.approved_line_fen = status, when, line
            self.session.add(OrderEvent(order_id=order.id, from_status="accepted", to_status=status,
                                        occurred_at=when))
        self.session.flush()
        return order

    def line(self, order: FinancingOrder) -> CreditLine:
        line = CreditLine(order_id=order.id, enterprise_id=order.enterprise_id,
                          bank_organisation_id=order.bank_organisation_id, product_id=order.product_id,
                          limit_fen=order.amount_fen, annual_rate=Decimal("0.05"), guarantee_fee_rate=Decimal(0),
                          repayment_methods=["equal_installment"], term_options=[12], valid_from=date(2026, 9, 1),
                          valid_until=date(2027, 9, 1), status="active", created_at=at(9, 1))
        self.session.add(line)
        self.session.flush()
        return line

    def draw(self, line: CreditLine, enterprise: int, principal: int, rate: str, value: date,
             recorded: datetime | None = None) -> Drawdown:
        drawdown = Drawdown(
            credit_line_id=line.id, enterprise_id=enterprise, bank_organisation_id=line.bank_organisation_id,
            idempotency_key=f"k{principal}{value}", principal_fen=principal, method="equal_installment",
            term_months=12, value_date=value, maturity_date=date(value.year + 1, value.month, value.day),
            annual_rate=Decimal(rate), rate_ppm=int(Decimal(rate) * 1_000_000), overdue_rate_ppm=0, fee_rate_ppm=0,
            year_days=360, fee_mode="daily", prepayment_rule="shorten_term", status="active",
            bal_principal=principal, accrued_through_ordinal=value.toordinal(),
            created_at=recorded or datetime.combine(value, datetime.min.time(), BUSINESS_TZ).replace(hour=11))
        self.session.add(drawdown)
        self.session.flush()
        return drawdown


def _build(session: Session, world: World) -> dict[str, Any]:
    """The district as of 2026-10-31, with a few records dated or recorded after it that must not count."""
    s, w = session, world
    # Registration: the fixture world's organisations were created on 2026-11-23 (after October).
    orgs = {o.id: o for o in s.scalars(select(Organisation))}
    good_org = next(o for o in orgs.values() if o.enterprise_id == w.good_enterprise)
    other_org = next(o for o in orgs.values() if o.enterprise_id == w.other_enterprise)
    good_org.created_at, other_org.created_at = at(9, 10), at(10, 15)
    for bank in (w.bank_a, w.bank_b, w.guarantor_org):
        orgs[bank].created_at = at(1, 5)
    for enterprise in s.scalars(select(Enterprise)):
        enterprise.created_at = at(1, 2)
    # A second street; `other` trades there.
    second = registry_service.create_area(s, code="500108002", name="铜元局街道", kind="street")
    s.get_one(Enterprise, w.other_enterprise).district_area_id = second.id
    # Products: A pure credit on sale since September, B guaranteed since 20 October.
    product_a, product_b = s.get_one(Product, w.product_a), s.get_one(Product, w.product_b)
    product_a.kind, product_a.published_at = "pure_credit", at(9, 1)
    product_b.kind, product_b.published_at = "guaranteed", at(10, 20)

    d = District(s, w)
    good, other = w.good_enterprise, w.other_enterprise
    o1 = d.order(good, w.bank_a, w.product_a, 50_000_000, at(10, 8), date(2026, 10, 22),
                 ("approved", at(10, 12), 40_000_000))
    d.order(other, w.bank_b, w.product_b, 30_000_000, at(10, 10), date(2026, 10, 24), ("rejected", at(10, 20), None))
    d.order(other, w.bank_a, w.product_a, 20_000_000, at(10, 16), date(2026, 10, 30))  # open past its deadline
    o4 = d.order(good, w.bank_b, w.product_b, 10_000_000, at(9, 25), date(2026, 10, 13),
                 ("approved", at(10, 3), 10_000_000))
    # Submitted at 23:30 on 31 October in Chongqing (15:30 UTC): October's; decided in November.
    d.order(good, w.bank_a, w.product_a, 5_000_000, at(10, 31, 23, 30), date(2026, 11, 13),
            ("approved", at(11, 2), 5_000_000))

    l1, l2 = d.line(o1), d.line(o4)
    d.draw(l1, good, 20_000_000, "0.04", date(2026, 10, 14))
    d.draw(l1, good, 10_000_000, "0.05", date(2026, 10, 20))
    d.draw(l2, other, 30_000_000, "0.045", date(2026, 10, 25))
    d4 = d.draw(l1, good, 5_000_000, "0.04", date(2026, 9, 28))  # good's first loan: September

    with clock.use(clock.at(2026, 10, 28, 1, 0)):
        events.publish(session=s, event=DrawdownDefaulted(
            drawdown_id=d4.id, enterprise_id=good, bank_organisation_id=w.bank_a, product_id=w.product_a,
            business_date=date(2026, 10, 27), days_past_due=90, outstanding_fen=5_000_000))
    s.add(Compensation(drawdown_id=d4.id, enterprise_id=good, bank_organisation_id=w.bank_a,
                       guarantor_organisation_id=w.guarantor_org, share_ppm=800_000, amount_fen=4_000_000,
                       business_date=date(2026, 10, 29), created_at=at(10, 29)))
    s.add(Recovery(drawdown_id=d4.id, idempotency_key="r1", amount_fen=1_000_000, distribution={},
                   business_date=date(2026, 10, 30), created_at=at(10, 30)))

    # Bank A reported on 10 October its new SME loans of September, all of them: 20 万元 (bank B reported nothing).
    s.add(BankSmeLending(bank_organisation_id=w.bank_a, month="2026-09", amount_fen=20_000_000, recorded_at=at(10, 10)))

    # Sharing: the tax grade is monthly (delivered 10 October: on time), the penalty daily (20 October: late).
    items = {i.code: i for i in s.scalars(select(CatalogueItem))}
    items["tax_credit_grade"].update_cycle, items["admin_penalty"].update_cycle = "monthly", "daily"
    with clock.use(clock.at(2026, 10, 10)):
        grade = _store(s, good, "tax_credit_grade", year="2025", grade="B", evaluated_date="2026-04-20")
    with clock.use(clock.at(2026, 10, 20)):
        penalty = _store(s, good, "admin_penalty", decision_no="南岸执法罚〔2026〕31号", violation="占道经营",
                         penalty_kind="罚款", amount="2,000", severity="一般", decision_date="2026-06-01",
                         authority="区综合行政执法局")
    s.add(ImportBatch(catalogue_item_id=items["admin_penalty"].id,
                      source_department=items["admin_penalty"].source_department,
                      organisation_id=w.amr_org, channel="bulk_import", status="completed", rows_total=10,
                      rows_stored=8, rows_duplicate=0, rows_rejected=2, started_at=at(10, 12)))

    # Objections: one answered in 2.5 days, one open past its due date; a repair decided in 4 days.
    user = w.principal(s, "good").user_id
    assert user is not None

    def objection(record: CreditRecord, number: str, filed: datetime, due: date,
                  answered: datetime | None) -> None:
        s.add(Objection(number=number, enterprise_id=good, record_id=record.id,
                        catalogue_item_id=record.catalogue_item_id, record_key="k", source_department="tax",
                        reason="有误", status="open" if answered is None else "upheld", filed_by_user_id=user,
                        filed_at=filed, due_date=due, answered_at=answered))

    objection(grade, "YY1", at(10, 5, 9), date(2026, 10, 19), at(10, 7, 21))
    objection(penalty, "YY2", at(10, 21), date(2026, 10, 30), None)
    s.add(CreditRepair(number="XF1", enterprise_id=good, record_id=penalty.id,
                       catalogue_item_id=penalty.catalogue_item_id, record_key="k", source_department="amr",
                       fulfilled_date=date(2026, 9, 1), statement="已整改", commitment_text="承诺",
                       commitment_sha256="0" * 64, commitment_signed_at=at(10, 22), status="approved",
                       filed_by_user_id=user, filed_at=at(10, 22), due_date=date(2026, 11, 5),
                       decided_at=at(10, 26)))
    s.flush()
    return {"enabled_items": sum(1 for i in items.values() if i.enabled), "second_area": second.name,
            "l1": l1, "d4": d4, "grade": grade,
            "penalty_department": items["admin_penalty"].source_department}


def _store(session: Session, enterprise_id: int, item_code: str, **values: str) -> CreditRecord:
    item = creditdata_service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                             channel=Channel.BULK_IMPORT)
    return session.scalars(select(CreditRecord).where(CreditRecord.fingerprint == parsed.fingerprint)).one()


def _later_records(session: Session, built: dict[str, Any], world: World) -> None:
    """Records that arrive after October: a drawdown back-dated into October, a compensation of an October
    business date recorded in November, a default in November, a new organisation, a late answer."""
    d = District(session, world)
    backdated = d.draw(built["l1"], world.good_enterprise, 7_000_000, "0.09", date(2026, 10, 30),
                       recorded=at(11, 3))
    session.add(Compensation(drawdown_id=backdated.id, enterprise_id=world.good_enterprise,
                             bank_organisation_id=world.bank_a, guarantor_organisation_id=world.guarantor_org,
                             share_ppm=800_000, amount_fen=9_000_000, business_date=date(2026, 10, 31),
                             created_at=at(11, 2)))
    with clock.use(clock.at(2026, 11, 2)):
        events.publish(session=session, event=DrawdownDefaulted(
            drawdown_id=built["d4"].id + 1000, enterprise_id=world.good_enterprise, bank_organisation_id=world.bank_a,
            product_id=world.product_a, business_date=date(2026, 11, 1), days_past_due=90, outstanding_fen=1))
    session.add(BankSmeLending(bank_organisation_id=world.bank_a, month="2026-09", amount_fen=25_000_000,
                               recorded_at=at(11, 3)))  # a correction after October
    objection = session.scalars(select(Objection).where(Objection.number == "YY2")).one()
    objection.answered_at, objection.status = at(11, 4), "corrected"
    late = session.scalars(select(FinancingOrder).where(FinancingOrder.deadline_date == date(2026, 10, 30))).one()
    session.add(OrderEvent(order_id=late.id, from_status="accepted", to_status="approved", occurred_at=at(11, 5)))
    session.flush()


EXPECTED = {
    # identity: good (9-10) and other (10-15) registered by 31 October; the third firm only on 11-23.
    "registered_firms": 2, "registered_firms_new": 1,
    # two banks and the guarantor (the departments and the platform are not institutions)
    "registered_institutions": 3,
    # the registry's four local entities, all on file since January: 2 / 4
    "local_entities": 4, "registration_share": "0.5000",
    # two of the enabled sub-categories delivered, one on time (monthly: 10-10 is within 31 days of 11-01;
    # the daily penalty's 10-20 is not within a day); 2 of 10 rows refused
    "sharing_error_rate": "0.2000", "records_received": 2,
    # products on sale by the end: A (September) and B (20 October)
    "products_on_sale": 2,
    # submitted in October: O1, O2, O3 and O5 (23:30 on the 31st in Chongqing); 50 + 30 + 20 + 5 万元 = 105 万
    "orders_submitted": 4, "amount_requested": 105_000_000,
    # first decided in October: O1 approved, O2 rejected, O4 approved (O5 is decided in November): 2 / 3
    "orders_decided": 3, "orders_passed": 2, "pass_rate": "0.6667", "amount_approved": 50_000_000,
    # valued in October: 20 + 10 (good, pure credit) + 30 (other, guaranteed) 万元
    "loans_count": 3, "amount_disbursed": 60_000_000, "firms_financed": 2,
    # (20×4% + 10×5% + 30×4.5%) / 60 = 2.65 / 60 = 4.41667%
    "average_rate": "0.044167",
    "credit_loans_amount": 30_000_000, "credit_loans_share": "0.5000",
    # September's credit loans at bank A (good's 5 万元 of the 28th) over what bank A reported for September
    "sme_loans_reported": 20_000_000, "credit_share_of_sme_loans": "0.2500",
    # other's first drawdown is in October; good's was on 28 September
    "first_loan_firms": 1, "first_loan_amount": 30_000_000,
    "firms_financed_total": 2, "amount_financed_total": 65_000_000,
    "defaults_count": 1, "defaults_amount": 5_000_000,
    "compensations_count": 1, "compensations_amount": 4_000_000,
    "recoveries_count": 1, "recoveries_amount": 1_000_000,
    # YY1 answered after 2 days 12 hours (2.5 days); YY2 open at the end and due on 30 October
    "objections_filed": 2, "objections_closed": 1, "objection_days": "2.5", "objections_overdue": 1,
    # XF1 decided after 4 days
    "repairs_filed": 1, "repairs_closed": 1, "repair_days": "4.0", "repairs_overdue": 0,
    # O3: open on 31 October, deadline 30 October, at bank A
    "late_orders": 1,
}


@pytest.fixture
def built(session: Session, world: World) -> dict[str, Any]:
    return _build(session, world)


def test_each_figure_of_the_hand_built_district(session: Session, world: World, built: dict[str, Any]) -> None:
    snapshot = service.statistics(session, period=OCTOBER)
    figures = snapshot.figures
    for code, expected in EXPECTED.items():
        assert figures[code] == expected, code
    enabled = built["enabled_items"]
    assert figures["sharing_items"] == enabled
    assert figures["sharing_coverage"] == str(definitions.ratio(2, enabled))
    assert figures["sharing_timeliness"] == str(definitions.ratio(1, enabled))
    assert set(figures) == {f.code for f in definitions.FIGURES}

    tables = {t.code: t for t in snapshot.tables}
    by_area = {row[0]: row[1:] for row in tables["by_area"].rows}
    # registered, drawn firms, drawn (fen), first loans, firms to date, drawn to date
    assert by_area["南坪街道"] == [1, 1, 30_000_000, 0, 1, 35_000_000]
    assert by_area[built["second_area"]] == [1, 1, 30_000_000, 1, 1, 30_000_000]
    assert tables["late_orders_by_bank"].rows == [["甲银行", 1]]
    penalties = next(r for r in tables["sharing_by_department"].rows if r[0] == built["penalty_department"])
    assert penalties[8:] == [10, 2, "0.2000"]


def test_the_monthly_report_reads_as_of_the_months_end(session: Session, world: World,
                                                       built: dict[str, Any]) -> None:
    actor = world.principal(session, "admin")
    first = service.generate_monthly_report(session, month="2026-10", actor=actor)
    figures, checksum = dict(first.figures["figures"]), first.figures_sha256
    assert {k: figures[k] for k in EXPECTED} == EXPECTED

    _later_records(session, built, world)
    # Read live, November sees them …
    november = service.statistics(session, period=definitions.month_period("2026-11"))
    assert november.figures["compensations_amount"] == 0  # business date 31 October, but recorded in November
    assert service.statistics(session, period=definitions.Period(date(2026, 10, 1), date(2026, 11, 20))
                              ).figures["amount_disbursed"] == 67_000_000
    # … and October regenerated gives the same figures, byte for byte.
    again = service.generate_monthly_report(session, month="2026-10", actor=actor)
    assert again.generations == 2
    assert again.figures_sha256 == checksum
    assert again.figures["figures"] == figures

    book = load_workbook(io.BytesIO(again.workbook))
    assert book.sheetnames[0] == "总体指标" and book.sheetnames[-1] == "统计口径"
    assert "按镇街" in book.sheetnames
    rows = {r[0]: r for r in book["总体指标"].iter_rows(min_row=5, values_only=True)}
    assert rows["amount_disbursed"][2] == 600_000  # yuan
    assert rows["credit_share_of_sme_loans"][4] == pytest.approx(0.30)
    pages = PdfReader(io.BytesIO(again.pdf)).pages
    text = re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in pages))
    assert "融资信用服务平台月报（2026-10）" in text and "统计口径" in text
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "reporting.monthly_report_generated")) == 2


def test_a_month_not_over_has_no_report(session: Session, world: World) -> None:
    with pytest.raises(service.MonthNotOver):
        service.generate_monthly_report(session, month="2026-11", actor=world.principal(session, "admin"))


def test_the_report_is_due_from_the_first_working_day(session: Session, world: World) -> None:
    # 1 November 2026 is a Sunday: the first working day is Monday the 2nd.
    assert service.due_report(session, today=date(2026, 11, 1)) is None
    assert service.due_report(session, today=date(2026, 11, 2)) == "2026-10"
    service.generate_monthly_report(session, month="2026-10", actor=world.principal(session, "admin"))
    assert service.due_report(session, today=date(2026, 11, 3)) is None


def test_the_job_archives_last_months_report_once(committed_database: db.Database) -> None:
    from xinyidai.reporting import jobs as reporting_jobs

    factory = committed_database.session_factory
    # Sunday 1 November: not yet due. Monday 2 November (the first working day): generated. Tuesday: nothing more.
    for day, expected in ((1, 0), (2, 1), (3, 1)):
        with clock.use(clock.at(2026, 11, day, 2, 0)):
            reporting_jobs.monthly_report(factory)
        with factory() as session:
            reports = session.scalars(select(MonthlyReport)).all()
            assert [(r.month, r.generations) for r in reports] == ([("2026-10", 1)] if expected else []), day


def test_the_command_line_regenerates_a_past_month(committed_database: db.Database,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from xinyidai.cli import app

    monkeypatch.setattr(db, "_database", committed_database)
    runner = CliRunner()
    with clock.use(clock.at(2026, 11, 23, 10, 0)):
        assert runner.invoke(app, ["reporting", "monthly-report", "2026-13"]).exit_code == 2
        assert runner.invoke(app, ["reporting", "monthly-report", "2026-11"]).exit_code == 1  # not over yet
        first = runner.invoke(app, ["reporting", "monthly-report", "2026-10"])
        again = runner.invoke(app, ["reporting", "monthly-report", "2026-10"])
    assert first.exit_code == 0 and "第 1 次" in first.output
    assert again.exit_code == 0 and "第 2 次" in again.output
    assert first.output.split("数据校验值")[-1] == again.output.split("数据校验值")[-1]
