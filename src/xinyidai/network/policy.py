"""Rules of the platform network with no I/O: canonical JSON, Ed25519 keys and signatures, which keys a directory
is trusted by, which way a topic flows between two nodes and whether a record may travel, the sequence check of a
received batch, and the hash chain of the message log."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS_HASH = "0" * 64
PROTOCOL_VERSION = 1


class Role(StrEnum):
    """A node's tier in the network."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    LOCAL = "local"


class MemberStatus(StrEnum):
    """Whether a member of the directory may exchange: active, suspended (for now) or removed (for good)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class Direction(StrEnum):
    """Which way a topic flows between neighbours: up (上传) to the parent, down (下达) to a child."""

    UP = "up"
    DOWN = "down"


class Sequencing(StrEnum):
    """How a received batch stands to the receiver's cursor."""

    NEXT = "next"  # starts right after the cursor: apply it
    REPLAY = "replay"  # wholly at or before the cursor: already applied, change nothing
    GAP = "gap"  # starts past the cursor: something is missing, refuse
    OVERLAP = "overlap"  # starts before the cursor but reaches past it: refuse, pull again from the cursor
    DISORDER = "disorder"  # entries outside the stated range or not strictly increasing: refuse


ROLE_LABELS = {Role.NATIONAL: "国家平台", Role.PROVINCIAL: "省级节点", Role.LOCAL: "地方平台"}
STATUS_LABELS = {MemberStatus.ACTIVE: "正常", MemberStatus.SUSPENDED: "暂停", MemberStatus.REMOVED: "已移除"}
DIRECTION_LABELS = {Direction.UP: "上传", Direction.DOWN: "下达"}
# What became of a batch in the message log: served to a neighbour, applied from one, or refused.
OUTCOME_LABELS = {"served": "已发送", "applied": "已接收", "refused": "已拒收"}
# The sensitivities (creditdata's) whose records may travel at all: information that needs the firm's authorisation,
# or that only the firm and its source may see, stays on its node (可用不可见 holds across nodes).
TRAVELLING_SENSITIVITIES = frozenset({"public"})


# Canonical JSON and digests ----------------------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed and hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    """SHA-256 of `data`, hex."""
    return hashlib.sha256(data).hexdigest()


def sm3_hex(data: bytes) -> str:
    """SM3 (GB/T 32905) of `data`, hex: the message log is chained like the audit log."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


# Keys and signatures -----------------------------------------------------------------------------------------------


def generate_private_key_pem() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM (the file is protected by its permissions)."""
    return Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM; anything else is a ValueError."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key of a private key, base64."""
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public_b64: str) -> str:
    """A key's short name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return sha256_hex(base64.b64decode(public_b64))[:16]


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """Ed25519 signature of `data`, base64."""
    return base64.b64encode(private_key.sign(data)).decode()


def verify(public_b64: str, data: bytes, signature_b64: str) -> bool:
    """Whether `signature_b64` is the Ed25519 signature of `data` by `public_b64`; malformed input is False."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Key:
    """A member's public key and when it may sign (valid_until None: until a later key replaces it)."""

    key_id: str
    public_key: str
    valid_from: datetime
    valid_until: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        """Whether the key may sign at `at`."""
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)

    def as_dict(self) -> dict[str, Any]:
        """The key as the directory lists it."""
        return {"key_id": self.key_id, "public_key": self.public_key, "valid_from": iso(self.valid_from),
                "valid_until": iso(self.valid_until) if self.valid_until else None}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Key:
        """A key as the directory lists it."""
        return cls(key_id=str(raw["key_id"]), public_key=str(raw["public_key"]),
                   valid_from=datetime.fromisoformat(str(raw["valid_from"])),
                   valid_until=datetime.fromisoformat(str(raw["valid_until"])) if raw.get("valid_until") else None)


def iso(at: datetime) -> str:
    """A timezone-aware time as the directory and batches write it."""
    if at.tzinfo is None:
        raise ValueError("network times must be timezone-aware")
    return at.isoformat(timespec="seconds")


def rolled_keys(keys: Sequence[Key], new: Key, *, overlap_until: datetime) -> list[Key]:
    """A member's keys after `new` is added: every older key still open stays valid until `overlap_until`, so that
    neighbours who have not yet fetched the directory naming `new` keep verifying (rollover without downtime)."""
    if any(k.key_id == new.key_id for k in keys):
        return list(keys)
    kept = [k if k.valid_until is not None and k.valid_until <= overlap_until
            else Key(k.key_id, k.public_key, k.valid_from, overlap_until) for k in keys]
    return [*kept, new]


