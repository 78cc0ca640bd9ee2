"""Errors of industry-chain credit communities."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class CommunityNotFound(NotFound):
    """No community the caller may see has this id."""

    code = "community_not_found"


class MembershipNotFound(NotFound):
    """No membership of this community has this id."""

    code = "membership_not_found"


class ChainRuleBroken(DomainError):
    """A request that breaks a rule of the community (an allocation above the line, a member not confirmed…)."""

    status_code = 422
    code = "chain_rule_broken"


class AlreadyMember(Conflict):
    """The firm has already asked to join, or is a member."""

    code = "already_member"
