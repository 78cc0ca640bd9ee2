"""The platform admin's network page: the node, its neighbours, directory versions, the last exchange and lag per
topic, errors, the flow table and the message log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from xinyidai.auth.dependencies import PlatformAdminDep, csrf_protect
from xinyidai.db import MAX_ID
from xinyidai.network import policy, service
from xinyidai.network.schemas import FlowRuleUpdate
from xinyidai.portal import flash
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE = "/admin/network"


@router.get(PAGE, response_class=HTMLResponse)
def network_page(request: Request, session: SessionDep, principal: PlatformAdminDep,
                 peer: Annotated[Text, Query(max_length=20)] = "", topic: Annotated[Text, Query(max_length=60)] = "",
                 outcome: Annotated[Text, Query(max_length=20)] = "") -> Response:
    """The node's place in the network, or that it is a single node."""
    node = service.current_node()
    context = {"status": service.status(session, node=node), "peer": peer, "topic": topic, "outcome": outcome,
               "role_labels": policy.ROLE_LABELS, "status_labels": policy.STATUS_LABELS,
               "direction_labels": policy.DIRECTION_LABELS, "outcome_labels": policy.OUTCOME_LABELS,
               "topic_labels": service.TOPIC_LABELS,
               "topics": service.TOPICS}
    if node is not None:
        context["rules"] = service.list_flow_rules(session)
        context["messages"] = service.search_log(session, peer=peer or None, topic=topic or None,
                                                 outcome=outcome or None, limit=100)
    return render(request, "network/network.html", context)


@router.post(PAGE + "/flow-rules")
def set_flow_rule(session: SessionDep, principal: PlatformAdminDep, topic: Annotated[str, Form(max_length=60)],
                  direction: Annotated[str, Form(pattern=r"^(up|down)$")],
                  item: Annotated[str, Form(min_length=1, max_length=40)],
                  allowed: Annotated[str, Form(pattern=r"^(yes|no)$")],
                  note: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Set one row of the flow table."""
    service.set_flow_rule(session, principal=principal, rule_in=FlowRuleUpdate(
        topic=topic, direction=direction, item=item, allowed=allowed == "yes", note=note))
    return flash.redirect(PAGE, "数据流转规则已保存")


@router.post(PAGE + "/resync")
def resync(session: SessionDep, principal: PlatformAdminDep, peer: Annotated[str, Form(pattern=r"^\d{6}$")],
           topic: Annotated[str, Form(max_length=60)], after: Annotated[int, Form(ge=0, le=MAX_ID)]) -> Response:
    """Pull a neighbour's topic again from a sequence number."""
    service.resync(session, actor=principal, node=service.require_node(), peer_code=peer, topic=topic, after=after)
    return flash.redirect(PAGE, f"已将 {peer} 的 {topic} 重置到序号 {after}，下次同步从此处开始")
