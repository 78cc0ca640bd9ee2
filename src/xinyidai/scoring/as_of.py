"""The as-of rule: which stored versions of credit records count on a day. Stated once, on columns (polars), and
applied both to one entity's file (`features.compute`) and to a batch's page of files (`feature_columns`).

1. A record counts only if it was *known* by `as_of`: the platform had received it by the end of that business
   day (`received_at`, as a business date in China Standard Time, is on or before `as_of`) and the fact it states
   is dated on or before `as_of` (`fact_date`).
2. A fact with history (several versions under one record key of one entity's sub-category) counts in the version
   that was current on `as_of`: chosen as `creditdata.policy.current` chooses today (authoritative channel first,
   then the latest received, then the greatest id), but among the versions known by `as_of` only. A correction
   received later — a tax grade raised on review, an abnormal listing removed — stays out, although it is the
   current version now. This is the leakage trap of a credit file that keeps its history.
3. A version past its publicity period on `as_of` (`creditdata.policy.visibility` with `as_of` as the day) does not
   count, exactly as it would not have been shown on that day; an earlier version of the fact does not take its
   place.

The records come as a frame with the columns of `RULE_SCHEMA` (any others ride along untouched); `rule_frame`
builds one from snapshots of stored versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final, Protocol

import numpy as np
import polars as pl

from xinyidai.clock import BUSINESS_TZ
from xinyidai.creditdata.enums import AuthoritativeChannel, Channel

RULE_SCHEMA: dict[str, pl.DataType] = {
    "enterprise_id": pl.Int64(),
    "id": pl.Int64(),
    "item": pl.String(),  # the sub-category (its code, or any value that tells sub-categories apart)
    "record_key": pl.String(),
    "channel": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "fact_date": pl.Date(),
    "authoritative": pl.String(),  # the sub-category's authoritative channel
    "visible_days": pl.Int64(),  # the sub-category's publicity period, null when it has none
}
FACT = ("enterprise_id", "item", "record_key")  # what the versions of one fact share
_ROW = "_as_of_row"
# A page's records are a few thousand rows: polars' in-memory engine runs them with less overhead than streaming.
ENGINE: Final = "in-memory"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def counting(records: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The versions that count on `as_of` (see the module): known by the day, current then, still shown."""
    return records.filter(counting_mask(records, as_of))


def counting_mask(records: pl.DataFrame, as_of: date) -> pl.Series:
    """True on the rows of `records` that count on `as_of` (to filter them along with other work)."""
    known, order, shown = _rule(as_of)
    chosen = (records.lazy().select(*RULE_SCHEMA).with_row_index(_ROW)  # the choice moves only the rule's columns
              .filter(known).sort(order)
              .filter(pl.struct(*FACT).is_last_distinct())  # the greatest of each fact's known versions
              .filter(shown).select(_ROW).collect(engine=ENGINE))
    mask = np.zeros(records.height, dtype=bool)
    mask[chosen[_ROW].to_numpy()] = True
    return pl.Series("counts", mask)


@lru_cache(maxsize=16)
def _rule(as_of: date) -> tuple[pl.Expr, list[pl.Expr], pl.Expr]:
    """The rule's three parts as expressions: known by the day, the order of versions, still shown."""
    received_day = pl.col("received_at").dt.convert_time_zone(BUSINESS_TZ.key).dt.date()
    fact = pl.col("fact_date")
    known = (received_day <= as_of) & (fact.is_null() | (fact <= as_of))
    # `creditdata.policy.current`'s order: authoritative channel (`policy.rank`), then received, then id.
    authoritative = ((pl.col("channel") == Channel.NATIONAL.value)
                     == (pl.col("authoritative") == AuthoritativeChannel.NATIONAL.value))
    # `creditdata.policy.visibility`: shown while as_of <= fact_date + visible_days.
    shown = (pl.col("visible_days").is_null() | fact.is_null()
             | ((pl.lit(as_of) - fact).dt.total_days() <= pl.col("visible_days")))
    return known, [authoritative, pl.col("received_at"), pl.col("id")], shown


class Version(Protocol):
    """What the rule needs of one stored version (a `features.RecordSnapshot`)."""

    id: int
    item: str
    record_key: str
    channel: str
    received_at: datetime
    fact_date: date | None
    authoritative: AuthoritativeChannel
    visible_days: int | None


def rule_frame(versions: Sequence[tuple[int, Version]]) -> pl.DataFrame:
    """(enterprise id, version) pairs as a frame of the rule's columns (`RULE_SCHEMA`)."""
    frame = pl.DataFrame({
        "enterprise_id": [e for e, _v in versions], "id": [v.id for _e, v in versions],
        "item": [v.item for _e, v in versions], "record_key": [v.record_key for _e, v in versions],
        "channel": [str(v.channel) for _e, v in versions],
        "received_at": [epoch_microseconds(v.received_at) for _e, v in versions],
        "fact_date": [v.fact_date for _e, v in versions],
        "authoritative": [v.authoritative.value for _e, v in versions],
        "visible_days": [v.visible_days for _e, v in versions],
    }, schema={**RULE_SCHEMA, "received_at": pl.Int64()})
    return frame.with_columns(received_at_column(pl.col("received_at")))


def epoch_microseconds(instant: datetime) -> int:
    """An aware instant as whole microseconds since 1970-01-01 UTC (how `received_at` enters a frame exactly)."""
    return (instant - _EPOCH) // _MICROSECOND


def received_at_column(microseconds: pl.Expr) -> pl.Expr:
    """Microseconds since the epoch as the rule's `received_at` (an instant in UTC)."""
    return pl.from_epoch(microseconds, time_unit="us").dt.replace_time_zone("UTC")
