"""Errors of the registry."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class InvalidEnterprise(DomainError):
    """Registry data that breaks a rule (a bad code, an unknown industry)."""

    code = "invalid_enterprise"


class EnterpriseNotFound(NotFound):
    """No such market entity."""

    code = "enterprise_not_found"


class DuplicateEnterprise(Conflict):
    """A market entity with this code exists already."""

    code = "duplicate_enterprise"


class CommunityNotFound(NotFound):
    """No such community."""

    code = "area_community_not_found"
