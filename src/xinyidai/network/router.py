"""The network's API: the signed directory and feeds a neighbour reads, the batches a neighbour pushes, and the
node's status, message log and flow table for the platform admin.

The directory is public (it is signed, and a node needs it before it trusts anyone); feeds and pushed batches are
open to no user and no API client: each request or batch is authenticated by the Ed25519 signature of a member of
the directory, checked in the route (`service.authenticate_request`, `service.receive`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db
from xinyidai.auth.dependencies import NodeSignedRoute, PlatformAdminDep, PublicRoute, csrf_protect
from xinyidai.errors import DomainError
from xinyidai.network import service
from xinyidai.network.exceptions import NetworkNotConfigured, OversizedBatch
from xinyidai.network.schemas import FlowRuleRead, FlowRuleUpdate, MessageRead, SignedDirectory, StatusRead
from xinyidai.text import Text
from xinyidai.web import SessionDep

router = APIRouter(prefix="/api/v1/network", tags=["platform network"])
admin = APIRouter(prefix="/api/v1/network", tags=["platform network"], dependencies=[Depends(csrf_protect)])


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
    return factory or db.get_database().session_factory


@router.get("/directory", response_model=SignedDirectory, dependencies=[PublicRoute])
def directory(session: SessionDep) -> SignedDirectory:
    """The latest directory this node signed (itself and its children, with their endpoints and keys)."""
    service.require_node()
    published = service.published_directory(session)
    if published is None:
        raise NetworkNotConfigured("本节点尚未发布目录", message_en="no directory published yet")
    return SignedDirectory(document=published.document, signatures=published.signatures)


@router.get("/feeds/{topic}", dependencies=[NodeSignedRoute])
def feed(request: Request, topic: Annotated[Text, Path(max_length=60)],
         after: Annotated[int, Query(ge=0, le=db.MAX_ID)] = 0,
         limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> Response:
    """The next signed batch of `topic` after sequence `after`, for the neighbour whose signature the request
    carries (headers X-Xyd-Node, X-Xyd-Key-Id, X-Xyd-Timestamp, X-Xyd-Nonce, X-Xyd-Signature)."""
    node = service.require_node()
    factory = _factory(request)
    headers = {k: request.headers.get(k, "") for k in (service.H_NODE, service.H_KEY, service.H_TIME,
                                                          service.H_NONCE, service.H_SIGNATURE)}
    try:
        with db.transaction(factory) as session:
            peer, way = service.authenticate_request(session, node=node, method="GET", path=request.url.path,
                                                     query=request.url.query, headers=headers)
            batch = service.serve_batch(session, node=node, peer=peer, way=way, topic=topic, after=after,
                                        limit=limit)
    except DomainError as exc:
        service.log_refusal(factory, error=exc, peer_code=headers[service.H_NODE] or None, topic=topic, raw=None)
        raise
    return Response(json.dumps(batch, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


async def _bounded_body(request: Request) -> bytes:
    """The request body, refused (and logged) past the network's batch bound without reading the rest."""
    node = service.require_node()
    refusal = OversizedBatch(f"批次超过 {node.max_bytes} 字节的上限", message_en=f"batch over {node.max_bytes} bytes")
    declared = request.headers.get("content-length", "")
    chunks, size = [], 0
    if not (declared.isdigit() and int(declared) > node.max_bytes):
        async for chunk in request.stream():
            size += len(chunk)
            if size > node.max_bytes:
                break
            chunks.append(chunk)
        else:
            return b"".join(chunks)
    await run_in_threadpool(service.log_refusal, _factory(request), error=refusal, peer_code=None, topic=None,
                            raw=None)
    raise refusal


def _loosely(raw: bytes) -> tuple[str | None, str | None]:
    """Sender and topic of a refused batch, as far as they can be read, for the message log."""
    try:
        body = json.loads(raw).get("body", {})
        return str(body.get("sender"))[:20], str(body.get("topic"))[:60]
    except (ValueError, AttributeError):
        return None, None


@router.post("/batches", dependencies=[NodeSignedRoute])
def push_batch(request: Request, raw: Annotated[bytes, Depends(_bounded_body)]) -> JSONResponse:
    """A neighbour pushes one signed batch (the same checks as a pull: receiver, sender, signature, sequence,
    flow table); applied once, with the cursor; anything refused changes nothing and is logged."""
    node = service.require_node()
    factory = _factory(request)
    try:
        with db.transaction(factory) as session:
            received = service.receive(session, node=node, raw=raw)
    except DomainError as exc:
        sender, topic = _loosely(raw)
        service.log_refusal(factory, error=exc, peer_code=sender, topic=topic, raw=raw)
        raise
    content: dict[str, Any] = {"sender": received.sender, "topic": received.topic, "cursor": received.last,
                               "entries": received.entries, "stored": received.stored,
                               "duplicate": received.duplicate, "refused": received.refused}
    return JSONResponse(content)


@admin.get("/status", response_model=StatusRead)
def node_status(session: SessionDep, principal: PlatformAdminDep) -> StatusRead:
    """This node: its directory, feeds, neighbours' cursors and lag, and whether the message log's chain holds."""
    return service.status(session, node=service.current_node())


@admin.get("/messages", response_model=list[MessageRead])
def messages(session: SessionDep, principal: PlatformAdminDep,
             peer: Annotated[Text | None, Query(max_length=20)] = None,
             topic: Annotated[Text | None, Query(max_length=60)] = None,
             outcome: Annotated[Text | None, Query(max_length=20)] = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[MessageRead]:
    """The message log, newest first, by neighbour, topic and outcome (served, applied, refused)."""
    return [MessageRead.model_validate(m) for m in service.search_log(session, peer=peer, topic=topic,
                                                                      outcome=outcome, limit=limit)]


@admin.get("/flow-rules", response_model=list[FlowRuleRead])
def flow_rules(session: SessionDep, principal: PlatformAdminDep) -> list[FlowRuleRead]:
    """The flow table: what goes up, what goes down."""
    return [FlowRuleRead.model_validate(r) for r in service.list_flow_rules(session)]


@admin.put("/flow-rules", response_model=FlowRuleRead)
def set_flow_rule(session: SessionDep, principal: PlatformAdminDep, rule_in: FlowRuleUpdate) -> FlowRuleRead:
    """Set one row of the flow table; enforced on the next batch sent or received."""
    return FlowRuleRead.model_validate(service.set_flow_rule(session, principal=principal, rule_in=rule_in))
