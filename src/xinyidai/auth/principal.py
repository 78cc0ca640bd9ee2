"""Who is calling: a portal user or an institution's API client, with its organisation and roles."""

from __future__ import annotations

from dataclasses import dataclass

from xinyidai.auth.enums import OrgKind, Role


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as every service that scopes data sees it."""

    organisation_id: int
    organisation_kind: OrgKind
    roles: frozenset[Role]
    user_id: int | None = None
    api_client_id: int | None = None
    enterprise_id: int | None = None
    display_name: str = ""
    session_id: str | None = None
    # A user whose password was shown to someone else: refused everything but changing it (see `dependencies`).
    must_change_password: bool = False

    def has_any(self, *roles: Role) -> bool:
        """Whether the caller holds at least one of `roles`."""
        return bool(self.roles.intersection(roles))

    @property
    def is_platform_admin(self) -> bool:
        """Platform administrators see across organisations."""
        return Role.PLATFORM_ADMIN in self.roles
