"""Real-name verification of a market entity's legal representative.

In production the answer comes from market supervision; the platform asks through this interface.
The default adapter matches against the registry table, where the identity number is kept only as
a keyed hash and a ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import crypto
from xinyidai.registry.models import Enterprise

ID_CONTEXT = "enterprise.legal_rep_id"


@dataclass(frozen=True)
class RealNameResult:
    """The verifier's answer: matched or not, and on which entity."""

    matched: bool
    enterprise_id: int | None = None
    reason: str | None = None


class RealNameVerifier(Protocol):
    """Asks the authoritative source whether USCC, legal representative and ID belong together."""

    def verify(self, session: Session, *, uscc: str, legal_rep_name: str, id_number: str) -> RealNameResult:
        """Match the three facts; never say which of them was wrong (that would leak registry data)."""
        ...


class RegistryRealNameVerifier:
    """Matches against the platform's own registry table."""

    def verify(self, session: Session, *, uscc: str, legal_rep_name: str, id_number: str) -> RealNameResult:
        """Match the three facts against the registry row of `uscc`."""
        enterprise = session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).one_or_none()
        if enterprise is None:
            return RealNameResult(matched=False, reason="registry_has_no_such_entity")
        if (
            enterprise.legal_rep_name.strip() != legal_rep_name.strip()
            or enterprise.legal_rep_id_index != crypto.blind_index(id_number, context=ID_CONTEXT)
        ):
            return RealNameResult(matched=False, reason="facts_do_not_match")
        return RealNameResult(matched=True, enterprise_id=enterprise.id)


_verifier: RealNameVerifier = RegistryRealNameVerifier()


def get_verifier() -> RealNameVerifier:
    """The configured verifier."""
    return _verifier


def set_verifier(verifier: RealNameVerifier) -> None:
    """Install another verifier (a market-supervision adapter in production)."""
    global _verifier
    _verifier = verifier
