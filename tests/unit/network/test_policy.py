"""The network's pure rules: canonical JSON, Ed25519 signatures and key validity, rollover, flow decisions, the
sequence check of a batch, request signatures and the message log's chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.network import policy
from xinyidai.network.policy import Direction, FlowRule, Key, Sequencing

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _key(valid_from: datetime = T0, valid_until: datetime | None = None) -> tuple[object, Key]:
    private = policy.load_private_key(policy.generate_private_key_pem())
    public = policy.public_key_b64(private)
    return private, Key(policy.key_id(public), public, valid_from, valid_until)


def test_canonical_json_is_one_byte_form_whatever_the_key_order() -> None:
    assert policy.canonical({"b": 1, "a": [1, "信"]}) == policy.canonical({"a": [1, "信"], "b": 1})
    assert policy.canonical({"a": "信"}) == '{"a":"信"}'.encode()
    with pytest.raises(ValueError):
        policy.canonical({"a": float("nan")})


def test_a_signature_verifies_with_its_key_only_and_not_after_a_change() -> None:
    private, key = _key()
    _other_private, other = _key()
    data = policy.canonical({"topic": "creditdata.record", "after": 0})
    signature = policy.sign(private, data)  # type: ignore[arg-type]
    assert policy.verify(key.public_key, data, signature)
    assert not policy.verify(other.public_key, data, signature)
    assert not policy.verify(key.public_key, data + b" ", signature)
    assert not policy.verify(key.public_key, data, "not base64!")
    assert not policy.verify("garbage", data, signature)


def test_a_signature_holds_only_by_a_key_valid_at_the_time() -> None:
    private, key = _key(T0, T0 + timedelta(days=1))
    data = b"directory"
    signatures = [{"key_id": key.key_id, "signature": policy.sign(private, data)}]  # type: ignore[arg-type]
    assert policy.signature_holds(data, signatures, [key], T0 + timedelta(hours=1)) == key.key_id
    assert policy.signature_holds(data, signatures, [key], T0 - timedelta(seconds=1)) is None
    assert policy.signature_holds(data, signatures, [key], T0 + timedelta(days=1)) is None
    assert policy.signature_holds(data, [{"key_id": "x", "signature": "y"}], [key], T0) is None


def test_rollover_keeps_the_old_key_valid_for_the_overlap_then_only_the_new() -> None:
    _, old = _key(T0)
    _, new = _key(T0 + timedelta(days=10))
    until = T0 + timedelta(days=11)
    keys = policy.rolled_keys([old], new, overlap_until=until)
    assert [k.key_id for k in keys] == [old.key_id, new.key_id]
    during = T0 + timedelta(days=10, hours=1)
    assert {k.key_id for k in keys if k.valid_at(during)} == {old.key_id, new.key_id}
    assert {k.key_id for k in keys if k.valid_at(until)} == {new.key_id}
    assert policy.rolled_keys(keys, new, overlap_until=until) == keys  # adding the same key again changes nothing


def test_keys_round_trip_through_the_directory_form() -> None:
    _, key = _key(T0, T0 + timedelta(days=3))
    assert Key.from_dict(key.as_dict()) == key


def test_direction_between_neighbours_only() -> None:
    assert policy.direction(own_code="500108", parent_code="500000", peer_code="500000",
                            peer_parent_code="100000") is Direction.UP
    assert policy.direction(own_code="500000", parent_code="100000", peer_code="500108",
                            peer_parent_code="500000") is Direction.DOWN
    assert policy.direction(own_code="500108", parent_code="500000", peer_code="500112",
                            peer_parent_code="500000") is None  # a sibling is not a neighbour
    assert policy.opposite(Direction.UP) is Direction.DOWN


RULES = [FlowRule("creditdata.record", Direction.UP, "*", True),
         FlowRule("creditdata.record", Direction.UP, "tax_arrears", False),
         FlowRule("creditdata.record", Direction.DOWN, "*", True)]


def test_flow_rules_specific_over_general_and_no_rule_means_no() -> None:
    assert policy.may_flow(RULES, topic="creditdata.record", way=Direction.UP, item="tax_payment",
                           sensitivity="public")
    assert not policy.may_flow(RULES, topic="creditdata.record", way=Direction.UP, item="tax_arrears",
                               sensitivity="public")
    assert not policy.may_flow(RULES, topic="registry.enterprise", way=Direction.UP)
    assert not policy.may_flow([], topic="creditdata.record", way=Direction.DOWN, item="x", sensitivity="public")


@pytest.mark.parametrize("sensitivity", ["authorised", "restricted"])
def test_what_needs_the_firms_authorisation_never_flows_whatever_the_table_says(sensitivity: str) -> None:
    everything = [FlowRule("creditdata.record", way, "social_insurance", True) for way in Direction]
    for way in Direction:
        assert not policy.may_flow(everything, topic="creditdata.record", way=way, item="social_insurance",
                                   sensitivity=sensitivity)


@pytest.mark.parametrize(("cursor", "after", "last", "sequences", "expected"), [
    (0, 0, 3, [1, 2, 3], Sequencing.NEXT),
    (3, 3, 3, [], Sequencing.NEXT),  # nothing new: an empty batch at the cursor
    (5, 5, 9, [7, 9], Sequencing.NEXT),  # entries withheld by the flow table leave holes inside the range
    (3, 0, 3, [1, 2, 3], Sequencing.REPLAY),
    (3, 1, 2, [2], Sequencing.REPLAY),
    (3, 4, 6, [5, 6], Sequencing.GAP),
    (3, 2, 6, [3, 4, 5, 6], Sequencing.OVERLAP),
    (0, 0, 3, [2, 1], Sequencing.DISORDER),
    (0, 0, 3, [1, 1], Sequencing.DISORDER),
    (0, 0, 3, [4], Sequencing.DISORDER),
    (0, 2, 1, [], Sequencing.DISORDER),
])
def test_sequencing(cursor: int, after: int, last: int, sequences: list[int], expected: Sequencing) -> None:
    assert policy.sequencing(cursor=cursor, after=after, last=last, sequences=sequences) is expected


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=12))
def test_batches_of_any_cut_are_applied_once_each_whatever_the_order_they_arrive_in(cuts: list[int]) -> None:
    """A feed cut into batches, delivered shuffled and with duplicates, applying only NEXT: every sequence exactly
    once, in order, and the cursor at the end."""
    bounds, end = [], 0
    for size in cuts:
        bounds.append((end, end + size))
        end += size
    arrivals = bounds[::-1] + bounds + bounds[::2]
    cursor, applied = 0, []
    for _ in range(len(bounds)):
        for after, last in arrivals:
            if policy.sequencing(cursor=cursor, after=after, last=last,
                                 sequences=list(range(after + 1, last + 1))) is Sequencing.NEXT:
                applied.extend(range(after + 1, last + 1))
                cursor = last
    assert applied == list(range(1, end + 1)) and cursor == end


def test_a_request_signature_covers_every_part_of_the_request() -> None:
    private, key = _key()
    parts = {"method": "GET", "path": "/api/v1/network/feeds/creditdata.record", "query": "after=0&limit=10",
             "node": "500108", "key": key.key_id, "timestamp": "2026-12-01T00:00:00+00:00", "nonce": "n1"}
    signature = policy.sign(private, policy.request_message(**parts))  # type: ignore[arg-type]
    assert policy.verify(key.public_key, policy.request_message(**parts), signature)
    for name in parts:
        changed = {**parts, name: parts[name] + "1"}
        assert not policy.verify(key.public_key, policy.request_message(**changed), signature), name
    assert policy.skew_ok(T0, T0 + timedelta(seconds=300), 300)
    assert not policy.skew_ok(T0, T0 + timedelta(seconds=301), 300)


def _chain(n: int) -> list[dict[str, object]]:
    entries, prev = [], policy.GENESIS_HASH
    for sequence in range(1, n + 1):
        fields: dict[str, object] = {"sequence": sequence, "occurred_at": T0 + timedelta(seconds=sequence),
                                     "direction": "received", "peer_code": "500000", "topic": "creditdata.record",
                                     "first_sequence": sequence, "last_sequence": sequence, "entries": 1,
                                     "body_sha256": "a" * 64, "outcome": "applied", "error_code": None,
                                     "message": None}
        digest = policy.log_link(prev, fields)
        entries.append({**fields, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    return entries


def test_the_message_log_chain_names_the_first_changed_or_missing_entry() -> None:
    entries = _chain(5)
    assert policy.first_break(entries) is None
    changed = [dict(e) for e in entries]
    changed[2]["entries"] = 7
    assert policy.first_break(changed) == 3
    assert policy.first_break(entries[:2] + entries[3:]) == 4
