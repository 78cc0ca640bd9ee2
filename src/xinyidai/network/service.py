"""Use cases of the platform network: the node and its directory, the change feeds, serving and receiving signed
batches, pulling from neighbours, the flow table and the message log.

Feeds are built from the tables directly, not from the domain-event outbox: credit records arrive a million at a
time by bulk import and publish no event per row, and an entity's registration publishes none either. A capture
step (`capture`, the job `network.capture`) copies what was stored since its watermark into the topic's
append-only feed under the topic's head row lock, so sequences are gapless and in commit order; it reads each
source under the lock its writers take (a sub-category's insert lock, the registry's table lock on PostgreSQL), so
no delivery still open can later commit a row below the watermark.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.config import Settings, get_settings
from xinyidai.creditdata import imports as creditdata_imports
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.network import banking_policy, policy, reports_policy
from xinyidai.network.exceptions import (
    DirectoryRefused,
    FlowRefused,
    InvalidFlowRule,
    MalformedBatch,
    NetworkNotConfigured,
    OversizedBatch,
    PeerUnreachable,
    ReplayedBatch,
    SenderNotActive,
    SequenceRefused,
    StaleBatch,
    UnknownSender,
    UnknownTopic,
    UnsignedRequest,
    WrongReceiver,
)
from xinyidai.network.models import (
    NetworkCursor,
    NetworkDirectoryCopy,
    NetworkEnterprise,
    NetworkFeedEntry,
    NetworkFeedHead,
    NetworkFlowRule,
    NetworkMember,
    NetworkMessage,
    NetworkMessageHead,
    NetworkPublishedDirectory,
)
from xinyidai.network.policy import Direction, Key, MemberStatus, Role, Sequencing
from xinyidai.network.schemas import (
    BatchBody,
    CursorRead,
    DirectoryDocument,
    DirectoryMember,
    FeedRead,
    FlowRuleUpdate,
    SignedDirectory,
    StatusRead,
)
from xinyidai.registry import service as registry_service
from xinyidai.registry.schemas import EnterpriseElsewhereCreate

log = structlog.get_logger(__name__)

REGISTRY_TOPIC = "registry.enterprise"
RECORD_TOPIC = "creditdata.record"
TOPICS = (REGISTRY_TOPIC, RECORD_TOPIC, *banking_policy.BANK_TOPICS, reports_policy.REPORT_TOPIC)
TOPIC_LABELS = {REGISTRY_TOPIC: "市场主体登记", RECORD_TOPIC: "信用信息记录", **banking_policy.BANK_TOPIC_LABELS,
                **reports_policy.REPORT_TOPIC_LABELS}
FEED_PATH = "/api/v1/network/feeds/{topic}"
DIRECTORY_PATH = "/api/v1/network/directory"
HEAD_ID = 1
CAPTURE_PAGE = 2000
# How long a replaced signing key keeps verifying, so neighbours who have not yet fetched the new directory follow.
KEY_OVERLAP = timedelta(days=1)
RELAY_PREFIX = "network/"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
NETWORK_ACTOR = audit_service.Actor.system("network")

# Headers of a signed pull.
H_NODE, H_KEY, H_TIME, H_NONCE, H_SIGNATURE = ("X-Xyd-Node", "X-Xyd-Key-Id", "X-Xyd-Timestamp", "X-Xyd-Nonce",
                                               "X-Xyd-Signature")


# The node ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """This deployment as a node of the network, from the settings."""

    code: str
    role: Role
    name: str
    endpoint: str
    parent_code: str | None
    parent_url: str | None
    parent_public_key: str | None
    key_path: Path
    topics: tuple[str, ...] = TOPICS
    max_entries: int = 1000
    max_bytes: int = 8 << 20
    max_skew: int = 300
    timeout: float = 30.0
    # A push runs right after a user's commit: a neighbour that does not answer within this is left to the next pull.
    push_timeout: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Node | None:
        """The node the settings describe, or None for a single deployment."""
        if not settings.network_node_code:
            return None
        return cls(code=settings.network_node_code, role=Role(settings.network_node_role),
                   name=settings.network_node_name or settings.network_node_code,
                   endpoint=(settings.network_endpoint or "").rstrip("/"),
                   parent_code=settings.network_parent_code, parent_url=(settings.network_parent_url or "").rstrip("/")
                   or None, parent_public_key=settings.network_parent_public_key,
                   key_path=settings.network_signing_key_path, topics=tuple(settings.network_topics),
                   max_entries=settings.network_batch_max_entries, max_bytes=settings.network_batch_max_bytes,
                   max_skew=settings.network_request_max_skew_seconds, timeout=settings.network_timeout_seconds,
                   push_timeout=settings.network_push_timeout_seconds)

    @property
    def previous_key_path(self) -> Path:
        """Where `keygen --rotate` keeps the key it replaced, to sign directories during the overlap."""
        return self.key_path.with_name(self.key_path.stem + ".previous.pem")

    def private_key(self) -> Ed25519PrivateKey:
        """The current signing key."""
        return _load_key(str(self.key_path))

    def signing_keys(self) -> list[Ed25519PrivateKey]:
        """The current key, then the replaced one while it is kept."""
        keys = [self.private_key()]
        if self.previous_key_path.exists():
            keys.append(_load_key(str(self.previous_key_path)))
        return keys

    def key_id(self) -> str:
        """The current key's id."""
        return policy.key_id(policy.public_key_b64(self.private_key()))


@lru_cache(maxsize=8)
def _load_key(path: str) -> Ed25519PrivateKey:
    return policy.load_private_key(Path(path).read_bytes())


def current_node() -> Node | None:
    """This deployment's node, or None when no network is configured."""
    return Node.from_settings(get_settings())


def require_node() -> Node:
    """This deployment's node; a single deployment refuses network requests."""
    node = current_node()
    if node is None:
        raise NetworkNotConfigured("本平台是单节点部署，未接入平台网络", message_en="this deployment is a single node")
    return node


def keygen(path: Path, *, rotate: bool = False) -> str:
    """Write a new Ed25519 signing key to `path` (readable by its owner only) and return its public key (base64).
    With `rotate`, the key in place moves aside to sign directories while neighbours learn the new one."""
    if path.exists():
        if not rotate:
            raise FileExistsError(f"{path} exists; rotate it with --rotate")
        path.replace(path.with_name(path.stem + ".previous.pem"))
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = policy.generate_private_key_pem()
    path.touch(mode=0o600)
    path.write_bytes(pem)
    _load_key.cache_clear()
    return policy.public_key_b64(policy.load_private_key(pem))


