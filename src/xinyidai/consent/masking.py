"""Desensitisation (脱敏, no I/O): how much of a personal or sensitive value each audience is shown.

Two questions, answered separately:

- *what kind of value is it* — a person's name, a resident identity number, a mobile number, an address, an
  amount the catalogue marks as banded, free text that may carry numbers: `FieldKind`. The credit-information
  catalogue names the kind of each field (`mask = "..."` in creditdata/catalogue.toml);
- *who is looking* — the entity itself, the platform admin (who opens a file only naming a reason), a bank's
  credit manager or loan officer, a guarantee company, a credit agency, a government supervisor: `Audience`.

`RULES` crosses the two into a `Treatment` (shown in clear, masked, banded or withheld) and `mask` applies it.
The rules follow data minimisation (GB/T 35273-2020 信息安全技术 个人信息安全规范, §5.2 最小必要 and §7.4
个人信息展示限制: personal data shown on a screen is de-identified unless the viewer's duty needs it in clear)
and the screen-masking practice of JR/T 0171-2020 个人金融信息保护技术规范 (Annex A 信息屏蔽):

- a person's name keeps its first and last character: 张三 → 张*, 张小三 → 张*三, 欧阳小娜 → 欧**娜;
- a resident identity number (GB 11643) keeps the issuing area code (first 6) and the last 4:
  500108198001011234 → 500108********1234 (birth date and sequence number hidden);
- a mobile number keeps its network prefix (first 3) and the last 4: 13812341234 → 138****1234;
- an address keeps the province, city and district or county only: 重庆市南岸区南坪街道江南大道8号 →
  重庆市南岸区****;
- a banded amount becomes its band, in 万元: 2,360,000.00 yuan → "100万–500万元";
- free text keeps its words, with any identity or mobile number in it masked as above. Every text value is free
  text at least, whatever the catalogue declares of its field: a declaration adds a rule, it never lifts this one
  (a number typed into a field nobody expected to carry one is masked all the same).

Who needs what: the entity sees its own information in clear. A bank's credit manager (信贷主管) decides and
signs, so names and addresses are in clear for them; a loan officer (客户经理) prepares the file and sees names
masked and addresses to district level. Both see exact amounts: underwriting needs them. A guarantee company and
a credit agency see amounts only as bands where the catalogue marks them banded (turnover, assets, tax paid:
trade secrets of the entity beyond what their own assessment needs). A government supervisor watches statistics,
not people. No institution, supervisor or administrator is ever shown a whole identity or mobile number; an
unknown audience gets the least.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from itertools import pairwise
from typing import Any

from xinyidai.auth.enums import OrgKind, Role

# The identity and mobile number rules live in pii (below every context) so that everyone shows a number alike.
from xinyidai.pii import WITHHELD as WITHHELD
from xinyidai.pii import mask_id_number as mask_id_number
from xinyidai.pii import mask_mobile as mask_mobile
from xinyidai.pii import replace_numbers

_FEN_PER_WAN = 1_000_000  # 10,000 yuan in fen


class FieldKind(StrEnum):
    """What a value is, as far as masking cares."""

    PERSON_NAME = "person_name"
    ID_NUMBER = "id_number"
    MOBILE = "mobile"
    ADDRESS = "address"
    AMOUNT_BAND = "amount_band"  # an amount (integer fen) the catalogue marks as shown in bands
    FREE_TEXT = "free_text"  # text that may carry an identity or mobile number


class Audience(StrEnum):
    """Who is looking, as far as masking cares."""

    SUBJECT = "subject"  # the entity itself (its own users)
    PLATFORM_ADMIN = "platform_admin"  # opens a file only naming a reason, which is audited
    BANK_MANAGER = "bank_manager"
    BANK_LOAN_OFFICER = "bank_loan_officer"
    GUARANTEE_COMPANY = "guarantee_company"
    CREDIT_AGENCY = "credit_agency"
    GOVERNMENT_SUPERVISOR = "government_supervisor"
    PUBLIC = "public"  # anyone else: the least


class Treatment(StrEnum):
    """What happens to one value for one audience."""

    CLEAR = "clear"
    MASK = "mask"
    BAND = "band"
    WITHHOLD = "withhold"


_C, _M, _B, _W = Treatment.CLEAR, Treatment.MASK, Treatment.BAND, Treatment.WITHHOLD
_ORDER = (Audience.SUBJECT, Audience.PLATFORM_ADMIN, Audience.BANK_MANAGER, Audience.BANK_LOAN_OFFICER,
          Audience.GUARANTEE_COMPANY, Audience.CREDIT_AGENCY, Audience.GOVERNMENT_SUPERVISOR, Audience.PUBLIC)
# One row per kind, one column per audience in the order of _ORDER.
RULES: dict[FieldKind, dict[Audience, Treatment]] = {kind: dict(zip(_ORDER, row, strict=True)) for kind, row in {
    #                      subject platform b.manager b.officer guarantee agency supervisor public
    FieldKind.PERSON_NAME: (_C, _C, _C, _M, _M, _M, _M, _M),
    FieldKind.ID_NUMBER: (_C, _M, _M, _M, _M, _M, _M, _W),
    FieldKind.MOBILE: (_C, _M, _M, _M, _M, _M, _M, _W),
    FieldKind.ADDRESS: (_C, _C, _C, _M, _M, _M, _M, _M),
    FieldKind.AMOUNT_BAND: (_C, _C, _C, _C, _B, _B, _B, _W),
    FieldKind.FREE_TEXT: (_C, _M, _M, _M, _M, _M, _M, _M),
}.items()}

# Amount bands in 万元, half-open [low, high); the last is open above.
BAND_EDGES_WAN = (10, 50, 100, 500, 1000, 5000, 10000)


def _wan(value: int) -> str:
    return "1亿" if value == 10000 else f"{value}万"


def band_amount(fen: int) -> str:
    """The band an amount in fen falls in: 2,360,000.00 yuan → "100万–500万元"."""
    edges = BAND_EDGES_WAN
    if fen < edges[0] * _FEN_PER_WAN:
        return f"{_wan(edges[0])}元以下"
    for low, high in pairwise(edges):
        if fen < high * _FEN_PER_WAN:
            return f"{_wan(low)}–{_wan(high)}元"
    return f"{_wan(edges[-1])}元以上"


def mask_person_name(name: str) -> str:
    """First and last character kept: 张三 → 张*, 张小三 → 张*三, 欧阳小娜 → 欧**娜."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


