"""Pure rules of identity: login throttling and which roles an organisation kind may hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from xinyidai.auth.enums import ROLES_BY_KIND, OrgKind, Role


@dataclass(frozen=True)
class ThrottleState:
    """Failures counted in the current window and the lock, if any."""

    failure_count: int = 0
    first_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """Whether logins for this name are refused at `now`."""
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class ThrottleRule:
    """How many failures within which window lock the name, and for how long."""

    max_failures: int
    window: timedelta
    lockout: timedelta

    def after_failure(self, state: ThrottleState, now: datetime) -> ThrottleState:
        """The state after one more failed attempt at `now`."""
        if state.first_failure_at is None or now - state.first_failure_at > self.window:
            count, first = 1, now
        else:
            count, first = state.failure_count + 1, state.first_failure_at
        locked_until = now + self.lockout if count >= self.max_failures else state.locked_until
        return ThrottleState(failure_count=count, first_failure_at=first, locked_until=locked_until)


def invalid_roles_for(kind: OrgKind, roles: Iterable[Role]) -> list[Role]:
    """The roles in `roles` that an organisation of `kind` may not grant."""
    allowed = ROLES_BY_KIND[kind]
    return [role for role in roles if role not in allowed]


def normalise_username(username: str) -> str:
    """The key by which usernames are unique and throttled."""
    return username.strip().lower()