def parse_public_key(text: str) -> str:
    """A public key given as base64 of its 32 raw bytes, or as the path of a PEM file holding it; base64 out."""
    candidate = text.strip()
    if Path(candidate).is_file():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        loaded = serialization.load_pem_public_key(Path(candidate).read_bytes())
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return base64.b64encode(loaded.public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw)).decode()
    try:
        raw = base64.b64decode(candidate, validate=True)
    except binascii.Error as exc:
        raise ValueError("public key: base64 of 32 bytes or a PEM file") from exc
    if len(raw) != 32:
        raise ValueError("public key: base64 of 32 bytes or a PEM file")
    return candidate


# Members and the directory -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A node as this node knows it: from its own member table (itself, its children) or its parent's directory."""

    code: str
    role: str
    name: str
    endpoint: str
    parent_code: str | None
    status: str
    keys: tuple[Key, ...]

    def keys_at(self, at: datetime) -> list[Key]:
        """The keys valid at `at`."""
        return [k for k in self.keys if k.valid_at(at)]


def _member_of(raw: DirectoryMember | NetworkMember) -> Member:
    keys = tuple(Key.from_dict(k if isinstance(k, dict) else k.model_dump(mode="json")) for k in raw.keys)
    return Member(code=raw.code, role=raw.role, name=raw.name, endpoint=raw.endpoint.rstrip("/"),
                  parent_code=raw.parent_code, status=raw.status, keys=keys)


def list_members(session: Session) -> Sequence[NetworkMember]:
    """The members this node signs for (itself and its children), by code."""
    return session.scalars(select(NetworkMember).order_by(NetworkMember.code)).all()


def set_member(session: Session, *, actor: Principal | audit_service.Actor, node: Node, code: str, role: Role,
               name: str, endpoint: str, public_key: str, valid_from: datetime | None = None) -> NetworkMember:
    """Add a child to this node's members, or give one a new key (the old one stays valid for the overlap)."""
    if code == node.code:
        raise InvalidFlowRule("本节点的条目在发布目录时自动生成", message_en="this node's own entry is generated")
    public = parse_public_key(public_key)
    now = clock.now()
    new_key = Key(policy.key_id(public), public, valid_from or now)
    member = session.get(NetworkMember, code)
    if member is None:
        member = NetworkMember(code=code, role=role.value, name=name, endpoint=endpoint.rstrip("/"),
                               parent_code=node.code, status=MemberStatus.ACTIVE.value, keys=[new_key.as_dict()],
                               updated_at=now)
        session.add(member)
    else:
        keys = policy.rolled_keys([Key.from_dict(k) for k in member.keys], new_key, overlap_until=now + KEY_OVERLAP)
        member.keys = [k.as_dict() for k in keys]
        member.role, member.name, member.endpoint, member.updated_at = role.value, name, endpoint.rstrip("/"), now
    session.flush()
    audit_service.record(session, actor=actor, action="network.member_set", subject_type="network_member",
                         subject_id=code, detail={"role": role.value, "endpoint": endpoint, "key_id": new_key.key_id})
    return member


def set_member_status(session: Session, *, actor: Principal | audit_service.Actor, code: str,
                      status: MemberStatus) -> NetworkMember:
    """Suspend, reinstate or remove a child: refused from its next exchange with this node, and with its siblings
    once they fetch the next directory."""
    member = session.get(NetworkMember, code)
    if member is None:
        raise UnknownSender(f"目录中没有节点 {code}", message_en=f"no member {code}")
    member.status, member.updated_at = status.value, clock.now()
    session.flush()
    audit_service.record(session, actor=actor, action="network.member_status", subject_type="network_member",
                         subject_id=code, detail={"status": status.value})
    return member


def _own_entry(session: Session, node: Node) -> NetworkMember:
    """This node's own row, its current key added (keys it replaced kept for the overlap)."""
    now = clock.now()
    public = policy.public_key_b64(node.private_key())
    new_key = Key(policy.key_id(public), public, now)
    member = session.get(NetworkMember, node.code)
    if member is None:
        member = NetworkMember(code=node.code, role=node.role.value, name=node.name, endpoint=node.endpoint,
                               parent_code=node.parent_code, status=MemberStatus.ACTIVE.value,
                               keys=[new_key.as_dict()], updated_at=now)
        session.add(member)
    else:
        keys = policy.rolled_keys([Key.from_dict(k) for k in member.keys], new_key, overlap_until=now + KEY_OVERLAP)
        member.keys = [k.as_dict() for k in keys]
        member.role, member.name, member.endpoint = node.role.value, node.name, node.endpoint
        member.parent_code, member.updated_at = node.parent_code, now
    session.flush()
    return member


def publish_directory(session: Session, *, node: Node,
                      actor: Principal | audit_service.Actor) -> NetworkPublishedDirectory:
    """Sign the next version of this node's directory (itself and its children) with every key it holds."""
    _own_entry(session, node)
    latest = session.scalar(select(func.max(NetworkPublishedDirectory.version))) or 0
    members = [{"code": m.code, "role": m.role, "name": m.name, "endpoint": m.endpoint, "parent_code": m.parent_code,
                "status": m.status, "keys": m.keys} for m in list_members(session)]
    document: dict[str, Any] = {
        "protocol": policy.PROTOCOL_VERSION, "issuer": node.code, "version": latest + 1,
        "issued_at": policy.iso(clock.now()),
        "members": members,
    }
    text = policy.canonical(document)
    signatures = [{"key_id": policy.key_id(policy.public_key_b64(key)), "signature": policy.sign(key, text)}
                  for key in node.signing_keys()]
    published = NetworkPublishedDirectory(version=latest + 1, document=text.decode(), signatures=signatures,
                                          published_at=clock.now())
    session.add(published)
    session.flush()
    audit_service.record(session, actor=actor, action="network.directory_published",
                         subject_type="network_directory", subject_id=published.version,
                         detail={"members": len(members)})
    return published


def published_directory(session: Session) -> NetworkPublishedDirectory | None:
    """The latest directory this node signed."""
    return session.scalars(select(NetworkPublishedDirectory).order_by(NetworkPublishedDirectory.version.desc())
                           .limit(1)).first()


def parent_directory(session: Session, *, node: Node) -> NetworkDirectoryCopy | None:
    """The last good copy of the parent's directory."""
    if node.parent_code is None:
        return None
    return session.scalars(select(NetworkDirectoryCopy).where(NetworkDirectoryCopy.issuer_code == node.parent_code)
                           .order_by(NetworkDirectoryCopy.version.desc()).limit(1)).first()


def _document(text: str) -> DirectoryDocument:
    return DirectoryDocument.model_validate_json(text)


def _trusted_parent_keys(session: Session, node: Node) -> list[Key]:
    keys: list[Key] = []
    if node.parent_public_key:
        public = parse_public_key(node.parent_public_key)
        keys.append(Key(policy.key_id(public), public, EPOCH))
    copy = parent_directory(session, node=node)
    if copy is not None:
        for member in _document(copy.document).members:
            if member.code == node.parent_code:
                keys.extend(_member_of(member).keys)
    return keys