_DIVISION = "省市区县旗州盟"
_ADDRESS_RE = re.compile(
    rf"^(?:[^{_DIVISION}]{{2,8}}?(?:省|自治区|特别行政区))?"  # province
    rf"(?:[^{_DIVISION}]{{1,10}}?(?:自治州|地区|盟|市))?"  # prefecture-level city
    rf"[^{_DIVISION}]{{1,10}}?(?:区|县|自治县|旗|市)"  # district or county (a county-level city too)
)


def mask_address(address: str) -> str:
    """Province, city and district or county kept: 重庆市南岸区南坪街道江南大道8号 → 重庆市南岸区****."""
    text = address.strip()
    match = _ADDRESS_RE.match(text)
    if match is None:
        return "****"
    kept = match.group()
    return kept if kept == text else kept + "****"


def mask_free_text(text: str) -> str:
    """Text with resident identity numbers (valid by GB 11643) and mainland mobile numbers in it masked."""
    return replace_numbers(text, id_number=mask_id_number, mobile=mask_mobile)


_MASKERS = {
    FieldKind.PERSON_NAME: mask_person_name, FieldKind.ID_NUMBER: mask_id_number, FieldKind.MOBILE: mask_mobile,
    FieldKind.ADDRESS: mask_address, FieldKind.FREE_TEXT: mask_free_text,
}


def treatment(field_kind: FieldKind, audience: Audience) -> Treatment:
    """What `audience` is shown of a value of `field_kind`."""
    return RULES[field_kind][audience]


