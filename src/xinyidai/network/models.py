"""The node's place in the network: the members it signs for, the directories it trusts, the flow table, its
change feeds, its cursors on its neighbours' feeds, the message log, and the entities its neighbours registered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime

Seq = BigInteger().with_variant(Integer, "sqlite")


class NetworkMember(Base):
    """A node this node signs the directory entry of: itself and its children (the national node signs the
    provincial nodes, a provincial node its local ones). `keys` lists `policy.Key.as_dict()` entries."""

    __tablename__ = "network_member"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    endpoint: Mapped[str] = mapped_column(String(300))
    parent_code: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))
    keys: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkPublishedDirectory(Base):
    """A version of the directory this node published: the document exactly as signed, and its signatures."""

    __tablename__ = "network_published_directory"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[str] = mapped_column(Text)
    signatures: Mapped[list[Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkDirectoryCopy(Base):
    """A directory fetched from the parent whose signature held: the newest is the last good copy."""

    __tablename__ = "network_directory_copy"
    __table_args__ = (UniqueConstraint("issuer_code", "version"),)

    id: Mapped[IdPk]
    issuer_code: Mapped[str] = mapped_column(String(6))
    version: Mapped[int]
    document: Mapped[str] = mapped_column(Text)
    signatures: Mapped[list[Any]] = mapped_column(JSON)
    verified_with: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkFlowRule(Base):
    """One row of the flow table (什么上传、什么下达): editable by the platform admin, enforced on send and receive."""

    __tablename__ = "network_flow_rule"
    __table_args__ = (UniqueConstraint("topic", "direction", "item"),)

    id: Mapped[IdPk]
    topic: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(10))
    item: Mapped[str] = mapped_column(String(40))
    allowed: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(BigId)


class NetworkFeedHead(Base):
    """Where one topic's feed ends and how far its sources have been captured; capturing locks it, so sequences
    are handed out gapless and in commit order."""

    __tablename__ = "network_feed_head"

    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    sequence: Mapped[int] = mapped_column(Seq)
    watermarks: Mapped[dict[str, Any]] = mapped_column(JSON)


class NetworkFeedEntry(Base):
    """One change in a topic's append-only feed: a snapshot of what changed, as it travels."""

    __tablename__ = "network_feed_entry"
    __table_args__ = (UniqueConstraint("topic", "sequence"),)

    id: Mapped[IdPk]
    topic: Mapped[str] = mapped_column(String(60))
    sequence: Mapped[int] = mapped_column(Seq)
    # What the flow rules look at: the sub-category (creditdata.record) and its sensitivity; the entity it is about.
    item: Mapped[str] = mapped_column(String(40), default="*")
    sensitivity: Mapped[str | None] = mapped_column(String(20))
    uscc: Mapped[str | None] = mapped_column(String(18))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkCursor(Base):
    """How far this node has applied a neighbour's feed of one topic; advanced in the transaction that applies."""

    __tablename__ = "network_cursor"

    peer_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Seq, default=0)
    peer_head: Mapped[int] = mapped_column(Seq, default=0)  # the neighbour's feed end when last asked (lag)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NetworkMessage(Base):
    """One batch sent, received or refused (报文日志); only inserted, chained with SM3 like the audit log."""

    __tablename__ = "network_message"
    __table_args__ = (Index("ix_network_message_peer_topic", "peer_code", "topic"),)

    id: Mapped[IdPk]
    sequence: Mapped[int] = mapped_column(Seq, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    direction: Mapped[str] = mapped_column(String(10))  # sent / received
    peer_code: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(60))
    first_sequence: Mapped[int | None] = mapped_column(Seq)
    last_sequence: Mapped[int | None] = mapped_column(Seq)
    entries: Mapped[int] = mapped_column(default=0)
    body_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signature: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class NetworkMessageHead(Base):
    """The one row that says where the message log's chain ends; appending locks it."""

    __tablename__ = "network_message_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(Seq)
    entry_hash: Mapped[str] = mapped_column(String(64))


class NetworkEnterprise(Base):
    """A market entity a neighbour's registry feed announced: which node it is registered at (its home node), so
    that records about it flow down to that node only, and the single sign-on and bank relay know where it lives."""

    __tablename__ = "network_enterprise"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    home_node: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    via_peer: Mapped[str] = mapped_column(String(6))
    via_message_sequence: Mapped[int | None] = mapped_column(Seq)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkRelayKey(Base):
    """Something a bank topic applied (a network product, a relayed order, an order's outcome), by the key it
    travelled under, and the row it became here: applying it again changes nothing."""

    __tablename__ = "network_relay_key"
    __table_args__ = (UniqueConstraint("topic", "key"),)

    id: Mapped[IdPk]
    topic: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(120))
    peer_code: Mapped[str] = mapped_column(String(6))
    local_id: Mapped[int | None] = mapped_column(Seq)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NetworkPushPosition(Base):
    """How far this node believes a neighbour has applied one of its feeds, to push what follows at once; the
    neighbour's cursor is the truth (a push that misses it is corrected from the answer)."""

    __tablename__ = "network_push_position"

    peer_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Seq, default=0)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
