"""The enterprise's own grant from 我的授权 (no I/O): what the form may ask for, its checks and its summary.

Financing is authorised as part of applying; here the enterprise authorises what applying does not: a credit report
download by an institution, post-loan management of one of its loans by the lender (or its guarantor) or of its
share of an industry-chain community's line by the community's lender, and a bank's
or credit agency's models computing on its data inside the platform (模型可用不可见计算, under the institution's
programme code). Each
problem is named in Chinese; a form with any problem grants nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from xinyidai.clock import BUSINESS_TZ
from xinyidai.consent.policy import MODE_LABELS, PURPOSE_LABELS, Mode, Purpose
from xinyidai.portal.forms import form_date

# Purposes an enterprise grants on its own page (the financing review is granted by applying).
GRANTABLE = (Purpose.CREDIT_REPORT_DOWNLOAD, Purpose.POST_LOAN_MANAGEMENT, Purpose.MODEL_RUN)
# A model run is granted under the institution's programme code, which the institution tells the enterprise.
PROGRAMME_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
MAX_VALIDITY_DAYS = 365
_ID = re.compile(r"[0-9]{1,9}")
_DAYS = re.compile(r"[0-9]{1,4}")
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone


@dataclass(frozen=True, slots=True)
class LoanChoice:
    """One of the enterprise's loans (or industry-chain communities) a post-loan authorisation may name, and who
    lent it."""

    reference: str
    label: str
    lender_organisation_id: int
    # A community's members are carried by its lender alone (no guarantee company shares a community line), so
    # only that lender may be authorised; a loan's guarantee company may be too.
    lender_only: bool = False


@dataclass(frozen=True, slots=True)
class GrantRequest:
    """A checked form: everything `consent.service.grant` needs but who grants."""

    recipient_organisation_id: int
    purpose: Purpose
    purpose_ref: str | None  # None: a new reference is drawn when granted (a report download)
    categories: tuple[str, ...]
    data_from: date | None
    data_to: date | None
    validity_days: int
    mode: Mode


def new_report_reference(today: date) -> str:
    """A reference for a report-download authorisation, told by the enterprise to the institution."""
    return f"RPT{today:%Y%m%d}" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def check(form: Mapping[str, str | Sequence[str]], *, institutions: Mapping[int, str], guarantors: frozenset[int],
          categories: Mapping[str, str], loans: Sequence[LoanChoice]) -> tuple[GrantRequest | None, list[str]]:
    """The grant the form asks for, or the problems with it (in Chinese). `institutions`: the active banks,
    guarantee companies and credit agencies the enterprise may choose (id → name); `guarantors`: which of them are
    guarantee companies; `loans`: the enterprise's loans and communities (`post_loan_problem`)."""
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    errors: list[str] = []
    recipient_text, purpose_text = text("recipient"), text("purpose")
    # ASCII digits only: str.isdigit() also admits "²", which int() refuses.
    recipient = int(recipient_text) if _ID.fullmatch(recipient_text) and int(recipient_text) in institutions else None
    if recipient is None:
        errors.append("请选择要授权的银行、担保机构或信用服务机构")
    purpose = Purpose(purpose_text) if purpose_text in {p.value for p in GRANTABLE} else None
    if purpose is None:
        errors.append("请选择授权用途（信用报告下载或贷后管理）")
    reference = _purpose_reference(purpose, recipient, loan=text("loan"), purpose_ref=text("purpose_ref"),
                                   guarantors=guarantors, loans=loans, errors=errors)
    chosen = _chosen_categories(form.get("categories", ()), categories, errors)
    data_from = form_date(text("data_from"), "数据起始日期", errors)
    data_to = form_date(text("data_to"), "数据截止日期", errors)
    if data_from and data_to and data_from > data_to:
        errors.append("数据期间的起始日期不能晚于截止日期")
    days = text("days")
    if not _DAYS.fullmatch(days) or not 1 <= int(days) <= MAX_VALIDITY_DAYS:
        errors.append(f"有效期须为1至{MAX_VALIDITY_DAYS}天的整数")
    mode_text = text("mode")
    if mode_text not in {m.value for m in Mode}:
        errors.append("请选择授权方式（一次性或有效期内多次）")
    if errors or recipient is None or purpose is None:
        return None, errors
    return GrantRequest(recipient_organisation_id=recipient, purpose=purpose, purpose_ref=reference,
                        categories=chosen, data_from=data_from, data_to=data_to, validity_days=int(days),
                        mode=Mode(mode_text)), []