def mask(value: Any, field_kind: FieldKind | str | None, audience: Audience) -> Any:
    """The value as `audience` may see it: its declared kind's treatment first, then the free-text rule for every
    text in it whatever its kind (a declaration only adds rules: an identity or mobile number typed into any field
    is masked for every audience that sees free text masked).

    A banded amount (integer fen) becomes its band's label for audiences that see bands; a withheld value
    becomes "[已隐去]"; a blank stays blank.
    """
    if value is None or value == "":
        return value
    return _numbers_masked(_declared(value, field_kind, audience), audience)


def _declared(value: Any, field_kind: FieldKind | str | None, audience: Audience) -> Any:
    if field_kind is None:
        return value
    kind = FieldKind(field_kind)
    how = RULES[kind][audience]
    if how is Treatment.CLEAR:
        return value
    if how is Treatment.WITHHOLD:
        return WITHHELD
    if how is Treatment.BAND:
        if isinstance(value, bool) or not isinstance(value, int):
            return WITHHELD  # only integer fen can be banded; anything else is not shown
        return band_amount(value)
    if kind is FieldKind.AMOUNT_BAND:  # an amount has no partial mask: banded or in clear
        return WITHHELD
    return _MASKERS[kind](str(value))


def _numbers_masked(value: Any, audience: Audience) -> Any:
    """Every text in `value` (lists and mappings walked) with its personal numbers treated as free text is."""
    if RULES[FieldKind.FREE_TEXT][audience] is Treatment.CLEAR:
        return value
    if isinstance(value, str):
        return mask_free_text(value)
    if isinstance(value, dict):
        return {key: _numbers_masked(item, audience) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_numbers_masked(item, audience) for item in value)
    return value


def mask_values(data: dict[str, Any], kinds: dict[str, str], audience: Audience) -> dict[str, Any]:
    """A record's values as `audience` may see them; `kinds` names the masking kind of the fields that have one,
    and every text value, of a named kind or not, has its personal numbers masked as free text's are."""
    if audience is Audience.SUBJECT:
        return dict(data)
    return {name: mask(value, kinds.get(name), audience) for name, value in data.items()}


# The most a holder of these roles sees, best first: one with several roles is shown what the best one allows.
_ROLE_AUDIENCES: tuple[tuple[Role, Audience], ...] = (
    (Role.PLATFORM_ADMIN, Audience.PLATFORM_ADMIN),
    (Role.BANK_MANAGER, Audience.BANK_MANAGER),
    (Role.BANK_LOAN_OFFICER, Audience.BANK_LOAN_OFFICER),
    (Role.GUARANTEE_OFFICER, Audience.GUARANTEE_COMPANY),
    (Role.AGENCY_ANALYST, Audience.CREDIT_AGENCY),
    (Role.GOVERNMENT_SUPERVISOR, Audience.GOVERNMENT_SUPERVISOR),
)
_KIND_OF_AUDIENCE = {
    Audience.PLATFORM_ADMIN: OrgKind.PLATFORM_OPERATOR, Audience.BANK_MANAGER: OrgKind.BANK,
    Audience.BANK_LOAN_OFFICER: OrgKind.BANK, Audience.GUARANTEE_COMPANY: OrgKind.GUARANTEE_COMPANY,
    Audience.CREDIT_AGENCY: OrgKind.CREDIT_AGENCY, Audience.GOVERNMENT_SUPERVISOR: OrgKind.GOVERNMENT_DEPARTMENT,
}


def audience_of(*, own: bool, organisation_kind: OrgKind | str, roles: Iterable[Role | str]) -> Audience:
    """The audience of a caller: the entity's own users are the subject; otherwise the best of the roles held
    that belongs to the caller's kind of organisation (a role out of place counts for nothing)."""
    if own:
        return Audience.SUBJECT
    held = {Role(r) for r in roles}
    for role, audience in _ROLE_AUDIENCES:
        if role in held and _KIND_OF_AUDIENCE[audience] == organisation_kind:
            return audience
    return Audience.PUBLIC
