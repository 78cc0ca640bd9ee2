"""Which passwords are too weak to accept: short ones, common ones (also with digits or a year added, in any case),
and ones that contain the user's own names. Pure rules, no I/O beyond reading the lists once."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
# The shortest name or common word that counts when found in a password: shorter ones match by chance. A Chinese
# name of two characters is a whole name.
MIN_NAME_LENGTH = 3
MIN_CJK_NAME_LENGTH = 2


def _counts_as_name(name: str) -> bool:
    return len(name) >= (MIN_NAME_LENGTH if name.isascii() else MIN_CJK_NAME_LENGTH)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common passwords, lower case: zxcvbn's list of the 30,000 most frequent, and the Chinese ones we ship."""
    ours = resources.files("xinyidai.identity").joinpath("common_passwords_zh.txt").read_text(encoding="utf-8")
    shipped = (line.strip().lower() for line in ours.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"]) | frozenset(shipped)


def _bases(password: str) -> set[str]:
    """The password and what is left of it once the digits and symbols people add before or after are removed
    (`Password12`, `qwerty1234!`, `2024admin`)."""
    lowered = password.lower()
    stripped = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)
    return {lowered, stripped, re.sub(r"[\W_]+$", "", lowered), re.sub(r"\d+$", "", lowered)}


def is_common(password: str) -> bool:
    """Whether the password is a common one, or a common one with digits or symbols around it."""
    common = common_passwords()
    return any(len(base) >= MIN_NAME_LENGTH and base in common for base in _bases(password))


def weakness(password: str, *, names: tuple[str, ...] = ()) -> str | None:
    """Why the password may not be used (in Chinese), or None when it may. `names`: the user's login and display
    names, which the password must not contain."""
    if len(password) < MIN_LENGTH or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return f"密码至少{MIN_LENGTH}位，且须同时包含字母和数字"
    lowered = password.lower()
    for name in names:
        name = name.strip().lower()
        if _counts_as_name(name) and name in lowered:
            return "密码不能包含您的用户名或姓名"
        # A name like "zhang.wei" is also typed without its separators.
        compact = re.sub(r"[\W_]+", "", name)
        if _counts_as_name(compact) and compact in re.sub(r"[\W_]+", "", lowered):
            return "密码不能包含您的用户名或姓名"
    if is_common(password):
        return "该密码过于常见，容易被猜中，请换一个不常见的密码"
    return None
