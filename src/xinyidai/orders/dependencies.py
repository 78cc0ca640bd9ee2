"""Ownership checks for order routes: the order exists and the caller may see it, else 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xinyidai.identity.dependencies import Allow
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.orders import service
from xinyidai.orders.models import FinancingOrder
from xinyidai.web import IdPath, SessionDep

OrderViewer = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF, Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER,
                    Role.PLATFORM_ADMIN)
EnterpriseApplicant = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
BankDecider = Allow(Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER)


def get_current_order(
    session: SessionDep, principal: Annotated[Principal, Depends(OrderViewer)], order_id: IdPath
) -> FinancingOrder:
    """The order in the path, if the caller may see it."""
    return service.get_for(session, principal=principal, order_id=order_id)


CurrentOrder = Annotated[FinancingOrder, Depends(get_current_order)]
