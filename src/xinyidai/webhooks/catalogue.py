"""The webhook event catalogue (事件目录), as data: each event an institution may subscribe to, with its Chinese
description, the schema of its payload and an example.

The platform's domain events become webhook events by name (`main.wire_events` subscribes each catalogued name);
an event a context adds later needs only its entry here. Every payload names the order, the firm and the institution
it concerns by id; a receiver reads the rest through the API with its own credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class OrderPayload(BaseModel):
    """What every order event carries: the order, its number, the firm and the bank."""

    model_config = ConfigDict(extra="allow")

    order_id: int = Field(description="融资申请（订单）编号 id")
    order_no: str = Field(description="订单号")
    enterprise_id: int = Field(description="申请企业（市场主体）id")
    bank_organisation_id: int | None = Field(default=None, description="受理银行的机构 id")


class OrderSubmittedPayload(OrderPayload):
    """A firm applied to the bank."""

    amount_fen: int = Field(description="申请金额（分）")


class OrderWithdrawnPayload(OrderPayload):
    """The firm withdrew its application."""

    reason: str | None = Field(default=None, description="撤回原因")


class OrderPromptedPayload(OrderPayload):
    """The supervisor prompted the bank about an order past its deadline."""

    message: str | None = Field(default=None, description="督办意见")


class RenewalRequestedPayload(OrderPayload):
    """The firm asked to renew its credit line before it expires (the request is an order of its own)."""

    credit_line_id: int = Field(description="申请续贷的授信额度 id")


class DeferralRequestedPayload(OrderPayload):
    """The firm asked to defer the principal of a drawdown to a later due day."""

    drawdown_id: int = Field(description="申请延期还本的用信 id")
    new_maturity_date: date = Field(description="申请的新到期日")


class AlertRaisedPayload(BaseModel):
    """Post-loan monitoring raised an alert on a borrower whose risk the institution carries."""

    model_config = ConfigDict(extra="allow")

    alert_id: int = Field(description="预警 id（以 GET /api/v1/monitoring/alerts 读取内容）")
    organisation_id: int = Field(description="接收预警的机构 id")
    enterprise_id: int
    severity: str = Field(description="级别：提示、关注、预警、严重")
    signal: str = Field(description="信号")
    rule_version: int = Field(description="触发规则的版本")


class OrderApprovedPayload(OrderPayload):
    """The bank approved the order."""

    product_id: int
    line_fen: int = Field(description="授信额度（分）")
    annual_rate: str = Field(description="年化利率（小数，如 0.0435）")
    term_months: int
    repayment_method: str


class OrderRejectedPayload(OrderPayload):
    """The bank rejected the order."""

    reason: str = Field(description="拒绝原因")


class OrderOfferedPayload(OrderPayload):
    """The bank's approval of an order sent as part of a financing need: an offer the firm may take."""

    need_id: int = Field(description="融资需求 id（一次需求可发往至多三家银行）")
    line_fen: int = Field(description="批复额度（分）")
    annual_rate: str = Field(description="年化利率（小数）")


class OfferAcceptedPayload(OrderPayload):
    """The firm took this bank's offer: the order is approved and its credit line opens."""

    need_id: int


class OfferDeclinedPayload(OrderPayload):
    """The firm took another bank's offer of the same need: this offer lapses."""

    need_id: int
    accepted_order_id: int = Field(description="企业接受的订单 id（其他银行的，内容不可读）")


class RenewalDecidedPayload(OrderPayload):
    """The bank decided a renewal request."""

    credit_line_id: int
    approved: bool
    line_fen: int | None = Field(default=None, description="续贷额度（分），批准时")
    annual_rate: str | None = Field(default=None, description="续贷年化利率（小数），批准时")
    reason: str | None = Field(default=None, description="拒绝原因")


class DeferralDecidedPayload(OrderPayload):
    """The bank decided a deferral request."""

    drawdown_id: int
    approved: bool
    new_maturity_date: date
    reason: str | None = Field(default=None, description="拒绝原因")


class ConsentRevokedPayload(BaseModel):
    """A firm revoked an authorisation it had given the institution."""

    model_config = ConfigDict(extra="allow")

    authorisation_id: int
    enterprise_id: int
    recipient_organisation_id: int = Field(description="被授权机构 id")
    purpose: str = Field(description="授权用途")
    purpose_ref: str = Field(description="授权用途的关联编号（如订单号）")
    revoked_at: datetime


@dataclass(frozen=True)
class EventSpec:
    """One catalogued event: its name, Chinese title and description, payload schema and an example payload."""

    name: str
    title: str
    description: str
    payload: type[BaseModel]
    example: dict[str, Any]


_ORDER = {"order_id": 1024, "order_no": "XYD202612050001", "enterprise_id": 88, "bank_organisation_id": 3}

