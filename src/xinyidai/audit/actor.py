"""Who an audit entry is about as its doer: a portal user, an institution's API client, an operator at the command
line, a job of the platform, or a caller not signed in. Every entry records one, so no audited change is left
without a caller."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum

from xinyidai.auth.principal import Principal

LABEL_LENGTH = 200


class ActorKind(StrEnum):
    """The kind of caller; stored with every entry written since callers were recorded by kind."""

    USER = "user"
    API_CLIENT = "api_client"
    CLI = "cli"
    SYSTEM = "system"
    PUBLIC = "public"


@dataclass(frozen=True)
class Actor:
    """The caller of an audited action. Build it with one of the class methods; a `Principal` (user session or
    API client) may be given to `audit.service.record` as it is."""

    kind: ActorKind
    user_id: int | None = None
    api_client_id: int | None = None
    organisation_id: int | None = None
    # Who ran a command ("operator: xinyidai crypto rotate") or which job acted ("end_of_day"); None otherwise.
    label: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        """The signed-in caller: a user's session or an API client, with its organisation."""
        if principal.api_client_id is not None:
            return cls(kind=ActorKind.API_CLIENT, api_client_id=principal.api_client_id,
                       organisation_id=principal.organisation_id)
        return cls(kind=ActorKind.USER, user_id=principal.user_id, organisation_id=principal.organisation_id)

    @classmethod
    def user(cls, user_id: int, *, organisation_id: int | None = None) -> Actor:
        """A user acting before a principal exists for them (logging in, registering, logging out)."""
        return cls(kind=ActorKind.USER, user_id=user_id, organisation_id=organisation_id)

    @classmethod
    def api_client(cls, api_client_id: int, *, organisation_id: int | None = None) -> Actor:
        """An API client acting before a principal exists for it (asking for a token)."""
        return cls(kind=ActorKind.API_CLIENT, api_client_id=api_client_id, organisation_id=organisation_id)

    @classmethod
    def cli(cls, command: str, *, os_user: str | None = None) -> Actor:
        """An operator running `xinyidai <command>`; the operating-system account is who ran it."""
        who = os_user if os_user is not None else _os_user()
        return cls(kind=ActorKind.CLI, label=f"{who}: xinyidai {command}"[:LABEL_LENGTH])

    @classmethod
    def system(cls, job: str, *, organisation_id: int | None = None) -> Actor:
        """A job of the platform (end of day, the scoring batch, an event handler), acting for `organisation_id`
        when it acts on an institution's behalf."""
        return cls(kind=ActorKind.SYSTEM, organisation_id=organisation_id, label=job[:LABEL_LENGTH])

    @classmethod
    def public(cls) -> Actor:
        """A caller who is not signed in (a failed login, an application form, a report check)."""
        return cls(kind=ActorKind.PUBLIC)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "unknown"


def as_actor(caller: Principal | Actor) -> Actor:
    """The actor of a principal or actor."""
    return caller if isinstance(caller, Actor) else Actor.of(caller)