def accept_directory(session: Session, *, node: Node, signed: SignedDirectory) -> NetworkDirectoryCopy:
    """Keep a directory fetched from the parent if its signature holds against a key this node already trusts
    (configured, or the parent's in the last good copy), it is the parent's, and its version does not go back;
    otherwise refuse it, and the last good copy stays."""
    try:
        document = _document(signed.document)
    except ValidationError as exc:
        raise DirectoryRefused("上级节点的目录格式不正确",
                               message_en=f"malformed directory: {exc.error_count()} errors") from exc
    if document.issuer != node.parent_code:
        raise DirectoryRefused(f"目录由 {document.issuer} 签发，不是上级节点 {node.parent_code}",
                               message_en="directory not issued by the parent")
    if policy.canonical(json.loads(signed.document)) != signed.document.encode():
        raise DirectoryRefused("目录不是规范化 JSON", message_en="directory is not canonical JSON")
    issued_at = document.issued_at
    if issued_at > clock.now() + timedelta(seconds=node.max_skew):
        raise DirectoryRefused("目录签发时间晚于当前时间", message_en="directory issued in the future")
    signer = policy.signature_holds(signed.document.encode(), signed.signatures,
                                    _trusted_parent_keys(session, node), issued_at)
    if signer is None:
        raise DirectoryRefused("目录签名无法用已信任的上级节点密钥验证",
                               message_en="directory signature does not verify")
    previous = parent_directory(session, node=node)
    if previous is not None:
        if document.version < previous.version:
            raise DirectoryRefused(f"目录版本 {document.version} 早于已有的 {previous.version}",
                                   message_en="directory version goes back")
        if document.version == previous.version:
            if previous.document != signed.document:
                raise DirectoryRefused("同一版本号的目录内容不同", message_en="same version, other content")
            return previous
    copy = NetworkDirectoryCopy(issuer_code=document.issuer, version=document.version, document=signed.document,
                                signatures=signed.signatures, verified_with=signer, fetched_at=clock.now())
    session.add(copy)
    session.flush()
    return copy


def fetch_directory(factory: sessionmaker[Session], *, node: Node, client: httpx.Client | None = None) -> int | None:
    """Fetch the parent's directory and keep it if it verifies; the version kept (None: no parent)."""
    if node.parent_url is None:
        return None
    try:
        with _client(client, node) as http:
            response = http.get(node.parent_url + DIRECTORY_PATH)
        response.raise_for_status()
        signed = SignedDirectory.model_validate_json(response.content)
    except (httpx.HTTPError, ValidationError) as exc:
        raise PeerUnreachable(f"无法取得上级节点的目录：{type(exc).__name__}",
                              message_en=f"cannot fetch the parent's directory: {exc}") from exc
    with db.transaction(factory) as session:
        return accept_directory(session, node=node, signed=signed).version


def known_members(session: Session, *, node: Node) -> dict[str, Member]:
    """Every node this node knows: those of its parent's directory, then its own members (its own table wins)."""
    members: dict[str, Member] = {}
    copy = parent_directory(session, node=node)
    if copy is not None:
        members.update({m.code: _member_of(m) for m in _document(copy.document).members})
    members.update({m.code: _member_of(m) for m in list_members(session)})
    return members


def neighbours(session: Session, *, node: Node) -> list[tuple[Member, Direction]]:
    """The parent (data goes up to it) and the children (data goes down to them) this node exchanges with."""
    found = []
    for member in known_members(session, node=node).values():
        way = policy.direction(own_code=node.code, parent_code=node.parent_code, peer_code=member.code,
                               peer_parent_code=member.parent_code)
        if way is not None and member.code != node.code:
            found.append((member, way))
    return sorted(found, key=lambda pair: pair[0].code)


def neighbour(session: Session, node: Node, code: str) -> tuple[Member, Direction]:
    """A neighbour allowed to exchange now, and which way data goes to it; refused otherwise."""
    member = known_members(session, node=node).get(code)
    if member is None or member.code == node.code:
        raise UnknownSender(f"节点 {code} 不在本节点信任的目录中", message_en=f"node {code} is not in the directory")
    if member.status != MemberStatus.ACTIVE:
        label = policy.STATUS_LABELS.get(MemberStatus(member.status), member.status)
        raise SenderNotActive(f"节点 {code} 在目录中的状态为“{label}”，不能交换数据",
                              message_en=f"node {code} is {member.status}")
    way = policy.direction(own_code=node.code, parent_code=node.parent_code, peer_code=code,
                           peer_parent_code=member.parent_code)
    if way is None:
        raise UnknownSender(f"节点 {code} 不是本节点的上级或下级", message_en=f"node {code} is not a neighbour")
    return member, way


# Flow rules ----------------------------------------------------------------------------------------------------------

DEFAULT_RULES = (
    (REGISTRY_TOPIC, Direction.UP, policy.ANY_ITEM, True, "市场主体登记信息上传"),
    (REGISTRY_TOPIC, Direction.DOWN, policy.ANY_ITEM, False, "登记信息不下达"),
    (RECORD_TOPIC, Direction.UP, policy.ANY_ITEM, True, "公开类信用信息上传（需授权的信息从不离开本节点）"),
    (RECORD_TOPIC, Direction.DOWN, policy.ANY_ITEM, True, "总对总等信用信息下达到主体登记地节点"),
    *banking_policy.BANK_RULES,
    *reports_policy.REPORT_RULES,
)


def seed_flow_rules(session: Session) -> int:
    """The flow table's first rows for each topic that has none (a topic added later gets its rows; a topic the
    admin has set is left alone); returns how many were added."""
    ruled = set(session.scalars(select(NetworkFlowRule.topic).distinct()))
    now = clock.now()
    added = 0
    for topic, way, item, allowed, note in DEFAULT_RULES:
        if topic not in ruled:
            session.add(NetworkFlowRule(topic=topic, direction=way.value, item=item, allowed=allowed, note=note,
                                        updated_at=now))
            added += 1
    session.flush()
    return added


def list_flow_rules(session: Session) -> Sequence[NetworkFlowRule]:
    """The flow table, by topic, direction and sub-category."""
    return session.scalars(select(NetworkFlowRule).order_by(NetworkFlowRule.topic, NetworkFlowRule.direction,
                                                            NetworkFlowRule.item)).all()


def active_flow_rules(session: Session) -> list[policy.FlowRule]:
    """The flow table as the pure rules judge it."""
    return [policy.FlowRule(r.topic, Direction(r.direction), r.item, r.allowed) for r in list_flow_rules(session)]


