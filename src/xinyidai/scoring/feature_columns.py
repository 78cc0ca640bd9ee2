"""The catalogue's features of a page of entities at once, column-wise (polars), for batch scoring.

`features.compute` states every feature for one entity; this module computes the same values for thousands of
entities in a few vectorised passes over their records, and the property tests hold the two equal on generated
files. Both apply the one as-of rule (`as_of.counting`), read the same fields of the same kinds (`features.READS`,
`features.well_formed`), sum amounts in fen and round with numpy (`features.rounded`).

The records come as a frame of `RECORD_SCHEMA`: the as-of rule's columns, then one text column per field the
features read (`FIELDS`), holding the value's text (`creditdata.fields.canonical_text`, which is what PostgreSQL's
``->>`` gives) for a record of a sub-category that reads the field, null otherwise. `records_frame` builds it from
snapshots; `creditdata.service.record_columns_known_by_range` reads it from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from xinyidai.creditdata.fields import canonical_text
from xinyidai.scoring import as_of as as_of_rule
from xinyidai.scoring.as_of import ENGINE
from xinyidai.scoring.features import (
    ANNUAL_REPORT_YEARS,
    DEREGISTERED_STATUSES,
    IMPLIED_VAT_RATE,
    MONTHLY_DELIVERY_LAG_DAYS,
    NAMES,
    PATTERNS,
    READS,
    TAX_GRADE_ORDINAL,
    UTILITIES,
    Kind,
    RecordSnapshot,
    months_before,
)

FIELDS: dict[str, Kind] = {name: kind for fields in READS.values() for name, kind in fields.items()}
RECORD_SCHEMA: dict[str, pl.DataType] = {**as_of_rule.RULE_SCHEMA, **{name: pl.String() for name in FIELDS}}
ENTITY_SCHEMA: dict[str, pl.DataType] = {"enterprise_id": pl.Int64(), "registration_date": pl.Date()}
MALFORMED = "malformed"

E, ITEM, FACT, ID = pl.col("enterprise_id"), pl.col("item"), pl.col("fact_date"), pl.col("id")


def records_frame(records: Iterable[tuple[int, RecordSnapshot]]) -> pl.DataFrame:
    """(enterprise id, snapshot) pairs as the records frame (`RECORD_SCHEMA`)."""
    held = list(records)
    return as_of_rule.rule_frame(held).with_columns(
        pl.Series(name, [_text(r.data.get(name)) if name in READS.get(r.item, ()) else None for _e, r in held],
                  dtype=pl.String)
        for name in FIELDS)


def _text(value: Any) -> str | None:
    return None if value is None else canonical_text(value)


def entities_frame(page: Sequence[tuple[int, date]]) -> pl.DataFrame:
    """(id, registration date) pairs as the entities frame."""
    return pl.DataFrame({"enterprise_id": [e for e, _d in page], "registration_date": [d for _e, d in page]},
                        schema=ENTITY_SCHEMA)


# Reading the fields --------------------------------------------------------------------------------------------


def _parsed(name: str, kind: Kind) -> tuple[pl.Expr, pl.Expr]:
    """The field's value (an integer, a date, a month's index or the text) and whether its text is malformed."""
    text = pl.col(name)
    if kind is Kind.TEXT:
        return text, pl.lit(False)
    shaped = text.str.contains(PATTERNS[kind])
    if kind is Kind.INTEGER:
        value = pl.when(shaped).then(text.cast(pl.Int64, strict=False))
    elif kind is Kind.DATE:
        value = pl.when(shaped).then(text.str.to_date("%Y-%m-%d", strict=False))
    else:  # a month's index: year × 12 + month − 1, as `features._month_index`
        # Not strict: `then` is computed for every row, the unshaped ones too (an empty text would fail the cast).
        value = pl.when(shaped).then(text.str.slice(0, 4).cast(pl.Int64, strict=False) * 12
                                     + text.str.slice(5, 2).cast(pl.Int64, strict=False) - 1)
    readers = [item for item, fields in READS.items() if name in fields]
    return value, text.is_not_null() & ITEM.is_in(readers) & value.is_null()


def _value_columns() -> list[pl.Expr]:
    """Every field's parsed value (`<name>_v`), and `malformed`: whether any of the record's is malformed."""
    values, bad = [], pl.lit(False)
    for name, kind in FIELDS.items():
        value, malformed = _parsed(name, kind)
        values.append(value.alias(f"{name}_v"))
        bad = bad | malformed
    return [*values, bad.alias(MALFORMED)]


_VALUES = _value_columns()


def v(name: str) -> pl.Expr:
    """A field's parsed value."""
    return pl.col(f"{name}_v")


