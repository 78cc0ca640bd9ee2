"""Checkpoints of the audit chain kept outside the database: an append-only file of keyed (HMAC-SM3) records of
the chain head. Whoever can write the database can rewrite the whole chain consistently (change an entry,
recompute every later hash, update the head); they cannot make a checkpoint agree with the rewrite without the
anchor key, which the database never holds. `audit verify` checks the chain against every checkpoint.

One JSON line per checkpoint: {"at": ..., "entry_hash": ..., "sequence": ..., "mac": ...}, the MAC covering the
other three fields in canonical form. Lines are appended with one write each (O_APPEND), so processes that
checkpoint at the same moment do not interleave.
"""

from __future__ import annotations

import hmac as std_hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from xinyidai import clock
from xinyidai.config import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    """The chain head as it stood at `at`: the entry numbered `sequence` had `entry_hash`."""

    sequence: int
    entry_hash: str
    at: str
    line_no: int = 0


@dataclass(frozen=True)
class BadLine:
    """A line of the checkpoint file that is not a checkpoint made with the key: forged, edited or damaged."""

    line_no: int
    reason: str


@dataclass(frozen=True)
class Checkpoints:
    """What the checkpoint file holds: the valid checkpoints, and the lines refused."""

    valid: list[Checkpoint]
    refused: list[BadLine]


def _message(sequence: int, entry_hash: str, at: str) -> bytes:
    return json.dumps({"at": at, "entry_hash": entry_hash, "sequence": sequence}, sort_keys=True,
                      separators=(",", ":")).encode()


def mac(key: bytes, *, sequence: int, entry_hash: str, at: str) -> str:
    """HMAC-SM3 of a checkpoint's fields under `key`, hex."""
    signer = crypto_hmac.HMAC(key, hashes.SM3())
    signer.update(_message(sequence, entry_hash, at))
    return signer.finalize().hex()


def line_for(key: bytes, *, sequence: int, entry_hash: str, at: datetime) -> str:
    """The JSON line recording the head (`sequence`, `entry_hash`) at `at`, with its MAC."""
    stamp = at.isoformat(timespec="seconds")
    return json.dumps({"at": stamp, "entry_hash": entry_hash, "sequence": sequence,
                       "mac": mac(key, sequence=sequence, entry_hash=entry_hash, at=stamp)},
                      sort_keys=True, separators=(",", ":"))


def parse(key: bytes, lines: list[str]) -> Checkpoints:
    """Every line checked: a checkpoint whose MAC verifies under `key`, or a refused line saying why."""
    valid: list[Checkpoint] = []
    refused: list[BadLine] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            sequence, entry_hash, at, given = data["sequence"], data["entry_hash"], data["at"], data["mac"]
            if not (isinstance(sequence, int) and isinstance(entry_hash, str) and isinstance(at, str)
                    and isinstance(given, str)):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            refused.append(BadLine(number, "不是有效的检查点记录"))
            continue
        if not std_hmac.compare_digest(mac(key, sequence=sequence, entry_hash=entry_hash, at=at), given):
            refused.append(BadLine(number, "校验码不符（伪造、被改动或使用了其他密钥）"))
            continue
        valid.append(Checkpoint(sequence=sequence, entry_hash=entry_hash, at=at, line_no=number))
    return Checkpoints(valid=valid, refused=refused)


# The file and key of the deployment -------------------------------------------------------------------------

def _key() -> bytes:
    return get_settings().audit_anchor_key.get_secret_value().encode()


def path() -> Path:
    """Where the checkpoints are kept (XINYIDAI_AUDIT_ANCHOR_PATH)."""
    return Path(get_settings().audit_anchor_path)


def interval() -> int:
    """A checkpoint is written at commit each time the chain passes a multiple of this many entries."""
    return get_settings().audit_anchor_interval


def append(*, sequence: int, entry_hash: str) -> None:
    """Append a checkpoint of the head (`sequence`, `entry_hash`), now, in one write."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (line_for(_key(), sequence=sequence, entry_hash=entry_hash, at=clock.now()) + "\n").encode()
    descriptor = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


def read() -> Checkpoints:
    """The deployment's checkpoints; none when the file does not exist yet."""
    target = path()
    if not target.exists():
        return Checkpoints(valid=[], refused=[])
    return parse(_key(), target.read_text(encoding="utf-8", errors="replace").splitlines())