def set_flow_rule(session: Session, *, principal: Principal, rule_in: FlowRuleUpdate) -> NetworkFlowRule:
    """Set one row of the flow table (the platform admin)."""
    if rule_in.topic not in TOPICS:
        raise InvalidFlowRule(f"没有主题“{rule_in.topic}”", message_en="unknown topic")
    if rule_in.item != policy.ANY_ITEM:
        creditdata_service.get_item(session, code=rule_in.item)
    rule = session.scalars(select(NetworkFlowRule).where(
        NetworkFlowRule.topic == rule_in.topic, NetworkFlowRule.direction == rule_in.direction,
        NetworkFlowRule.item == rule_in.item)).one_or_none()
    if rule is None:
        rule = NetworkFlowRule(topic=rule_in.topic, direction=rule_in.direction, item=rule_in.item)
        session.add(rule)
    rule.allowed, rule.note, rule.updated_at, rule.updated_by_user_id = (rule_in.allowed, rule_in.note, clock.now(),
                                                                          principal.user_id)
    session.flush()
    audit_service.record(session, actor=principal, action="network.flow_rule_set", subject_type="network_flow_rule",
                         subject_id=rule.id, detail=rule_in.model_dump())
    return rule


# Feeds ---------------------------------------------------------------------------------------------------------------


def _lock_feed(session: Session, topic: str) -> NetworkFeedHead:
    head = session.scalars(select(NetworkFeedHead).where(NetworkFeedHead.topic == topic).with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()
    if head is None:
        head = NetworkFeedHead(topic=topic, sequence=0, watermarks={})
        session.add(head)
        session.flush()
    return head


@dataclass
class Captured:
    """One entry a topic's capture found, before it is numbered into the feed."""

    item: str
    sensitivity: str | None
    uscc: str | None
    payload: dict[str, Any]


def _capture_registry(session: Session, node: Node, marks: dict[str, Any]) -> list[Captured]:
    after = int(marks.get("enterprise", 0))
    found = []
    entities = registry_service.registered_after(session, after_id=after, limit=CAPTURE_PAGE)
    # An entity learned from a neighbour's feed keeps its home, and never goes back to that neighbour.
    via = _routes(session, {e.uscc for e in entities if e.home_node})
    for enterprise in entities:
        read = registry_service.to_read(enterprise)
        # The legal representative's identity number travels masked only (to_read masks it).
        payload = read.model_dump(mode="json", include={
            "uscc", "name", "kind", "scale", "legal_rep_name", "legal_rep_id_masked", "registration_date",
            "registered_capital_fen", "industry_code", "operating_status", "last_annual_report_year", "is_abnormal"})
        payload["home_node"] = enterprise.home_node or node.code
        hop = via.get(enterprise.uscc)
        payload["path"] = [hop, node.code] if hop else [node.code]
        found.append(Captured(policy.ANY_ITEM, None, enterprise.uscc, payload))
        marks["enterprise"] = enterprise.id
    return found


def _capture_records(session: Session, node: Node, marks: dict[str, Any]) -> list[Captured]:
    found: list[Captured] = []
    top = creditdata_service.latest_record_id(session)
    # A record whose use needs the firm's authorisation never leaves its node: not even the feed.
    behind = {item.id: item for item in creditdata_service.list_items(session)
              if item.sensitivity in policy.TRAVELLING_SENSITIVITIES and int(marks.get(item.code, 0)) < top}
    if not behind:
        return found
    for item in behind.values():
        creditdata_service.lock_item_for_insert(session, item_id=item.id)
    # Every sub-category behind in one read of the ids past the lowest watermark (by the primary key): read one by
    # one, each sub-category with nothing new read every new record of the others (6.2 s for a day of a million
    # records none of which was theirs).
    records = creditdata_service.records_of_items_after(
        session, after_ids={item.id: int(marks.get(item.code, 0)) for item in behind.values()}, limit=CAPTURE_PAGE)
    # Each sub-category's records up to the page's last were all read (or, a page not full, all it has); under their
    # insert locks no delivery of them is half-way, and ids handed out from now on exceed `top` and the page's last.
    reached = records[-1].id if len(records) == CAPTURE_PAGE else max([top, *(r.id for r in records[-1:])])
    usccs = registry_service.usccs_by_id(session, {r.enterprise_id for r in records})
    origins = creditdata_imports.relay_origins(session, batch_ids={r.batch_id for r in records if r.batch_id})
    specs = {item_id: creditdata_service.field_specs(item) for item_id, item in behind.items()}
    for record in records:
        item = behind[record.catalogue_item_id]
        came_from = origins.get(record.batch_id or 0)
        hop = came_from.split("/")[1] if came_from else None
        payload = {"item": item.code, "channel": record.channel,
                   "values": creditdata_service.relay_values(item, record, uscc=usccs[record.enterprise_id],
                                                             specs=specs[item.id]),
                   # The nodes it passed through: it never goes back to the one it came from.
                   "path": [hop, node.code] if hop else [node.code]}
        found.append(Captured(item.code, item.sensitivity, usccs[record.enterprise_id], payload))
    for item in behind.values():
        marks[item.code] = max(int(marks.get(item.code, 0)), reached)
    return found


CAPTURERS: dict[str, Callable[[Session, Node, dict[str, Any]], list[Captured]]] = {
    REGISTRY_TOPIC: _capture_registry, RECORD_TOPIC: _capture_records}


def capture(session: Session, *, node: Node, topic: str) -> int:
    """Append what was stored since the last capture to `topic`'s feed; returns how many entries were added."""
    if topic not in CAPTURERS:
        raise UnknownTopic(f"没有主题“{topic}”", message_en=f"unknown topic {topic}")
    head = _lock_feed(session, topic)
    marks = dict(head.watermarks)
    captured = CAPTURERS[topic](session, node, marks)
    now = clock.now()
    rows = [{"topic": topic, "sequence": head.sequence + n, "item": c.item, "sensitivity": c.sensitivity,
             "uscc": c.uscc, "payload": c.payload, "created_at": now} for n, c in enumerate(captured, start=1)]
    if rows and session.get_bind().dialect.name == "postgresql":
        _copy_entries(session, rows)
    else:
        for start in range(0, len(rows), 1000):
            session.execute(NetworkFeedEntry.__table__.insert(), rows[start:start + 1000])  # type: ignore[attr-defined]
    head.sequence += len(rows)
    head.watermarks = marks
    session.flush()
    return len(rows)


FEED_COLUMNS = ("topic", "sequence", "item", "sensitivity", "uscc", "payload", "created_at")


def _copy_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Feed entries by COPY (PostgreSQL): a page of a capture went in about eight times faster than by INSERT.
    The payload is written as the JSON column's own serialiser writes it (`json.dumps`)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY network_feed_entry ({', '.join(FEED_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row["topic"], row["sequence"], row["item"], row["sensitivity"], row["uscc"],
                            json.dumps(row["payload"]), row["created_at"]))


def capture_all(factory: sessionmaker[Session], *, node: Node) -> int:
    """Capture every topic until nothing new is left, a page (per source) per transaction; how many were added."""
    added = 0
    for topic in node.topics:
        while True:
            with db.transaction(factory) as session:
                count = capture(session, node=node, topic=topic)
            added += count
            if count == 0:
                break
    return added


