"""Ownership checks for order routes: the order exists and the caller may see it, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xinyidai.auth.dependencies import LoanPartyDep
from xinyidai.orders import service
from xinyidai.orders.models import FinancingOrder
from xinyidai.web import IdPath, SessionDep


def get_current_order(
    session: SessionDep, principal: LoanPartyDep, order_id: IdPath
) -> FinancingOrder:
    """The order in the path, if the caller may see it."""
    return service.get_for(session, principal=principal, order_id=order_id)


CurrentOrder = Annotated[FinancingOrder, Depends(get_current_order)]
