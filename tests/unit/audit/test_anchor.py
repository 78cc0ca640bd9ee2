"""Checkpoint lines of the audit chain: made and checked with the key, refused without it; the walk checks the
chain against them."""

from __future__ import annotations

from datetime import UTC, datetime

from xinyidai.audit import anchor, chain

KEY = b"the-anchor-key"
AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _chain(count: int) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    prev = chain.GENESIS_HASH
    for n in range(1, count + 1):
        entry: dict[str, object] = {name: None for name in chain.FIELDS}
        entry.update(id=n, sequence=n, occurred_at=AT, action="orders.accepted", outcome="success", detail={})
        entry["prev_hash"], entry["entry_hash"] = prev, chain.link(prev, entry)
        prev = str(entry["entry_hash"])
        entries.append(entry)
    return entries


def test_a_line_made_with_the_key_verifies_and_any_change_is_refused() -> None:
    line = anchor.line_for(KEY, sequence=7, entry_hash="ab" * 32, at=AT)
    parsed = anchor.parse(KEY, [line])
    assert [(c.sequence, c.entry_hash) for c in parsed.valid] == [(7, "ab" * 32)] and not parsed.refused
    assert anchor.parse(b"another-key", [line]).refused[0].line_no == 1
    edited = line.replace('"sequence":7', '"sequence":8')
    assert not anchor.parse(KEY, [edited]).valid
    assert anchor.parse(KEY, ["not json", "", '{"sequence": 1}']).refused == [
        anchor.BadLine(1, "不是有效的检查点记录"), anchor.BadLine(3, "不是有效的检查点记录")]


def test_the_walk_names_the_first_checkpoint_the_chain_no_longer_matches() -> None:
    entries = _chain(5)
    anchors = [anchor.Checkpoint(sequence=s, entry_hash=str(entries[s - 1]["entry_hash"]), at="t") for s in (2, 4)]
    assert chain.walk(entries, anchors=anchors).intact
    rewritten = _chain(5)
    rewritten[0]["outcome"] = "failure"
    prev = chain.GENESIS_HASH
    for entry in rewritten:  # recompute every hash, as a wholesale rewrite does
        entry["prev_hash"], entry["entry_hash"] = prev, chain.link(prev, entry)
        prev = str(entry["entry_hash"])
    assert chain.walk(rewritten).intact
    result = chain.walk(rewritten, anchors=anchors)
    assert result.broken is not None and result.broken.kind is chain.Breakage.CHECKPOINT_MISMATCH
    assert result.broken.sequence == 2 and result.count == 1


def test_a_checkpoint_beyond_the_end_means_entries_were_cut_off() -> None:
    entries = _chain(3)
    result = chain.walk(entries, anchors=[anchor.Checkpoint(sequence=5, entry_hash="00", at="t")])
    assert result.broken is not None and result.broken.kind is chain.Breakage.DELETED and result.broken.sequence == 4


def test_a_checkpoint_due_but_not_in_the_file_fails_the_walk() -> None:
    """Every 2 entries a checkpoint is written: with 5 entries one at 4 or later is due. A file deleted, emptied or
    cut back to an earlier checkpoint cannot leave the chain 'intact, checked against 0 checkpoints'."""
    entries = _chain(5)
    at = {n: anchor.Checkpoint(sequence=n, entry_hash=str(entries[n - 1]["entry_hash"]), at="t") for n in (2, 4)}
    assert chain.walk(entries, anchors=at.values(), anchor_every=2).intact
    assert chain.walk(entries, anchors=[at[4]], anchor_every=2).intact
    for kept in ([], [at[2]]):
        result = chain.walk(entries, anchors=kept, anchor_every=2)
        assert result.broken is not None and result.broken.kind is chain.Breakage.CHECKPOINT_MISSING
        assert result.broken.sequence == 4 and result.count == 5
    # Short of the first multiple nothing is due; without an interval nothing is required.
    assert chain.walk(entries[:1], anchor_every=2).intact
    assert chain.walk(entries, anchor_every=None).intact
