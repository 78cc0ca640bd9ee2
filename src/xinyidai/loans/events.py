"""Domain events that loan servicing publishes."""

from __future__ import annotations

from datetime import date

from xinyidai.events import DomainEvent


class DrawdownMade(DomainEvent):
    """Money was drawn on a line."""

    name = "loans.drawdown_made"
    drawdown_id: int
    credit_line_id: int
    enterprise_id: int
    bank_organisation_id: int
    amount_fen: int


class RepaymentReceived(DomainEvent):
    """A repayment was applied."""

    name = "loans.repayment_received"
    drawdown_id: int
    enterprise_id: int
    amount_fen: int
    settled: bool


class DrawdownOverdue(DomainEvent):
    """End of day found an installment of a drawdown unpaid on its due date: the drawdown is overdue from today."""

    name = "loans.drawdown_overdue"
    drawdown_id: int
    enterprise_id: int
    bank_organisation_id: int
    business_date: date
    overdue_fen: int


class DrawdownDefaulted(DomainEvent):
    """A drawdown reached its product's default trigger: risk sharing starts, and the entity gets a
    negative credit record."""

    name = "loans.drawdown_defaulted"
    drawdown_id: int
    enterprise_id: int
    bank_organisation_id: int
    product_id: int
    business_date: date
    days_past_due: int
    outstanding_fen: int
