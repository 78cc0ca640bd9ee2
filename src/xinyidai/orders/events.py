"""Domain events that financing orders publish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xinyidai.events import DomainEvent


class OrderSubmitted(DomainEvent):
    """An entity applied to a bank."""

    name = "orders.submitted"
    order_id: int
    order_no: str
    enterprise_id: int
    bank_organisation_id: int
    amount_fen: int


class OrderApproved(DomainEvent):
    """A bank approved an order: the credit line it grants is to be opened."""

    name = "orders.approved"
    order_id: int
    order_no: str
    enterprise_id: int
    bank_organisation_id: int
    product_id: int
    line_fen: int
    annual_rate: Decimal
    term_months: int
    repayment_method: str


class OrderRejected(DomainEvent):
    """A bank rejected an order, with its reason."""

    name = "orders.rejected"
    order_id: int
    order_no: str
    enterprise_id: int
    reason: str
    bank_organisation_id: int | None = None  # None in events stored before it was carried


class OrderLifecycleEvent(DomainEvent):
    """What every event of an order's life carries (webhooks and SMS subscribe to them by name)."""

    order_id: int
    order_no: str
    enterprise_id: int
    bank_organisation_id: int


class OrderOffered(OrderLifecycleEvent):
    """A bank approved an order sent as part of a financing need: an offer the firm may take (no line yet)."""

    name = "orders.offered"
    need_id: int
    line_fen: int
    annual_rate: Decimal


class OrderWithdrawn(OrderLifecycleEvent):
    """The firm withdrew an open order (by itself, or because it took another bank's offer of the same need)."""

    name = "orders.withdrawn"
    reason: str


class OfferAccepted(OrderLifecycleEvent):
    """The firm took this bank's offer of its financing need: the order is approved and its line opens."""

    name = "orders.offer_accepted"
    need_id: int


class OfferDeclined(OrderLifecycleEvent):
    """The firm took another bank's offer of the same need: this bank's offer is declined."""

    name = "orders.offer_declined"
    need_id: int
    accepted_order_id: int


class OrderPrompted(OrderLifecycleEvent):
    """A supervisor prompted (督办) the bank about the order."""

    name = "orders.prompted"
    prompt_id: int
    message: str


class PromptAnswered(OrderLifecycleEvent):
    """The bank answered a supervisor's prompt."""

    name = "orders.prompt_answered"
    prompt_id: int


class RenewalRequested(OrderLifecycleEvent):
    """The firm asked to renew a credit line before it expires (续贷)."""

    name = "orders.renewal_requested"
    credit_line_id: int


class RenewalDecided(OrderLifecycleEvent):
    """The bank decided a renewal: approved (the line is renewed with these terms) or rejected (with a reason)."""

    name = "orders.renewal_decided"
    credit_line_id: int
    approved: bool
    line_fen: int | None = None
    annual_rate: Decimal | None = None
    reason: str | None = None


class DeferralRequested(OrderLifecycleEvent):
    """The firm asked to defer the principal of a drawdown to a later maturity (延期还本)."""

    name = "orders.deferral_requested"
    drawdown_id: int
    new_maturity_date: date


class DeferralDecided(OrderLifecycleEvent):
    """The bank decided a deferral: approved (the drawdown gets a new schedule) or rejected (with a reason)."""

    name = "orders.deferral_decided"
    drawdown_id: int
    approved: bool
    new_maturity_date: date
    reason: str | None = None
