"""Channel precedence, current versions, publicity periods and the catalogue file, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from xinyidai.creditdata import catalogue, policy
from xinyidai.creditdata.enums import AuthoritativeChannel, Channel, FieldType


@dataclass
class Rec:
    id: int
    record_key: str
    channel: str
    received_at: datetime
    fact_date: date | None = None


def _at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, tzinfo=UTC)


def test_the_latest_delivery_is_current_within_the_same_channel_class() -> None:
    records = [Rec(1, "2025", "bulk_import", _at(1)), Rec(2, "2025", "api_push", _at(5)),
               Rec(3, "2024", "bulk_import", _at(2))]
    current = policy.current(records, AuthoritativeChannel.LOCAL)
    assert sorted(r.id for r in current) == [2, 3]


def test_the_national_version_wins_over_a_later_local_one_when_national_is_authoritative() -> None:
    records = [Rec(1, "case", "national", _at(1)), Rec(2, "case", "bulk_import", _at(9))]
    assert [r.id for r in policy.current(records, AuthoritativeChannel.NATIONAL)] == [1]
    assert [r.id for r in policy.current(records, AuthoritativeChannel.LOCAL)] == [2]


def test_local_deliveries_of_national_only_items_are_refused_but_the_national_relay_is_taken() -> None:
    refusal = policy.refusal_of_channel(authoritative=AuthoritativeChannel.NATIONAL, local_allowed=False,
                                        channel=Channel.BULK_IMPORT)
    assert refusal is not None and "总对总" in refusal
    assert policy.refusal_of_channel(authoritative=AuthoritativeChannel.NATIONAL, local_allowed=False,
                                     channel=Channel.NATIONAL) is None
    assert policy.refusal_of_channel(authoritative=AuthoritativeChannel.NATIONAL, local_allowed=True,
                                     channel=Channel.API_PUSH) is None
    assert policy.refusal_of_channel(authoritative=AuthoritativeChannel.LOCAL, local_allowed=True,
                                     channel=Channel.BULK_IMPORT) is None


def test_a_record_is_shown_through_the_last_day_of_its_publicity_period() -> None:
    decided = date(2025, 1, 10)
    assert policy.visibility(decided, 1095, date(2028, 1, 10)) == policy.Visibility(True, date(2028, 1, 10))
    assert policy.visibility(decided, 1095, date(2028, 1, 11)).visible is False
    assert policy.visibility(decided, None, date(2099, 1, 1)) == policy.Visibility(True, None)


def test_the_packaged_catalogue_follows_the_national_structure() -> None:
    definition = catalogue.load_packaged()
    assert len(definition.categories) == 14
    items = definition.items
    assert len(items) >= 37 and len({i.code for i in items}) == len(items)
    assert {i.category for i in items} == {code for code, _ in definition.categories}  # no empty category
    for item in items:
        assert item.fields[0].name == "uscc" and item.fields[0].type is FieldType.USCC
    tax = {i.code: i for i in items}["tax_payment"]
    assert tax.source == "tax" and tax.key == ("voucher_no",) and tax.date_field == "paid_date"


@pytest.mark.parametrize(("change", "message"), [
    ({"category": "C99"}, "unknown category"),
    ({"source": "nowhere"}, "unknown source"),
    ({"key": ["missing"]}, "key names unknown fields"),
    ({"date_field": "grade"}, "not a date field"),
    ({"fields": [{"name": "grade", "label": "等级", "type": "enum"}]}, "needs choices"),
])
def test_a_malformed_catalogue_entry_is_refused_with_its_code(change: dict[str, object], message: str) -> None:
    raw = {
        "department": [{"code": "tax", "name": "税务局"}], "category": [{"code": "C04", "name": "纳税信息"}],
        "item": [{"code": "grade", "category": "C04", "name": "纳税信用等级", "source": "tax",
                  "sensitivity": "authorised", "cycle": "yearly", "authoritative": "local", "key": ["year"],
                  "fields": [{"name": "year", "label": "年度", "type": "year"},
                             {"name": "grade", "label": "等级", "type": "enum", "choices": ["A", "B"]}]}],
    }
    assert len(catalogue.parse(raw).items) == 1
    raw["item"][0].update(change)  # type: ignore[index]
    with pytest.raises(ValueError, match=message):
        catalogue.parse(raw)