# The features ---------------------------------------------------------------------------------------------------


def compute_page(as_of: date, entities: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue feature of every entity as of `as_of`: one row per entity in the order of `entities`, with
    `enterprise_id`, `malformed` (a counting record holds a malformed value: no features) and one Float64 column per
    feature in `features.NAMES` order (null where `features.compute` gives None)."""
    # Parsed once, then read by every part (in one lazy plan each part would parse again).
    counted = (records.lazy().filter(as_of_rule.counting_mask(records, as_of), ITEM.is_in(list(READS)))
               .with_columns(_VALUES).collect(engine=ENGINE).lazy())
    parts = [_counts(counted, as_of), _registration(counted), _social_insurance(counted),
             _utilities(counted, as_of), _tax(counted, as_of), _annual_reports(counted, as_of), _self_report(counted)]
    joined = entities.lazy().with_row_index("_order")
    for part in parts:
        joined = joined.join(part, on="enterprise_id", how="left")
    return _finish(joined.sort("_order").select(_features(as_of)).collect(engine=ENGINE))


def _within(low: date, high: date) -> pl.Expr:
    """The fact date lies in (low, high]."""
    return FACT.is_not_null() & (low < FACT) & (high >= FACT)


def _not_happened(name: str, as_of: date) -> pl.Expr:
    """A date in the record that had not come by `as_of` (`features._happened` negated)."""
    return v(name).is_null() | (v(name) > as_of)


def _counts(counted: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Counts, sums and flags over each entity's counting records, in one pass."""
    return counted.group_by("enterprise_id").agg(_count_columns(as_of))


@lru_cache(maxsize=16)
def _count_columns(as_of: date) -> list[pl.Expr]:
    m12, m36 = months_before(as_of, 12), months_before(as_of, 36)
    of = ITEM.is_in

    def count(condition: pl.Expr) -> pl.Expr:
        return condition.sum()

    return [
        pl.col(MALFORMED).any(),
        count(of(["equity_change"]) & _within(m36, as_of)).alias("equity_changes_36m"),
        count(of(["abnormal_operation"]) & _within(m36, as_of)).alias("abnormal_listings_36m"),
        (of(["abnormal_operation"]) & _not_happened("removed_date", as_of)).any().alias("abnormal_listed_now"),
        count(of(["admin_penalty"]) & _within(m12, as_of)).alias("penalties_12m"),
        count(of(["admin_penalty"]) & _within(m36, as_of)).alias("penalties_36m"),
        count(of(["admin_penalty"]) & _within(m36, as_of) & v("severity").eq_missing("严重"))
        .alias("serious_penalties_36m"),
        pl.when(of(["admin_penalty"])).then(FACT).max().alias("_last_penalty"),
        count(of(["admin_enforcement"]) & _within(m36, as_of)).alias("admin_enforcements_36m"),
        (of(["serious_dishonesty"]) & _not_happened("removed_date", as_of)).any()
        .alias("serious_dishonesty_listed_now"),
        count(of(["commitment_fulfilment"]) & v("result").eq_missing("未履约（承诺不实）")).alias("broken_commitments"),
        count(of(["financing_default"])).alias("financing_defaults"),
        pl.when(of(["financing_default"])).then(v("days_past_due").fill_null(0)).max()
        .alias("financing_max_days_past_due"),
        count(of(["dishonest_debtor"]) & _not_happened("removed_date", as_of)).alias("dishonest_debtor_open"),
        count(of(["enforcement_case"]) & v("status").ne_missing("已结案")).alias("enforcement_cases_open"),
        count(of(["restricted_consumption"])).alias("restricted_consumption_orders"),
        count(of(["judgment"]) & _within(m36, as_of) & v("role").eq_missing("被告"))
        .alias("judgments_as_defendant_36m"),
        # The monthly series: anything in the last 12 months, and the distinct months in arrears (None a month).
        (of(list(UTILITIES)) & _within(m12, as_of)).any().alias("_utilities_12m"),
        pl.col("month").filter(of(list(UTILITIES)) & _within(m12, as_of) & (v("amount_overdue") > 0))
        .n_unique().alias("utility_arrears_months_12m"),
        (of(["social_insurance_payment"]) & _within(m12, as_of)).any().alias("_payments_12m"),
        pl.col("month").filter(of(["social_insurance_payment"]) & _within(m12, as_of)
                               & (v("amount_paid").fill_null(0) < v("amount_due").fill_null(0)))
        .n_unique().alias("social_insurance_arrears_months_12m"),
        (of(["housing_fund"]) & _within(m12, as_of)).any().alias("_housing_fund_12m"),
        pl.col("month").filter(of(["housing_fund"]) & _within(m12, as_of) & v("status").is_in(["欠缴", "缓缴"]))
        .n_unique().alias("housing_fund_arrears_months_12m"),
        of(["social_insurance_enrolment"]).any().alias("_enrolled"),
    ]


def _latest(counted: pl.LazyFrame, items: Sequence[str], by: Sequence[str | pl.Expr], keep: Sequence[pl.Expr],
            group: Sequence[str] = ("enterprise_id",)) -> pl.LazyFrame:
    """Of each group's records of `items`, the columns `keep` of the greatest by `by`, then fact date, then id
    (`features.FileAsOf.latest`, and `max` over the newest-fact-first order: a null fact date is the least)."""
    return (counted.filter(ITEM.is_in(list(items))).sort([*by, "fact_date", "id"], nulls_last=False)
            .group_by(list(group)).agg(*(column.last() for column in keep)))


def _registration(counted: pl.LazyFrame) -> pl.LazyFrame:
    """The newest registration record's date, capital and status."""
    return _latest(counted, ["registration"], [], [
        v("registration_date").alias("_founded"), v("registered_capital").alias("_capital"),
        pl.col("registered_capital").is_not_null().alias("_has_capital"), v("operating_status").alias("_status"),
        pl.lit(True).alias("_registered")])


def _social_insurance(counted: pl.LazyFrame) -> pl.LazyFrame:
    """The latest enrolment month's head count and date, and the run of enrolled months up to it."""
    with_month = counted.filter(pl.col("month").is_not_null())
    latest = _latest(with_month, ["social_insurance_enrolment"], ["month"], [
        v("insured_people").fill_null(0).alias("_headcount"), v("month").alias("_latest_month"),
        FACT.alias("_latest_fact")])
    enrolled = (counted.filter(ITEM == "social_insurance_enrolment", v("insured_people").fill_null(0) > 0,
                               v("month").is_not_null())
                .select(E, v("month").alias("_m")).unique())
    # Distinct enrolled months, newest first: the run is how many of them are the latest month, the one before, …
    run = (enrolled.join(latest.select(E, "_latest_month"), on="enterprise_id")
           .sort("enterprise_id", "_m", descending=[False, True])
           .with_columns(pl.int_range(pl.len()).over("enterprise_id").alias("_position"))
           .group_by("enterprise_id")
           .agg(((pl.col("_latest_month") - pl.col("_m")) == pl.col("_position")).sum().alias("_run"),
                pl.len().alias("_enrolled_months")))
    return latest.join(run, on="enterprise_id", how="left")


def _utilities(counted: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """The sum over water, electricity and gas of the overdue amount of each one's latest month in 12 months."""
    recent = counted.filter(_within(months_before(as_of, 12), as_of), pl.col("month").is_not_null())
    latest = _latest(recent, UTILITIES, ["month"], [v("amount_overdue").fill_null(0).alias("_overdue")],
                     group=("enterprise_id", "item"))
    return latest.group_by("enterprise_id").agg(pl.col("_overdue").sum().alias("_utility_overdue"))


def _tax(counted: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Tax paid in the last 12 months and the 12 before (fen), the latest grade, the arrears of the last 12 months."""
    m12 = months_before(as_of, 12)
    m24 = months_before(m12, 12)
    amount = v("amount").fill_null(0)
    paid = counted.filter(ITEM == "tax_payment").group_by("enterprise_id").agg(
        pl.when(_within(m12, as_of)).then(amount).sum().alias("_paid_12m"),
        pl.when(_within(m24, m12)).then(amount).sum().alias("_paid_before"))
    grade = _latest(counted.filter(pl.col("year").is_not_null()), ["tax_credit_grade"], ["year"], [
        v("grade").replace_strict(TAX_GRADE_ORDINAL, default=None, return_dtype=pl.Float64)
        .alias("tax_credit_grade")])
    # Each tax kind's latest announcement in 12 months (`str(None)` is a kind of its own, as in `compute`).
    arrears = (_latest(counted.filter(_within(m12, as_of)).with_columns(v("tax_kind").fill_null("None").alias("_kind")),
                       ["tax_arrears"], [], [amount.alias("_arrears")], group=("enterprise_id", "_kind"))
               .group_by("enterprise_id").agg(pl.col("_arrears").sum()))
    return (paid.join(grade, on="enterprise_id", how="full", coalesce=True)
            .join(arrears, on="enterprise_id", how="full", coalesce=True))


def _annual_reports(counted: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Per entity, the earliest report year held and the filing date held for each year whose lateness counts (the
    oldest version's, as the dict of `compute` keeps the last one it meets newest first; null when none)."""
    by_year = (counted.filter(ITEM == "annual_report", pl.col("report_year").is_not_null())
               .sort("fact_date", "id", nulls_last=False)
               .group_by("enterprise_id", v("report_year").alias("_year"))
               .agg(v("filed_date").first().alias("_filed")))
    return by_year.group_by("enterprise_id").agg(
        pl.col("_year").min().alias("_first_report"),
        *(pl.col("_filed").filter(pl.col("_year") == year).first().alias(f"_filed_{year}")
          for year in _report_years(as_of)))


def _report_years(as_of: date) -> range:
    """The last `ANNUAL_REPORT_YEARS` report years whose deadline (30 June of the next year) has passed."""
    last_due = as_of.year - 1 if as_of > date(as_of.year, 6, 30) else as_of.year - 2
    return range(last_due - ANNUAL_REPORT_YEARS + 1, last_due + 1)


def _self_report(counted: pl.LazyFrame) -> pl.LazyFrame:
    """The latest self report's revenue and employees, and the VAT paid for its year's periods (fen)."""
    report = _latest(counted.filter(pl.col("report_year").is_not_null()), ["self_reported_operations"],
                     ["report_year"], [pl.col("report_year").alias("_report_year"),
                                       v("annual_revenue").fill_null(0).alias("_revenue"),
                                       v("employees").fill_null(0).alias("_employees")])
    vat = (counted.filter(ITEM == "tax_payment", v("tax_kind").eq_missing("增值税"))
           .join(report.select(E, "_report_year"), on="enterprise_id")
           .filter(pl.col("tax_period").str.starts_with(pl.col("_report_year")).fill_null(False))
           .group_by("enterprise_id").agg(v("amount").fill_null(0).sum().alias("_vat")))
    return report.join(vat, on="enterprise_id", how="left")


@lru_cache(maxsize=16)
def _features(as_of: date) -> list[pl.Expr]:
    """The feature columns from the joined parts, in `NAMES` order, each as `compute` states it; a feature that
    divides holds its dividend here, null where `compute` gives None (`_finish` divides)."""
    registered = pl.col("_registered").fill_null(False)
    founded = pl.coalesce(pl.col("_founded"), pl.col("registration_date"))
    headcount = pl.col("_headcount")
    first = pl.max_horizontal(pl.col("registration_date").dt.year().cast(pl.Int64), pl.col("_first_report"))
    late = pl.lit(0)
    for year in _report_years(as_of):
        filed = pl.col(f"_filed_{year}")
        late = late + ((year >= first) & (filed.is_null() | (filed > date(year + 1, 6, 30)))).cast(pl.Int64)
    paid, before = pl.col("_paid_12m").fill_null(0), pl.col("_paid_before").fill_null(0)
    stopped = (pl.col("_latest_fact").is_null()
               | ((pl.lit(as_of) - pl.col("_latest_fact")).dt.total_days() > MONTHLY_DELIVERY_LAG_DAYS))
    vat = pl.col("_vat").fill_null(0)
    report = pl.col("_report_year").is_not_null()
    columns: dict[str, pl.Expr] = {
        "years_in_operation": pl.when(founded <= as_of).then((pl.lit(as_of) - founded).dt.total_days()),
        "registered_capital": pl.when(pl.col("_has_capital")).then(pl.col("_capital").fill_null(0)),
        "deregistered": pl.when(registered).then(
            pl.col("_status").is_in(list(DEREGISTERED_STATUSES)).fill_null(False)),
        "equity_changes_36m": pl.col("equity_changes_36m").fill_null(0),
        "social_insurance_headcount": headcount,
        "utility_overdue_amount": pl.col("_utility_overdue"),
        "utility_arrears_months_12m": pl.when(pl.col("_utilities_12m")).then(pl.col("utility_arrears_months_12m")),
        "social_insurance_continuous_months": pl.when(pl.col("_enrolled").fill_null(False)).then(
            pl.when(pl.col("_enrolled_months").is_null() | pl.col("_latest_month").is_null() | stopped)
            .then(0).otherwise(pl.col("_run"))),
        "social_insurance_arrears_months_12m": pl.when(pl.col("_payments_12m"))
        .then(pl.col("social_insurance_arrears_months_12m")),
        "housing_fund_arrears_months_12m": pl.when(pl.col("_housing_fund_12m"))
        .then(pl.col("housing_fund_arrears_months_12m")),
        "tax_paid_12m": paid,
        "tax_paid_trend": pl.when(before > 0).then(paid - before),
        "tax_credit_grade": pl.col("tax_credit_grade"),
        "tax_arrears_amount": pl.col("_arrears").fill_null(0),
        "financing_defaults": pl.col("financing_defaults").fill_null(0),
        "financing_max_days_past_due": pl.col("financing_max_days_past_due").fill_null(0),
        "annual_report_years_late": pl.when(pl.col("_first_report").is_not_null()).then(late),
        "abnormal_listings_36m": pl.col("abnormal_listings_36m").fill_null(0),
        "abnormal_listed_now": pl.col("abnormal_listed_now").fill_null(False),
        "penalties_12m": pl.col("penalties_12m").fill_null(0),
        "penalties_36m": pl.col("penalties_36m").fill_null(0),
        "serious_penalties_36m": pl.col("serious_penalties_36m").fill_null(0),
        "days_since_last_penalty": (pl.lit(as_of) - pl.col("_last_penalty")).dt.total_days(),
        "admin_enforcements_36m": pl.col("admin_enforcements_36m").fill_null(0),
        "serious_dishonesty_listed_now": pl.col("serious_dishonesty_listed_now").fill_null(False),
        "broken_commitments": pl.col("broken_commitments").fill_null(0),
        "self_reported_revenue_ratio": pl.when(report & (vat > 0)).then(pl.col("_revenue")),
        "self_reported_employees_ratio": pl.when(report & (headcount != 0)).then(pl.col("_employees")),
        "dishonest_debtor_open": pl.col("dishonest_debtor_open").fill_null(0),
        "enforcement_cases_open": pl.col("enforcement_cases_open").fill_null(0),
        "restricted_consumption_orders": pl.col("restricted_consumption_orders").fill_null(0),
        "judgments_as_defendant_36m": pl.col("judgments_as_defendant_36m").fill_null(0),
    }
    assert tuple(columns) == NAMES, "the column-wise features are out of step with the catalogue"
    divisors = [before.alias("_before"), vat.alias("_vat")]
    return [E, pl.col(MALFORMED).fill_null(False),
            *(expression.cast(pl.Float64).alias(name) for name, expression in columns.items()), *divisors]


def _finish(result: pl.DataFrame) -> pl.DataFrame:
    """The divisions and roundings, in numpy as `features` does them on one value (polars divides a long column by
    multiplying with the reciprocal, an ulp away from a division); no features for an entity with a malformed
    record."""
    columns = {name: result[name].cast(pl.Float64).to_numpy() for name in (*NAMES, "_before", "_vat")}  # null: NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        columns.update({
            "years_in_operation": np.round(columns["years_in_operation"] / 365.25, 2),
            "registered_capital": columns["registered_capital"] / 100,
            "utility_overdue_amount": columns["utility_overdue_amount"] / 100,
            "tax_paid_12m": columns["tax_paid_12m"] / 100,
            "tax_paid_trend": np.round(columns["tax_paid_trend"] / columns["_before"], 4),
            "tax_arrears_amount": columns["tax_arrears_amount"] / 100,
            "self_reported_revenue_ratio": np.round(
                (columns["self_reported_revenue_ratio"] / 100) / ((columns["_vat"] / 100) / IMPLIED_VAT_RATE), 4),
            "self_reported_employees_ratio": np.round(
                columns["self_reported_employees_ratio"] / columns["social_insurance_headcount"], 4),
        })
    malformed = result[MALFORMED]
    blank = malformed.to_numpy()
    return pl.DataFrame([result["enterprise_id"], malformed,
                         *(pl.Series(name, np.where(blank, np.nan, columns[name]), nan_to_null=True)
                           for name in NAMES)])


# Into the batch ---------------------------------------------------------------------------------------------------


def as_dicts(result: pl.DataFrame) -> list[tuple[int, dict[str, float | None] | None]]:
    """(enterprise id, features as `features.compute` gives them, or None for a malformed file) per row of
    `compute_page`'s result."""
    names = NAMES
    return [(row[0], None if row[1] else dict(zip(names, row[2:], strict=True))) for row in result.rows()]
