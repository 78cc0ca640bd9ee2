"""API shapes of public credit checks (公共信用核查): the question (one bidder, or a tender's bidders), the sealed
answer, and the answer to "is this check result genuine?"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from xinyidai.creditcheck.policy import MAX_BATCH
from xinyidai.creditdata.service import VerificationStatus
from xinyidai.text import Text

# A code is checked by the registry's rule (GB 32100-2015) in the service, so that a wrong check character gets
# the rule's own message and the position of the bidder in a batch; the schema bounds the text only.
UsccText = Annotated[Text, Field(min_length=1, max_length=30)]
TENDER_REF = Field(default=None, min_length=1, max_length=60, description="招标项目编号（可选），记入核查记录")


class CreditCheckCreate(BaseModel):
    """One bidder (投标人) to check, by its unified social credit code."""

    uscc: UsccText
    tender_ref: Text | None = TENDER_REF


class CreditCheckBatchCreate(BaseModel):
    """A tender's bidders to check in one call (开标日批量核查), at most `MAX_BATCH`."""

    usccs: list[UsccText] = Field(min_length=1, max_length=MAX_BATCH)
    tender_ref: Text | None = TENDER_REF

    @field_validator("usccs", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        # Before the items are read: a list past the bound, or a code that cannot be one, is refused in words.
        if isinstance(value, list) and len(value) > MAX_BATCH:
            raise ValueError(f"一次最多核查 {MAX_BATCH} 家投标人，本次提交了 {len(value)} 家，请分批提交")
        if isinstance(value, list) and any(isinstance(code, str) and not 1 <= len(code) <= 30 for code in value):
            raise ValueError("统一社会信用代码应为18位")
        return value


class DishonestyListingRead(BaseModel):
    """One listing of the entity on a list of dishonest entities (严重失信主体名单, 失信被执行人)."""

    list_kind: str
    list_name: str
    reason: str
    listed_date: date | None
    authority: str
    source: str


class PenaltyRead(BaseModel):
    """An administrative penalty (行政处罚) within its publicity period (公示期)."""

    decision_no: str
    violation: str
    penalty_kind: str
    amount_fen: int | None
    severity: str
    decision_date: date | None
    authority: str
    publicity_until: date | None
    source: str


class AbnormalOperationRead(BaseModel):
    """Whether the entity is on the list of abnormal operations (经营异常名录), since when and why."""

    listed: bool
    since: date | None = None
    reason: str | None = None


class GradeRead(BaseModel):
    """The entity's credit grade (信用等级), shown only where publishing it is allowed."""

    published: bool
    grade: str | None = None
    as_of: date | None = None
    note: str


class CreditCheckRead(BaseModel):
    """The sealed answer about one bidder: public information only. `content_sm3` is the SM3 digest of every other
    field but `seal` in canonical JSON, and `seal` the platform's seal on it; the verification API checks a copy."""

    check_no: str
    verification_code: str
    verify_url: str
    checked_at: datetime
    requester: str
    tender_ref: str | None
    uscc: str
    found: bool
    subject_name: str | None
    operating_status: str | None
    seriously_dishonest: bool
    dishonesty_listings: list[DishonestyListingRead]
    admin_penalties: list[PenaltyRead]
    abnormal_operation: AbnormalOperationRead
    credit_grade: GradeRead
    conclusion: str
    statement: str
    content_sm3: str
    seal: str


class CreditCheckBatchRead(BaseModel):
    """The answers of a batch, one per bidder in the order asked."""

    batch_no: str
    count: int
    results: list[CreditCheckRead]


class CreditCheckVerify(BaseModel):
    """A check result presented for verification: its code and, optionally, the answer as received."""

    code: Text = Field(min_length=1, max_length=40)
    answer: dict[str, Any] | None = Field(default=None, description="所持的核查结果（JSON，与平台返回的一致）")


class CreditCheckVerificationRead(BaseModel):
    """Whether a check result is genuine: which check, about whom, for whom, when; never its content."""

    status: VerificationStatus
    message: str
    check_no: str | None = None
    subject_name: str | None = None
    subject_uscc: str | None = None
    checked_at: datetime | None = None
    requester: str | None = None
    answer_checked: bool = False
    answer_matches: bool | None = None
