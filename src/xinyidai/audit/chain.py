"""The hash chain of the audit log, as pure functions: canonical form of an entry, SM3 links, and the walk
that finds the first broken link. No database here; the service feeds rows in sequence order.

entry_hash = SM3(prev_hash ‖ canonical(entry)), hex. The first entry links to GENESIS_HASH.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes

GENESIS_HASH = "0" * 64

# Every column of audit_entry that the hash covers, in a fixed order. The chain columns themselves
# (prev_hash enters the hash separately; entry_hash is its output) are not in it.
FIELDS = (
    "id", "sequence", "occurred_at", "action", "outcome", "actor_user_id", "actor_api_client_id",
    "actor_organisation_id", "subject_type", "subject_id", "enterprise_id", "purpose", "ip_address", "detail",
)
# Columns added after entries were already chained: hashed after FIELDS, each only when it is set. An entry
# written before they existed has them empty and hashes exactly as it did; a newer entry always sets actor_kind,
# so emptying or setting one afterwards changes the hash like any other edit.
OPTIONAL_FIELDS = ("actor_kind", "actor_label")


def sm3_hex(data: bytes) -> str:
    """SM3 digest (GB/T 32905-2016) of `data`, as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
        # UTC with microseconds always present, so SQLite's and PostgreSQL's read-back agree.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The entry's fields as one JSON array in FIELDS order, then the OPTIONAL_FIELDS that are set: sorted keys, no
    spaces, UTF-8, null kept apart from the empty string. Stable across engines because every value is read back
    as it was written."""
    values = [[name, _value(entry[name])] for name in FIELDS]
    values += [[name, _value(entry[name])] for name in OPTIONAL_FIELDS if entry.get(name) is not None]
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def link(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """The hash of an entry chained to its predecessor's hash."""
    return sm3_hex(prev_hash.encode("ascii") + canonical(entry))


