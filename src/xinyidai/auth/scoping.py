"""Data scoping: a query narrowed to what the caller's organisation may see."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false
from sqlalchemy.orm import InstrumentedAttribute

from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal

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
