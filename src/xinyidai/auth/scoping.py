"""Data scoping: a query narrowed to what the caller's organisation may see."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false
from sqlalchemy.orm import InstrumentedAttribute

from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.errors import NotFound

T = TypeVar("T")


def scope(query: Select[T], principal: Principal, *, bank_column: InstrumentedAttribute[Any],
          enterprise_column: InstrumentedAttribute[Any]) -> Select[T]:
    """Banks see their own bank's rows, enterprises their own entity's, platform admins all, others none."""
    if principal.is_platform_admin:
        return query
    if principal.organisation_kind == OrgKind.BANK:
        return query.where(bank_column == principal.organisation_id)
    if principal.organisation_kind == OrgKind.ENTERPRISE and principal.enterprise_id is not None:
        return query.where(enterprise_column == principal.enterprise_id)
    return query.where(false())


def own_enterprise_id(principal: Principal) -> int:
    """The market entity an enterprise user acts for; an account linked to none finds nothing of its own (404)."""
    if principal.enterprise_id is None:
        raise NotFound("您的账户未关联市场主体", message_en="your account has no market entity")
    return principal.enterprise_id
