"""Computing the statistics of a period from the platform's own records, as of the period's end.

Reads lower contexts through their services only (counts and sums as of an instant, one set-based query each);
the rule of each figure is in `definitions.FIGURES`. The result is a plain, JSON-ready snapshot: amounts in
fen (integers), ratios and rates as decimal strings, so that a snapshot read twice compares equal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai.creditdata import service as creditdata_service
from xinyidai.guarantee import service as guarantee_service
from xinyidai.identity import service as identity_service
from xinyidai.loans import service as loans_service
from xinyidai.orders import service as orders_service
from xinyidai.products import service as products_service
from xinyidai.registry import service as registry_service
from xinyidai.reporting import definitions as d
from xinyidai.reporting.models import BankSmeLending
from xinyidai.rights import service as rights_service

Value = int | str | None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class Table:
    """A table of the report: a code, a title and rows under named columns."""

    code: str
    title: str
    columns: list[str]
    rows: list[list[Value]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The table as the snapshot stores it."""
        return {"code": self.code, "title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Snapshot:
    """The figures of one period and the tables behind them."""

    first_day: str
    last_day: str
    figures: dict[str, Value]
    tables: list[Table]

    def as_json(self) -> dict[str, Any]:
        """The snapshot as JSON-ready data (what a monthly report archives)."""
        return {"first_day": self.first_day, "last_day": self.last_day, "figures": self.figures,
                "tables": [t.as_json() for t in self.tables]}


def _sharing(session: Session, period: d.Period) -> tuple[dict[str, Value], list[Table]]:
    items = [i for i in creditdata_service.sharing_by_item(session, since=period.since, until=period.until)
             if i.enabled]
    delivered = [i for i in items if i.last_received_at is not None]
    timely = [i for i in items if d.delivered_on_time(i.update_cycle, i.last_received_at, period.until)]
    rows_received = sum(i.rows_received for i in items)
    rows_refused = sum(i.rows_refused for i in items)
    figures: dict[str, Value] = {
        "sharing_items": len(items),
        "sharing_coverage": _text(d.ratio(len(delivered), len(items))),
        "sharing_timeliness": _text(d.ratio(len(timely), len(items))),
        "sharing_error_rate": _text(d.ratio(rows_refused, rows_received)),
        "records_received": sum(i.records_received for i in items),
    }
    tables = []
    for code, title, key in (("sharing_by_department", "信息归集（按部门）", "department"),
                             ("sharing_by_category", "信息归集（按类别）", "category")):
        groups: dict[str, list[creditdata_service.ItemSharing]] = defaultdict(list)
        names: dict[str, str] = {}
        for item in items:
            group = item.department_code if key == "department" else item.category_code
            groups[group].append(item)
            names[group] = item.department_name if key == "department" else item.category_code
        table = Table(code, title, ["代码", "名称", "应归集子类", "已归集子类", "按期报送子类", "覆盖率", "及时率",
                                    "新归集记录", "导入行数", "拒收行数", "差错率"])
        for group in sorted(groups):
            members = groups[group]
            got = sum(1 for i in members if i.last_received_at is not None)
            on_time = sum(1 for i in members if d.delivered_on_time(i.update_cycle, i.last_received_at,
                                                                        period.until))
            received, refused = sum(i.rows_received for i in members), sum(i.rows_refused for i in members)
            table.rows.append([group, names[group], len(members), got, on_time,
                               _text(d.ratio(got, len(members))), _text(d.ratio(on_time, len(members))),
                               sum(i.records_received for i in members), received, refused,
                               _text(d.ratio(refused, received))])
        tables.append(table)
    return figures, tables


def _reported_sme_lending(session: Session, *, month: str, until: Any) -> dict[int, int]:
    """Per bank, its latest report of `month`'s new SME lending recorded before `until`."""
    rows = session.execute(select(BankSmeLending.bank_organisation_id, BankSmeLending.amount_fen)
                           .where(BankSmeLending.month == month, BankSmeLending.recorded_at < until)
                           .order_by(BankSmeLending.recorded_at, BankSmeLending.id)).all()
    return {int(bank): int(amount) for bank, amount in rows}


def compute(session: Session, period: d.Period) -> Snapshot:
    """Every figure of `period` as of its end, with the tables by department, category, kind, town and bank."""
    since, until, first, last = period.since, period.until, period.first_day, period.last_day
    figures: dict[str, Value] = {}
    tables: list[Table] = []

    organisations = identity_service.count_organisations_by_kind(session, until=until)
    new_organisations = identity_service.count_organisations_by_kind(session, since=since, until=until)
    registered_firms = organisations.get("enterprise", 0)
    local_entities = registry_service.count_local_entities(session, until=until)
    figures["registered_firms"] = registered_firms
    figures["registered_firms_new"] = new_organisations.get("enterprise", 0)
    figures["registered_institutions"] = sum(organisations.get(k, 0) for k in d.INSTITUTION_KINDS)
    figures["local_entities"] = local_entities
    figures["registration_share"] = _text(d.ratio(registered_firms, local_entities))

    sharing_figures, sharing_tables = _sharing(session, period)
    figures.update(sharing_figures)
    tables += sharing_tables

    products = products_service.count_products_by_kind(session, until=until)
    figures["products_on_sale"] = sum(products.values())
    tables.append(Table("products_by_kind", "金融产品（按类型）", ["产品类型", "产品数"],
                        [[kind, n] for kind, n in sorted(products.items())]))

    orders = orders_service.order_totals(session, since=since, until=until)
    figures.update({"orders_submitted": orders.submitted, "amount_requested": orders.requested_fen,
                    "orders_decided": orders.decided, "orders_passed": orders.passed,
                    "pass_rate": _text(d.ratio(orders.passed, orders.decided)),
                    "amount_approved": orders.approved_fen})

    lending = loans_service.lending_totals(session, first_day=first, last_day=last, until=until)
    credit = loans_service.lending_totals(session, first_day=first, last_day=last, until=until,
                                          product_ids=products_service.product_ids_of_kinds(d.CREDIT_PRODUCT_KINDS))
    total = loans_service.lending_totals(session, first_day=None, last_day=last, until=until)
    first_firms, first_amount = loans_service.first_loans(session, first_day=first, last_day=last, until=until)
    figures.update({
        "loans_count": lending.drawdowns, "amount_disbursed": lending.principal_fen,
        "firms_financed": lending.firms,
        "average_rate": _text(None if lending.weighted_rate is None
                              else lending.weighted_rate.quantize(d.RATE_PLACES)),
        "credit_loans_amount": credit.principal_fen,
        "credit_loans_share": _text(d.ratio(credit.principal_fen, lending.principal_fen)),
        "first_loan_firms": first_firms, "first_loan_amount": first_amount,
        "firms_financed_total": total.firms, "amount_financed_total": total.principal_fen,
    })

    # The banks report all their new SME lending of a month during the next: the month's report holds the
    # previous month's ratio, from the reports recorded by its end.
    previous = d.derived_period(d.previous_month(first))
    reported = _reported_sme_lending(session, month=previous.month, until=until)
    reported_credit = loans_service.lending_totals(
        session, first_day=previous.first_day, last_day=previous.last_day, until=until,
        product_ids=products_service.product_ids_of_kinds(d.CREDIT_PRODUCT_KINDS), bank_ids=list(reported))
    figures["sme_loans_reported"] = sum(reported.values()) if reported else None
    figures["credit_share_of_sme_loans"] = _text(d.ratio(reported_credit.principal_fen, sum(reported.values())))

    areas = {a.id: a.name for a in registry_service.list_areas(session)}
    registered = registry_service.totals_by_area(
        session, rows=identity_service.registered_enterprise_ids(until=until))
    drawn = registry_service.totals_by_area(
        session, rows=loans_service.drawdown_rows(first_day=first, last_day=last, until=until))
    drawn_total = registry_service.totals_by_area(
        session, rows=loans_service.drawdown_rows(first_day=None, last_day=last, until=until))
    first_by_area = registry_service.totals_by_area(
        session, rows=loans_service.first_loan_rows(first_day=first, last_day=last, until=until))
    tables.append(Table("by_area", "按镇街", ["镇街", "注册企业数", "本期获贷企业数", "本期放款金额（分）",
                                            "本期首贷户数", "累计获贷企业数", "累计放款金额（分）"],
                        [[name, registered.get(area, (0, 0))[0], drawn.get(area, (0, 0))[0],
                          drawn.get(area, (0, 0))[1], first_by_area.get(area, (0, 0))[0],
                          drawn_total.get(area, (0, 0))[0], drawn_total.get(area, (0, 0))[1]]
                         for area, name in sorted(areas.items(), key=lambda a: a[1])]))

    defaults = loans_service.defaults(session, since=since, until=until)
    compensations = guarantee_service.compensation_totals(session, first_day=first, last_day=last, until=until)
    recoveries = guarantee_service.recovery_totals(session, first_day=first, last_day=last, until=until)
    figures.update({"defaults_count": defaults[0], "defaults_amount": defaults[1],
                    "compensations_count": compensations[0], "compensations_amount": compensations[1],
                    "recoveries_count": recoveries[0], "recoveries_amount": recoveries[1]})

    objections = rights_service.objection_totals(session, since=since, until=until, as_of=last)
    repairs = rights_service.repair_totals(session, since=since, until=until, as_of=last)
    figures.update({
        "objections_filed": objections.filed, "objections_closed": objections.closed,
        "objection_days": _text(d.average_days(objections.handling_seconds, objections.closed)),
        "objections_overdue": objections.overdue_open,
        "repairs_filed": repairs.filed, "repairs_closed": repairs.closed,
        "repair_days": _text(d.average_days(repairs.handling_seconds, repairs.closed)),
        "repairs_overdue": repairs.overdue_open,
    })

    late = orders_service.late_orders_by_bank(session, as_of=last, until=until)
    figures["late_orders"] = sum(late.values())
    names = identity_service.organisation_names_query().subquery()
    bank_names = {int(i): str(n) for i, n in session.execute(
        select(names.c.organisation_id, names.c.name).where(names.c.organisation_id.in_(list(late))))} if late else {}
    tables.append(Table("late_orders_by_bank", "超期未办结融资申请（按银行）", ["银行", "笔数"],
                        [[bank_names.get(bank, str(bank)), n]
                         for bank, n in sorted(late.items(), key=lambda b: (-b[1], b[0]))]))
    return Snapshot(first_day=first.isoformat(), last_day=last.isoformat(), figures=figures, tables=tables)


@dataclass(frozen=True, slots=True)
class MonthPoint:
    """The headline flow of one month for the dashboard's trend charts."""

    month: str
    disbursed_fen: int
    credit_fen: int
    firms: int
    submitted: int
    passed: int
    decided: int
    first_loan_firms: int


def trend(session: Session, months: list[str]) -> list[MonthPoint]:
    """Lending and approvals month by month (each month as of its end)."""
    points = []
    credit_ids = products_service.product_ids_of_kinds(d.CREDIT_PRODUCT_KINDS)
    for month in months:
        p = d.derived_period(month)
        lending = loans_service.lending_totals(session, first_day=p.first_day, last_day=p.last_day, until=p.until)
        credit = loans_service.lending_totals(session, first_day=p.first_day, last_day=p.last_day, until=p.until,
                                              product_ids=credit_ids)
        orders = orders_service.order_totals(session, since=p.since, until=p.until)
        first, _ = loans_service.first_loans(session, first_day=p.first_day, last_day=p.last_day, until=p.until)
        points.append(MonthPoint(month=month, disbursed_fen=lending.principal_fen, credit_fen=credit.principal_fen,
                                 firms=lending.firms, submitted=orders.submitted, passed=orders.passed,
                                 decided=orders.decided, first_loan_firms=first))
    return points