CATALOGUE: dict[str, EventSpec] = {spec.name: spec for spec in (
    EventSpec("orders.submitted", "融资申请已提交",
              "企业向本机构提交了融资申请（含一次需求同时发往多家银行中的一份）。",
              OrderSubmittedPayload, {**_ORDER, "amount_fen": 50_000_000}),
    EventSpec("orders.withdrawn", "融资申请已撤回", "企业撤回了融资申请，或在接受其他银行的批复后其余申请被撤回。",
              OrderWithdrawnPayload, {**_ORDER, "reason": "已接受其他银行的批复"}),
    EventSpec("orders.prompted", "融资申请被督办", "发展改革委或监管部门就超过办理时限的申请向本机构督办。",
              OrderPromptedPayload, {**_ORDER, "message": "请于3个工作日内办结"}),
    EventSpec("orders.renewal_requested", "续贷申请", "企业在授信到期前申请续贷（无还本续贷）。",
              RenewalRequestedPayload, {**_ORDER, "credit_line_id": 64}),
    EventSpec("orders.deferral_requested", "延期还本申请", "企业申请将一笔用信的本金延期偿还。",
              DeferralRequestedPayload, {**_ORDER, "drawdown_id": 256, "new_maturity_date": "2027-06-20"}),
    EventSpec("orders.approved", "融资申请已批准", "本机构批准了融资申请，授信额度随之开立。",
              OrderApprovedPayload, {**_ORDER, "product_id": 7, "line_fen": 50_000_000, "annual_rate": "0.0435",
                                     "term_months": 12, "repayment_method": "equal_installments"}),
    EventSpec("orders.rejected", "融资申请已拒绝", "本机构拒绝了融资申请。",
              OrderRejectedPayload, {**_ORDER, "reason": "经营年限不足"}),
    EventSpec("orders.offered", "已向企业发出批复", "本机构批准了一次多家银行融资需求中的申请，企业可选择接受。",
              OrderOfferedPayload, {**_ORDER, "need_id": 77, "line_fen": 50_000_000, "annual_rate": "0.0410"}),
    EventSpec("orders.offer_accepted", "企业接受本机构批复", "企业接受了本机构的批复，申请获批，授信额度随之开立。",
              OfferAcceptedPayload, {**_ORDER, "need_id": 77}),
    EventSpec("orders.offer_declined", "企业选择了其他银行",
              "企业接受了同一融资需求中其他银行的批复，本机构的批复失效。",
              OfferDeclinedPayload, {**_ORDER, "need_id": 77, "accepted_order_id": 1025}),
    EventSpec("orders.renewal_decided", "续贷已有决定", "本机构对续贷申请作出了决定。",
              RenewalDecidedPayload, {**_ORDER, "credit_line_id": 64, "approved": True, "line_fen": 50_000_000,
                                      "annual_rate": "0.0420"}),
    EventSpec("orders.deferral_decided", "延期还本已有决定", "本机构对延期还本申请作出了决定。",
              DeferralDecidedPayload, {**_ORDER, "drawdown_id": 256, "approved": False,
                                       "new_maturity_date": "2027-06-20", "reason": "经营现金流不足以支持延期"}),
    EventSpec("consent.revoked", "企业撤销授权", "企业撤销了给予本机构的信用信息授权；此后本机构的查询将被拒绝。",
              ConsentRevokedPayload, {"authorisation_id": 512, "enterprise_id": 88, "recipient_organisation_id": 3,
                                      "purpose": "financing_application", "purpose_ref": "XYD202612050001",
                                      "revoked_at": "2026-12-05T02:30:00Z"}),
    EventSpec("monitoring.alert_raised", "贷后风险预警", "本机构承担风险的借款企业出现了贷后监测规则所列的变化；"
              "内容以授权范围为限，请用预警接口读取。",
              AlertRaisedPayload, {"alert_id": 4096, "organisation_id": 3, "enterprise_id": 88, "severity": "warning",
                                   "signal": "administrative_penalty", "rule_version": 1}),
)}

EVENT_NAMES: tuple[str, ...] = tuple(CATALOGUE)
EVENT_LABELS: dict[str, str] = {spec.name: spec.title for spec in CATALOGUE.values()}


def get(name: str) -> EventSpec | None:
    """The catalogued event `name`, or None."""
    return CATALOGUE.get(name)


def envelope(*, event_id: int, name: str, occurred_at: datetime, organisation_id: int,
             data: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a delivery: the event's identity, name and time, the receiving organisation and the payload."""
    return {"id": f"evt_{event_id}", "event": name, "occurred_at": occurred_at.isoformat().replace("+00:00", "Z"),
            "organisation_id": organisation_id, "data": data}


def body_model(spec: EventSpec) -> type[BaseModel]:
    """The pydantic model of the body a receiver gets for `spec` (its OpenAPI schema, with the example)."""
    example = envelope(event_id=90001, name=spec.name, occurred_at=datetime.fromisoformat("2026-12-05T02:30:00+00:00"),
                       organisation_id=3, data=spec.example)
    title = "".join(part.capitalize() for part in spec.name.replace(".", "_").split("_")) + "Webhook"
    return create_model(
        title,
        __config__=ConfigDict(json_schema_extra={"examples": [example], "description": spec.description}),
        id=(str, Field(description="事件 id：同一事件重发时不变，接收方据此去重")),
        event=(Literal[spec.name], Field(description=spec.title)),  # type: ignore[arg-type]
        occurred_at=(datetime, Field(description="事件发生时间（UTC）")),
        organisation_id=(int, Field(description="接收机构 id")),
        data=(spec.payload, ...),
    )
