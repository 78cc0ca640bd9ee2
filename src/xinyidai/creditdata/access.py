"""Who may see an entity's credit information, and how much (no I/O).

The entity's own users see everything, the platform admin sees everything, an institution (bank,
guarantor, credit agency) sees public and authorised sub-categories, and only while the entity's
authorisation for it lives (checked by the caller against consent). The public standing (公共信用核查: a
government trading or procurement system asking about a bidder) sees public sub-categories only, no
authorisation needed. Nobody else sees anything.
"""

from __future__ import annotations

from enum import StrEnum

from xinyidai.auth.enums import ENTERPRISE_ROLES, INSTITUTION_KINDS
from xinyidai.auth.principal import Principal
from xinyidai.creditdata.enums import Sensitivity


class Access(StrEnum):
    """How a caller stands to an entity's credit information."""

    OWN = "own"  # the entity's own users
    PLATFORM = "platform"  # the platform admin
    AUTHORISED = "authorised"  # an institution, once the entity's authorisation is checked
    PUBLIC = "public"  # public information only (公共信用核查), never anything an authorisation would open


def access_of(principal: Principal, enterprise_id: int) -> Access | None:
    """The caller's standing to the entity, before any authorisation check; None: no access at all."""
    if principal.enterprise_id == enterprise_id and principal.has_any(*ENTERPRISE_ROLES):
        return Access.OWN
    if principal.is_platform_admin:
        return Access.PLATFORM
    if principal.organisation_kind in INSTITUTION_KINDS:
        return Access.AUTHORISED
    return None


def sensitivities_for(access: Access) -> frozenset[Sensitivity] | None:
    """The sub-categories a standing may see; None: all of them. Restricted ones never leave the entity and the
    platform."""
    if access is Access.AUTHORISED:
        return frozenset({Sensitivity.PUBLIC, Sensitivity.AUTHORISED})
    if access is Access.PUBLIC:
        return frozenset({Sensitivity.PUBLIC})
    return None


def sees_past_publicity(access: Access) -> bool:
    """Records past their publicity period are shown (flagged) to the entity itself and the platform only."""
    return access in (Access.OWN, Access.PLATFORM)


def sees_repaired(access: Access) -> bool:
    """Repaired records (信用修复) are shown (flagged 已修复) to the entity itself and the platform only."""
    return access in (Access.OWN, Access.PLATFORM)


def is_audited(access: Access) -> bool:
    """Every read that is not the entity's own leaves an audit entry."""
    return access is not Access.OWN
