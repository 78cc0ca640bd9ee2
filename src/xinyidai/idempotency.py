"""Requests a partner may retry under an Idempotency-Key: the same request again replays the earlier result,
a different request under the same key is refused.

Each use case keeps what identifies its request (the amounts it was asked for, or a fingerprint of the body)
beside its result, finds the earlier result by key, and asks `replay_or_refuse`.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import TypeVar

from xinyidai.errors import IdempotencyConflict

T = TypeVar("T")


class Verdict(StrEnum):
    """What a retried key gets: the earlier result, or a refusal because the request differs."""

    REPLAY = "replay"
    CONFLICT = "conflict"


def fingerprint(body: object) -> str:
    """The SHA-256 of a request body as canonical JSON (keys sorted, Chinese kept as written)."""
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def compare(stored: object, new: object) -> Verdict:
    """REPLAY when what the earlier request stored equals what the new one carries, CONFLICT otherwise."""
    return Verdict.REPLAY if stored == new else Verdict.CONFLICT


def replay_or_refuse(earlier: T, *, stored: object, new: object, message: str, message_en: str) -> T:
    """The earlier result when the request is the same again; `IdempotencyConflict` when it is another one."""
    if compare(stored, new) is Verdict.CONFLICT:
        raise IdempotencyConflict(message, message_en=message_en)
    return earlier