def json_normalised(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """`detail` as the JSON column will give it back (string keys, lists for tuples), so the hash computed on
    write equals the hash recomputed on read."""
    normalised: dict[str, Any] = json.loads(json.dumps(dict(detail or {}), ensure_ascii=False, allow_nan=False))
    return normalised


class Breakage(StrEnum):
    """What is wrong at the first broken place of the chain."""

    CONTENT_CHANGED = "content_changed"
    LINK_BROKEN = "link_broken"
    DELETED = "deleted"
    SEQUENCE_GAP = "sequence_gap"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_MISSING = "checkpoint_missing"


BREAKAGE_LABELS = {
    Breakage.CONTENT_CHANGED: "内容被改动",
    Breakage.LINK_BROKEN: "链接断开（条目被改写并重算了哈希）",
    Breakage.DELETED: "条目被删除",
    Breakage.SEQUENCE_GAP: "序号不连续",
    Breakage.CHECKPOINT_MISMATCH: "与库外检查点不符（链被整体改写）",
    Breakage.CHECKPOINT_MISSING: "缺少库外检查点（无法排除链被整体改写）",
}


class Anchor(Protocol):
    """A checkpoint kept outside the database (audit/anchor.py): the entry at `sequence` had `entry_hash`."""

    @property
    def sequence(self) -> int: ...
    @property
    def entry_hash(self) -> str: ...
    @property
    def at(self) -> str: ...


@dataclass(frozen=True)
class Broken:
    """The first place where the chain does not hold."""

    kind: Breakage
    sequence: int
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking the chain: intact with its length and last hash, or the first break."""

    count: int
    last_sequence: int
    last_hash: str
    broken: Broken | None = None
    # How many checkpoints kept outside the database the chain was checked against, and the lines of their file
    # that were refused (no valid MAC: forged or damaged), each as a message.
    anchors_checked: int = 0
    refused_anchors: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """Whether every entry, link and checkpoint checked out."""
        return self.broken is None and not self.refused_anchors


@dataclass(frozen=True)
class ChainHead:
    """What the head row claims: the last sequence handed out and its hash."""

    sequence: int
    entry_hash: str


class ChainWalker:
    """Feed entries in sequence order; stops at the first break. Holds only the previous entry (flat memory)."""

    def __init__(self, anchors: Iterable[Anchor] = (), *, anchor_every: int | None = None) -> None:
        # Checkpoints by sequence; several may name one sequence (a checkpoint taken twice with no entry between).
        # `anchor_every`: a checkpoint is written each time the chain passes a multiple of it (None: not required).
        self.anchor_every = anchor_every
        self.anchors: dict[int, list[Anchor]] = {}
        for anchor in anchors:
            self.anchors.setdefault(anchor.sequence, []).append(anchor)
        self.count = 0
        self.last_sequence = 0
        self.last_id: int | None = None
        self.last_hash = GENESIS_HASH
        self.broken: Broken | None = None

    def feed(self, entry: Mapping[str, Any]) -> bool:
        """Check one entry against its predecessor; False once the chain is broken."""
        if self.broken is not None:
            return False
        sequence, entry_id = int(entry["sequence"]), int(entry["id"])
        expected = self.last_sequence + 1
        if link(entry["prev_hash"], entry) != entry["entry_hash"]:
            self.broken = Broken(Breakage.CONTENT_CHANGED, sequence, entry_id,
                                 f"条目 #{entry_id}（序号 {sequence}）的内容与其哈希不符")
        elif sequence != expected:
            if sequence > expected and entry["prev_hash"] != self.last_hash:
                missing = f"{expected}" if sequence == expected + 1 else f"{expected}–{sequence - 1}"
                self.broken = Broken(Breakage.DELETED, expected, None,
                                     f"序号 {missing} 的条目已被删除（其后条目 #{entry_id} 的前序哈希无处对应）")
            else:
                self.broken = Broken(Breakage.SEQUENCE_GAP, sequence, entry_id,
                                     f"条目 #{entry_id} 的序号 {sequence} 应为 {expected}")
        elif entry["prev_hash"] != self.last_hash:
            # The entry's own hash holds, so its prev_hash is as written: the predecessor was rewritten and
            # rehashed. Name the predecessor, the entry that was changed.
            suspect_id = self.last_id if self.last_id is not None else entry_id
            suspect_sequence = self.last_sequence if self.last_id is not None else sequence
            self.broken = Broken(Breakage.LINK_BROKEN, suspect_sequence, suspect_id,
                                 f"条目 #{suspect_id}（序号 {suspect_sequence}）被改写：其哈希与下一条目记录的不一致")
        else:
            # Every link holds, yet a checkpoint taken when this entry was the head recorded another hash: the
            # chain from here back to the change was rewritten and rehashed wholesale.
            for anchor in self.anchors.get(sequence, ()):
                if anchor.entry_hash != entry["entry_hash"]:
                    self.broken = Broken(Breakage.CHECKPOINT_MISMATCH, sequence, entry_id,
                                         f"条目 #{entry_id}（序号 {sequence}）的哈希与 {anchor.at} 的库外检查点不符："
                                         f"此条或其之前的条目被改写并重算了哈希")
                    break
        if self.broken is not None:
            return False
        self.count += 1
        self.last_sequence, self.last_id, self.last_hash = sequence, entry_id, entry["entry_hash"]
        return True

    def finish(self, head: ChainHead | None) -> VerifyResult:
        """The result, checking the tail against the head row (entries deleted from the end)."""
        if self.broken is None and head is not None:
            if head.sequence > self.last_sequence:
                missing = (f"{head.sequence}" if head.sequence == self.last_sequence + 1
                           else f"{self.last_sequence + 1}–{head.sequence}")
                self.broken = Broken(Breakage.DELETED, self.last_sequence + 1, None,
                                     f"链尾序号 {missing} 的条目已被删除")
            elif head.sequence != self.last_sequence or head.entry_hash != self.last_hash:
                self.broken = Broken(Breakage.LINK_BROKEN, self.last_sequence, self.last_id,
                                     f"链头记录（序号 {head.sequence}）与最后一个条目不一致")
        if self.broken is None:
            beyond = [a for sequence, anchors in self.anchors.items() if sequence > self.last_sequence for a in anchors]
            if beyond:
                first = min(beyond, key=lambda a: a.sequence)
                self.broken = Broken(Breakage.DELETED, self.last_sequence + 1, None,
                                     f"{first.at} 的库外检查点记录链已到序号 {first.sequence}，"
                                     f"现在的链只到序号 {self.last_sequence}：其后的条目已被删除")
        if self.broken is None:
            self.broken = self._missing_checkpoint()
        return VerifyResult(count=self.count, last_sequence=self.last_sequence, last_hash=self.last_hash,
                            broken=self.broken, anchors_checked=sum(len(a) for a in self.anchors.values()))


    def _missing_checkpoint(self) -> Broken | None:
        # Without this, deleting or emptying the checkpoint file would leave a rewritten chain "intact, checked
        # against 0 checkpoints". The commit that carried the chain past its last multiple of `anchor_every` wrote
        # a checkpoint at or after that multiple; none there means the file lost it.
        if not self.anchor_every:
            return None
        due = self.last_sequence // self.anchor_every * self.anchor_every
        if due == 0 or any(sequence >= due for sequence in self.anchors):
            return None
        latest = max(self.anchors, default=None)
        held = f"最后一个检查点在序号 {latest}" if latest is not None else "检查点文件中没有任何检查点"
        return Broken(Breakage.CHECKPOINT_MISSING, due, None,
                      f"链已过序号 {due}（每 {self.anchor_every} 条记一个库外检查点），{held}：检查点文件被删除、"
                      "清空或截断，或检查点写入失败（见日志），无法排除链被整体改写。核实后可运行 "
                      "xinyidai audit checkpoint 记录当前链头")


def walk(entries: Iterable[Mapping[str, Any]], *, head: ChainHead | None = None,
         anchors: Iterable[Anchor] = (), anchor_every: int | None = None) -> VerifyResult:
    """Verify a whole chain given in sequence order, against the checkpoints kept outside the database, and that
    the checkpoints due every `anchor_every` entries are there."""
    walker = ChainWalker(anchors, anchor_every=anchor_every)
    for entry in entries:
        if not walker.feed(entry):
            break
    return walker.finish(head)
