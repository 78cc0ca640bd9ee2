"""Rules of public credit checks (公共信用核查) with no I/O: the bound of a batch, check numbers, whether a grade may
be published, the canonical content that is sealed, and the answer's conclusion in words."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

MAX_BATCH = 1_000  # bidders per batch call: a large tender's opening day, answered within a request
# The lists of dishonest entities a check looks at (sub-category code → list kind), both public in the catalogue.
DISHONESTY_ITEMS = ("serious_dishonesty", "dishonest_debtor")
PENALTY_ITEM = "admin_penalty"
CHECKED_ITEMS = (*DISHONESTY_ITEMS, PENALTY_ITEM)
DEBTOR_LIST_NAME = "失信被执行人名单"
SEAL_CONTEXT = "creditcheck.answer"
UNSEALED_FIELDS = ("content_sm3", "seal")
STATEMENT = ("本核查结果仅依据平台归集的公开类信用信息（严重失信主体名单、失信被执行人、公示期内的行政处罚、"
             "经营异常名录）出具，不含任何需经主体授权方可查询的信息；信用等级仅在本地区允许公开时列示。"
             "核查结果由平台签章，可凭核查校验码在平台核验真伪。")
# What the verification says, by `VerificationStatus` value (the credit report's statuses, in a check's words).
STATUS_LABELS = {
    "genuine": "真实有效：该核查结果由本平台出具",
    "not_found": "未找到：本平台未出具过该校验码对应的核查结果",
    "altered": "内容不一致：校验码真实，但所提交的核查结果与平台出具的不一致，可能已被篡改",
}
GRADE_NOT_PUBLISHED = "本地区未公开市场主体信用等级"
GRADE_NONE = "该主体暂无信用等级"


def new_check_no(today: date, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A check number: XYC, the date, ten random digits (unique by constraint; a batch redraws any clash)."""
    return f"XYC{today:%Y%m%d}{randbelow(10**10):010d}"


def new_batch_no(today: date, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A batch number: XYB, the date, ten random digits."""
    return f"XYB{today:%Y%m%d}{randbelow(10**10):010d}"


def grade_published(*, district_publishes: bool) -> bool:
    """Whether a check shows the entity's credit grade: only where the district publishes grades (the setting
    `creditcheck_publish_grades`, off by default): a grade is the platform's assessment, not a public fact."""
    return district_publishes


def removed(values: Mapping[str, Any], today: date) -> bool:
    """Whether a listing has been lifted (移出/屏蔽) by today: its removal date is set and not in the future."""
    raw = values.get("removed_date")
    return bool(raw) and date.fromisoformat(str(raw)) <= today


def canonical(content: Mapping[str, Any]) -> bytes:
    """The bytes an answer is sealed over: its JSON form (as sent) without the digest and the seal, keys sorted,
    no spaces, UTF-8. A copy that went through any JSON parser and back gives the same bytes."""
    kept = {k: v for k, v in content.items() if k not in UNSEALED_FIELDS}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def conclusion(*, found: bool, dishonest: bool, penalties: int, abnormal: bool) -> str:
    """The answer in one sentence, in the words a tender's evaluation committee reads."""
    if not found:
        return "未在本平台登记的市场主体中找到该统一社会信用代码，请核对"
    findings = [text for present, text in ((dishonest, "列入失信名单"),
                                           (penalties > 0, f"公示期内行政处罚 {penalties} 条"),
                                           (abnormal, "列入经营异常名录")) if present]
    if not findings:
        return "未发现严重失信、公示期内行政处罚或经营异常记录"
    return "存在：" + "；".join(findings)
