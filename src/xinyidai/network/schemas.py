"""What travels between nodes (batches, the directory) and what the network's API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xinyidai.text import Text

CODE = r"^\d{6}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class BatchEntry(_Strict):
    """One change of a feed: its sequence, what it is about, and its snapshot."""

    seq: int = Field(ge=1)
    item: str = Field(default="*", max_length=40)
    payload: dict[str, Any]


class BatchBody(_Strict):
    """A signed batch of one topic from one node to a neighbour, covering the sequences (after, last]; `head` is
    where the sender's feed ended, so the receiver knows its lag."""

    protocol: int = Field(ge=1, le=1)
    sender: str = Field(pattern=CODE)
    receiver: str = Field(pattern=CODE)
    topic: str = Field(min_length=1, max_length=60)
    after: int = Field(ge=0)
    last: int = Field(ge=0)
    head: int = Field(ge=0)
    created_at: datetime
    key_id: str = Field(min_length=1, max_length=16)
    entries: list[BatchEntry]


class DirectoryKey(_Strict):
    """A member's public key and its validity."""

    key_id: str
    public_key: str
    valid_from: datetime
    valid_until: datetime | None = None


class DirectoryMember(_Strict):
    """One member as its parent signs it."""

    code: str = Field(pattern=CODE)
    role: str
    name: str
    endpoint: str
    parent_code: str | None = None
    status: str
    keys: list[DirectoryKey]


class DirectoryDocument(_Strict):
    """The directory a node signs: itself and its children, with a version that only grows."""

    protocol: int = Field(ge=1, le=1)
    issuer: str = Field(pattern=CODE)
    version: int = Field(ge=1)
    issued_at: datetime
    members: list[DirectoryMember]


class SignedDirectory(BaseModel):
    """The directory as served: the document's exact canonical text and its signatures (one per key in use)."""

    document: str
    signatures: list[dict[str, str]]


class MessageRead(BaseModel):
    """One entry of the message log."""

    model_config = ConfigDict(from_attributes=True)

    sequence: int
    occurred_at: datetime
    direction: str
    peer_code: str
    topic: str
    first_sequence: int | None
    last_sequence: int | None
    entries: int
    body_sha256: str | None
    outcome: str
    error_code: str | None
    message: str | None
    entry_hash: str


class CursorRead(BaseModel):
    """How far this node has applied one neighbour's feed of one topic, and how far behind it is."""

    peer_code: str
    topic: str
    position: int
    peer_head: int
    lag: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class FeedRead(BaseModel):
    """Where this node's feed of one topic ends."""

    topic: str
    sequence: int


class StatusRead(BaseModel):
    """The node as the network page and `xinyidai network status` show it."""

    configured: bool
    code: str | None = None
    role: str | None = None
    parent_code: str | None = None
    key_id: str | None = None
    published_version: int | None = None
    parent_directory_version: int | None = None
    members: list[DirectoryMember] = []
    feeds: list[FeedRead] = []
    cursors: list[CursorRead] = []
    log_intact: bool = True


class FlowRuleRead(BaseModel):
    """One row of the flow table."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: str
    direction: str
    item: str
    allowed: bool
    note: str


class FlowRuleUpdate(BaseModel):
    """A row of the flow table set by the platform admin."""

    topic: Text = Field(min_length=1, max_length=60)
    direction: Text = Field(pattern=r"^(up|down)$", max_length=4)
    item: Text = Field(default="*", min_length=1, max_length=40)
    allowed: StrictBool
    note: Text = Field(default="", max_length=200)
