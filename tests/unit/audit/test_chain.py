"""The audit chain's pure parts: SM3 against the standard's vectors, the canonical form, and the walk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from xinyidai.audit import chain
from xinyidai.audit.chain import Breakage, ChainHead


def test_sm3_of_abc_is_the_gbt_32905_example_1() -> None:
    # GB/T 32905-2016, Appendix A, example 1.
    assert chain.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_the_512_bit_message_is_the_gbt_32905_example_2() -> None:
    # GB/T 32905-2016, Appendix A, example 2: "abcd" repeated 16 times.
    assert chain.sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": 7, "sequence": 3, "occurred_at": datetime(2026, 11, 23, 2, 0, 0, 5, tzinfo=UTC),
        "action": "creditdata.credit_file_read", "outcome": "success", "actor_user_id": 11,
        "actor_api_client_id": None, "actor_organisation_id": 2, "subject_type": "credit_file", "subject_id": "5",
        "enterprise_id": 5, "purpose": "授信审查", "ip_address": "127.0.0.1", "detail": {"view": "x", "a": [1, 2]},
    }
    entry.update(overrides)
    return entry


def test_canonical_form_is_fixed_json_with_utc_microseconds_and_sorted_detail() -> None:
    text = chain.canonical(_entry(detail={"b": 1, "a": "甲"})).decode()
    assert text.startswith('[["id",7],["sequence",3],["occurred_at","2026-11-23T02:00:00.000005+00:00"]')
    assert text.endswith('["detail",{"a":"甲","b":1}]]')


def test_canonical_form_is_the_same_instant_in_any_zone() -> None:
    shanghai = timezone(timedelta(hours=8))
    instant = datetime(2026, 11, 23, 10, 0, tzinfo=shanghai)
    assert chain.canonical(_entry(occurred_at=instant)) == chain.canonical(_entry(occurred_at=instant.astimezone(UTC)))


def test_canonical_form_tells_none_from_empty_text() -> None:
    assert chain.canonical(_entry(purpose=None)) != chain.canonical(_entry(purpose=""))


def test_canonical_form_refuses_a_naive_timestamp() -> None:
    with pytest.raises(ValueError):
        chain.canonical(_entry(occurred_at=datetime(2026, 11, 23, 10, 0)))


def test_every_field_changes_the_hash() -> None:
    base = chain.link(chain.GENESIS_HASH, _entry())
    changed = {"id": 8, "sequence": 4, "occurred_at": datetime(2026, 11, 23, 2, 0, 0, 6, tzinfo=UTC),
               "action": "x", "outcome": "failure", "actor_user_id": 12, "actor_api_client_id": 1,
               "actor_organisation_id": 3, "subject_type": "y", "subject_id": "6", "enterprise_id": 6,
               "purpose": "别的", "ip_address": "10.0.0.1", "detail": {"view": "y", "a": [1, 2]}}
    assert set(changed) == set(chain.FIELDS)
    for name, value in changed.items():
        assert chain.link(chain.GENESIS_HASH, _entry(**{name: value})) != base, name
    assert chain.link("1" * 64, _entry()) != base


# The hash of `_entry()` as the chain computed it before entries recorded the kind of caller (commit bba14a7).
HASH_BEFORE_ACTOR_KIND = "ff62370663993fb321acc596836c40a7bbae15246b232dd5b446ca36c741d059"


def test_an_entry_written_before_the_actor_kind_existed_keeps_its_hash() -> None:
    assert chain.link(chain.GENESIS_HASH, _entry()) == HASH_BEFORE_ACTOR_KIND
    # As read back from a row of that time: the new columns are there, empty.
    assert chain.link(chain.GENESIS_HASH, _entry(actor_kind=None, actor_label=None)) == HASH_BEFORE_ACTOR_KIND


def test_the_actor_kind_and_label_are_hashed_once_set() -> None:
    user = chain.link(chain.GENESIS_HASH, _entry(actor_kind="user"))
    assert user != HASH_BEFORE_ACTOR_KIND  # emptying the kind of a newer entry breaks its hash
    assert chain.link(chain.GENESIS_HASH, _entry(actor_kind="api_client")) != user
    cli = chain.link(chain.GENESIS_HASH, _entry(actor_kind="cli", actor_label="ops: xinyidai crypto rotate"))
    assert cli != chain.link(chain.GENESIS_HASH, _entry(actor_kind="cli", actor_label="root: xinyidai crypto rotate"))
    assert chain.canonical(_entry(actor_kind="cli", actor_label="x")).decode().endswith(
        '["actor_kind","cli"],["actor_label","x"]]')


def test_json_normalised_is_what_a_json_column_gives_back() -> None:
    assert chain.json_normalised({1: (1, 2), "b": None}) == {"1": [1, 2], "b": None}


def _chain(length: int) -> list[dict[str, Any]]:
    entries, prev = [], chain.GENESIS_HASH
    for n in range(1, length + 1):
        entry = _entry(id=100 + n, sequence=n, detail={"n": n})
        entry["prev_hash"], entry["entry_hash"] = prev, chain.link(prev, entry)
        prev = entry["entry_hash"]
        entries.append(entry)
    return entries


def _head(entries: list[dict[str, Any]]) -> ChainHead:
    return ChainHead(sequence=entries[-1]["sequence"], entry_hash=entries[-1]["entry_hash"])


def test_an_intact_chain_verifies_with_its_count_and_last_hash() -> None:
    entries = _chain(5)
    result = chain.walk(entries, head=_head(entries))
    assert result.intact and result.count == 5 and result.last_sequence == 5
    assert result.last_hash == entries[-1]["entry_hash"]


def test_an_empty_chain_is_intact() -> None:
    result = chain.walk([], head=ChainHead(sequence=0, entry_hash=chain.GENESIS_HASH))
    assert result.intact and result.count == 0


def test_a_changed_field_names_that_entry() -> None:
    entries = _chain(5)
    head = _head(entries)
    entries[2]["purpose"] = "改过"
    result = chain.walk(entries, head=head)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.entry_id, result.broken.sequence) == (Breakage.CONTENT_CHANGED, 103, 3)
    assert result.count == 2


def test_a_rewritten_and_rehashed_entry_is_named_by_the_broken_link_after_it() -> None:
    entries = _chain(5)
    head = _head(entries)
    entries[1]["purpose"] = "改过"
    entries[1]["entry_hash"] = chain.link(entries[1]["prev_hash"], entries[1])
    result = chain.walk(entries, head=head)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.entry_id, result.broken.sequence) == (Breakage.LINK_BROKEN, 102, 2)


def test_a_deleted_entry_is_named_by_its_sequence() -> None:
    entries = _chain(5)
    head = _head(entries)
    del entries[2]
    result = chain.walk(entries, head=head)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.sequence, result.broken.entry_id) == (Breakage.DELETED, 3, None)


def test_entries_deleted_from_the_end_are_caught_by_the_head() -> None:
    entries = _chain(5)
    head = _head(entries)
    result = chain.walk(entries[:3], head=head)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.sequence) == (Breakage.DELETED, 4)
    assert "4–5" in result.broken.message


def test_a_renumbered_entry_fails_its_own_hash() -> None:
    entries = _chain(3)
    entries[2]["sequence"] = 9
    result = chain.walk(entries, head=_head(entries))
    assert result.broken is not None and result.broken.kind is Breakage.CONTENT_CHANGED
