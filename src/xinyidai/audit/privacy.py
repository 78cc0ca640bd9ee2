"""Keep personal data out of the audit log: the log is read by administrators and regulators and kept for
years, so identity numbers, mobile numbers and secrets are masked before an entry is written (the rules:
`xinyidai.pii`; only identity numbers valid by GB 11643 are masked, so credit codes and order numbers stay)."""

from __future__ import annotations

from typing import Any

from xinyidai import pii

MASK = pii.WITHHELD


def mask_text(text: str) -> str:
    """`text` with resident identity numbers (valid by GB 11643) and mainland mobile numbers masked."""
    return pii.scrub_text(text)


def scrub(value: Any) -> Any:
    """A copy of an audit detail with secret-named keys' values and personal numbers in text masked."""
    return pii.scrub(value)