def _purpose_reference(purpose: Purpose | None, recipient: int | None, *, loan: str, purpose_ref: str,
                       guarantors: frozenset[int], loans: Sequence[LoanChoice], errors: list[str]) -> str | None:
    """The reference a purpose is granted under (the loan's, or the institution's programme code); None: drawn."""
    if purpose is Purpose.POST_LOAN_MANAGEMENT:
        if problem := post_loan_problem(loan, recipient, guarantors=guarantors, loans=loans):
            errors.append(problem)
        return loan
    if purpose is Purpose.MODEL_RUN:
        # Models run on the platform's data for banks and credit agencies only (see scoring.sandbox).
        if recipient is not None and recipient in guarantors:
            errors.append("模型可用不可见计算只能授权银行或信用服务机构")
        if PROGRAMME_REFERENCE.fullmatch(purpose_ref):
            return purpose_ref
        errors.append("请填写机构提供的业务编号（字母、数字、连字符，至多64位）")
    return None


def post_loan_problem(reference: str, recipient: int | None, *, guarantors: frozenset[int],
                      loans: Sequence[LoanChoice]) -> str | None:
    """Why a post-loan authorisation naming `reference` cannot go to `recipient` (in Chinese), or None: it names one
    of the enterprise's loans or communities (`loans`) and goes to its lender, or to a guarantee company for a loan.
    The grant form and `consent.service.grant` both ask this."""
    choice = next((choice for choice in loans if choice.reference == reference), None)
    if choice is None:
        return "贷后管理授权须针对本企业的一笔贷款或本企业已确认加入的产业链信用共同体"
    if recipient is None or recipient == choice.lender_organisation_id:
        return None
    if choice.lender_only:
        return "产业链信用共同体的贷后管理授权只能授予该共同体的授信银行"
    if recipient not in guarantors:
        return "贷后管理授权只能授予该笔贷款的放款银行或担保机构"
    return None


def _chosen_categories(raw: str | Sequence[str], categories: Mapping[str, str], errors: list[str]) -> tuple[str, ...]:
    """The information categories ticked, each once and in order; none or an unknown one is an error."""
    chosen = tuple(sorted({c for c in ([raw] if isinstance(raw, str) else raw) if c}))
    if not chosen:
        errors.append("请至少选择一类信用信息")
    elif unknown := [c for c in chosen if c not in categories]:
        errors.append("不存在的信息类别：" + "、".join(unknown))
    return chosen


def summary(request: GrantRequest, *, recipient: str, categories: Mapping[str, str], now: datetime,
            loan_label: str | None = None) -> list[str]:
    """What the enterprise is about to authorise, sentence by sentence, in Chinese, for it to confirm."""
    names = "、".join(categories.get(c, c) for c in request.categories)
    if set(categories) <= set(request.categories):
        names = f"全部{len(categories)}类信用信息"
    until = (now + timedelta(days=request.validity_days)).astimezone(BUSINESS_TZ)
    window = ("不限" if request.data_from is None and request.data_to is None else
              f"{request.data_from or '不限'} 至 {request.data_to or '不限'}")
    purpose = PURPOSE_LABELS[request.purpose]
    if loan_label:
        purpose = f"{purpose}（{loan_label}）"
    if request.purpose is Purpose.MODEL_RUN:
        purpose = f"{purpose}（机构业务编号：{request.purpose_ref}；机构的模型只能在平台内计算，机构只得到评分）"
    how = ("一次性：对方只能查询一次" if request.mode is Mode.ONE_TIME else
           f"{MODE_LABELS[request.mode]}：有效期内对方可多次查询")
    return [
        f"被授权机构：{recipient}",
        f"授权用途：{purpose}",
        f"信息类别：{names}（受限类信息始终不向机构提供）",
        f"数据期间：{window}",
        f"有效期：自确认起{request.validity_days}天，至{until:%Y-%m-%d %H:%M}",
        f"授权方式：{how}",
        "确认后对方的每一次查询（包括被拒绝的查询）都会记入“谁查看了我的信息”；您可随时在本页撤销授权。",
    ]
