"""Domain events that financing orders publish."""

from __future__ import annotations

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
