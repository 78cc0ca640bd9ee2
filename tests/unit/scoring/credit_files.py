"""Credit files for the feature tests: records as a department's row becomes one (`rec`), generated records of the
sub-categories the features read (`record`), and the two ways of computing an entity's features (`IMPLEMENTATIONS`):
`features.compute` one entity at a time, and `feature_columns.compute_page` on a page of that one entity."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

from hypothesis import strategies as st

from xinyidai.clock import BUSINESS_TZ
from xinyidai.creditdata import catalogue
from xinyidai.creditdata.catalogue import ItemDefinition
from xinyidai.creditdata.enums import FieldType
from xinyidai.creditdata.fields import FieldSpec, RowParser, record_key
from xinyidai.registry.codes import uscc_check_char
from xinyidai.scoring import feature_columns, features
from xinyidai.scoring.features import CATALOGUE, EntitySnapshot, MalformedRecord, RecordSnapshot

ITEMS = {item.code: item for item in catalogue.load_packaged().items}
USCC = "91500108MA0000001" + uscc_check_char("91500108MA0000001")
FEATURE_ITEMS = sorted({source for feature in CATALOGUE for source in feature.sources})
START, END = date(2019, 1, 1), date(2027, 12, 31)
CHANNELS = ("bulk_import", "api_push", "national")
_ids = count(1)

Compute = Callable[[date, EntitySnapshot, Iterable[RecordSnapshot]], dict[str, float | None]]


def column_wise(as_of: date, entity: EntitySnapshot, records: Iterable[RecordSnapshot]) -> dict[str, float | None]:
    """The features of one entity through `feature_columns` (a page of one), raising as `compute` does."""
    page = feature_columns.compute_page(
        as_of, feature_columns.entities_frame([(entity.enterprise_id, entity.registration_date)]),
        feature_columns.records_frame((entity.enterprise_id, record) for record in records))
    [(_id, values)] = feature_columns.as_dicts(page)
    if values is None:
        raise MalformedRecord(f"entity {entity.enterprise_id}: a counting record is malformed")
    return values


IMPLEMENTATIONS: dict[str, Compute] = {"one entity": features.compute, "column-wise": column_wise}


def next_id() -> int:
    """A fresh record id."""
    return next(_ids)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of a business day in Chongqing."""
    return datetime.combine(day, time(hour, minute), tzinfo=BUSINESS_TZ)


def rec(item: str, values: dict[str, str], received: date | datetime, channel: str = "bulk_import") -> RecordSnapshot:
    """A record as a department's row of text becomes one, received at `received`."""
    definition = ITEMS[item]
    moment = received if isinstance(received, datetime) else at(received)
    parsed = RowParser(fields=definition.fields, key_fields=definition.key, date_field=definition.date_field,
                       today=moment.date()).parse({**values, "uscc": USCC})
    assert not isinstance(parsed, list), parsed
    return RecordSnapshot(id=next_id(), item=item, record_key=parsed.record_key, channel=channel, received_at=moment,
                          fact_date=parsed.fact_date, data=parsed.data, authoritative=definition.authoritative,
                          visible_days=definition.visible_days)


def d(text: str) -> date:
    """A date from its ISO text."""
    return date.fromisoformat(text)


def value(spec: FieldSpec, latest: date) -> st.SearchStrategy[Any]:
    """A typed value as the parser would give it, dated no later than `latest` (or none)."""
    days = st.dates(START, max(latest, START))
    strategies: dict[FieldType, st.SearchStrategy[Any]] = {
        FieldType.TEXT: st.sampled_from(["甲", "乙", "丙"]), FieldType.USCC: st.just(USCC),
        FieldType.DATE: days.map(date.isoformat), FieldType.MONTH: days.map(lambda x: f"{x.year:04d}-{x.month:02d}"),
        FieldType.YEAR: st.integers(START.year, max(latest.year, START.year)),
        FieldType.INTEGER: st.integers(0, 30), FieldType.MONEY: st.integers(0, 10**9),
        FieldType.DECIMAL: st.integers(0, 10**4).map(str), FieldType.ENUM: st.sampled_from(spec.choices or ("",)),
        FieldType.BOOLEAN: st.booleans(),
    }
    typed = strategies[spec.type]
    if spec.required:  # now and then missing all the same (a JSON null): the features read it as absent
        return st.integers(0, 19).flatmap(lambda k: st.none() if k == 0 else typed)
    return st.none() | typed


@st.composite
def record(draw: st.DrawFn, *, received: tuple[datetime, datetime], fact: tuple[date, date] | None = None,
           item: str | None = None, keep: dict[str, Any] | None = None) -> RecordSnapshot:
    """A record of a sub-category the features read: received in `received`, its fact dated in `fact` (by default
    no later than the day it was received), with the values in `keep` (a fact's key, for a later version)."""
    definition: ItemDefinition = ITEMS[item or draw(st.sampled_from(FEATURE_ITEMS))]
    moment = draw(st.datetimes(received[0].replace(tzinfo=None), received[1].replace(tzinfo=None),
                               timezones=st.just(BUSINESS_TZ)))
    low, high = fact or (START, moment.date())
    fact_day = draw(st.dates(low, max(low, high)))
    data: dict[str, Any] = {}
    for spec in definition.fields:
        drawn = draw(value(spec, moment.date()))
        if drawn is not None:
            data[spec.name] = drawn
    if definition.date_field:
        data[definition.date_field] = fact_day.isoformat()
    data.update(keep or {})
    fact_text = data.get(definition.date_field) if definition.date_field else None
    return RecordSnapshot(
        id=next_id(), item=definition.code, record_key=record_key(data, definition.key),
        channel=draw(st.sampled_from(CHANNELS)), received_at=moment,
        fact_date=date.fromisoformat(fact_text) if fact_text else None, data=data,
        authoritative=definition.authoritative, visible_days=definition.visible_days)


def key_of(base: RecordSnapshot) -> dict[str, Any]:
    """The values that make a record's key: another version of the same fact keeps them."""
    return {name: base.data[name] for name in ITEMS[base.item].key if name in base.data}


@st.composite
def file_and_future(draw: st.DrawFn) -> tuple[date, list[RecordSnapshot], list[RecordSnapshot]]:
    """A day, the records known by it, and records the platform could not have known on it."""
    as_of = draw(st.dates(date(2021, 1, 1), date(2026, 12, 31)))
    known_until = (at(START, 0), at(as_of, 23, 59))
    after = (at(as_of + timedelta(days=1), 0), at(END, 23, 59))
    known = draw(st.lists(record(received=known_until), min_size=1, max_size=40))
    later_received = st.lists(record(received=after), max_size=10)
    later_fact = st.lists(record(received=known_until, fact=(as_of + timedelta(days=1), END)), max_size=5)
    future = draw(later_received) + draw(later_fact)
    for base in draw(st.lists(st.sampled_from(known), max_size=10)):  # later versions of facts already known
        future.append(draw(record(received=after, item=base.item, keep=key_of(base))))
    return as_of, known, future