def feed_heads(session: Session) -> dict[str, int]:
    """Where each topic's feed ends."""
    return dict(session.execute(select(NetworkFeedHead.topic, NetworkFeedHead.sequence)).all())


# Signed requests -----------------------------------------------------------------------------------------------------


def signed_headers(node: Node, *, method: str, path: str, query: str) -> dict[str, str]:
    """The headers that authenticate a pull: this node, its key, the time, a nonce, and the signature of them all."""
    timestamp = policy.iso(clock.now())
    nonce = secrets.token_hex(12)
    key = node.private_key()
    kid = policy.key_id(policy.public_key_b64(key))
    message = policy.request_message(method=method, path=path, query=query, node=node.code, key=kid,
                                     timestamp=timestamp, nonce=nonce)
    return {H_NODE: node.code, H_KEY: kid, H_TIME: timestamp, H_NONCE: nonce, H_SIGNATURE: policy.sign(key, message)}


def authenticate_request(session: Session, *, node: Node, method: str, path: str, query: str,
                         headers: dict[str, str]) -> tuple[Member, Direction]:
    """The neighbour a signed request comes from, and which way data goes to it; refused otherwise."""
    code, kid, timestamp = headers.get(H_NODE, ""), headers.get(H_KEY, ""), headers.get(H_TIME, "")
    nonce, signature = headers.get(H_NONCE, ""), headers.get(H_SIGNATURE, "")
    if not (code and kid and timestamp and nonce and signature):
        raise UnsignedRequest("请求未签名：缺少节点签名头", message_en="unsigned request")
    try:
        sent_at = datetime.fromisoformat(timestamp)
    except ValueError as exc:
        raise UnsignedRequest("签名时间格式不正确", message_en="bad signature timestamp") from exc
    if sent_at.tzinfo is None or not policy.skew_ok(sent_at, clock.now(), node.max_skew):
        raise UnsignedRequest("签名时间与本节点时间相差过大", message_en="signature time out of bounds")
    member, way = neighbour(session, node, code)
    message = policy.request_message(method=method, path=path, query=query, node=code, key=kid, timestamp=timestamp,
                                     nonce=nonce)
    if policy.signature_holds(message, [{"key_id": kid, "signature": signature}], member.keys, sent_at) is None:
        raise UnsignedRequest("请求签名无法用该节点在签名时有效的密钥验证",
                              message_en="request signature does not verify")
    return member, way


# Serving a batch -----------------------------------------------------------------------------------------------------


def serve_batch(session: Session, *, node: Node, peer: Member, way: Direction, topic: str, after: int,
                limit: int) -> dict[str, Any]:
    """The next batch of `topic` after `after` for `peer`, signed: only what the flow table lets go `way`; entries
    withheld still advance the range, so the receiver's cursor passes them."""
    if topic not in node.topics:
        raise UnknownTopic(f"本节点没有主题“{topic}”", message_en=f"unknown topic {topic}")
    rules = active_flow_rules(session)
    head = feed_heads(session).get(topic, 0)
    # The columns, not entities: a batch reads a thousand entries or more, and building ORM objects was half of it.
    rows = session.execute(select(NetworkFeedEntry.sequence, NetworkFeedEntry.item, NetworkFeedEntry.sensitivity,
                                  NetworkFeedEntry.uscc, NetworkFeedEntry.payload)
                           .where(NetworkFeedEntry.topic == topic, NetworkFeedEntry.sequence > after)
                           .order_by(NetworkFeedEntry.sequence).limit(min(limit, node.max_entries))).all()
    routes = _routes(session, {r.uscc for r in rows if r.uscc}) if way is Direction.DOWN else {}
    budget = node.max_bytes // 2
    entries = [{"seq": row.sequence, "item": row.item, "payload": row.payload} for row in rows
               if _may_send(row, rules, peer.code, way, topic, routes)]
    last = rows[-1].sequence if rows else after
    # The entries written as one list are longer than the sum of their lengths: if that fits, every entry does,
    # and each need not be written on its own (which cost a tenth of serving a batch).
    if len(policy.canonical(entries)) > budget:
        entries, size, last = [], 0, after
        for row in rows:
            if _may_send(row, rules, peer.code, way, topic, routes):
                entry = {"seq": row.sequence, "item": row.item, "payload": row.payload}
                size += len(policy.canonical(entry))
                if entries and size > budget:
                    break
                entries.append(entry)
            last = row.sequence
    body = {"protocol": policy.PROTOCOL_VERSION, "sender": node.code, "receiver": peer.code, "topic": topic,
            "after": after, "last": last, "head": head, "created_at": policy.iso(clock.now()),
            "key_id": node.key_id(), "entries": entries}
    data = policy.canonical(body)
    signature = policy.sign(node.private_key(), data)
    if last > after:
        _log(session, direction="sent", peer_code=peer.code, topic=topic, first_sequence=after + 1,
             last_sequence=last, entries=len(entries), body_sha256=policy.sha256_hex(data), signature=signature,
             outcome="served")
    return {"body": body, "signature": signature}


def _routes(session: Session, usccs: set[str]) -> dict[str, str]:
    """The neighbour each entity's registry entry came from: the way down to the node it is registered at."""
    if not usccs:
        return {}
    return dict(session.execute(select(NetworkEnterprise.uscc, NetworkEnterprise.via_peer)
                                .where(NetworkEnterprise.uscc.in_(sorted(usccs)))).all())


def _may_send(row: Row[Any] | NetworkFeedEntry, rules: list[policy.FlowRule], peer: str, way: Direction,
              topic: str, routes: dict[str, str]) -> bool:
    if peer in (row.payload.get("path") or []):
        return False  # never back to where it came from
    if row.payload.get("to") not in (None, peer):
        return False  # addressed to one node (an order to its bank's node, an outcome to the order's node)
    if not policy.may_flow(rules, topic=topic, way=way, item=row.item, sensitivity=row.sensitivity):
        return False
    # Down, a record about an entity goes only towards the node it is registered at: to the child its registry
    # entry came from (that child, or the branch below it). An entity registered here has no node below.
    return not (way is Direction.DOWN and row.uscc and routes.get(row.uscc) != peer)


# Receiving a batch ---------------------------------------------------------------------------------------------------


@dataclass
class Received:
    """What applying a batch did."""

    sender: str
    topic: str
    after: int
    last: int
    head: int
    entries: int
    stored: int = 0
    duplicate: int = 0
    refused: int = 0
    outcome: str = "applied"
    notes: list[str] = field(default_factory=list)


