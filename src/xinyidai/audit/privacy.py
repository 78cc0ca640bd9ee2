"""Keep personal data out of the audit log: the log is read by administrators and regulators and kept for
years, so identity numbers, mobile numbers and secrets are masked before an entry is written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xinyidai.registry.codes import InvalidCode, validate_id_number

MASK = "[已隐去]"
# Keys whose values are never logged whatever they look like.
SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "id_number", "idcard", "id_card", "phone", "mobile")
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")


def _is_id_number(candidate: str) -> bool:
    try:
        validate_id_number(candidate)
    except InvalidCode:
        return False
    return True


def mask_text(text: str) -> str:
    """`text` with resident identity numbers (valid by GB 11643) and mainland mobile numbers masked."""
    text = _ID_CANDIDATE.sub(lambda m: MASK if _is_id_number(m.group()) else m.group(), text)
    return _MOBILE.sub(MASK, text)


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def scrub(value: Any) -> Any:
    """A copy of an audit detail with secret-named keys' values and personal numbers in text masked."""
    if isinstance(value, Mapping):
        return {key: MASK if isinstance(key, str) and _is_secret_key(key) and value[key] not in (None, "")
                else scrub(value[key]) for key in value}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