def signature_holds(data: bytes, signatures: Iterable[Mapping[str, Any]], keys: Iterable[Key],
                    at: datetime) -> str | None:
    """The id of a key among `keys`, valid at `at`, that signed `data` (one of `signatures`), or None."""
    by_id = {k.key_id: k for k in keys if k.valid_at(at)}
    for signature in signatures:
        key = by_id.get(str(signature.get("key_id")))
        if key is not None and verify(key.public_key, data, str(signature.get("signature", ""))):
            return key.key_id
    return None


# Flow ----------------------------------------------------------------------------------------------------------------


def direction(*, own_code: str, parent_code: str | None, peer_code: str,
              peer_parent_code: str | None) -> Direction | None:
    """Which way data goes from this node to `peer`: up to its parent, down to its child, None if not neighbours."""
    if parent_code is not None and peer_code == parent_code:
        return Direction.UP
    if peer_parent_code == own_code:
        return Direction.DOWN
    return None


def opposite(way: Direction) -> Direction:
    """The direction as the other end sees it."""
    return Direction.DOWN if way is Direction.UP else Direction.UP


@dataclass(frozen=True)
class FlowRule:
    """One row of the flow table: whether `topic`'s records (of sub-category `item`, or every one: "*") flow
    `direction`."""

    topic: str
    direction: Direction
    item: str
    allowed: bool


ANY_ITEM = "*"


def may_flow(rules: Iterable[FlowRule], *, topic: str, way: Direction, item: str = ANY_ITEM,
             sensitivity: str | None = None) -> bool:
    """Whether a record of `topic` (and sub-category `item`, of `sensitivity`) may flow `way`.

    A record whose use needs the firm's authorisation never flows, whatever the table says; otherwise the rule for
    the sub-category wins over the topic's rule for every sub-category; no rule: it does not flow.
    """
    if sensitivity is not None and sensitivity not in TRAVELLING_SENSITIVITIES:
        return False
    general: bool | None = None
    for rule in rules:
        if rule.topic != topic or rule.direction is not way:
            continue
        if rule.item == item and item != ANY_ITEM:
            return rule.allowed
        if rule.item == ANY_ITEM:
            general = rule.allowed
    return bool(general)


# Sequences -----------------------------------------------------------------------------------------------------------


def sequencing(*, cursor: int, after: int, last: int, sequences: Sequence[int]) -> Sequencing:
    """How a batch covering (after, last] with entries `sequences` stands to the receiver's `cursor`."""
    if last < after or any(not after < s <= last for s in sequences) or any(
            b <= a for a, b in pairwise(sequences)):
        return Sequencing.DISORDER
    if after == cursor:
        return Sequencing.NEXT
    if after > cursor:
        return Sequencing.GAP
    if last <= cursor:
        return Sequencing.REPLAY
    return Sequencing.OVERLAP


# Request signatures --------------------------------------------------------------------------------------------------


def request_message(*, method: str, path: str, query: str, node: str, key: str, timestamp: str, nonce: str) -> bytes:
    """What a node signs to pull from a neighbour: the request line, who, which key, when, and a nonce."""
    return "\n".join(("XYD-NET-1", method.upper(), path, query, node, key, timestamp, nonce)).encode()


def skew_ok(sent_at: datetime, now: datetime, max_seconds: int) -> bool:
    """Whether a signed request's time is close enough to ours (bounds how long a captured request replays)."""
    return abs((now - sent_at).total_seconds()) <= max_seconds


# Message log chain ---------------------------------------------------------------------------------------------------

LOG_FIELDS = ("sequence", "occurred_at", "direction", "peer_code", "topic", "first_sequence", "last_sequence",
              "entries", "body_sha256", "outcome", "error_code", "message")


def log_link(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash of a message-log entry chained to its predecessor's: SM3(prev ‖ canonical(fields))."""
    values = [[name, _plain(fields.get(name))] for name in LOG_FIELDS]
    return sm3_hex(prev_hash.encode("ascii") + canonical(values))


def _plain(value: Any) -> Any:
    # Times with microseconds always written, in UTC, so SQLite's and PostgreSQL's read-back hash alike.
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def first_break(entries: Iterable[Mapping[str, Any]]) -> int | None:
    """The sequence of the first message-log entry whose link does not hold (given in sequence order), or None."""
    prev, expected = GENESIS_HASH, 1
    for entry in entries:
        if entry["sequence"] != expected or entry["prev_hash"] != prev or log_link(prev, entry) != entry["entry_hash"]:
            return int(entry["sequence"])
        prev, expected = entry["entry_hash"], expected + 1
    return None