def parse_envelope(raw: bytes, *, node: Node) -> tuple[dict[str, Any], BatchBody, str]:
    """The raw body, the parsed body and the signature of a batch; refused if oversized or malformed."""
    if len(raw) > node.max_bytes:
        raise OversizedBatch(f"批次超过 {node.max_bytes} 字节的上限", message_en=f"batch over {node.max_bytes} bytes")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBatch("批次不是有效的 JSON", message_en="batch is not JSON") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        raise MalformedBatch("批次缺少 body", message_en="batch has no body")
    signature = envelope.get("signature")
    if not isinstance(signature, str) or not signature:
        raise UnsignedRequest("批次未签名", message_en="batch is unsigned")
    try:
        body = BatchBody.model_validate(envelope["body"])
    except ValidationError as exc:
        raise MalformedBatch("批次字段缺失或类型不正确", message_en=f"malformed batch: {exc.error_count()} errors") \
            from exc
    if len(body.entries) > node.max_entries:
        raise OversizedBatch(f"批次超过 {node.max_entries} 条的上限", message_en="too many entries")
    if body.created_at.tzinfo is None:
        raise MalformedBatch("批次时间缺少时区", message_en="batch time without timezone")
    return envelope["body"], body, signature


def receive(session: Session, *, node: Node, raw: bytes) -> Received:
    """Verify and apply one batch from a neighbour, advancing the cursor in the same transaction.

    Verified in order: size and shape, receiver, sender (in the directory, active, a neighbour), topic, signature
    (a key of the sender valid when the batch was made), sequence (it must start right after the cursor), the flow
    table for every entry. A refusal raises and changes nothing; the edge logs it (`log_refusal`).
    """
    raw_body, body, signature = parse_envelope(raw, node=node)
    if body.receiver != node.code:
        raise WrongReceiver(f"批次的接收方是 {body.receiver}，不是本节点 {node.code}", message_en="wrong receiver")
    sender, to_sender = neighbour(session, node, body.sender)
    if body.topic not in node.topics:
        raise UnknownTopic(f"本节点没有主题“{body.topic}”", message_en=f"unknown topic {body.topic}")
    data = policy.canonical(raw_body)
    # A batch is made when it is pulled or pushed; one made long ago is a capture replayed, perhaps signed with a
    # key since retired (validity is judged at the time the batch claims), so it is refused before the signature.
    if not policy.skew_ok(body.created_at, clock.now(), node.max_skew):
        raise StaleBatch("批次时间与本节点时间相差过大（过期或伪造的批次）", message_en="batch time out of bounds")
    if policy.signature_holds(data, [{"key_id": body.key_id, "signature": signature}], sender.keys,
                              body.created_at) is None:
        raise UnsignedRequest("批次签名无法用发送节点在签名时有效的密钥验证（伪造或被篡改）",
                              message_en="batch signature does not verify")
    cursor = _lock_cursor(session, body.sender, body.topic)
    if body.head < cursor.position:
        # The sender's feed ends before what was applied from it: restored from a backup, or rebuilt. Applying
        # would silently skip its new entries up to the cursor; an operator re-syncs once it is understood.
        raise SequenceRefused(f"对方变更流只到序号 {body.head}，本节点已处理到 {cursor.position}：对方可能从备份恢复，"
                              f"请核对后重新同步", message_en="sender's feed ends before the cursor (restored?); "
                              "re-sync", cursor=cursor.position)
    sequences = [e.seq for e in body.entries]
    standing = policy.sequencing(cursor=cursor.position, after=body.after, last=body.last, sequences=sequences)
    if standing is Sequencing.REPLAY:
        raise ReplayedBatch(f"批次 {body.after + 1}–{body.last} 已处理过（游标 {cursor.position}），本次不做任何变更",
                            message_en="batch already applied")
    if standing is not Sequencing.NEXT:
        raise SequenceRefused(f"批次序号不连续：游标为 {cursor.position}，"
                              f"批次从 {body.after + 1} 开始（{standing.value}）",
                              message_en=f"sequence {standing.value}: cursor {cursor.position}, batch after "
                                         f"{body.after}", cursor=cursor.position)
    way = policy.opposite(to_sender)  # the way the data came: from a child up, from the parent down
    rules = active_flow_rules(session)
    items = {i.code: i.sensitivity for i in creditdata_service.list_items(session)}
    for entry in body.entries:
        sensitivity = items.get(entry.item) if entry.item != policy.ANY_ITEM else None
        if entry.item != policy.ANY_ITEM and entry.item not in items:
            raise FlowRefused(f"第 {entry.seq} 条的信息项“{entry.item}”不在本节点目录中", message_en="unknown item")
        if not policy.may_flow(rules, topic=body.topic, way=way, item=entry.item, sensitivity=sensitivity):
            raise FlowRefused(f"第 {entry.seq} 条（{entry.item}）按数据流转规则不得{policy.DIRECTION_LABELS[way]}",
                              message_en=f"entry {entry.seq} may not flow {way.value}")
    result = Received(sender=body.sender, topic=body.topic, after=body.after, last=body.last, head=body.head,
                      entries=len(body.entries))
    APPLIERS[body.topic](session, node, body, result)
    now = clock.now()
    cursor.position, cursor.peer_head, cursor.last_success_at = body.last, max(body.head, body.last), now
    cursor.last_error = None
    session.flush()
    _log(session, direction="received", peer_code=body.sender, topic=body.topic, first_sequence=body.after + 1,
         last_sequence=body.last, entries=len(body.entries), body_sha256=policy.sha256_hex(data),
         signature=signature, outcome="applied",
         message=f"stored {result.stored}, duplicate {result.duplicate}, refused {result.refused}")
    return result


