"""Pure arithmetic of risk sharing."""

from __future__ import annotations

from collections.abc import Mapping

PPM = 1_000_000


def split(amount_fen: int, shares_ppm: Mapping[str, int]) -> dict[str, int]:
    """Split `amount_fen` by shares that sum to one million; the fen lost to rounding go to the largest share.

    The parts always add up to the amount exactly.
    """
    if sum(shares_ppm.values()) != PPM:
        raise ValueError("shares must sum to 1,000,000 ppm")
    parts = {party: amount_fen * share // PPM for party, share in shares_ppm.items()}
    residual = amount_fen - sum(parts.values())
    if residual:
        largest = max(shares_ppm, key=lambda party: (shares_ppm[party], party))
        parts[largest] += residual
    return parts