def _lock_cursor(session: Session, peer: str, topic: str) -> NetworkCursor:
    cursor = session.scalars(select(NetworkCursor).where(NetworkCursor.peer_code == peer, NetworkCursor.topic == topic)
                             .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if cursor is None:
        cursor = NetworkCursor(peer_code=peer, topic=topic, position=0, peer_head=0)
        session.add(cursor)
        session.flush()
    return cursor


def _apply_registry(session: Session, node: Node, body: BatchBody, result: Received) -> None:
    now = clock.now()
    members = known_members(session, node=node)
    for entry in body.entries:
        payload = entry.payload
        uscc, home = str(payload.get("uscc", "")), str(payload.get("home_node") or body.sender)
        if home == node.code:  # this node's own entity, come back by another path: its registry is the authority
            result.duplicate += 1
            continue
        try:
            entity_in = EnterpriseElsewhereCreate.model_validate(
                {**payload, "home_node": home, "home_name": members[home].name[:50] if home in members else ""})
        except ValidationError as exc:
            result.refused += 1
            result.notes.append(f"{uscc[:18]}: 登记信息不完整或格式不正确（{exc.error_count()} 处）")
            continue
        try:
            with session.begin_nested():
                _, changed = registry_service.record_elsewhere(session, enterprise_in=entity_in)
        except DomainError as exc:  # an industry this node does not know: the entry is refused, the batch goes on
            result.refused += 1
            result.notes.append(f"{uscc}: {exc.message}")
            continue
        known = session.get(NetworkEnterprise, uscc)
        if known is None:
            session.add(NetworkEnterprise(uscc=uscc, home_node=home[:6], name=str(payload.get("name", ""))[:200],
                                          data=payload, via_peer=body.sender, received_at=now))
            result.stored += 1
        elif known.data == payload and not changed:
            result.duplicate += 1
        else:
            known.home_node, known.name, known.data, known.via_peer, known.received_at = (
                home[:6], str(payload.get("name", ""))[:200], payload, body.sender, now)
            result.stored += 1
    session.flush()


def _apply_records(session: Session, node: Node, body: BatchBody, result: Received) -> None:
    groups: dict[tuple[str, Channel], list[dict[str, str]]] = {}
    for entry in body.entries:
        payload = entry.payload
        values = payload.get("values")
        item = str(payload.get("item", entry.item))
        if item != entry.item or not isinstance(values, dict):
            raise MalformedBatch(f"第 {entry.seq} 条的记录格式不正确", message_en=f"entry {entry.seq} malformed")
        try:
            channel = Channel(str(payload.get("channel")))
        except ValueError as exc:
            raise MalformedBatch(f"第 {entry.seq} 条的归集渠道不正确", message_en="bad channel") from exc
        groups.setdefault((item, channel), []).append({str(k): str(v) for k, v in values.items()})
    if not groups:
        return
    organisation = _platform_organisation(session)
    for (item, channel), rows in groups.items():
        origin = f"{RELAY_PREFIX}{body.sender}/{body.topic}/{body.after + 1}-{body.last}/{item}/{channel.value}"
        # The key binds the relay (at most 100 characters: a long one is shortened to its digest, its node kept).
        key = origin if len(origin) <= 100 else f"{RELAY_PREFIX}{body.sender}/{policy.sha256_hex(origin.encode())}"
        pushed = creditdata_imports.relay_rows(session, item_code=item, rows=rows, channel=channel,
                                               organisation_id=organisation, origin=origin, idempotency_key=key)
        batch = pushed.batch
        result.stored += batch.rows_stored
        result.duplicate += batch.rows_duplicate
        result.refused += batch.rows_rejected if batch.error is None else len(rows)
        if batch.error:
            result.notes.append(f"{item}: {batch.error}")
        elif batch.rows_rejected:
            result.notes.append(f"{item}: {batch.rows_rejected} 行未能入库（见导入批次 {batch.id} 的错误报告）")


def _platform_organisation(session: Session) -> int:
    operators = identity_service.list_organisations(session, kind=OrgKind.PLATFORM_OPERATOR)
    if not operators:
        raise NetworkNotConfigured("本节点没有平台运营机构，无法接收网络数据", message_en="no platform operator")
    return operators[0].id


APPLIERS: dict[str, Callable[[Session, Node, BatchBody, Received], None]] = {
    REGISTRY_TOPIC: _apply_registry, RECORD_TOPIC: _apply_records}


# Pulling -------------------------------------------------------------------------------------------------------------


@dataclass
class Pulled:
    """What one pull of one neighbour's topic did."""

    peer: str
    topic: str
    batches: int = 0
    entries: int = 0
    stored: int = 0
    duplicate: int = 0
    refused: int = 0  # entries the flow table let through that this node could not store (each with a note)
    position: int = 0
    head: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def _client(client: httpx.Client | None, node: Node) -> AbstractContextManager[httpx.Client]:
    """The caller's client (left open), or a new one closed after use."""
    return nullcontext(client) if client is not None else httpx.Client(timeout=node.timeout)


def pull(factory: sessionmaker[Session], *, node: Node, peer_code: str, topic: str,
         client: httpx.Client | None = None, max_batches: int = 100_000) -> Pulled:
    """Pull `topic` from a neighbour until caught up: each batch verified and applied in its own transaction with
    the cursor, so an interruption anywhere resumes from the last batch applied. The next batch is asked for while
    one is applied (the neighbour reads and signs it meanwhile); if applying fails, it is dropped unread."""
    with db.transaction(factory) as session:
        peer, _ = neighbour(session, node, peer_code)
        position = _lock_cursor(session, peer_code, topic).position
    pulled = Pulled(peer=peer_code, topic=topic, position=position)
    path = FEED_PATH.format(topic=topic)
    with _client(client, node) as http, ThreadPoolExecutor(max_workers=1) as ahead:
        pending: Future[tuple[httpx.Response | httpx.HTTPError, int | None]] | None = ahead.submit(
            _fetch, http, node, f"{peer.endpoint}{path}", path, pulled.position)
        for _ in range(max_batches):
            if pending is None:
                break
            response, following = pending.result()
            pending = None
            if isinstance(response, httpx.HTTPError):
                pulled.error = f"{type(response).__name__}: {response}"
                note_error(factory, peer=peer_code, topic=topic, message=f"无法连接：{pulled.error}")
                return pulled
            if response.status_code != 200:
                pulled.error = f"HTTP {response.status_code}: {response.text[:300]}"
                note_error(factory, peer=peer_code, topic=topic, message=pulled.error)
                return pulled
            if following is not None:
                pending = ahead.submit(_fetch, http, node, f"{peer.endpoint}{path}", path, following)
            try:
                with db.transaction(factory) as session:
                    received = receive(session, node=node, raw=response.content)
            except DomainError as exc:
                pulled.error = f"{exc.code}: {exc.message}"
                log_refusal(factory, error=exc, peer_code=peer_code, topic=topic, raw=response.content)
                return pulled
            pulled.batches += 1
            pulled.entries += received.entries
            pulled.stored += received.stored
            pulled.duplicate += received.duplicate
            pulled.refused += received.refused
            pulled.notes.extend(received.notes[:20 - len(pulled.notes)])
            pulled.position, pulled.head = received.last, received.head
            if received.last >= received.head or received.last == received.after:
                break
    return pulled


def _fetch(http: httpx.Client, node: Node, url: str, path: str,
           after: int) -> tuple[httpx.Response | httpx.HTTPError, int | None]:
    """One signed request for the batch after `after` (a failure returned, to be reported in order), and where the
    batch after it starts (`_next_after`, read here while the caller applies the one before)."""
    query = urlencode({"after": after, "limit": node.max_entries})
    try:
        response = http.get(f"{url}?{query}", headers=signed_headers(node, method="GET", path=path, query=query))
    except httpx.HTTPError as exc:
        return exc, None
    return response, _next_after(response.content) if response.status_code == 200 else None


def _next_after(raw: bytes) -> int | None:
    """Where the batch after this one starts, read before this one is verified (None: it is the last one, or it
    cannot be read; `receive` judges it either way, and a batch asked for ahead is applied only after it)."""
    try:
        body = json.loads(raw)["body"]
        after, last, head = int(body["after"]), int(body["last"]), int(body["head"])
    except (ValueError, KeyError, TypeError):
        return None
    return last if last < head and last != after else None


def resync(session: Session, *, actor: Principal | audit_service.Actor, node: Node, peer_code: str, topic: str,
           after: int) -> NetworkCursor:
    """Move this node's cursor on a neighbour's topic back to `after`, so the next pull takes everything since
    again (a re-sync after a restore, or after a flow rule let more through). Applying is idempotent: a record the
    node holds is not stored twice, an entity it knows is not announced twice."""
    if topic not in node.topics:
        raise UnknownTopic(f"本节点没有主题“{topic}”", message_en=f"unknown topic {topic}")
    neighbour(session, node, peer_code)
    cursor = _lock_cursor(session, peer_code, topic)
    if after > cursor.position:
        raise SequenceRefused(f"只能从已处理的序号（{cursor.position}）或更早处重新同步",
                              message_en="re-sync goes back, never forward", cursor=cursor.position)
    before = cursor.position
    cursor.position = after
    session.flush()
    audit_service.record(session, actor=actor, action="network.resync", subject_type="network_cursor",
                         subject_id=f"{peer_code}/{topic}", detail={"from": before, "to": after})
    return cursor


def note_error(factory: sessionmaker[Session], *, peer: str, topic: str, message: str) -> None:
    """Record on the cursor why the last exchange failed (shown on the network page)."""
    with db.transaction(factory) as session:
        cursor = _lock_cursor(session, peer, topic)
        cursor.last_error, cursor.last_error_at = message[:500], clock.now()


def log_refusal(factory: sessionmaker[Session], *, error: DomainError, peer_code: str | None, topic: str | None,
                raw: bytes | None) -> None:
    """Keep a refused batch or request in the message log, in a transaction of its own (the refusal changed
    nothing else), and on the cursor when the sender and topic are known."""
    with db.transaction(factory) as session:
        _log(session, direction="received", peer_code=(peer_code or "?")[:20], topic=(topic or "?")[:60],
             first_sequence=None, last_sequence=None, entries=0,
             body_sha256=policy.sha256_hex(raw) if raw is not None else None, signature=None, outcome="refused",
             error_code=error.code, message=error.message[:500])
        if peer_code and topic and peer_code.isdigit() and len(peer_code) == 6 and topic in TOPICS:
            cursor = _lock_cursor(session, peer_code, topic)
            cursor.last_error, cursor.last_error_at = f"{error.code}: {error.message}"[:500], clock.now()


def sync(factory: sessionmaker[Session], *, node: Node, client: httpx.Client | None = None) -> list[Pulled]:
    """Capture this node's feeds, refresh the parent's directory, pull every topic from every neighbour, and capture
    again what arrived."""
    capture_all(factory, node=node)
    if node.parent_url:
        try:
            fetch_directory(factory, node=node, client=client)
        except DomainError as exc:
            log.warning("directory refresh failed", error=exc.message)
    with db.transaction(factory) as session:
        peers = [m.code for m, _ in neighbours(session, node=node) if m.status == MemberStatus.ACTIVE]
    pulled = [pull(factory, node=node, peer_code=peer, topic=topic, client=client)
              for peer in peers for topic in node.topics]
    capture_all(factory, node=node)  # what just arrived is ready for the other neighbours at once (relay)
    return pulled


# The message log -----------------------------------------------------------------------------------------------------


def _log(session: Session, **fields: Any) -> NetworkMessage:
    """Append one entry to the message log, chained to the last (the head row locked until commit)."""
    head = session.scalars(select(NetworkMessageHead).where(NetworkMessageHead.id == HEAD_ID).with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()
    if head is None:
        head = NetworkMessageHead(id=HEAD_ID, sequence=0, entry_hash=policy.GENESIS_HASH)
        session.add(head)
        session.flush()
    values = {"error_code": None, "message": None, **fields, "sequence": head.sequence + 1,
              "occurred_at": clock.now()}
    entry = NetworkMessage(**values, prev_hash=head.entry_hash, entry_hash=policy.log_link(head.entry_hash, values))
    session.add(entry)
    head.sequence, head.entry_hash = entry.sequence, entry.entry_hash
    session.flush()
    return entry


def search_log(session: Session, *, peer: str | None = None, topic: str | None = None, outcome: str | None = None,
               limit: int = 100) -> Sequence[NetworkMessage]:
    """The message log, newest first, by neighbour, topic and outcome."""
    query = select(NetworkMessage).order_by(NetworkMessage.sequence.desc()).limit(limit)
    if peer:
        query = query.where(NetworkMessage.peer_code == peer)
    if topic:
        query = query.where(NetworkMessage.topic == topic)
    if outcome:
        query = query.where(NetworkMessage.outcome == outcome)
    return session.scalars(query).all()


def verify_log(session: Session) -> int | None:
    """The sequence of the first message-log entry whose chain does not hold, or None when it is intact."""
    rows = session.scalars(select(NetworkMessage).order_by(NetworkMessage.sequence)).all()
    return policy.first_break({name: getattr(r, name) for name in (*policy.LOG_FIELDS, "prev_hash", "entry_hash")}
                              for r in rows)


# Status --------------------------------------------------------------------------------------------------------------


def status(session: Session, *, node: Node | None) -> StatusRead:
    """The node, its directory, its feeds and its cursors with their lag."""
    if node is None:
        return StatusRead(configured=False)
    published = published_directory(session)
    copy = parent_directory(session, node=node)
    heads = feed_heads(session)
    cursors = session.scalars(select(NetworkCursor).order_by(NetworkCursor.peer_code, NetworkCursor.topic)).all()
    members = [DirectoryMember.model_validate({"code": m.code, "role": m.role, "name": m.name,
                                               "endpoint": m.endpoint, "parent_code": m.parent_code,
                                               "status": m.status, "keys": [k.as_dict() for k in m.keys]})
               for m in known_members(session, node=node).values()]
    try:
        key = node.key_id()
    except OSError:
        key = None
    return StatusRead(
        configured=True, code=node.code, role=node.role.value, parent_code=node.parent_code, key_id=key,
        published_version=published.version if published else None,
        parent_directory_version=copy.version if copy else None, members=members,
        feeds=[FeedRead(topic=t, sequence=heads.get(t, 0)) for t in node.topics],
        cursors=[CursorRead(peer_code=c.peer_code, topic=c.topic, position=c.position, peer_head=c.peer_head,
                            lag=max(c.peer_head - c.position, 0), last_success_at=c.last_success_at,
                            last_error=c.last_error, last_error_at=c.last_error_at) for c in cursors],
        log_intact=verify_log(session) is None)


# The bank service across the network (统一银行服务) adds its topics' capture and apply steps.
from xinyidai.network import banking  # noqa: E402

banking.register()

# The monthly reports sent up to the parent node (月报上报) add theirs.
from xinyidai.network import reports  # noqa: E402

reports.register()
